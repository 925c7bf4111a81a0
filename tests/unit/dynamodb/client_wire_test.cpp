// The small wire helpers under the client: CRC-32 (x-amz-crc32), base64 (B values) and the JSON
// writer of request bodies.

#include <gtest/gtest.h>

#include <string>

#include "dynamo_es/error.hpp"
#include "dynamodb/base64.hpp"
#include "dynamodb/crc32.hpp"
#include "dynamodb/json_writer.hpp"

namespace dynamo_es::dynamodb::detail {
namespace {

using namespace std::string_literals;

TEST(client_wire, crc32_matches_the_header_dynamodb_local_sent) {
  // dynamodb-local.md §1: ListTables body and its x-amz-crc32 header; §a1: `{}`.
  EXPECT_EQ(crc32(R"({"TableNames":[]})"), 1315925753U);
  EXPECT_EQ(crc32("{}"), 2745614147U);
  EXPECT_EQ(crc32(""), 0U);
  EXPECT_EQ(crc32("123456789"), 0xCBF43926U);  // the standard check value
}

TEST(client_wire, base64_follows_rfc4648) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"},
                                                         {"\0\xff"s, "AP8="}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain);
  }
  EXPECT_EQ(base64_decode("Zm8"), "fo");  // unpadded
}

TEST(client_wire, base64_rejects_garbage) {
  EXPECT_THROW(static_cast<void>(base64_decode("Zm9v!")), serialization_error);
  EXPECT_THROW(static_cast<void>(base64_decode("Z")), serialization_error);
  EXPECT_THROW(static_cast<void>(base64_decode("Zm 9v")), serialization_error);
}

TEST(client_wire, json_writer_separates_members_and_elements) {
  json_writer out;
  out.begin_object();
  out.member("a", "x");
  out.key("b");
  out.begin_array();
  out.integer(-5);
  out.boolean(true);
  out.begin_object();
  out.end_object();
  out.end_array();
  out.key("c");
  out.raw("1.5");
  out.end_object();
  EXPECT_EQ(out.str(), R"({"a":"x","b":[-5,true,{}],"c":1.5})");
}

TEST(client_wire, json_writer_escapes_control_characters) {
  json_writer out;
  out.string("\b\f\r\x7f\x1f");
  EXPECT_EQ(out.str(), "\"\\b\\f\\r\x7f\\u001f\"");
}

}  // namespace
}  // namespace dynamo_es::dynamodb::detail
