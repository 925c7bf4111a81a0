#include "dynamodb/retry_quota.hpp"

#include <algorithm>

namespace dynamo_es::dynamodb::detail {

retry_quota::retry_quota(const retry_options& options) noexcept
    : capacity_(options.quota_capacity),
      retry_cost_(options.retry_cost),
      timeout_retry_cost_(options.timeout_retry_cost),
      success_increment_(options.success_increment),
      tokens_(options.quota_capacity) {}

std::optional<std::size_t> retry_quota::try_acquire(bool after_timeout) noexcept {
  if (capacity_ == 0) return std::size_t{0};
  const std::size_t cost = after_timeout ? timeout_retry_cost_ : retry_cost_;
  auto tokens = tokens_.load(std::memory_order_relaxed);
  do {
    if (tokens < cost) return std::nullopt;
  } while (!tokens_.compare_exchange_weak(tokens, tokens - cost, std::memory_order_relaxed));
  return cost;
}

void retry_quota::on_success(std::optional<std::size_t> last_retry_cost) noexcept {
  if (capacity_ == 0) return;
  add(last_retry_cost ? *last_retry_cost : success_increment_);
}

void retry_quota::add(std::size_t amount) noexcept {
  auto tokens = tokens_.load(std::memory_order_relaxed);
  while (tokens < capacity_ &&
         !tokens_.compare_exchange_weak(tokens, std::min(capacity_, tokens + amount),
                                        std::memory_order_relaxed)) {
  }
}

}  // namespace dynamo_es::dynamodb::detail
