#pragma once

// The retry quota of AWS standard mode: a token bucket shared by every call of one client, so
// that when a service is struggling the client stops multiplying its load with retries (each
// retry pays; successes slowly refill the bucket).

#include <atomic>
#include <cstddef>
#include <optional>

#include "dynamo_es/dynamodb/retry_options.hpp"

namespace dynamo_es::dynamodb::detail {

/// Thread-safe (a lock-free counter).
class retry_quota {
 public:
  /// Starts full at `options.quota_capacity`; a capacity of 0 disables the quota (every
  /// `try_acquire` succeeds at no cost).
  explicit retry_quota(const retry_options& options) noexcept;

  /// Takes the cost of one retry (`timeout_retry_cost` after a timeout, else `retry_cost`).
  /// Returns what was taken, or nullopt when the bucket holds less: then do not retry.
  [[nodiscard]] std::optional<std::size_t> try_acquire(bool after_timeout) noexcept;

  /// A call succeeded. `last_retry_cost` is what its last retry took (nullopt when it
  /// succeeded at the first attempt): returned to the bucket; a first-try success adds
  /// `success_increment`. Never above capacity.
  void on_success(std::optional<std::size_t> last_retry_cost) noexcept;

  /// Tokens in the bucket now.
  [[nodiscard]] std::size_t available() const noexcept {
    return tokens_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  void add(std::size_t amount) noexcept;

  const std::size_t capacity_;
  const std::size_t retry_cost_;
  const std::size_t timeout_retry_cost_;
  const std::size_t success_increment_;
  std::atomic<std::size_t> tokens_;
};

}  // namespace dynamo_es::dynamodb::detail
