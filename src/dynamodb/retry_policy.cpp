#include "dynamodb/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>

#include "dynamodb/retry_quota.hpp"

namespace dynamo_es::dynamodb::detail {
namespace {

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) noexcept {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Cancellation reason codes that mean "DynamoDB was too busy", not "your request is wrong".
bool is_throttling_reason(std::string_view code) noexcept {
  return is_one_of(code, {"ThrottlingError", "ProvisionedThroughputExceeded",
                          "RequestLimitExceeded", "TransactionInProgress"});
}

// Error names for which DynamoDB rejected the request's signing time.
bool is_clock_skew_name(std::string_view name) noexcept {
  return is_one_of(name, {"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture",
                          "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure"});
}

// AWS standard mode's transient names without a class of their own.
bool is_transient_name(std::string_view name) noexcept {
  return is_one_of(name, {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"});
}

std::mt19937_64& generator() {
  // One generator per thread: no lock, distinct seeds for threads started together.
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }()};
  return engine;
}

}  // namespace

std::string_view to_string(failure_kind kind) noexcept {
  switch (kind) {
    case failure_kind::not_retryable:
      return "not_retryable";
    case failure_kind::throttling:
      return "throttling";
    case failure_kind::transient:
      return "transient";
    case failure_kind::clock_skew:
      return "clock_skew";
  }
  return "not_retryable";
}

std::string_view to_string(give_up_reason reason) noexcept {
  switch (reason) {
    case give_up_reason::none:
      return "none";
    case give_up_reason::not_retryable:
      return "not_retryable";
    case give_up_reason::ambiguous_write:
      return "ambiguous_write";
    case give_up_reason::max_attempts:
      return "max_attempts";
    case give_up_reason::quota_exhausted:
      return "quota_exhausted";
    case give_up_reason::deadline:
      return "deadline";
  }
  return "none";
}

failure_class classify_failure(const dynamodb_error& error) noexcept {
  failure_class result;
  if (const auto* transport = dynamic_cast<const transport_error*>(&error)) {
    // Every transport failure is transient; whether it may have been applied decides whether a
    // write may be re-sent (the caller's business).
    result.kind = failure_kind::transient;
    result.ambiguous = may_have_reached_server(transport->status());
    result.timeout = transport->status() == transport_status::timeout;
    return result;
  }
  if (const auto* canceled = dynamic_cast<const transaction_canceled*>(&error)) {
    // Retried only when every failed action was throttled: any other reason (a condition, a
    // validation error, a conflict) is the caller's to resolve, and nothing was applied.
    bool throttled_only = false;
    for (const auto& reason : canceled->cancellation_reasons()) {
      if (reason.is_none()) continue;
      if (!is_throttling_reason(reason.code)) return result;
      throttled_only = true;
    }
    if (throttled_only) result.kind = failure_kind::throttling;
    return result;
  }
  if (dynamic_cast<const throttled*>(&error) != nullptr || error.http_status() == 429) {
    result.kind = failure_kind::throttling;
    return result;
  }
  if (is_clock_skew_name(error.error_name())) {
    result.kind = failure_kind::clock_skew;
    return result;
  }
  if (dynamic_cast<const transaction_conflict*>(&error) != nullptr ||
      is_transient_name(error.error_name())) {
    result.kind = failure_kind::transient;
    return result;
  }
  if (dynamic_cast<const conditional_check_failed*>(&error) != nullptr ||
      dynamic_cast<const dynamodb_validation_error*>(&error) != nullptr ||
      dynamic_cast<const idempotent_parameter_mismatch*>(&error) != nullptr) {
    return result;
  }
  if (error.http_status() >= 500) {
    result.kind = failure_kind::transient;
    // internal_server_error knows which statuses may follow an applied write; an http_error
    // with a 5xx (no DynamoDB body) is judged the same way.
    const int status = error.http_status();
    result.ambiguous = !(status == 501 || status == 503 || status == 505);
    return result;
  }
  return result;
}

bool is_read_operation(std::string_view operation) noexcept {
  for (const std::string_view prefix :
       {"Get", "BatchGet", "Describe", "List", "Query", "Scan", "TransactGet"}) {
    if (operation.starts_with(prefix)) return true;
  }
  return false;
}

std::chrono::milliseconds backoff_ceiling(int retry, std::chrono::milliseconds base,
                                          std::chrono::milliseconds cap) noexcept {
  if (base <= std::chrono::milliseconds::zero() || cap <= std::chrono::milliseconds::zero()) {
    return std::chrono::milliseconds::zero();
  }
  auto ceiling = std::min(base, cap);
  for (int i = 0; i < retry && ceiling < cap; ++i) {
    ceiling = ceiling > cap / 2 ? cap : ceiling * 2;
  }
  return std::min(ceiling, cap);
}

std::chrono::milliseconds full_jitter_backoff(int retry, std::chrono::milliseconds base,
                                              std::chrono::milliseconds cap, double unit) noexcept {
  const auto ceiling = backoff_ceiling(retry, base, cap);
  const double clamped = std::clamp(unit, 0.0, 1.0);
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(clamped * static_cast<double>(ceiling.count())));
}

std::chrono::milliseconds full_jitter_backoff(int retry, std::chrono::milliseconds base,
                                              std::chrono::milliseconds cap) {
  std::uniform_real_distribution<double> pick(0.0, 1.0);
  return full_jitter_backoff(retry, base, cap, pick(generator()));
}

call_retry_state::call_retry_state(const retry_options& options, retry_quota* quota,
                                   bool idempotent, clock::time_point start) noexcept
    : options_(options), quota_(quota), idempotent_(idempotent) {
  if (options.total_timeout > std::chrono::milliseconds::zero()) {
    deadline_ = start + options.total_timeout;
  }
}

std::optional<std::chrono::milliseconds> call_retry_state::attempt_budget(
    clock::time_point now) const noexcept {
  if (!deadline_) return std::nullopt;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - now);
  // The first attempt always goes, even when the caller's deadline is absurdly short.
  return std::max(left, std::chrono::milliseconds(1));
}

std::optional<std::chrono::milliseconds> call_retry_state::on_failure(const failure_class& failure,
                                                                      bool clock_corrected,
                                                                      clock::time_point now,
                                                                      double unit) {
  earlier_ambiguous_ = any_ambiguous_;
  any_ambiguous_ = any_ambiguous_ || failure.ambiguous;
  const auto give_up = [this](give_up_reason reason) -> std::optional<std::chrono::milliseconds> {
    gave_up_ = reason;
    return std::nullopt;
  };
  if (failure.kind == failure_kind::not_retryable ||
      (failure.kind == failure_kind::clock_skew && !clock_corrected)) {
    return give_up(give_up_reason::not_retryable);
  }
  if (failure.ambiguous && !idempotent_) return give_up(give_up_reason::ambiguous_write);
  if (attempts_ >= std::max(options_.max_attempts, 1)) return give_up(give_up_reason::max_attempts);

  std::chrono::milliseconds delay{0};
  if (failure.kind != failure_kind::clock_skew) {
    // A clock correction fixes the cause at once: no backoff and no quota. Anything else waits
    // and pays.
    delay =
        full_jitter_backoff(backoff_retries_, options_.base_backoff, options_.max_backoff, unit);
  }
  if (deadline_ && now + delay >= *deadline_) return give_up(give_up_reason::deadline);
  if (failure.kind != failure_kind::clock_skew) {
    if (quota_ != nullptr) {
      const auto cost = quota_->try_acquire(failure.timeout);
      if (!cost) return give_up(give_up_reason::quota_exhausted);
      last_cost_ = cost;
    }
    ++backoff_retries_;
  }
  return delay;
}

void call_retry_state::on_success() noexcept {
  if (quota_ != nullptr) quota_->on_success(last_cost_);
}

}  // namespace dynamo_es::dynamodb::detail
