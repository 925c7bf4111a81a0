// The client's retry policy end to end, through the fault-injecting transport double over a
// scripted server. A double because these faults cannot be provoked on demand against DynamoDB
// Local or a healthy loopback connection: a lost answer to an applied request, a cut or corrupted
// body, throttling, 5xx, a signature rejected for clock skew. (tests/integration/reliability runs
// the same double over the real curl transport and DynamoDB Local.)

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"
#include "unit/dynamodb/fault_injecting_transport.hpp"

namespace dynamo_es::dynamodb {
namespace {

using namespace std::chrono_literals;
using testing::fault;
using testing::fault_injecting_transport;
using testing::scripted_transport;

class client_retry : public ::testing::Test {
 protected:
  client make_client(const std::function<void(retry_options&)>& tweak = {}) {
    client_options options;
    options.endpoint_url = "http://127.0.0.1:8000";
    options.region = "eu-west-1";
    options.credentials = credentials{"AKIDTEST", "secret", ""};
    options.transport = transport_;
    options.retry.base_backoff = 1ms;  // fast tests; the backoff itself is tested in retry_policy
    if (tweak) tweak(options.retry);
    return client(options);
  }

  static get_item_request get() {
    get_item_request request;
    request.table_name = "T";
    request.key = {{"Id", attribute_value::string("a")}};
    return request;
  }

  static put_item_request put() {
    put_item_request request;
    request.table_name = "T";
    request.item = {{"Id", attribute_value::string("a")}};
    return request;
  }

  static transact_write_items_request transaction(std::string token) {
    transact_write_items_request request;
    transact_put action;
    action.table_name = "T";
    action.item = {{"Id", attribute_value::string("a")}};
    request.transact_items.emplace_back(std::move(action));
    request.client_request_token = std::move(token);
    return request;
  }

  std::shared_ptr<fault_injecting_transport> transport_ =
      std::make_shared<fault_injecting_transport>();
};

// Runs `call`, expecting a `dynamodb_error`, and returns a copy of what was thrown.
template <typename Call>
std::optional<dynamodb_error> failure_of(Call&& call) {
  try {
    call();
  } catch (const dynamodb_error& e) {
    return e;
  }
  return std::nullopt;
}

const std::vector<fault> every_fault = {fault::timeout,
                                        fault::timeout_after_apply,
                                        fault::reset_before_send,
                                        fault::reset_after_send,
                                        fault::cut_body,
                                        fault::corrupt_body,
                                        fault::internal_error,
                                        fault::service_unavailable,
                                        fault::throttling,
                                        fault::throughput_exceeded,
                                        fault::internal_error_after_apply};

TEST_F(client_retry, every_fault_on_a_read_is_retried_until_it_succeeds) {
  for (const auto f : every_fault) {
    SCOPED_TRACE(std::string(testing::to_string(f)));
    transport_ = std::make_shared<fault_injecting_transport>();
    transport_->plan("GetItem", {f});
    const auto response = make_client().get_item(get());
    EXPECT_FALSE(response.item);
    const auto seen = transport_->exchanges();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].injected, f);
    EXPECT_EQ(seen[1].injected, fault::none);
    EXPECT_EQ(seen[0].body, seen[1].body);
  }
}

TEST_F(client_retry, an_ambiguous_failure_of_a_plain_write_is_thrown_at_once) {
  // The request may have been applied: re-sending a PutItem could apply it twice or fail its
  // condition falsely, so the caller decides.
  for (const auto f :
       {fault::timeout, fault::timeout_after_apply, fault::reset_after_send, fault::cut_body,
        fault::corrupt_body, fault::internal_error, fault::internal_error_after_apply}) {
    SCOPED_TRACE(std::string(testing::to_string(f)));
    transport_ = std::make_shared<fault_injecting_transport>();
    transport_->plan("PutItem", {f});
    const auto error = failure_of([&] { static_cast<void>(make_client().put_item(put())); });
    ASSERT_TRUE(error);
    EXPECT_TRUE(error->ambiguous()) << error->what();
    EXPECT_EQ(error->attempts(), 1);
    EXPECT_EQ(transport_->exchanges().size(), 1u);
  }
}

TEST_F(client_retry, a_write_that_failed_before_reaching_dynamodb_is_retried) {
  for (const auto f : {fault::reset_before_send, fault::service_unavailable, fault::throttling,
                       fault::throughput_exceeded}) {
    SCOPED_TRACE(std::string(testing::to_string(f)));
    transport_ = std::make_shared<fault_injecting_transport>();
    transport_->plan("PutItem", {f});
    static_cast<void>(make_client().put_item(put()));
    EXPECT_EQ(transport_->exchanges().size(), 2u);
    EXPECT_EQ(transport_->scripted()->received(), 1u);
  }
}

TEST_F(client_retry, a_transaction_with_a_token_is_resent_with_the_same_token_after_a_lost_answer) {
  transport_->plan("TransactWriteItems", {fault::reset_after_send, fault::timeout});
  static_cast<void>(make_client().transact_write_items(transaction("tok-1")));
  const auto seen = transport_->exchanges();
  ASSERT_EQ(seen.size(), 3u);
  for (const auto& attempt : seen) {
    EXPECT_EQ(attempt.body, seen[0].body);
    EXPECT_NE(attempt.body.find(R"("ClientRequestToken":"tok-1")"), std::string::npos);
  }
  EXPECT_EQ(transport_->scripted()->received(), 2u);  // the lost one and the last one arrived
}

TEST_F(client_retry, a_transaction_without_a_token_is_not_resent_after_an_ambiguous_failure) {
  transport_->plan("TransactWriteItems", {fault::reset_after_send});
  const auto error =
      failure_of([&] { static_cast<void>(make_client().transact_write_items(transaction(""))); });
  ASSERT_TRUE(error);
  EXPECT_TRUE(error->ambiguous());
  EXPECT_EQ(transport_->exchanges().size(), 1u);
}

TEST_F(client_retry, a_throttled_cancellation_is_retried_other_cancellations_are_not) {
  transport_->plan("TransactWriteItems", {fault::throttled_cancellation});
  static_cast<void>(make_client().transact_write_items(transaction("tok-2")));
  EXPECT_EQ(transport_->exchanges().size(), 2u);

  transport_ = std::make_shared<fault_injecting_transport>();
  transport_->plan("TransactWriteItems", {fault::conflicted_cancellation});
  try {
    static_cast<void>(make_client().transact_write_items(transaction("tok-3")));
    FAIL() << "expected transaction_canceled";
  } catch (const transaction_canceled& e) {
    EXPECT_EQ(e.attempts(), 1);
  }
  EXPECT_EQ(transport_->exchanges().size(), 1u);
}

TEST_F(client_retry, conditions_validation_and_token_mismatches_are_never_retried) {
  const std::vector<std::pair<std::string, http_result>> answers = {
      {"ConditionalCheckFailedException",
       scripted_transport::error(400, "ConditionalCheckFailedException", "failed")},
      {"ValidationException", scripted_transport::error(400, "ValidationException", "bad")},
      {"IdempotentParameterMismatchException",
       scripted_transport::error(400, "IdempotentParameterMismatchException")},
      {"TransactionCanceled (condition)", [] {
         auto result = scripted_transport::error(400, "TransactionCanceledException", "x");
         result.body =
             R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
             R"("CancellationReasons":[{"Code":"ConditionalCheckFailed","Message":"m"}],"Message":"x"})";
         return result;
       }()}};
  for (const auto& [name, answer] : answers) {
    SCOPED_TRACE(name);
    transport_ = std::make_shared<fault_injecting_transport>();
    transport_->scripted()->push(answer);
    const auto error = failure_of(
        [&] { static_cast<void>(make_client().transact_write_items(transaction("tok-4"))); });
    ASSERT_TRUE(error);
    EXPECT_EQ(error->attempts(), 1);
    EXPECT_FALSE(error->ambiguous());
    EXPECT_EQ(transport_->exchanges().size(), 1u);
  }
}

TEST_F(client_retry, exhausted_attempts_throw_the_last_error_with_the_call_history) {
  transport_->plan("GetItem", {fault::reset_after_send, fault::throttling, fault::throttling});
  try {
    static_cast<void>(make_client().get_item(get()));
    FAIL() << "expected throttled";
  } catch (const throttled& e) {
    EXPECT_EQ(e.attempts(), 3);
    EXPECT_TRUE(e.earlier_attempt_ambiguous());
    EXPECT_TRUE(e.ambiguous()) << "the first attempt may have been applied";
  }
  EXPECT_EQ(transport_->exchanges().size(), 3u);
}

TEST_F(client_retry, max_attempts_is_configurable) {
  transport_->plan("GetItem",
                   {fault::throttling, fault::throttling, fault::throttling, fault::throttling});
  static_cast<void>(make_client([](retry_options& o) { o.max_attempts = 5; }).get_item(get()));
  EXPECT_EQ(transport_->exchanges().size(), 5u);

  transport_ = std::make_shared<fault_injecting_transport>();
  transport_->plan("GetItem", {fault::throttling});
  const auto error = failure_of([&] {
    static_cast<void>(make_client([](retry_options& o) { o.max_attempts = 1; }).get_item(get()));
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->attempts(), 1);
  EXPECT_EQ(transport_->exchanges().size(), 1u);
}

TEST_F(client_retry, an_empty_quota_stops_retries_for_every_call_of_the_client) {
  const auto c = make_client([](retry_options& o) { o.quota_capacity = 10; });
  transport_->set_rule([](const testing::exchange&, std::size_t) { return fault::throttling; });
  const auto first = failure_of([&] { static_cast<void>(c.get_item(get())); });
  ASSERT_TRUE(first);
  EXPECT_EQ(first->attempts(), 3);  // two retries of 5 tokens each empty the bucket
  const auto second = failure_of([&] { static_cast<void>(c.get_item(get())); });
  ASSERT_TRUE(second);
  EXPECT_EQ(second->attempts(), 1) << "no token left: no retry";
  EXPECT_EQ(transport_->exchanges().size(), 4u);

  // A first-try success adds one token, not enough for a retry (5).
  transport_->set_rule({});
  static_cast<void>(c.get_item(get()));
  transport_->set_rule([](const testing::exchange&, std::size_t) { return fault::throttling; });
  const auto third = failure_of([&] { static_cast<void>(c.get_item(get())); });
  ASSERT_TRUE(third);
  EXPECT_EQ(third->attempts(), 1);

  // Another client has its own bucket.
  const auto other = make_client([](retry_options& o) { o.quota_capacity = 10; });
  const auto fresh = failure_of([&] { static_cast<void>(other.get_item(get())); });
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->attempts(), 3);
}

TEST_F(client_retry, the_total_deadline_bounds_the_attempts_of_a_call) {
  // The double waits out each attempt's budget like a real timeout; the call's budget (300 ms)
  // is spent by the first attempt, so no retry starts although two more are allowed.
  transport_->set_timeouts_wait(true);
  transport_->plan("GetItem", {fault::timeout, fault::timeout, fault::timeout});
  const auto error = failure_of([&] {
    static_cast<void>(
        make_client([](retry_options& o) { o.total_timeout = 300ms; }).get_item(get()));
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->attempts(), 1);
  const auto seen = transport_->exchanges();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_GT(seen[0].timeout, 0ms);
  EXPECT_LE(seen[0].timeout, 300ms) << "the attempt's budget is what is left of the deadline";
}

TEST_F(client_retry, without_a_deadline_attempts_carry_no_budget) {
  static_cast<void>(make_client([](retry_options& o) { o.total_timeout = 0ms; }).get_item(get()));
  EXPECT_EQ(transport_->exchanges().at(0).timeout, 0ms);
}

TEST_F(client_retry, clock_skew_is_corrected_from_the_date_header_and_the_request_re_signed) {
  for (const auto offset : {std::chrono::seconds(3600), std::chrono::seconds(-7200)}) {
    SCOPED_TRACE(offset.count());
    transport_ = std::make_shared<fault_injecting_transport>();
    transport_->set_server_clock_offset(offset);
    const auto c = make_client();
    // A plain write: a skew rejection means nothing was applied, so even it is retried.
    static_cast<void>(c.put_item(put()));
    auto seen = transport_->exchanges();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_TRUE(seen[0].skew_rejected);
    EXPECT_FALSE(seen[1].skew_rejected);
    EXPECT_NE(seen[0].amz_date, seen[1].amz_date);
    EXPECT_NE(seen[0].authorization, seen[1].authorization) << "the retry is signed anew";
    // The date in the credential scope follows the corrected time too.
    EXPECT_NE(seen[1].authorization.find("/" + seen[1].amz_date.substr(0, 8) + "/"),
              std::string::npos);
    // The client keeps the offset: the next call is right the first time.
    static_cast<void>(c.get_item(get()));
    seen = transport_->exchanges();
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_FALSE(seen[2].skew_rejected);
  }
}

TEST_F(client_retry, clock_skew_correction_can_be_turned_off) {
  transport_->set_server_clock_offset(std::chrono::hours(1));
  const auto error = failure_of([&] {
    static_cast<void>(
        make_client([](retry_options& o) { o.correct_clock_skew = false; }).get_item(get()));
  });
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error_name(), "InvalidSignatureException");
  EXPECT_EQ(error->attempts(), 1);
}

TEST_F(client_retry, one_client_retries_safely_from_many_threads) {
  const auto c = make_client([](retry_options& o) {
    o.max_attempts = 10;
    o.quota_capacity = 0;
  });
  // Every third request fails, with each kind of fault in turn.
  transport_->set_rule([](const testing::exchange&, std::size_t index) {
    static constexpr fault faults[] = {fault::throttling, fault::reset_before_send, fault::timeout,
                                       fault::internal_error};
    return index % 3 == 1 ? faults[(index / 3) % 4] : fault::none;
  });
  constexpr int threads = 4;
  constexpr int calls = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < calls; ++i) {
        try {
          static_cast<void>(c.get_item(get()));
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(transport_->scripted()->received(), static_cast<std::size_t>(threads * calls));
  EXPECT_GT(transport_->exchanges().size(), static_cast<std::size_t>(threads * calls));
}

}  // namespace
}  // namespace dynamo_es::dynamodb
