#include "counting_transport.hpp"

#include <string_view>
#include <thread>

namespace dynamo_es::bench {
namespace {

constexpr std::string_view request_line = "POST / HTTP/1.1\r\n";
constexpr std::string_view target_prefix = "DynamoDB_20120810.";

std::uint64_t wire_bytes(const dynamodb::http_request& request) {
  std::uint64_t bytes = request_line.size();
  for (const auto& header : request.headers) {
    bytes += header.name.size() + 2 + header.value.size() + 2;  // "name: value\r\n"
  }
  bytes +=
      std::string_view("Content-Length: \r\n").size() + std::to_string(request.body.size()).size();
  bytes += 2;  // the blank line
  return bytes + request.body.size();
}

std::string operation_of(const dynamodb::http_request& request) {
  for (const auto& header : request.headers) {
    if (header.name == "X-Amz-Target") {
      std::string_view value = header.value;
      if (value.starts_with(target_prefix)) value.remove_prefix(target_prefix.size());
      return std::string(value);
    }
  }
  return {};
}

}  // namespace

dynamodb::http_result counting_transport::send(const dynamodb::http_request& request) {
  requests_.fetch_add(1, std::memory_order_relaxed);
  request_bytes_.fetch_add(wire_bytes(request), std::memory_order_relaxed);
  if (recording_.load(std::memory_order_relaxed)) {
    const std::lock_guard lock(mutex_);
    recorded_.push_back({operation_of(request), request.body});
  }
  if (added_latency_.count() > 0) std::this_thread::sleep_for(added_latency_);
  auto result = inner_->send(request);
  response_bytes_.fetch_add(result.body.size(), std::memory_order_relaxed);
  return result;
}

traffic counting_transport::snapshot() const noexcept {
  return {requests_.load(std::memory_order_relaxed), request_bytes_.load(std::memory_order_relaxed),
          response_bytes_.load(std::memory_order_relaxed)};
}

void counting_transport::start_recording() {
  const std::lock_guard lock(mutex_);
  recorded_.clear();
  recording_.store(true);
}

std::vector<recorded_request> counting_transport::stop_recording() {
  recording_.store(false);
  const std::lock_guard lock(mutex_);
  return std::move(recorded_);
}

}  // namespace dynamo_es::bench
