// What a cancelled append transaction means. Action 0 is the counter update, actions 1..n the
// event Puts. DynamoDB Local only ever produces None / ConditionalCheckFailed / ValidationError,
// so the AWS-only codes (TransactionConflict, throttling) are tested here on hand-made reasons.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <vector>

#include "stores/dynamodb_position_allocator.hpp"

namespace dynamo_es::detail {
namespace {

using dynamodb::attribute_map;
using dynamodb::attribute_value;
using dynamodb::cancellation_reason;
using kind = cancellation_outcome::kind;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const cancellation_reason none{"None", "", std::nullopt};
const cancellation_reason failed{"ConditionalCheckFailed", "The conditional request failed",
                                 std::nullopt};

cancellation_reason counter_failed_at(std::int64_t value) {
  attribute_map item = {{"Id", attribute_value::string("_counter")},
                        {"Playhead", attribute_value::number(0)},
                        {"Value", attribute_value::number(value)}};
  return {"ConditionalCheckFailed", "The conditional request failed", item};
}

TEST(dynamodb_cancellation, an_existing_event_row_is_a_duplicate_playhead) {
  const auto outcome = classify_cancellation({none, none, failed}, 2);
  EXPECT_EQ(outcome.outcome, kind::duplicate_playhead);
  EXPECT_THAT(outcome.duplicate_events, ElementsAre(1u));
}

TEST(dynamodb_cancellation, a_duplicate_wins_over_a_moved_counter) {
  const auto outcome = classify_cancellation({counter_failed_at(9), failed, none, failed}, 3);
  EXPECT_EQ(outcome.outcome, kind::duplicate_playhead);
  EXPECT_THAT(outcome.duplicate_events, ElementsAre(0u, 2u));
}

TEST(dynamodb_cancellation, only_the_counter_failing_means_the_counter_moved) {
  const auto outcome = classify_cancellation({counter_failed_at(9), none}, 1);
  EXPECT_EQ(outcome.outcome, kind::counter_moved);
  ASSERT_TRUE(outcome.counter_item.has_value());
  EXPECT_EQ(counter_value(*outcome.counter_item, "events"), 9);
}

TEST(dynamodb_cancellation, a_counter_reason_without_item_asks_for_a_read) {
  const auto outcome = classify_cancellation({failed, none}, 1);
  EXPECT_EQ(outcome.outcome, kind::counter_moved);
  EXPECT_FALSE(outcome.counter_item.has_value());
}

TEST(dynamodb_cancellation, conflicts_and_throttling_are_transient) {
  const cancellation_reason conflict{"TransactionConflict", "Transaction is ongoing", std::nullopt};
  const cancellation_reason throttled{"ThrottlingError", "slow down", std::nullopt};
  EXPECT_EQ(classify_cancellation({conflict, none}, 1).outcome, kind::transient);
  EXPECT_EQ(classify_cancellation({none, throttled}, 1).outcome, kind::transient);
  // The counter condition still tells us something: retry at the new value.
  EXPECT_EQ(classify_cancellation({counter_failed_at(3), conflict}, 1).outcome,
            kind::counter_moved);
}

TEST(dynamodb_cancellation, a_validation_error_is_never_a_duplicate) {
  const cancellation_reason invalid{
      "ValidationError", "Hash primary key values must be under 2048 bytes", std::nullopt};
  const auto outcome = classify_cancellation({none, failed, invalid}, 2);
  EXPECT_EQ(outcome.outcome, kind::other);
  EXPECT_TRUE(outcome.duplicate_events.empty());
  ASSERT_TRUE(outcome.blocking_reason.has_value());
  EXPECT_EQ(outcome.blocking_reason->code, "ValidationError");
}

TEST(dynamodb_cancellation, reasons_of_another_shape_are_other) {
  EXPECT_EQ(classify_cancellation({none, failed}, 3).outcome, kind::other);
}

// The error thrown for a reason that is not retried any more.
template <class Expected>
void expect_error(const cancellation_reason& reason, std::size_t action, const std::string& what) {
  std::vector<cancellation_reason> reasons = {none, none};
  reasons[action] = reason;
  const dynamodb::transaction_canceled error("TransactWriteItems", "TransactionCanceledException",
                                             "Transaction cancelled", 400, "req-1", reasons);
  const domain_event_stream stream{
      domain_message("acct", 5, metadata{}, serialized_payload{"App\\E", "[]"},
                     date_time::from_string("2026-05-01T00:00:00.000000+00:00"))};
  pending_append append{"acct", stream, {}};
  const auto outcome = classify_cancellation(reasons, 1);
  try {
    std::rethrow_exception(cancellation_error(error, outcome, "events", append));
  } catch (const Expected& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("\"acct\""), HasSubstr("table \"events\""),
                                HasSubstr(what), HasSubstr(reason.code)));
    EXPECT_EQ(e.request_id(), "req-1");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong error type for " << reason.code << ": " << e.what();
  }
}

TEST(dynamodb_cancellation, reasons_map_to_their_own_error_types) {
  expect_error<dynamodb::dynamodb_validation_error>({"ValidationError", "bad", std::nullopt}, 1,
                                                    "playhead 5");
  expect_error<dynamodb::transaction_conflict>({"TransactionConflict", "busy", std::nullopt}, 0,
                                               "global position counter");
  expect_error<dynamodb::throttled>({"ProvisionedThroughputExceeded", "slow", std::nullopt}, 1,
                                    "playhead 5");
}

TEST(dynamodb_cancellation, an_unknown_code_rethrows_the_cancellation) {
  const std::vector<cancellation_reason> reasons = {
      none, {"ItemCollectionSizeLimitExceeded", "too big", std::nullopt}};
  const dynamodb::transaction_canceled error("TransactWriteItems", "TransactionCanceledException",
                                             "Transaction cancelled", 400, "req-1", reasons);
  const domain_event_stream stream;
  pending_append append{"acct", stream, {}};
  EXPECT_THROW(std::rethrow_exception(
                   cancellation_error(error, classify_cancellation(reasons, 1), "events", append)),
               dynamodb::transaction_canceled);
}

TEST(dynamodb_cancellation, a_counter_value_that_is_not_an_int64_is_an_error) {
  const attribute_map item = {{"Value", attribute_value::number("1e40")}};
  EXPECT_THROW(static_cast<void>(counter_value(item, "events")), serialization_error);
  EXPECT_EQ(counter_value({}, "events"), std::nullopt);
}

}  // namespace
}  // namespace dynamo_es::detail
