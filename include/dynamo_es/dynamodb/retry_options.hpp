#pragma once

/// \file
/// How the DynamoDB client retries a failed call: AWS's "standard" retry mode (max attempts,
/// full-jitter exponential backoff, a retry quota shared by the client), a total deadline per
/// call, and clock-skew correction. The contract, with what is retried and what is idempotent, is
/// in docs/retries-and-idempotency.md.

#include <chrono>
#include <cstddef>

namespace dynamo_es::dynamodb {

/// Retry policy of one `client` (every operation). Defaults are AWS standard mode with DynamoDB's
/// 25 ms base delay.
///
/// What is retried: throttling (ThrottlingException, ProvisionedThroughputExceededException,
/// RequestLimitExceeded, TransactionInProgressException, ... and HTTP 429), a TransactionCanceled
/// whose only failed reasons are throttling ones, TransactionConflictException, 5xx, transient
/// names (RequestTimeout, PriorRequestNotComplete) and transport failures. Never retried:
/// ConditionalCheckFailed, any other TransactionCanceled, ValidationException,
/// IdempotentParameterMismatch and every other error.
///
/// Ambiguous failures (the request may have been applied: a timeout or broken connection after
/// the request was sent, a cut or corrupted response, HTTP 500/502/504) are retried only for
/// idempotent calls: reads (Get*, Query, Scan, Describe*, List*, TransactGetItems) and a
/// TransactWriteItems that carries a ClientRequestToken. Any other write (PutItem, UpdateItem,
/// DeleteItem, CreateTable, ..., or a TransactWriteItems without a token) throws at once and the
/// error's `ambiguous()` is true: re-sending it could apply it twice or report a false
/// condition failure, and only the caller knows how to check.
struct retry_options {
  /// Attempts per call, the first included. Default 3 (AWS standard mode); 1 = never retry;
  /// values below 1 count as 1.
  int max_attempts = 3;
  /// The delay before retry n (n = 0 for the first retry) is uniformly random in
  /// [0, min(max_backoff, base_backoff * 2^n)] ("full jitter"). Default 25 ms (DynamoDB's base).
  std::chrono::milliseconds base_backoff{25};
  /// Cap of the backoff. Default 20 s.
  std::chrono::milliseconds max_backoff{20'000};

  /// Retry quota: a token bucket shared by every call of the client, starting full. A retry
  /// takes `retry_cost` tokens (`timeout_retry_cost` after a timeout); when the bucket holds too
  /// few, the call fails with the error at hand instead of retrying. A call that succeeds after
  /// retries returns the cost of its last retry; a call that succeeds at the first attempt adds
  /// `success_increment`, up to `quota_capacity`. This stops a client from multiplying the load
  /// on a struggling service. Default 500; 0 disables the quota (retries limited only by
  /// `max_attempts` and `total_timeout`).
  std::size_t quota_capacity = 500;
  /// Default 5.
  std::size_t retry_cost = 5;
  /// Default 10.
  std::size_t timeout_retry_cost = 10;
  /// Default 1.
  std::size_t success_increment = 1;

  /// Deadline of one call across all its attempts and backoffs. No retry starts (and no backoff
  /// sleeps) past it, and each attempt's transport timeout is capped by the time left. Default
  /// 30 s; 0 = no deadline (only the per-attempt `client_options::request_timeout`).
  std::chrono::milliseconds total_timeout{30'000};

  /// When DynamoDB rejects a request because its signing time is off (RequestTimeTooSkewed,
  /// RequestExpired, InvalidSignatureException "Signature expired", ...), take the clock offset
  /// from the response's `Date` header, re-sign and retry. The offset is kept by the client for
  /// later calls. Default on.
  bool correct_clock_skew = true;
};

}  // namespace dynamo_es::dynamodb
