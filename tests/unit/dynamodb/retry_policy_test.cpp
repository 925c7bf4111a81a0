// The pure parts of the client's retry policy (AWS standard mode): backoff bounds, the retry
// quota's accounting, the classification table of docs/retries-and-idempotency.md, which
// operations are idempotent, the per-call decisions (attempts, ambiguity, deadline, quota) and the
// clock-skew helpers. No transport.

#include "dynamodb/retry_policy.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <thread>
#include <vector>

#include "dynamodb/error_mapping.hpp"
#include "dynamodb/retry_clock.hpp"
#include "dynamodb/retry_quota.hpp"

namespace dynamo_es::dynamodb::detail {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

// --- Backoff ------------------------------------------------------------------------------------

TEST(retry_backoff, the_ceiling_doubles_from_the_base_up_to_the_cap) {
  const auto base = 25ms;
  const auto cap = 20'000ms;
  std::chrono::milliseconds expected = base;
  for (int retry = 0; retry < 40; ++retry) {
    SCOPED_TRACE(retry);
    EXPECT_EQ(backoff_ceiling(retry, base, cap), std::min(expected, cap));
    expected = std::min(expected * 2, cap);
  }
  EXPECT_EQ(backoff_ceiling(1'000'000, base, cap), cap);  // no overflow on absurd retry counts
  EXPECT_EQ(backoff_ceiling(0, 0ms, cap), 0ms);
  EXPECT_EQ(backoff_ceiling(3, 30'000ms, cap), cap);  // a base above the cap is capped
}

TEST(retry_backoff, full_jitter_spans_zero_to_the_ceiling) {
  EXPECT_EQ(full_jitter_backoff(3, 25ms, 20'000ms, 0.0), 0ms);
  EXPECT_EQ(full_jitter_backoff(3, 25ms, 20'000ms, 1.0), 200ms);
  EXPECT_EQ(full_jitter_backoff(3, 25ms, 20'000ms, 0.5), 100ms);
  EXPECT_EQ(full_jitter_backoff(30, 25ms, 20'000ms, 1.0), 20'000ms);
  EXPECT_EQ(full_jitter_backoff(3, 25ms, 20'000ms, 7.0), 200ms);  // out-of-range draws clamp
}

TEST(retry_backoff, random_delays_stay_within_bounds_and_are_spread) {
  for (int retry = 0; retry < 12; ++retry) {
    const auto ceiling = backoff_ceiling(retry, 25ms, 20'000ms);
    std::chrono::milliseconds low = ceiling;
    std::chrono::milliseconds high = 0ms;
    for (int i = 0; i < 400; ++i) {
      const auto delay = full_jitter_backoff(retry, 25ms, 20'000ms);
      ASSERT_GE(delay, 0ms);
      ASSERT_LE(delay, ceiling);
      low = std::min(low, delay);
      high = std::max(high, delay);
    }
    // Full jitter, not a constant: 400 uniform draws cover most of the range.
    EXPECT_LT(low, ceiling / 4) << "retry " << retry;
    EXPECT_GT(high, ceiling * 3 / 4) << "retry " << retry;
  }
}

// --- Quota --------------------------------------------------------------------------------------

retry_options quota_options(std::size_t capacity) {
  retry_options options;
  options.quota_capacity = capacity;
  return options;
}

TEST(retry_quota, a_retry_costs_5_and_10_after_a_timeout) {
  retry_quota quota(quota_options(500));
  EXPECT_EQ(quota.available(), 500u);
  EXPECT_EQ(quota.try_acquire(false), std::optional<std::size_t>(5));
  EXPECT_EQ(quota.available(), 495u);
  EXPECT_EQ(quota.try_acquire(true), std::optional<std::size_t>(10));
  EXPECT_EQ(quota.available(), 485u);
}

TEST(retry_quota, an_empty_bucket_refuses_retries) {
  retry_quota quota(quota_options(12));
  EXPECT_TRUE(quota.try_acquire(false));  // 7 left
  EXPECT_FALSE(quota.try_acquire(true));  // a timeout retry needs 10
  EXPECT_TRUE(quota.try_acquire(false));  // 2 left
  EXPECT_FALSE(quota.try_acquire(false));
  EXPECT_EQ(quota.available(), 2u);
}

TEST(retry_quota, a_successful_retry_refunds_its_cost_and_a_first_try_success_adds_one) {
  retry_quota quota(quota_options(500));
  const auto cost = quota.try_acquire(true);
  ASSERT_TRUE(cost);
  EXPECT_EQ(quota.available(), 490u);
  quota.on_success(cost);
  EXPECT_EQ(quota.available(), 500u);
  static_cast<void>(quota.try_acquire(false));
  quota.on_success(std::nullopt);
  EXPECT_EQ(quota.available(), 496u);
  for (int i = 0; i < 10; ++i) quota.on_success(std::nullopt);
  EXPECT_EQ(quota.available(), 500u) << "never above capacity";
}

TEST(retry_quota, capacity_zero_disables_the_quota) {
  retry_quota quota(quota_options(0));
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(quota.try_acquire(true));
}

TEST(retry_quota, concurrent_retries_never_overdraw) {
  retry_quota quota(quota_options(500));
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (quota.try_acquire(false)) ++granted;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(granted.load(), 100);  // 500 / 5
  EXPECT_EQ(quota.available(), 0u);
}

// --- Classification -----------------------------------------------------------------------------

http_result answer(int status, std::string body) {
  http_result result;
  result.status = transport_status::ok;
  result.http_status = status;
  result.headers = {{"x-amzn-requestid", "r"}};
  result.body = std::move(body);
  return result;
}

http_result aws_error(int status, const std::string& name) {
  return answer(status,
                R"({"__type":"com.amazonaws.dynamodb.v20120810#)" + name + R"(","Message":"m"})");
}

http_result cancellation(const std::vector<std::string>& codes) {
  std::string reasons;
  for (const auto& code : codes) {
    if (!reasons.empty()) reasons += ",";
    reasons += R"({"Code":")" + code + R"("})";
  }
  return answer(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
                     R"("CancellationReasons":[)" +
                         reasons + R"(],"Message":"m"})");
}

http_result broken(transport_status status) {
  http_result result;
  result.status = status;
  result.error_message = "test";
  return result;
}

failure_class classify(const http_result& result) {
  const auto error = make_error("Op", result);
  if (!error) throw std::logic_error("not an error");
  try {
    std::rethrow_exception(error);
  } catch (const dynamodb_error& e) {
    return classify_failure(e);
  }
}

struct classification_case {
  std::string name;
  http_result result;
  failure_kind kind;
  bool ambiguous;
  bool timeout = false;
};

TEST(retry_classification, follows_the_documented_table) {
  const std::vector<classification_case> table = {
      // Throttling: retried, nothing applied.
      {"ThrottlingException", aws_error(400, "ThrottlingException"), failure_kind::throttling,
       false},
      {"ProvisionedThroughputExceeded", aws_error(400, "ProvisionedThroughputExceededException"),
       failure_kind::throttling, false},
      {"RequestLimitExceeded", aws_error(400, "RequestLimitExceeded"), failure_kind::throttling,
       false},
      {"TransactionInProgress", aws_error(400, "TransactionInProgressException"),
       failure_kind::throttling, false},
      {"LimitExceeded", aws_error(400, "LimitExceededException"), failure_kind::throttling, false},
      {"HTTP 429 without type", answer(429, "Too Many Requests"), failure_kind::throttling, false},
      {"cancellation: throttling only", cancellation({"None", "ThrottlingError"}),
       failure_kind::throttling, false},
      {"cancellation: throughput only",
       cancellation({"ProvisionedThroughputExceeded", "None", "ThrottlingError"}),
       failure_kind::throttling, false},
      // Server errors: retried; ambiguous unless the service refused up front.
      {"500 InternalServerError", aws_error(500, "InternalServerError"), failure_kind::transient,
       true},
      {"500 InternalFailure", aws_error(500, "InternalFailure"), failure_kind::transient, true},
      {"503 ServiceUnavailable", aws_error(503, "ServiceUnavailable"), failure_kind::transient,
       false},
      {"502 without body", answer(502, "Bad Gateway"), failure_kind::transient, true},
      {"504 without body", answer(504, "Gateway Timeout"), failure_kind::transient, true},
      {"TransactionConflictException", aws_error(400, "TransactionConflictException"),
       failure_kind::transient, false},
      {"RequestTimeout", aws_error(400, "RequestTimeout"), failure_kind::transient, false},
      {"PriorRequestNotComplete", aws_error(400, "PriorRequestNotComplete"),
       failure_kind::transient, false},
      // Transport failures: retried; ambiguous once the request may have left.
      {"connect_failed", broken(transport_status::connect_failed), failure_kind::transient, false},
      {"send_failed", broken(transport_status::send_failed), failure_kind::transient, false},
      {"tls_error", broken(transport_status::tls_error), failure_kind::transient, false},
      {"timeout", broken(transport_status::timeout), failure_kind::transient, true, true},
      {"receive_failed", broken(transport_status::receive_failed), failure_kind::transient, true},
      {"other", broken(transport_status::other), failure_kind::transient, true},
      // Clock skew: retried after correcting the clock.
      {"InvalidSignatureException", aws_error(400, "InvalidSignatureException"),
       failure_kind::clock_skew, false},
      {"RequestTimeTooSkewed", aws_error(403, "RequestTimeTooSkewed"), failure_kind::clock_skew,
       false},
      // Never retried.
      {"ConditionalCheckFailed", aws_error(400, "ConditionalCheckFailedException"),
       failure_kind::not_retryable, false},
      {"cancellation: condition", cancellation({"ConditionalCheckFailed", "None"}),
       failure_kind::not_retryable, false},
      {"cancellation: condition and throttling",
       cancellation({"ConditionalCheckFailed", "ThrottlingError"}), failure_kind::not_retryable,
       false},
      {"cancellation: conflict", cancellation({"TransactionConflict", "None"}),
       failure_kind::not_retryable, false},
      {"cancellation: validation", cancellation({"ValidationError"}), failure_kind::not_retryable,
       false},
      {"cancellation: no reason", cancellation({"None"}), failure_kind::not_retryable, false},
      {"ValidationException",
       answer(400, R"({"__type":"com.amazon.coral.validate#ValidationException","Message":"m"})"),
       failure_kind::not_retryable, false},
      {"IdempotentParameterMismatch", aws_error(400, "IdempotentParameterMismatchException"),
       failure_kind::not_retryable, false},
      {"ResourceNotFound", aws_error(400, "ResourceNotFoundException"), failure_kind::not_retryable,
       false},
      {"413 without type", answer(413, R"({"Message":""})"), failure_kind::not_retryable, false},
      {"unknown name", aws_error(400, "SomethingNew"), failure_kind::not_retryable, false},
  };
  for (const auto& row : table) {
    SCOPED_TRACE(row.name);
    const auto got = classify(row.result);
    EXPECT_EQ(to_string(got.kind), to_string(row.kind));
    EXPECT_EQ(got.ambiguous, row.ambiguous);
    EXPECT_EQ(got.timeout, row.timeout);
  }
}

TEST(retry_classification, a_corrupted_body_is_an_ambiguous_transport_failure) {
  auto corrupted = answer(200, "{}");
  corrupted.headers.push_back({"x-amz-crc32", "1"});
  const auto got = classify(corrupted);
  EXPECT_EQ(got.kind, failure_kind::transient);
  EXPECT_TRUE(got.ambiguous);
}

TEST(retry_classification, reads_are_idempotent_writes_are_not) {
  for (const auto* read : {"GetItem", "BatchGetItem", "Query", "Scan", "DescribeTable",
                           "ListTables", "TransactGetItems", "DescribeTimeToLive"}) {
    EXPECT_TRUE(is_read_operation(read)) << read;
  }
  for (const auto* write : {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                            "TransactWriteItems", "CreateTable", "DeleteTable", "UpdateTable"}) {
    EXPECT_FALSE(is_read_operation(write)) << write;
  }
}

// --- Per-call decisions -------------------------------------------------------------------------

const failure_class throttle{failure_kind::throttling, false, false};
const failure_class lost_answer{failure_kind::transient, true, false};
const failure_class timed_out{failure_kind::transient, true, true};
const failure_class refused{failure_kind::transient, false, false};

retry_options fast_options() {
  retry_options options;
  options.base_backoff = 25ms;
  options.total_timeout = 0ms;
  return options;
}

TEST(retry_call_state, retries_until_max_attempts) {
  auto options = fast_options();
  options.max_attempts = 3;
  call_retry_state state(options, nullptr, true, clock::now());
  EXPECT_TRUE(state.on_failure(throttle, false, clock::now(), 1.0));
  state.next_attempt();
  EXPECT_TRUE(state.on_failure(throttle, false, clock::now(), 1.0));
  state.next_attempt();
  EXPECT_FALSE(state.on_failure(throttle, false, clock::now(), 1.0));
  EXPECT_EQ(state.gave_up(), give_up_reason::max_attempts);
  EXPECT_EQ(state.attempts(), 3);
}

TEST(retry_call_state, backoff_grows_with_each_retry) {
  auto options = fast_options();
  options.max_attempts = 5;
  call_retry_state state(options, nullptr, true, clock::now());
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 4; ++i) {
    const auto delay = state.on_failure(throttle, false, clock::now(), 1.0);
    ASSERT_TRUE(delay);
    delays.push_back(*delay);
    state.next_attempt();
  }
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{25ms, 50ms, 100ms, 200ms}));
}

TEST(retry_call_state, an_ambiguous_failure_is_retried_only_when_idempotent) {
  const auto options = fast_options();
  call_retry_state write(options, nullptr, false, clock::now());
  EXPECT_FALSE(write.on_failure(lost_answer, false, clock::now(), 0.0));
  EXPECT_EQ(write.gave_up(), give_up_reason::ambiguous_write);
  EXPECT_TRUE(write.any_ambiguous());

  call_retry_state refused_write(options, nullptr, false, clock::now());
  EXPECT_TRUE(refused_write.on_failure(refused, false, clock::now(), 0.0))
      << "a failure before sending is safe to retry for any call";

  call_retry_state read(options, nullptr, true, clock::now());
  EXPECT_TRUE(read.on_failure(lost_answer, false, clock::now(), 0.0));
}

TEST(retry_call_state, remembers_that_an_earlier_attempt_was_ambiguous) {
  const auto options = fast_options();
  call_retry_state state(options, nullptr, true, clock::now());
  ASSERT_TRUE(state.on_failure(lost_answer, false, clock::now(), 0.0));
  EXPECT_FALSE(state.earlier_attempt_ambiguous());  // the failing attempt is the latest
  state.next_attempt();
  ASSERT_TRUE(state.on_failure(throttle, false, clock::now(), 0.0));
  EXPECT_TRUE(state.earlier_attempt_ambiguous());
}

TEST(retry_call_state, never_retries_what_is_not_retryable) {
  const auto options = fast_options();
  call_retry_state state(options, nullptr, true, clock::now());
  EXPECT_FALSE(
      state.on_failure({failure_kind::not_retryable, false, false}, false, clock::now(), 0));
  EXPECT_EQ(state.gave_up(), give_up_reason::not_retryable);
}

TEST(retry_call_state, the_deadline_stops_retries_and_bounds_each_attempt) {
  auto options = fast_options();
  options.max_attempts = 10;
  options.total_timeout = 1000ms;
  const auto start = clock::now();
  call_retry_state state(options, nullptr, true, start);
  EXPECT_EQ(state.attempt_budget(start), std::optional(1000ms));
  EXPECT_EQ(state.attempt_budget(start + 600ms), std::optional(400ms));
  // A delay of 25 ms from t=600 ms ends before the deadline: retried.
  EXPECT_EQ(state.on_failure(throttle, false, start + 600ms, 1.0), std::optional(25ms));
  state.next_attempt();
  // A delay of 50 ms from t=980 ms would end past it: given up.
  EXPECT_FALSE(state.on_failure(throttle, false, start + 980ms, 1.0));
  EXPECT_EQ(state.gave_up(), give_up_reason::deadline);
  // Past the deadline an attempt still gets a minimal budget (the first attempt always goes).
  EXPECT_EQ(state.attempt_budget(start + 5000ms), std::optional(1ms));

  options.total_timeout = 0ms;
  call_retry_state unbounded(options, nullptr, true, start);
  EXPECT_EQ(unbounded.attempt_budget(start), std::nullopt);
}

TEST(retry_call_state, retries_draw_on_the_quota_and_success_refunds) {
  auto options = fast_options();
  options.quota_capacity = 20;
  options.max_attempts = 10;
  retry_quota quota(options);
  call_retry_state first(options, &quota, true, clock::now());
  ASSERT_TRUE(first.on_failure(timed_out, false, clock::now(), 0.0));  // 10
  first.next_attempt();
  ASSERT_TRUE(first.on_failure(throttle, false, clock::now(), 0.0));  // 5
  EXPECT_EQ(quota.available(), 5u);
  first.on_success();  // refunds the last retry's 5
  EXPECT_EQ(quota.available(), 10u);

  call_retry_state second(options, &quota, true, clock::now());
  ASSERT_TRUE(second.on_failure(timed_out, false, clock::now(), 0.0));  // 0 left
  second.next_attempt();
  EXPECT_FALSE(second.on_failure(throttle, false, clock::now(), 0.0));
  EXPECT_EQ(second.gave_up(), give_up_reason::quota_exhausted);

  call_retry_state third(options, &quota, true, clock::now());
  third.on_success();  // first-try success
  EXPECT_EQ(quota.available(), 1u);
}

TEST(retry_call_state, a_clock_skew_retry_is_free_and_immediate_but_only_when_corrected) {
  auto options = fast_options();
  options.quota_capacity = 5;
  retry_quota quota(options);
  const failure_class skew{failure_kind::clock_skew, false, false};
  call_retry_state corrected(options, &quota, false, clock::now());
  EXPECT_EQ(corrected.on_failure(skew, true, clock::now(), 1.0), std::optional(0ms));
  EXPECT_EQ(quota.available(), 5u);

  call_retry_state uncorrected(options, &quota, false, clock::now());
  EXPECT_FALSE(uncorrected.on_failure(skew, false, clock::now(), 1.0));
  EXPECT_EQ(uncorrected.gave_up(), give_up_reason::not_retryable);
}

// --- Clock --------------------------------------------------------------------------------------

TEST(retry_clock, parses_imf_fixdate) {
  const auto parsed = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*parsed), 784111777);
  EXPECT_TRUE(parse_http_date("Thu, 29 Feb 2024 23:59:59 GMT"));
  for (const auto* bad : {"", "Sun, 06 Nov 1994 08:49:37 UTC", "Sunday, 06-Nov-94 08:49:37 GMT",
                          "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 0x Nov 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(parse_http_date(bad)) << bad;
  }
}

TEST(retry_clock, adopts_the_server_offset_only_for_a_real_skew) {
  signing_clock signer;
  const auto local = std::chrono::system_clock::now();
  EXPECT_FALSE(signer.correct(local, local + 20s, local)) << "20 s cannot explain a rejection";
  EXPECT_EQ(signer.offset(), 0ms);
  EXPECT_TRUE(signer.correct(local, local + 1h, local));
  EXPECT_EQ(signer.offset(), 3'600'000ms);
  const auto now = signer.now();
  EXPECT_GT(now, std::chrono::system_clock::now() + 59min);
  // Signed with the corrected clock and rejected again for a small difference: no new offset.
  EXPECT_FALSE(signer.correct(now, now + 5s, local));
  EXPECT_EQ(signer.offset(), 3'600'000ms);
}

}  // namespace
}  // namespace dynamo_es::dynamodb::detail
