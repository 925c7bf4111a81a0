// What a cancelled append transaction means. Serialised layout: action 0 the counter update,
// action 1 the claim, actions 2.. the event Puts of every append of the batch; the reservation
// layout has no counter action. DynamoDB Local only ever produces None / ConditionalCheckFailed /
// ValidationError, so the AWS-only codes (TransactionConflict, throttling) are tested here on
// hand-made reasons.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <exception>
#include <string>
#include <vector>

#include "stores/dynamodb_batch_writer.hpp"

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

// The layouts: serialised (counter, claim, events) and reservation (claim, events).
action_layout serialised(std::size_t events) {
  return {true, events};
}
action_layout reservation(std::size_t events) {
  return {false, events};
}

cancellation_reason counter_failed_at(std::int64_t value) {
  attribute_map item = {{"Id", attribute_value::string("_counter")},
                        {"Playhead", attribute_value::number(0)},
                        {"Value", attribute_value::number(value)}};
  return {"ConditionalCheckFailed", "The conditional request failed", item};
}

TEST(dynamodb_cancellation, an_existing_event_row_is_a_duplicate_playhead) {
  const auto outcome = classify_cancellation({none, none, none, failed}, serialised(2));
  EXPECT_EQ(outcome.outcome, kind::duplicate_playhead);
  EXPECT_THAT(outcome.duplicate_events, ElementsAre(1u));
}

TEST(dynamodb_cancellation, a_duplicate_wins_over_a_moved_counter) {
  const auto outcome =
      classify_cancellation({counter_failed_at(9), none, failed, none, failed}, serialised(3));
  EXPECT_EQ(outcome.outcome, kind::duplicate_playhead);
  EXPECT_THAT(outcome.duplicate_events, ElementsAre(0u, 2u));
}

TEST(dynamodb_cancellation, only_the_counter_failing_means_the_counter_moved) {
  const auto outcome = classify_cancellation({counter_failed_at(9), none, none}, serialised(1));
  EXPECT_EQ(outcome.outcome, kind::counter_moved);
  ASSERT_TRUE(outcome.counter_item.has_value());
  EXPECT_EQ(counter_value(*outcome.counter_item, "events"), 9);
}

TEST(dynamodb_cancellation, a_counter_reason_without_item_asks_for_a_read) {
  const auto outcome = classify_cancellation({failed, none, none}, serialised(1));
  EXPECT_EQ(outcome.outcome, kind::counter_moved);
  EXPECT_FALSE(outcome.counter_item.has_value());
}

TEST(dynamodb_cancellation, conflicts_and_throttling_are_transient) {
  const cancellation_reason conflict{"TransactionConflict", "Transaction is ongoing", std::nullopt};
  const cancellation_reason throttled{"ThrottlingError", "slow down", std::nullopt};
  EXPECT_EQ(classify_cancellation({conflict, none, none}, serialised(1)).outcome, kind::transient);
  EXPECT_EQ(classify_cancellation({none, none, throttled}, serialised(1)).outcome, kind::transient);
  // The counter condition still tells us something: retry at the new value.
  EXPECT_EQ(classify_cancellation({counter_failed_at(3), none, conflict}, serialised(1)).outcome,
            kind::counter_moved);
}

TEST(dynamodb_cancellation, a_validation_error_is_never_a_duplicate) {
  const cancellation_reason invalid{
      "ValidationError", "Hash primary key values must be under 2048 bytes", std::nullopt};
  const auto outcome = classify_cancellation({none, none, failed, invalid}, serialised(2));
  EXPECT_EQ(outcome.outcome, kind::other);
  EXPECT_TRUE(outcome.duplicate_events.empty());
  ASSERT_TRUE(outcome.blocking_reason.has_value());
  EXPECT_EQ(outcome.blocking_reason->code, "ValidationError");
}

TEST(dynamodb_cancellation, reasons_of_another_shape_are_other) {
  EXPECT_EQ(classify_cancellation({none, none, failed}, serialised(3)).outcome, kind::other);
}

TEST(dynamodb_cancellation, only_the_claim_failing_means_a_fence) {
  const attribute_map fence = {{"Id", attribute_value::string("_position")},
                               {"Playhead", attribute_value::number(12)},
                               {"Length", attribute_value::number(1)},
                               {"State", attribute_value::string("void")}};
  const cancellation_reason claim_failed{"ConditionalCheckFailed", "failed", fence};
  const auto outcome = classify_cancellation({none, claim_failed, none}, serialised(1));
  EXPECT_EQ(outcome.outcome, kind::fenced);
  EXPECT_TRUE(outcome.claim_failed);
  ASSERT_TRUE(outcome.claim_item.has_value());
  EXPECT_EQ(outcome.claim_item->at("Playhead").as_int64(), 12);
  // Reservation layout: the claim is action 0.
  EXPECT_EQ(classify_cancellation({claim_failed, none, none}, reservation(2)).outcome,
            kind::fenced);
}

TEST(dynamodb_cancellation, a_moved_counter_explains_a_failed_claim) {
  const auto outcome = classify_cancellation({counter_failed_at(20), failed, none}, serialised(1));
  EXPECT_EQ(outcome.outcome, kind::counter_moved);
  EXPECT_TRUE(outcome.claim_failed);
}

TEST(dynamodb_cancellation, duplicates_win_over_a_fence_and_count_from_the_first_event) {
  const auto outcome = classify_cancellation({failed, none, failed}, reservation(2));
  EXPECT_EQ(outcome.outcome, kind::duplicate_playhead);
  EXPECT_THAT(outcome.duplicate_events, ElementsAre(1u));
  EXPECT_TRUE(outcome.claim_failed);
}

TEST(dynamodb_cancellation, duplicate_events_map_to_their_appends) {
  // Appends of 2, 1 and 3 events: batch events 0-1, 2, 3-5.
  EXPECT_THAT(duplicates_per_append({2, 1, 3}, {1, 4, 5}),
              ElementsAre(ElementsAre(1u), ElementsAre(), ElementsAre(1u, 2u)));
  EXPECT_THAT(duplicates_per_append({2, 1}, {}), ElementsAre(ElementsAre(), ElementsAre()));
}

TEST(dynamodb_cancellation, a_blocking_reason_names_its_action_and_index) {
  const cancellation_reason invalid{"ValidationError", "bad", std::nullopt};
  const auto outcome = classify_cancellation({none, none, none, invalid, none}, serialised(3));
  EXPECT_EQ(outcome.outcome, kind::other);
  EXPECT_EQ(outcome.blocking_action, 3u);
}

// A batch of two appends: "acct" (playhead 5) and "other" (playheads 7 and 8); serialised layout
// [counter, claim, acct@5, other@7, other@8].
domain_message message(const std::string& id, std::int64_t playhead) {
  return domain_message(id, playhead, metadata{}, serialized_payload{"App\\E", "[]"},
                        date_time::from_string("2026-05-01T00:00:00.000000+00:00"));
}

// The error an append sees for a reason at `action` that is not retried any more.
template <class Expected>
void expect_error(const cancellation_reason& reason, std::size_t action, bool for_other,
                  const std::string& what) {
  std::vector<cancellation_reason> reasons = {none, none, none, none, none};
  reasons[action] = reason;
  const dynamodb::transaction_canceled error("TransactWriteItems", "TransactionCanceledException",
                                             "Transaction cancelled", 400, "req-1", reasons);
  pending_append acct{"acct", domain_event_stream{message("acct", 5)}, {}};
  pending_append other{"other", domain_event_stream{message("other", 7), message("other", 8)}, {}};
  const auto outcome = classify_cancellation(reasons, serialised(3));
  const auto failure = for_other
                           ? cancellation_error(error, outcome, "events", other, serialised(3), 1)
                           : cancellation_error(error, outcome, "events", acct, serialised(3), 0);
  try {
    std::rethrow_exception(failure);
  } catch (const Expected& e) {
    EXPECT_THAT(e.what(),
                AllOf(HasSubstr(for_other ? "\"other\"" : "\"acct\""),
                      HasSubstr("table \"events\""), HasSubstr(what), HasSubstr(reason.code)));
    EXPECT_EQ(e.request_id(), "req-1");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong error type for " << reason.code << ": " << e.what();
  }
}

TEST(dynamodb_cancellation, reasons_map_to_their_own_error_types) {
  const cancellation_reason invalid{"ValidationError", "bad", std::nullopt};
  expect_error<dynamodb::dynamodb_validation_error>(invalid, 2, false, "playhead 5");
  expect_error<dynamodb::dynamodb_validation_error>(invalid, 4, true, "playhead 8");
  expect_error<dynamodb::dynamodb_validation_error>(invalid, 4, false,
                                                    "another append of its batch");
  expect_error<dynamodb::transaction_conflict>({"TransactionConflict", "busy", std::nullopt}, 0,
                                               false, "global position counter");
  expect_error<dynamodb::throttled>({"ProvisionedThroughputExceeded", "slow", std::nullopt}, 1,
                                    true, "claim of its positions");
  expect_error<dynamodb::throttled>({"ProvisionedThroughputExceeded", "slow", std::nullopt}, 3,
                                    true, "playhead 7");
}

TEST(dynamodb_cancellation, an_unknown_code_rethrows_the_cancellation) {
  const std::vector<cancellation_reason> reasons = {
      none, {"ItemCollectionSizeLimitExceeded", "too big", std::nullopt}};
  const dynamodb::transaction_canceled error("TransactWriteItems", "TransactionCanceledException",
                                             "Transaction cancelled", 400, "req-1", reasons);
  const domain_event_stream stream;
  pending_append append{"acct", stream, {}};
  EXPECT_THROW(std::rethrow_exception(
                   cancellation_error(error, classify_cancellation(reasons, reservation(1)),
                                      "events", append, reservation(1), 0)),
               dynamodb::transaction_canceled);
}

TEST(dynamodb_cancellation, a_counter_value_that_is_not_an_int64_is_an_error) {
  const attribute_map item = {{"Value", attribute_value::number("1e40")}};
  EXPECT_THROW(static_cast<void>(counter_value(item, "events")), serialization_error);
  EXPECT_EQ(counter_value({}, "events"), std::nullopt);
}

}  // namespace
}  // namespace dynamo_es::detail
