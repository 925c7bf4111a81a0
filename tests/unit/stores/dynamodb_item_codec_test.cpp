// The event row format, both ways (broadway-contract.md §4.2, §6): what C++ writes must be the
// PHP package's row, and rows the PHP package wrote (its JSON escapes, `[]` for empty maps, float
// spellings, legacy rows without Feed/GlobalPosition, unknown extra attributes) must load.

#include "stores/dynamodb_item_codec.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "dynamo_es/error.hpp"

namespace dynamo_es::detail {
namespace {

using dynamodb::attribute_map;
using dynamodb::attribute_value;
using ::testing::AllOf;
using ::testing::HasSubstr;

domain_message middle_a() {
  return domain_message("00000001-0001-4001-0001-000000000001", 3,
                        metadata::kv_string("user", "u1"),
                        serialized_payload{"Broadway\\EventStore\\Management\\Testing\\Middle",
                                           R"({"position":"a"})"},
                        date_time::from_string("2014-03-12T14:17:19.176169+00:00"));
}

attribute_value s(std::string text) {
  return attribute_value::string(std::move(text));
}

attribute_value class_payload(std::string class_name, std::string json) {
  return attribute_value::map(
      {{"Class", s(std::move(class_name))}, {"Payload", s(std::move(json))}});
}

TEST(dynamodb_item_codec, writes_exactly_the_php_package_row) {
  const attribute_map expected = {
      {"Id", s("00000001-0001-4001-0001-000000000001")},
      {"Playhead", attribute_value::number(3)},
      {"Feed", s("all")},
      {"GlobalPosition", attribute_value::number(7)},
      {"Metadata", class_payload("Broadway\\Domain\\Metadata", R"({"user":"u1"})")},
      {"Payload",
       class_payload("Broadway\\EventStore\\Management\\Testing\\Middle", R"({"position":"a"})")},
      {"RecordedOn", s("2014-03-12T14:17:19.176169+00:00")},
      {"Type", s("Broadway.EventStore.Management.Testing.Middle")},
  };
  EXPECT_EQ(encode_event(middle_a(), 7), expected);
}

TEST(dynamodb_item_codec, the_row_as_dynamodb_json_is_pinned_byte_for_byte) {
  const domain_message empty_event("a", 0, metadata{},
                                   serialized_payload{"Broadway\\EventStore\\Testing\\Event", "[]"},
                                   date_time::from_string("2026-05-01T00:00:00.000000+00:00"));
  EXPECT_EQ(
      dynamodb::to_json(encode_event(empty_event, 1)),
      R"({"Feed":{"S":"all"},"GlobalPosition":{"N":"1"},"Id":{"S":"a"},)"
      R"("Metadata":{"M":{"Class":{"S":"Broadway\\Domain\\Metadata"},"Payload":{"S":"[]"}}},)"
      R"("Payload":{"M":{"Class":{"S":"Broadway\\EventStore\\Testing\\Event"},"Payload":{"S":"[]"}}},)"
      R"("Playhead":{"N":"0"},"RecordedOn":{"S":"2026-05-01T00:00:00.000000+00:00"},)"
      R"("Type":{"S":"Broadway.EventStore.Testing.Event"}})");
}

TEST(dynamodb_item_codec, a_written_row_reads_back_as_the_same_message) {
  const auto message = middle_a();
  EXPECT_EQ(decode_event(encode_event(message, 7), "events"), message);
  EXPECT_EQ(decode_global_position(encode_event(message, 7), "events"), 7);
}

TEST(dynamodb_item_codec, set_global_position_replaces_the_placeholder) {
  auto item = encode_event(middle_a(), 9223372036854775807);
  set_global_position(item, 42);
  EXPECT_EQ(item.at("GlobalPosition"), attribute_value::number(42));
}

// A row as the PHP package writes it (json_encode escapes `/` and every non-ASCII character,
// writes 1e20 as 1.0e+20 and empty arrays as []), plus an attribute PHP never writes.
constexpr const char* php_row = R"({
  "Id": {"S": "aggregate-id"}, "Playhead": {"N": "0"}, "Feed": {"S": "all"},
  "GlobalPosition": {"N": "2"},
  "Metadata": {"M": {"Class": {"S": "Broadway\\Domain\\Metadata"},
                     "Payload": {"S": "{\"user\":\"u\\/1\",\"u\":\"\\u00e9\\ud83d\\ude00\",\"f\":1.0e+20}"}}},
  "Payload": {"M": {"Class": {"S": "chrisjenkinson\\DynamoDbEventStore\\Tests\\TestEvent"},
                    "Payload": {"S": "{\"id\":\"aggregate-id\"}"}}},
  "RecordedOn": {"S": "2026-05-01T00:00:00.000000+00:00"},
  "Type": {"S": "chrisjenkinson\\DynamoDbEventStore\\Tests\\TestEvent"},
  "CommitToken": {"S": "extra attributes are ignored"}
})";

TEST(dynamodb_item_codec, reads_a_row_written_by_the_php_package) {
  const auto message = decode_event(dynamodb::item_from_json(php_row), "events");
  EXPECT_EQ(message.id(), "aggregate-id");
  EXPECT_EQ(message.playhead(), 0);
  EXPECT_EQ(message.metadata(),
            metadata({{"user", R"("u/1")"}, {"u", "\"\xc3\xa9\xf0\x9f\x98\x80\""}, {"f", "1e20"}}));
  EXPECT_EQ(message.payload().class_name, "chrisjenkinson\\DynamoDbEventStore\\Tests\\TestEvent");
  EXPECT_EQ(message.payload(),
            (serialized_payload{"chrisjenkinson\\DynamoDbEventStore\\Tests\\TestEvent",
                                R"({"id":"aggregate-id"})"}));
  EXPECT_EQ(message.recorded_on().to_string(), "2026-05-01T00:00:00.000000+00:00");
  EXPECT_EQ(message.type(), "chrisjenkinson.DynamoDbEventStore.Tests.TestEvent");
}

TEST(dynamodb_item_codec, reads_a_legacy_row_without_feed_and_global_position) {
  auto item = encode_event(middle_a(), 7);
  item.erase("Feed");
  item.erase("GlobalPosition");
  item.erase("Type");
  EXPECT_EQ(decode_event(item, "events"), middle_a());
}

TEST(dynamodb_item_codec, empty_metadata_written_as_an_empty_object_is_empty) {
  auto item = encode_event(middle_a(), 7);
  item["Metadata"] = class_payload("Broadway\\Domain\\Metadata", "{}");
  EXPECT_TRUE(decode_event(item, "events").metadata().empty());
}

TEST(dynamodb_item_codec, the_counter_row_is_not_an_event_row) {
  const attribute_map counter = {{"Id", s("_counter")},
                                 {"Playhead", attribute_value::number(0)},
                                 {"Value", attribute_value::number(12)}};
  EXPECT_FALSE(is_event_row(counter));
  EXPECT_TRUE(is_event_row(encode_event(middle_a(), 1)));
}

TEST(dynamodb_item_codec, a_playhead_beyond_int64_names_attribute_and_row) {
  auto item = encode_event(middle_a(), 7);
  item["Playhead"] = attribute_value::number("9223372036854775808");
  try {
    static_cast<void>(decode_event(item, "events"));
    FAIL() << "expected serialization_error";
  } catch (const serialization_error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("\"Playhead\""), HasSubstr("9223372036854775808"),
                                HasSubstr("table \"events\""),
                                HasSubstr("aggregate \"00000001-0001-4001-0001-000000000001\""),
                                HasSubstr("global position 7")));
  }
}

TEST(dynamodb_item_codec, a_global_position_beyond_int64_names_attribute_and_row) {
  auto item = encode_event(middle_a(), 7);
  item["GlobalPosition"] = attribute_value::number("99999999999999999999999");
  try {
    static_cast<void>(decode_global_position(item, "events"));
    FAIL() << "expected serialization_error";
  } catch (const serialization_error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("\"GlobalPosition\""), HasSubstr("playhead 3"),
                                HasSubstr("table \"events\"")));
  }
}

TEST(dynamodb_item_codec, broken_rows_name_table_aggregate_playhead_and_attribute) {
  struct broken {
    const char* attribute;
    void (*edit)(attribute_map&);
  };
  const broken cases[] = {
      {"Metadata.Payload",
       [](attribute_map& i) {
         i["Metadata"] = attribute_value::map({{"Class", s("Broadway\\Domain\\Metadata")}});
       }},
      {"Metadata.Class",
       [](attribute_map& i) { i["Metadata"] = class_payload("App\\Other", "[]"); }},
      {"Metadata.Payload",
       [](attribute_map& i) { i["Metadata"] = class_payload("Broadway\\Domain\\Metadata", "1"); }},
      {"Payload", [](attribute_map& i) { i.erase("Payload"); }},
      {"Payload.Payload",
       [](attribute_map& i) {
         i["Payload"] =
             attribute_value::map({{"Class", s("X")}, {"Payload", attribute_value::number(1)}});
       }},
      {"RecordedOn", [](attribute_map& i) { i.erase("RecordedOn"); }},
      {"RecordedOn", [](attribute_map& i) { i["RecordedOn"] = s("garbage"); }},
      {"Playhead", [](attribute_map& i) { i["Playhead"] = s("3"); }},
  };
  for (const auto& c : cases) {
    auto item = encode_event(middle_a(), 7);
    c.edit(item);
    try {
      static_cast<void>(decode_event(item, "events"));
      ADD_FAILURE() << "expected serialization_error for " << c.attribute;
    } catch (const serialization_error& e) {
      EXPECT_THAT(e.what(), AllOf(HasSubstr(std::string("\"") + c.attribute + "\""),
                                  HasSubstr("table \"events\""),
                                  HasSubstr("aggregate \"00000001-0001-4001-0001-000000000001\""),
                                  HasSubstr("global position 7")));
    }
  }
}

}  // namespace
}  // namespace dynamo_es::detail
