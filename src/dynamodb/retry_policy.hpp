#pragma once

// The pure parts of the client's retry policy (AWS standard mode): which failures are retried,
// which operations are idempotent, how long to back off, and the per-call bookkeeping that turns
// those into "retry after d" or "give up". The client's call loop (client.cpp) drives it; unit
// tests drive it without a transport. See docs/retries-and-idempotency.md.

#include <chrono>
#include <optional>
#include <string_view>

#include "dynamo_es/dynamodb/errors.hpp"
#include "dynamo_es/dynamodb/retry_options.hpp"

namespace dynamo_es::dynamodb::detail {

class retry_quota;

/// Why an attempt failed, as far as retrying is concerned.
enum class failure_kind {
  not_retryable,  ///< retrying cannot help (a condition, validation, mismatch, unknown error)
  throttling,     ///< throttling codes, HTTP 429, a cancellation with only throttling reasons
  transient,      ///< 5xx, transient names, TransactionConflictException, transport failures
  clock_skew,     ///< the signing time was rejected; retry after correcting the clock
};

[[nodiscard]] std::string_view to_string(failure_kind kind) noexcept;

struct failure_class {
  failure_kind kind = failure_kind::not_retryable;
  /// This attempt may have been applied although it failed (see `dynamodb_error::ambiguous`).
  bool ambiguous = false;
  /// The attempt timed out (or stalled): a retry costs `timeout_retry_cost`.
  bool timeout = false;
};

/// The classification table of docs/retries-and-idempotency.md, for the error of one attempt.
[[nodiscard]] failure_class classify_failure(const dynamodb_error& error) noexcept;

/// True for operations that change nothing (Get*, BatchGetItem, Query, Scan, Describe*, List*,
/// TransactGetItems): re-sending them after an ambiguous failure is always safe.
[[nodiscard]] bool is_read_operation(std::string_view operation) noexcept;

/// The ceiling of the backoff before retry `retry` (0 = the first retry):
/// min(cap, base * 2^retry), without overflow.
[[nodiscard]] std::chrono::milliseconds backoff_ceiling(int retry, std::chrono::milliseconds base,
                                                        std::chrono::milliseconds cap) noexcept;

/// Full jitter: `unit` (in [0, 1]) times the ceiling, rounded down to whole milliseconds.
[[nodiscard]] std::chrono::milliseconds full_jitter_backoff(int retry,
                                                            std::chrono::milliseconds base,
                                                            std::chrono::milliseconds cap,
                                                            double unit) noexcept;

/// The same with a random `unit` from a per-thread generator.
[[nodiscard]] std::chrono::milliseconds full_jitter_backoff(int retry,
                                                            std::chrono::milliseconds base,
                                                            std::chrono::milliseconds cap);

/// Why a call stopped retrying.
enum class give_up_reason {
  none,             ///< it did not (yet)
  not_retryable,    ///< the failure is never retried
  ambiguous_write,  ///< the attempt may have been applied and the call is not idempotent
  max_attempts,     ///< `max_attempts` reached
  quota_exhausted,  ///< the retry quota holds too few tokens
  deadline,         ///< the backoff would end past `total_timeout`
};

[[nodiscard]] std::string_view to_string(give_up_reason reason) noexcept;

/// The retry bookkeeping of one call. Not thread-safe (one call runs on one thread); the quota
/// it draws from is.
class call_retry_state {
 public:
  using clock = std::chrono::steady_clock;

  /// `quota` may be null (no quota). `idempotent`: the call may be re-sent after an ambiguous
  /// failure.
  call_retry_state(const retry_options& options, retry_quota* quota, bool idempotent,
                   clock::time_point start) noexcept;

  /// Called before each attempt: the time the attempt may take (what is left of the deadline),
  /// or nullopt when there is no deadline.
  [[nodiscard]] std::optional<std::chrono::milliseconds> attempt_budget(
      clock::time_point now) const noexcept;

  /// Records a failed attempt. Returns the delay before the next attempt, or nullopt to give up
  /// (then `gave_up()` says why). `clock_corrected`: for a `clock_skew` failure, whether the
  /// caller could correct its clock (otherwise a retry would fail the same way). `unit` is the
  /// jitter draw in [0, 1].
  [[nodiscard]] std::optional<std::chrono::milliseconds> on_failure(const failure_class& failure,
                                                                    bool clock_corrected,
                                                                    clock::time_point now,
                                                                    double unit);

  /// Records success: refunds the last retry's cost, or credits a first-try success.
  void on_success() noexcept;

  /// Attempts so far (the one in flight included).
  [[nodiscard]] int attempts() const noexcept { return attempts_; }
  /// Whether an attempt before the last recorded failure was ambiguous.
  [[nodiscard]] bool earlier_attempt_ambiguous() const noexcept { return earlier_ambiguous_; }
  /// Whether any recorded failure was ambiguous.
  [[nodiscard]] bool any_ambiguous() const noexcept { return any_ambiguous_; }
  [[nodiscard]] give_up_reason gave_up() const noexcept { return gave_up_; }

  /// Starts the next attempt (the first is counted by the constructor).
  void next_attempt() noexcept { ++attempts_; }

 private:
  const retry_options& options_;
  retry_quota* quota_;
  bool idempotent_;
  std::optional<clock::time_point> deadline_;
  int attempts_ = 1;
  int backoff_retries_ = 0;
  std::optional<std::size_t> last_cost_;
  bool earlier_ambiguous_ = false;
  bool any_ambiguous_ = false;
  give_up_reason gave_up_ = give_up_reason::none;
};

/// Writes the retry history into an error before it is thrown (the only writer of
/// `dynamodb_error`'s attempt fields).
struct retry_annotation {
  static void annotate(dynamodb_error& error, int attempts,
                       bool earlier_attempt_ambiguous) noexcept {
    error.attempts_ = attempts;
    error.earlier_attempt_ambiguous_ =
        error.earlier_attempt_ambiguous_ || earlier_attempt_ambiguous;
    error.call_ambiguous_ = error.ambiguous() || error.earlier_attempt_ambiguous_;
  }
};

}  // namespace dynamo_es::dynamodb::detail
