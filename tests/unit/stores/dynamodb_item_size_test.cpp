// DynamoDB's item-size rules. The expected sizes are measurements: each value was put into an item
// on DynamoDB Local 3.3.0 next to a string padded until the item hit the exact 409,600-byte limit
// (the item was accepted at 409,600 and refused at 409,601), which yields the value's size.

#include "stores/dynamodb_item_size.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "dynamo_es/error.hpp"

namespace dynamo_es::detail {
namespace {

using dynamodb::attribute_map;
using dynamodb::attribute_value;

TEST(dynamodb_item_size, numbers_take_one_byte_per_base_100_digit_plus_one) {
  const std::vector<std::pair<std::string, std::size_t>> measured = {
      {"0", 1},
      {"1", 2},
      {"10", 2},
      {"12", 2},
      {"100", 2},
      {"101", 3},
      {"123", 3},
      {"1234", 3},
      {"12345", 4},
      {"1000000", 2},
      {"10000000", 2},
      {"0.1", 2},
      {"0.01", 2},
      {"1.5", 3},
      {"12.34", 3},
      {"1.234", 4},
      {"0.000001", 2},
      {"1E+20", 2},
      {"-1", 3},
      {"-12", 3},
      {"-100", 3},
      {"-0.5", 3},
      {"9223372036854775807", 11},
      {"123456789012345678901234567890", 16},
  };
  for (const auto& [literal, size] : measured) {
    EXPECT_EQ(number_size(literal), size) << literal;
  }
}

TEST(dynamodb_item_size, number_spellings_of_one_value_have_one_size) {
  EXPECT_EQ(number_size("007"), number_size("7"));
  EXPECT_EQ(number_size("1.50E+2"), number_size("150"));
  EXPECT_EQ(number_size("150.000"), number_size("150"));
  EXPECT_EQ(number_size("0.00"), 1u);
}

TEST(dynamodb_item_size, rejects_text_that_is_not_a_number) {
  EXPECT_THROW(static_cast<void>(number_size("abc")), validation_error);
  EXPECT_THROW(static_cast<void>(number_size("")), validation_error);
}

TEST(dynamodb_item_size, strings_count_utf8_bytes) {
  EXPECT_EQ(value_size(attribute_value::string("")), 0u);
  EXPECT_EQ(value_size(attribute_value::string("abc")), 3u);
  EXPECT_EQ(value_size(attribute_value::string("\xc3\xa9")), 2u);  // é
  EXPECT_EQ(value_size(attribute_value::binary(std::string("\0\1\2", 3))), 3u);
  EXPECT_EQ(value_size(attribute_value::boolean(true)), 1u);
  EXPECT_EQ(value_size(attribute_value::null()), 1u);
}

TEST(dynamodb_item_size, maps_and_lists_cost_three_bytes_plus_one_per_element) {
  auto s = [](const char* text) { return attribute_value::string(text); };
  EXPECT_EQ(value_size(attribute_value::map({})), 3u);
  EXPECT_EQ(value_size(attribute_value::map({{"a", s("b")}})), 6u);
  EXPECT_EQ(value_size(attribute_value::map({{"a", s("b")}, {"cc", s("dd")}})), 11u);
  EXPECT_EQ(value_size(attribute_value::map({{"\xc3\xa9", s("b")}})), 7u);  // names in bytes
  EXPECT_EQ(value_size(attribute_value::map({{"a", attribute_value::map({})}})), 8u);
  EXPECT_EQ(value_size(attribute_value::list({})), 3u);
  EXPECT_EQ(value_size(attribute_value::list({s("b")})), 5u);
  EXPECT_EQ(value_size(attribute_value::list({s("b"), s("c")})), 7u);
}

TEST(dynamodb_item_size, an_item_is_the_sum_of_names_and_values) {
  const attribute_map item = {
      {"Id", attribute_value::string("a")},                   // 2 + 1
      {"Playhead", attribute_value::number(1)},               // 8 + 2
      {"P", attribute_value::string(std::string(100, 'p'))},  // 1 + 100
  };
  EXPECT_EQ(item_size(item), 114u);
  EXPECT_EQ(attribute_size("Playhead", attribute_value::number(1)), 10u);
}

}  // namespace
}  // namespace dynamo_es::detail
