#pragma once

/// \file
/// A real TCP proxy on 127.0.0.1 between a client and DynamoDB Local that injects network and
/// service faults into chosen requests: connection resets before the request is forwarded and
/// after it was applied, responses cut mid-body, responses held past the client's deadline, and
/// 500 / 503 / throttling answers made up by the proxy. It understands just enough HTTP/1.1
/// (Content-Length bodies, keep-alive, interim 1xx answers) to see where one request or response
/// ends, so faults hit whole requests of a pooled keep-alive client exactly as they would on a
/// real network.

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace dynamo_es::testing {

/// What the proxy does to one request instead of passing it through.
enum class fault_kind {
  /// Reset the client's connection (RST) without forwarding: nothing is applied.
  reset_before_request,
  /// Forward the request, wait for DynamoDB's answer, then reset the client's connection: the
  /// request was applied but the answer is lost.
  reset_before_response,
  /// Forward, then send the response head and only half of the body before closing: applied,
  /// answer cut.
  truncate_response,
  /// Forward, then hold the answer for `fault_proxy_options::delay` before sending it: applied,
  /// answer late (past the client's deadline when the delay is longer).
  delay_response,
  /// Answer `500 InternalFailure` without forwarding.
  internal_error_500,
  /// Answer `503 ServiceUnavailable` without forwarding.
  service_unavailable_503,
  /// Answer `400 ThrottlingException` without forwarding.
  throttling,
  /// Answer `400 ProvisionedThroughputExceededException` without forwarding.
  provisioned_throughput_exceeded,
};

inline constexpr std::size_t fault_kind_count = 8;

/// Every kind, in declaration order.
[[nodiscard]] const std::array<fault_kind, fault_kind_count>& all_fault_kinds() noexcept;

/// "reset_before_request", ...
[[nodiscard]] std::string_view to_string(fault_kind kind) noexcept;

/// True for the kinds that forward the request (DynamoDB applies it) before failing.
[[nodiscard]] bool forwards_request(fault_kind kind) noexcept;

/// Options of a `fault_proxy`. Only `upstream_url` is required.
struct fault_proxy_options {
  /// Where requests go: `http://<loopback address>:<port>` (DynamoDB Local). Required; any other
  /// host throws `std::invalid_argument`.
  std::string upstream_url{};
  /// Probability that a request gets a fault, in [0, 1]. Default 0 (a plain proxy).
  double fault_rate = 0.0;
  /// The kinds to choose from, uniformly. Default: all of them. Must not be empty.
  std::vector<fault_kind> kinds{all_fault_kinds().begin(), all_fault_kinds().end()};
  /// Seed of the generator deciding which request gets which fault. Default 1. The decisions
  /// are drawn in the order requests arrive, so with several connections the sequence of
  /// decisions is fixed but which request gets which depends on scheduling.
  std::uint64_t seed = 1;
  /// How long `delay_response` holds an answer. Default 1.5 s.
  std::chrono::milliseconds delay{1500};
  /// Only requests whose `X-Amz-Target` header contains this text may get a fault (e.g.
  /// "TransactWriteItems"). Empty (default) = every request.
  std::string target_filter{};
};

/// What the proxy has seen and done since it started.
struct fault_proxy_counts {
  /// Complete requests received from clients.
  std::uint64_t requests = 0;
  /// Requests sent on to the upstream (whether or not the answer then got a fault).
  std::uint64_t forwarded = 0;
  /// Faults injected, indexed by `fault_kind`.
  std::array<std::uint64_t, fault_kind_count> injected{};

  [[nodiscard]] std::uint64_t of(fault_kind kind) const noexcept {
    return injected[static_cast<std::size_t>(kind)];
  }
  [[nodiscard]] std::uint64_t total_injected() const noexcept;
};

/// A running proxy, listening on an ephemeral port of 127.0.0.1.
///
/// One thread accepts connections; each client connection gets its own thread and its own
/// keep-alive connection to the upstream. The destructor stops accepting, closes every
/// connection and joins every thread (a held `delay_response` is cut short).
/// Thread-safety: all public member functions may be called from any thread.
class fault_proxy {
 public:
  /// Binds, listens and starts serving. Throws `std::invalid_argument` for bad options and
  /// `std::runtime_error` when the socket cannot be set up.
  explicit fault_proxy(fault_proxy_options options);
  ~fault_proxy();
  fault_proxy(const fault_proxy&) = delete;
  fault_proxy& operator=(const fault_proxy&) = delete;

  /// The port the proxy listens on.
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
  /// `http://127.0.0.1:<port>`: the endpoint to give the client.
  [[nodiscard]] std::string url() const;

  /// Changes the fault rate for the requests that arrive from now on.
  void set_fault_rate(double rate);

  /// A snapshot of the counters.
  [[nodiscard]] fault_proxy_counts counts() const;

 private:
  struct connection {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> finished;
  };
  void accept_loop();
  void serve(int client_fd);
  /// The fault for a request with this head, if it gets one.
  [[nodiscard]] std::optional<fault_kind> decide(std::string_view request_head);
  /// Waits `delay`, or less when the proxy stops. Returns false when it stopped.
  bool wait_for_delay();
  void reap_finished_connections();

  fault_proxy_options options_;
  std::string upstream_host_;
  std::uint16_t upstream_port_ = 0;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;

  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;

  mutable std::mutex decide_mutex_;
  std::mt19937_64 random_;
  double fault_rate_;

  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> forwarded_{0};
  std::array<std::atomic<std::uint64_t>, fault_kind_count> injected_{};

  std::list<connection> connections_;  // touched only by the accept thread and the destructor
  std::thread accept_thread_;
};

}  // namespace dynamo_es::testing
