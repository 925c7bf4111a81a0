// TransactWriteItems: commits, cancellations with per-action reasons, and ClientRequestToken
// idempotency (dynamodb-local.md §a, §b).

#include <gtest/gtest.h>

#include "integration/client_fixture.hpp"

namespace dynamo_es::dynamodb {
namespace {

class client_transactions : public client_integration {
 protected:
  transact_update counter_update(std::int64_t expected, std::int64_t next) {
    transact_update update;
    update.table_name = events();
    update.key = key("_counter", 0);
    update.update_expression = "SET #v = :new";
    update.expression_attribute_names = {{"#v", "Value"}};
    update.expression_attribute_values = {{":new", attribute_value::number(next)}};
    if (expected == 0) {
      update.condition_expression = "attribute_not_exists(Id)";
    } else {
      update.condition_expression = "#v = :expected";
      update.expression_attribute_values[":expected"] = attribute_value::number(expected);
    }
    update.return_values_on_condition_check_failure =
        return_value_on_condition_check_failure::all_old;
    return update;
  }

  transact_put event_put(const std::string& id, std::int64_t playhead, std::int64_t position) {
    transact_put put_action;
    put_action.table_name = events();
    put_action.item = event(id, playhead, position);
    put_action.condition_expression = "attribute_not_exists(Id)";
    put_action.return_values_on_condition_check_failure =
        return_value_on_condition_check_failure::all_old;
    return put_action;
  }

  std::int64_t counter() { return get(key("_counter", 0))->at("Value").as_int64(); }
};

TEST_F(client_transactions, a_transaction_writes_every_item) {
  transact_write_items_request request;
  request.transact_items = {counter_update(0, 2), event_put("stream-A", 1, 1),
                            event_put("stream-A", 2, 2)};
  static_cast<void>(db().transact_write_items(request));
  EXPECT_EQ(counter(), 2);
  EXPECT_TRUE(get(key("stream-A", 1)).has_value());
  EXPECT_TRUE(get(key("stream-A", 2)).has_value());
}

TEST_F(client_transactions, cancellation_reasons_come_in_order_with_all_old_items) {
  transact_write_items_request first;
  first.transact_items = {counter_update(0, 3), event_put("stream-A", 3, 3)};
  static_cast<void>(db().transact_write_items(first));

  // Stale counter (4 expected, 3 stored), a fresh put, and a put on the taken key.
  transact_write_items_request conflicting;
  conflicting.transact_items = {counter_update(4, 6), event_put("stream-C", 1, 5),
                                event_put("stream-A", 3, 6)};
  try {
    static_cast<void>(db().transact_write_items(conflicting));
    FAIL() << "no exception";
  } catch (const transaction_canceled& e) {
    EXPECT_EQ(e.error_name(), "TransactionCanceledException");
    EXPECT_FALSE(e.retryable());
    const auto& reasons = e.cancellation_reasons();
    ASSERT_EQ(reasons.size(), 3U);
    EXPECT_EQ(reasons[0].code, "ConditionalCheckFailed");
    ASSERT_TRUE(reasons[0].item.has_value());
    EXPECT_EQ(reasons[0].item->at("Value").as_int64(), 3);
    EXPECT_EQ(reasons[1].code, "None");
    EXPECT_FALSE(reasons[1].item.has_value());
    EXPECT_EQ(reasons[2].code, "ConditionalCheckFailed");
    ASSERT_TRUE(reasons[2].item.has_value());
    EXPECT_EQ(*reasons[2].item, event("stream-A", 3, 3));
  }
  EXPECT_EQ(counter(), 3);  // nothing was written
  EXPECT_FALSE(get(key("stream-C", 1)).has_value());
}

TEST_F(client_transactions, a_condition_check_and_a_delete_take_part) {
  put(event("s", 1, 1));
  transact_write_items_request request;
  transact_condition_check check;
  check.table_name = events();
  check.key = key("s", 1);
  check.condition_expression = "attribute_not_exists(Id)";
  check.return_values_on_condition_check_failure = return_value_on_condition_check_failure::all_old;
  transact_delete erase;
  erase.table_name = events();
  erase.key = key("s", 2);
  request.transact_items = {check, erase};
  try {
    static_cast<void>(db().transact_write_items(request));
    FAIL() << "no exception";
  } catch (const transaction_canceled& e) {
    ASSERT_EQ(e.cancellation_reasons().size(), 2U);
    EXPECT_TRUE(e.cancellation_reasons()[0].is_conditional_check_failed());
    ASSERT_TRUE(e.cancellation_reasons()[0].item.has_value());
    EXPECT_EQ(e.cancellation_reasons()[0].item->at("Id").as_string(), "s");
    EXPECT_TRUE(e.cancellation_reasons()[1].is_none());
  }
}

TEST_F(client_transactions, a_replayed_client_request_token_writes_nothing_twice) {
  transact_update add;
  add.table_name = events();
  add.key = key("_counter", 0);
  add.update_expression = "ADD #v :one";
  add.expression_attribute_names = {{"#v", "Value"}};
  add.expression_attribute_values = {{":one", attribute_value::number(1)}};
  transact_write_items_request request;
  request.transact_items = {add, event_put("stream-A", 1, 1)};
  request.client_request_token = "tok-" + testing::unique_table_name("r").substr(0, 30);

  static_cast<void>(db().transact_write_items(request));
  static_cast<void>(db().transact_write_items(request));  // 200, no effect
  EXPECT_EQ(counter(), 1);

  request.client_request_token.clear();  // without the token the put's condition fails
  EXPECT_THROW(static_cast<void>(db().transact_write_items(request)), transaction_canceled);
  EXPECT_EQ(counter(), 1);
}

TEST_F(client_transactions, a_token_reused_for_another_request_is_a_mismatch) {
  transact_write_items_request request;
  request.transact_items = {event_put("stream-A", 1, 1)};
  request.client_request_token = "tok-" + testing::unique_table_name("m").substr(0, 30);
  static_cast<void>(db().transact_write_items(request));
  request.transact_items = {event_put("stream-A", 2, 2)};
  try {
    static_cast<void>(db().transact_write_items(request));
    FAIL() << "no exception";
  } catch (const idempotent_parameter_mismatch& e) {
    EXPECT_EQ(e.error_name(), "IdempotentParameterMismatchException");
    EXPECT_EQ(e.http_status(), 400);
  }
  EXPECT_FALSE(get(key("stream-A", 2)).has_value());
}

TEST_F(client_transactions, an_oversized_hash_key_cancels_with_a_validation_error) {
  transact_write_items_request request;
  request.transact_items = {event_put(std::string(2048, 'k'), 1, 1)};
  static_cast<void>(db().transact_write_items(request));  // 2048 bytes is the limit

  request.transact_items = {event_put("fine", 1, 2), event_put(std::string(2049, 'k'), 1, 3)};
  try {
    static_cast<void>(db().transact_write_items(request));
    FAIL() << "no exception";
  } catch (const transaction_canceled& e) {
    const auto& reasons = e.cancellation_reasons();
    ASSERT_EQ(reasons.size(), 2U);
    EXPECT_EQ(reasons[1].code, "ValidationError");
    EXPECT_NE(reasons[1].message.find("under 2048 bytes"), std::string::npos) << reasons[1].message;
  }
  EXPECT_FALSE(get(key("fine", 1)).has_value());
}

TEST_F(client_transactions, an_empty_transaction_is_a_validation_error) {
  EXPECT_THROW(static_cast<void>(db().transact_write_items({})), dynamodb_validation_error);
}

}  // namespace
}  // namespace dynamo_es::dynamodb
