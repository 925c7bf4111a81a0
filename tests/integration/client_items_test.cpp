// PutItem / GetItem / UpdateItem / DeleteItem, conditions, and every value type round-tripping
// through DynamoDB Local.

#include <gtest/gtest.h>

#include <limits>

#include "integration/client_fixture.hpp"

namespace dynamo_es::dynamodb {
namespace {

using namespace std::string_literals;
using client_items = client_integration;

TEST_F(client_items, put_then_get_returns_the_item) {
  const attribute_map item = event("stream-A", 1, 1);
  put(item);
  const auto read = get(key("stream-A", 1));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, item);
  EXPECT_FALSE(get(key("stream-A", 2)).has_value());
}

TEST_F(client_items, update_add_counts_from_zero_and_returns_updated_new) {
  // The PHP package's reserve step (broadway-contract.md §4.3).
  update_item_request request;
  request.table_name = events();
  request.key = key("_counter", 0);
  request.update_expression = "ADD #v :inc";
  request.expression_attribute_names = {{"#v", "Value"}};
  request.expression_attribute_values = {{":inc", attribute_value::number(5)}};
  request.return_values = return_value::updated_new;
  EXPECT_EQ(db().update_item(request).attributes.at("Value").as_int64(), 5);
  EXPECT_EQ(db().update_item(request).attributes.at("Value").as_int64(), 10);

  request.return_values = return_value::all_new;
  const auto all_new = db().update_item(request).attributes;
  EXPECT_EQ(all_new.at("Value").as_int64(), 15);
  EXPECT_EQ(all_new.at("Id").as_string(), "_counter");

  request.return_values = return_value::none;
  EXPECT_TRUE(db().update_item(request).attributes.empty());
  EXPECT_EQ(get(key("_counter", 0))->at("Value").as_int64(), 20);
}

TEST_F(client_items, put_with_all_old_returns_the_replaced_item) {
  const attribute_map first = event("s", 1, 1);
  put(first);
  put_item_request request;
  request.table_name = events();
  request.item = event("s", 1, 99);
  request.return_values = return_value::all_old;
  EXPECT_EQ(db().put_item(request).attributes, first);
}

TEST_F(client_items, failed_put_condition_carries_the_current_item) {
  const attribute_map existing = event("stream-A", 3, 3);
  put(existing);
  put_item_request request;
  request.table_name = events();
  request.item = event("stream-A", 3, 6);
  request.condition_expression = "attribute_not_exists(Id)";
  request.return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::all_old;
  try {
    static_cast<void>(db().put_item(request));
    FAIL() << "no exception";
  } catch (const conditional_check_failed& e) {
    EXPECT_EQ(e.error_name(), "ConditionalCheckFailedException");
    ASSERT_TRUE(e.item().has_value());
    EXPECT_EQ(*e.item(), existing);
    EXPECT_FALSE(e.retryable());
  }
  EXPECT_EQ(get(key("stream-A", 3))->at("GlobalPosition").as_int64(), 3);  // unchanged
}

TEST_F(client_items, failed_update_condition_without_all_old_has_no_item) {
  update_item_request request;
  request.table_name = events();
  request.key = key("_counter", 0);
  request.update_expression = "SET #v = :new";
  request.condition_expression = "#v = :expected";
  request.expression_attribute_names = {{"#v", "Value"}};
  request.expression_attribute_values = {{":new", attribute_value::number(2)},
                                         {":expected", attribute_value::number(1)}};
  try {
    static_cast<void>(db().update_item(request));
    FAIL() << "no exception";
  } catch (const conditional_check_failed& e) {
    EXPECT_FALSE(e.item().has_value());
  }
  // With ALL_OLD but no existing item, there is still nothing to return.
  request.return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::all_old;
  try {
    static_cast<void>(db().update_item(request));
    FAIL() << "no exception";
  } catch (const conditional_check_failed& e) {
    EXPECT_FALSE(e.item().has_value());
  }
}

TEST_F(client_items, delete_returns_the_old_item) {
  const attribute_map item = event("s", 1, 1);
  put(item);
  delete_item_request request;
  request.table_name = events();
  request.key = key("s", 1);
  request.condition_expression = "attribute_exists(Id)";
  request.return_values = return_value::all_old;
  EXPECT_EQ(db().delete_item(request).attributes, item);
  EXPECT_FALSE(get(key("s", 1)).has_value());
  EXPECT_THROW(static_cast<void>(db().delete_item(request)), conditional_check_failed);
}

TEST_F(client_items, numbers_keep_every_digit) {
  const std::vector<std::string> literals = {
      "12345678901234567890123456789012345678",    // 38 significant digits
      "-12345678901234567890123456789012345678",   //
      "18446744073709551615",                      // uint64 max
      "-9223372036854775808",                      // int64 min
      "0.12345678901234567890123456789012345678",  //
      "1E+125",                                    // largest exponent
  };
  attribute_map item = key("numbers", 1);
  for (std::size_t i = 0; i < literals.size(); ++i) {
    item["N" + std::to_string(i)] = attribute_value::number(literals[i]);
  }
  item["Playheadmax"] = attribute_value::number(std::numeric_limits<std::uint64_t>::max());
  put(item);
  const auto read = get(key("numbers", 1));
  ASSERT_TRUE(read.has_value());
  for (std::size_t i = 0; i < literals.size() - 1; ++i) {
    EXPECT_EQ(read->at("N" + std::to_string(i)).as_number(), literals[i]);
  }
  // Local normalises the exponent form; the value is the same.
  EXPECT_TRUE(read->at("N5").is_number());
  EXPECT_EQ(read->at("Playheadmax").as_uint64(), std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(read->at("N3").as_int64(), std::numeric_limits<std::int64_t>::min());
}

TEST_F(client_items, a_39_digit_number_is_a_validation_error) {
  attribute_map item = key("numbers", 2);
  item["N"] = attribute_value::number("123456789012345678901234567890123456789");
  try {
    put(item);
    FAIL() << "no exception";
  } catch (const dynamodb_validation_error& e) {
    EXPECT_NE(e.aws_message().find("38 digits"), std::string::npos) << e.aws_message();
  }
}

TEST_F(client_items, every_value_type_round_trips) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) {
    all_bytes.push_back(static_cast<char>(b));
  }
  attribute_map item = key("types", 1);
  item["S"] = attribute_value::string("ünïcödé \"quoted\" \\ \n\t\x01 😀");
  item["Sempty"] = attribute_value::string("");
  item["B"] = attribute_value::binary(all_bytes);
  item["Bempty"] = attribute_value::binary("");
  item["BOOLt"] = attribute_value::boolean(true);
  item["BOOLf"] = attribute_value::boolean(false);
  item["NULL"] = attribute_value::null();
  item["M"] =
      attribute_value::map({{"inner", attribute_value::map({{"x", attribute_value::number(1)}})},
                            {"emptyList", attribute_value::list({})}});
  item["Mempty"] = attribute_value::map({});
  item["L"] = attribute_value::list({attribute_value::string("a"), attribute_value::number(2),
                                     attribute_value::binary("\0\xff"s),
                                     attribute_value::list({attribute_value::null()})});
  item["SS"] = attribute_value::string_set({"x", "y", "z"});
  item["NS"] = attribute_value::number_set({"1", "-2.5", "18446744073709551615"});
  item["BS"] = attribute_value::binary_set({"\0"s, "\xff\xfe"s, all_bytes});
  put(item);
  const auto read = get(key("types", 1));
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, item);  // sets compare regardless of the order Local returns them in
}

TEST_F(client_items, projection_expression_limits_the_attributes) {
  put(event("s", 1, 7));
  get_item_request request;
  request.table_name = events();
  request.key = key("s", 1);
  request.projection_expression = "#t, GlobalPosition";
  request.expression_attribute_names = {{"#t", "Type"}};
  const auto item = db().get_item(request).item;
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->size(), 2U);
  EXPECT_EQ(item->at("GlobalPosition").as_int64(), 7);
}

}  // namespace
}  // namespace dynamo_es::dynamodb
