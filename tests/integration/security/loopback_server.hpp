#pragma once

// A scripted HTTP(S) server on 127.0.0.1 for the security tests: it plays the misbehaving
// endpoints DynamoDB Local cannot (a server that answers nothing, closes at once, reflects the
// request, sends a bad checksum, or presents a self-signed certificate).

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace dynamo_es::security_testing {

/// What the server does with one request.
struct reply {
  enum class action {
    respond,  ///< send `bytes` (a whole HTTP response) and close
    close,    ///< close the connection without answering
    hang,     ///< keep the connection open and never answer (until the server stops)
  };
  action what = action::respond;
  std::string bytes;

  /// `HTTP/1.1 <status>` with `body` and the given extra header lines (each ending in \r\n).
  [[nodiscard]] static reply http(int status, std::string body, std::string extra_headers = {});
};

/// A self-signed certificate for "localhost" / 127.0.0.1, made in memory (P-256, one day).
class tls_identity {
 public:
  tls_identity();
  ~tls_identity();
  tls_identity(const tls_identity&) = delete;
  tls_identity& operator=(const tls_identity&) = delete;

  struct impl;
  [[nodiscard]] impl& get() const noexcept { return *impl_; }

 private:
  std::unique_ptr<impl> impl_;
};

/// Serves one connection at a time on a free loopback port until destroyed. `handler` sees the
/// raw request (headers and body). With a `tls_identity`, connections are TLS; a client that
/// rejects the certificate is counted in `failed_handshakes()`.
class loopback_server {
 public:
  using handler = std::function<reply(const std::string& raw_request)>;

  explicit loopback_server(handler respond, const tls_identity* tls = nullptr);
  ~loopback_server();
  loopback_server(const loopback_server&) = delete;
  loopback_server& operator=(const loopback_server&) = delete;

  [[nodiscard]] int port() const noexcept { return port_; }
  /// `http://127.0.0.1:<port>` or `https://...` (as the client's endpoint_url).
  [[nodiscard]] std::string url(bool https) const;
  [[nodiscard]] int requests() const noexcept { return requests_.load(); }
  [[nodiscard]] int failed_handshakes() const noexcept { return failed_handshakes_.load(); }
  /// The client gives up as soon as it has rejected the certificate, possibly before the server
  /// thread has seen SSL_accept fail, so a test waits (at most `timeout`) for the count to arrive.
  [[nodiscard]] int await_failed_handshakes(int at_least, std::chrono::milliseconds timeout) const;

 private:
  void run();
  void serve(int fd);

  handler respond_;
  const tls_identity* tls_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> failed_handshakes_{0};
  std::vector<int> hung_;
  std::thread thread_;
};

/// A loopback port nothing listens on (bound, then closed).
[[nodiscard]] int closed_port();

}  // namespace dynamo_es::security_testing
