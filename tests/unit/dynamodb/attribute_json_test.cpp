// DynamoDB JSON of attribute values: the exact wire form of each type, round trips, and the
// errors for documents DynamoDB would never send.

#include <gtest/gtest.h>

#include <string>

#include "dynamo_es/dynamodb/attribute_value.hpp"
#include "dynamo_es/error.hpp"

namespace dynamo_es::dynamodb {
namespace {

using namespace std::string_literals;

TEST(attribute_json, writes_each_type_in_wire_form) {
  EXPECT_EQ(to_json(attribute_value::string("a")), R"({"S":"a"})");
  EXPECT_EQ(to_json(attribute_value::number("-1.5E+3")), R"({"N":"-1.5E+3"})");
  EXPECT_EQ(to_json(attribute_value::binary("\0\x01\xff"s)), R"({"B":"AAH/"})");
  EXPECT_EQ(to_json(attribute_value::boolean(false)), R"({"BOOL":false})");
  EXPECT_EQ(to_json(attribute_value::null()), R"({"NULL":true})");
  EXPECT_EQ(to_json(attribute_value::map({})), R"({"M":{}})");
  EXPECT_EQ(
      to_json(attribute_value::list({attribute_value::number(1), attribute_value::string("")})),
      R"({"L":[{"N":"1"},{"S":""}]})");
  EXPECT_EQ(to_json(attribute_value::string_set({"x", "y"})), R"({"SS":["x","y"]})");
  EXPECT_EQ(to_json(attribute_value::number_set({"1", "2"})), R"({"NS":["1","2"]})");
  EXPECT_EQ(to_json(attribute_value::binary_set({"f"s, "fo"s})), R"({"BS":["Zg==","Zm8="]})");
}

TEST(attribute_json, escapes_strings) {
  EXPECT_EQ(to_json(attribute_value::string("q\"b\\s/\n\t\x01")), R"({"S":"q\"b\\s/\n\t\u0001"})");
  EXPECT_EQ(to_json(attribute_value::string("é€😀")), "{\"S\":\"é€😀\"}");
}

TEST(attribute_json, rejects_strings_that_are_not_utf8) {
  EXPECT_THROW(static_cast<void>(to_json(attribute_value::string("\xff\xfe"))), validation_error);
  EXPECT_THROW(static_cast<void>(to_json(attribute_map{{"bad\xc3", attribute_value::null()}})),
               validation_error);
}

TEST(attribute_json, item_round_trips_every_type) {
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) {
    all_bytes.push_back(static_cast<char>(b));
  }
  const attribute_map item = {
      {"S", attribute_value::string("text with \"quotes\", \\ and \x1f and ü")},
      {"N", attribute_value::number("12345678901234567890123456789012345678")},
      {"Nneg", attribute_value::number("-0.000001")},
      {"B", attribute_value::binary(all_bytes)},
      {"Bempty", attribute_value::binary("")},
      {"BOOL", attribute_value::boolean(true)},
      {"NULL", attribute_value::null()},
      {"M", attribute_value::map(
                {{"nested", attribute_value::map({{"deep", attribute_value::list(
                                                               {attribute_value::number(1)})}})}})},
      {"L", attribute_value::list({attribute_value::string("a"), attribute_value::boolean(false),
                                   attribute_value::map({})})},
      {"SS", attribute_value::string_set({"a", "b"})},
      {"NS", attribute_value::number_set({"18446744073709551615", "-1"})},
      {"BS", attribute_value::binary_set({"\0"s, all_bytes})},
      {"name with \"quote\" and é", attribute_value::string("")},
  };
  const std::string json = to_json(item);
  EXPECT_EQ(item_from_json(json), item) << json;
}

TEST(attribute_json, reads_what_dynamodb_sends) {
  const auto item = item_from_json(
      R"({"Value":{"N":"4"},"Id":{"S":"_counter"},"Playhead":{"N":"0"},"Esc":{"S":"a\u00e9\/b"},"Bin":{"B":"AAH/"}})");
  EXPECT_EQ(item.at("Value").as_int64(), 4);
  EXPECT_EQ(item.at("Id").as_string(), "_counter");
  EXPECT_EQ(item.at("Esc").as_string(), "aé/b");
  EXPECT_EQ(item.at("Bin").as_binary(), "\0\x01\xff"s);
}

TEST(attribute_json, rejects_malformed_documents) {
  for (const char* bad : {
           R"({"a":{"Q":"x"}})",          // unknown tag
           R"({"a":{"S":"x","N":"1"}})",  // two tags
           R"({"a":{}})",                 // no tag
           R"({"a":{"N":"abc"}})",        // not a number
           R"({"a":{"B":"***"}})",        // not base64
           R"({"a":{"S":1}})",            // wrong JSON type
           R"({"a":)",                    // truncated
           R"([1,2])",                    // not an object
           "",                            // empty
       }) {
    EXPECT_THROW(static_cast<void>(item_from_json(bad)), serialization_error) << bad;
  }
}

TEST(attribute_json, unknown_tag_is_named_in_the_error) {
  try {
    static_cast<void>(item_from_json(R"({"a":{"QQ":"x"}})"));
    FAIL() << "no exception";
  } catch (const serialization_error& e) {
    EXPECT_NE(std::string(e.what()).find("\"QQ\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dynamo_es::dynamodb
