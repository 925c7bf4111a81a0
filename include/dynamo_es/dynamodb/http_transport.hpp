#pragma once

/// \file
/// The HTTP layer under the DynamoDB client: one abstract `http_transport` whose `send()` returns a
/// value (never throws for network failures), so a retry loop can branch without `try`, and tests
/// can substitute a fault-injecting double. `make_curl_transport()` is the production
/// implementation.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dynamo_es::dynamodb {

/// One request or response header.
struct http_header {
  std::string name{};
  std::string value{};

  friend bool operator==(const http_header&, const http_header&) = default;
};

/// A POST request. `headers` are sent as given (the transport adds only `Content-Length`).
struct http_request {
  std::string url{};  ///< absolute, e.g. `http://127.0.0.1:8000/`
  std::vector<http_header> headers{};
  std::string body{};
  /// Time allowed for this attempt; 0 (default) = the transport's own request timeout. The
  /// client sets it to what is left of the call's total deadline when that is shorter. A
  /// transport takes the smaller of the two.
  std::chrono::milliseconds timeout{0};
};

/// How far a request got, mapped from the transport's own error codes (`CURLcode` for curl).
enum class transport_status {
  ok,                 ///< a complete HTTP response arrived (whatever its status code)
  connect_failed,     ///< no connection (refused, unresolvable, timed out while connecting)
  timeout,            ///< the deadline passed, or the transfer stalled, after connecting
  send_failed,        ///< the connection broke while sending the request
  receive_failed,     ///< the connection broke after the request was sent
  tls_error,          ///< TLS handshake or certificate verification failed
  checksum_mismatch,  ///< the body does not match its `x-amz-crc32` header (corrupted)
  other,              ///< anything else
};

/// "ok", "connect_failed", ...
[[nodiscard]] std::string_view to_string(transport_status status) noexcept;

/// True when the request may have reached DynamoDB and been applied although no (valid) response
/// came back: `timeout`, `receive_failed`, `checksum_mismatch` and `other`. Re-sending such a
/// write is safe only when it is idempotent (e.g. a TransactWriteItems with the same
/// ClientRequestToken).
[[nodiscard]] bool may_have_reached_server(transport_status status) noexcept;

/// The outcome of one `send()`: a value, never an exception.
struct http_result {
  transport_status status = transport_status::other;
  int http_status = 0;                 ///< 0 unless `status == ok`
  std::vector<http_header> headers{};  ///< response headers, names in lower case
  std::string body{};
  std::string error_message{};  ///< the transport's explanation when `status != ok`

  /// The first header named `name` (case-insensitive), if any.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

/// Sends HTTP requests. Implementations must be safe to call from many threads at once.
class http_transport {
 public:
  http_transport() = default;
  http_transport(const http_transport&) = delete;
  http_transport& operator=(const http_transport&) = delete;
  virtual ~http_transport() = default;

  /// Sends `request` and waits for the whole response. Network failures are reported in the
  /// result's `status`, not thrown.
  [[nodiscard]] virtual http_result send(const http_request& request) = 0;
};

/// Options of the curl transport.
struct curl_transport_options {
  /// Time allowed to establish the TCP (and TLS) connection. Default 2 s.
  std::chrono::milliseconds connect_timeout{2000};
  /// Deadline for a whole request, connection included. Default 10 s.
  std::chrono::milliseconds request_timeout{10000};
  /// Abort a transfer that moves fewer than `low_speed_bytes_per_second` bytes per second for
  /// this long (reported as `transport_status::timeout`). Default 5 s; 0 = off.
  std::chrono::milliseconds low_speed_time{5000};
  /// Default 1.
  std::size_t low_speed_bytes_per_second = 1;
  /// At most this many requests in flight, each on its own reused (keep-alive) connection;
  /// further callers wait for a free one. Default 16; 0 means 1.
  std::size_t max_connections = 16;
  /// Send TCP keep-alive probes on idle pooled connections. Default on.
  bool tcp_keepalive = true;
  /// Verify the TLS peer (certificate and host name) for https. Default on (a `client` that
  /// builds its own transport follows `client_options::verify_tls`). Turn off only for a test
  /// endpoint with a self-signed certificate: anyone on the network path could then impersonate the
  /// endpoint. Off, the transport says so loudly: the first request to each https URL writes one
  /// line `dynamo-es: WARNING: TLS peer verification is OFF for <url> ...` on stderr.
  bool verify_tls = true;
};

/// A thread-safe libcurl transport with a pool of reused connections (keep-alive).
/// `Expect: 100-continue` is never sent; signals are not used (CURLOPT_NOSIGNAL).
[[nodiscard]] std::shared_ptr<http_transport> make_curl_transport(
    const curl_transport_options& options = {});

}  // namespace dynamo_es::dynamodb
