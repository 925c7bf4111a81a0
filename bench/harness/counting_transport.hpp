#pragma once

// An http_transport that counts what goes through it (requests, request bytes, response bytes)
// and can record request bodies, wrapped around the production curl transport. The harness hands
// it to every client it builds (client_options::transport), so "requests per operation" counts
// attempts on the wire, retries included.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "dynamo_es/dynamodb/http_transport.hpp"

namespace dynamo_es::bench {

/// Counters of a `counting_transport` at one moment.
struct traffic {
  std::uint64_t requests = 0;
  /// Request line, the headers handed to the transport, Content-Length and the body: what the
  /// request costs on the wire, give or take the few bytes curl adds (`Accept`).
  std::uint64_t request_bytes = 0;
  std::uint64_t response_bytes = 0;  ///< response bodies only

  friend traffic operator-(const traffic& a, const traffic& b) {
    return {a.requests - b.requests, a.request_bytes - b.request_bytes,
            a.response_bytes - b.response_bytes};
  }
};

/// One recorded request: the operation (`X-Amz-Target` without its prefix) and the body.
struct recorded_request {
  std::string operation;
  std::string body;
};

/// Thread-safe, like the transport it wraps.
class counting_transport final : public dynamodb::http_transport {
 public:
  /// `added_latency`: slept before each request is sent, to imitate the round trip to a remote
  /// DynamoDB (time that costs no CPU on this machine); zero by default.
  explicit counting_transport(std::shared_ptr<dynamodb::http_transport> inner,
                              std::chrono::microseconds added_latency = {})
      : inner_(std::move(inner)), added_latency_(added_latency) {}

  [[nodiscard]] dynamodb::http_result send(const dynamodb::http_request& request) override;

  [[nodiscard]] traffic snapshot() const noexcept;

  /// While recording, every request body is kept (for the raw floors, which re-send exactly the
  /// requests the store sent).
  void start_recording();
  [[nodiscard]] std::vector<recorded_request> stop_recording();

 private:
  std::shared_ptr<dynamodb::http_transport> inner_;
  std::chrono::microseconds added_latency_;
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> request_bytes_{0};
  std::atomic<std::uint64_t> response_bytes_{0};
  std::atomic<bool> recording_{false};
  std::mutex mutex_;
  std::vector<recorded_request> recorded_;
};

}  // namespace dynamo_es::bench
