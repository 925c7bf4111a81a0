// Rows that hold no valid event (issue 4 item 7): every bad shape the table can hold — a missing
// attribute, a wrong type, JSON that does not parse or is not an array, a number out of range, a
// class that is not Broadway's — is a `corrupt_event_row` naming table, Id, Playhead and attribute.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dynamo_es/dynamodb_event_store.hpp"
#include "stores/dynamodb_item_codec.hpp"

namespace dynamo_es::detail {
namespace {

using dynamodb::attribute_map;
using dynamodb::attribute_value;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr const char* id = "acct-7";

attribute_value s(std::string text) {
  return attribute_value::string(std::move(text));
}

attribute_value n(std::string literal) {
  return attribute_value::number(std::move(literal));
}

attribute_map good_row() {
  return encode_event(domain_message(id, 3, metadata::kv_string("user", "u1"),
                                     serialized_payload{"App\\Deposited", R"({"amount":5})"},
                                     date_time::from_string("2026-05-01T00:00:00.000000+00:00")),
                      7);
}

// Edits of one attribute path of a good row.
void set_in(attribute_map& item, const std::string& map, const std::string& key,
            std::optional<attribute_value> value) {
  auto inner = item.at(map).as_map();
  if (value) {
    inner.insert_or_assign(key, std::move(*value));
  } else {
    inner.erase(key);
  }
  item.insert_or_assign(map, attribute_value::map(std::move(inner)));
}

struct bad_shape {
  std::string name;
  std::string attribute;  // the path the error must name
  std::function<void(attribute_map&)> edit;
};

std::vector<bad_shape> bad_shapes() {
  return {
      // Missing attributes.
      {"missing Id", "Id", [](attribute_map& i) { i.erase("Id"); }},
      {"missing Playhead", "Playhead", [](attribute_map& i) { i.erase("Playhead"); }},
      {"missing Metadata", "Metadata", [](attribute_map& i) { i.erase("Metadata"); }},
      {"missing Metadata.Class", "Metadata.Class",
       [](attribute_map& i) { set_in(i, "Metadata", "Class", std::nullopt); }},
      {"missing Metadata.Payload", "Metadata.Payload",
       [](attribute_map& i) { set_in(i, "Metadata", "Payload", std::nullopt); }},
      {"missing Payload", "Payload", [](attribute_map& i) { i.erase("Payload"); }},
      {"missing Payload.Class", "Payload.Class",
       [](attribute_map& i) { set_in(i, "Payload", "Class", std::nullopt); }},
      {"missing Payload.Payload", "Payload.Payload",
       [](attribute_map& i) { set_in(i, "Payload", "Payload", std::nullopt); }},
      {"missing RecordedOn", "RecordedOn", [](attribute_map& i) { i.erase("RecordedOn"); }},
      // Wrong types.
      {"Id of type N", "Id", [](attribute_map& i) { i["Id"] = n("7"); }},
      {"Playhead of type S", "Playhead", [](attribute_map& i) { i["Playhead"] = s("3"); }},
      {"Metadata of type S", "Metadata", [](attribute_map& i) { i["Metadata"] = s("[]"); }},
      {"Metadata.Class of type N", "Metadata.Class",
       [](attribute_map& i) { set_in(i, "Metadata", "Class", n("1")); }},
      {"Metadata.Payload of type M", "Metadata.Payload",
       [](attribute_map& i) { set_in(i, "Metadata", "Payload", attribute_value::map({})); }},
      {"Payload of type L", "Payload",
       [](attribute_map& i) { i["Payload"] = attribute_value::list({s("x")}); }},
      {"Payload.Class of type BOOL", "Payload.Class",
       [](attribute_map& i) { set_in(i, "Payload", "Class", attribute_value::boolean(true)); }},
      {"Payload.Payload of type N", "Payload.Payload",
       [](attribute_map& i) { set_in(i, "Payload", "Payload", n("1")); }},
      {"Payload.Payload of type NULL", "Payload.Payload",
       [](attribute_map& i) { set_in(i, "Payload", "Payload", attribute_value::null()); }},
      {"RecordedOn of type N", "RecordedOn", [](attribute_map& i) { i["RecordedOn"] = n("1"); }},
      // JSON that PHP's decoder refuses.
      {"Payload.Payload not JSON", "Payload.Payload",
       [](attribute_map& i) { set_in(i, "Payload", "Payload", s("{amount: 5")); }},
      {"Payload.Payload a JSON number", "Payload.Payload",
       [](attribute_map& i) { set_in(i, "Payload", "Payload", s("5")); }},
      {"Payload.Payload a JSON string", "Payload.Payload",
       [](attribute_map& i) { set_in(i, "Payload", "Payload", s(R"("text")")); }},
      {"Payload.Payload empty", "Payload.Payload",
       [](attribute_map& i) { set_in(i, "Payload", "Payload", s("")); }},
      {"Payload.Payload with trailing text", "Payload.Payload",
       [](attribute_map& i) { set_in(i, "Payload", "Payload", s("{} {}")); }},
      {"Payload.Payload invalid UTF-8", "Payload.Payload",
       [](attribute_map& i) { set_in(i, "Payload", "Payload", s("{\"a\":\"\xff\"}")); }},
      {"Metadata.Payload not JSON", "Metadata.Payload",
       [](attribute_map& i) { set_in(i, "Metadata", "Payload", s("user=u1")); }},
      {"Metadata.Payload JSON null", "Metadata.Payload",
       [](attribute_map& i) { set_in(i, "Metadata", "Payload", s("null")); }},
      // Numbers out of range.
      {"Playhead beyond int64", "Playhead",
       [](attribute_map& i) { i["Playhead"] = n("9223372036854775808"); }},
      {"Playhead below int64", "Playhead",
       [](attribute_map& i) { i["Playhead"] = n("-9223372036854775809"); }},
      {"Playhead with 38 digits", "Playhead",
       [](attribute_map& i) { i["Playhead"] = n("12345678901234567890123456789012345678"); }},
      {"Playhead a fraction", "Playhead", [](attribute_map& i) { i["Playhead"] = n("3.5"); }},
      // Classes no reader can map.
      {"Metadata.Class not Broadway's", "Metadata.Class",
       [](attribute_map& i) { set_in(i, "Metadata", "Class", s("App\\Metadata")); }},
      {"Payload.Class empty", "Payload.Class",
       [](attribute_map& i) { set_in(i, "Payload", "Class", s("")); }},
      // Dates.
      {"RecordedOn not a date", "RecordedOn",
       [](attribute_map& i) { i["RecordedOn"] = s("yesterday"); }},
  };
}

TEST(dynamodb_corrupt_row, the_good_row_decodes) {
  EXPECT_EQ(decode_event(good_row(), "events").id(), id);
}

TEST(dynamodb_corrupt_row, every_bad_shape_is_a_corrupt_event_row_naming_the_row) {
  for (const auto& shape : bad_shapes()) {
    SCOPED_TRACE(shape.name);
    auto item = good_row();
    shape.edit(item);
    ASSERT_TRUE(is_event_row(item)) << "a broken event must not pass for a non-event row";
    try {
      static_cast<void>(decode_event(item, "events"));
      ADD_FAILURE() << "expected corrupt_event_row";
    } catch (const corrupt_event_row& e) {
      const auto& report = e.report();
      EXPECT_EQ(report.table_name, "events");
      EXPECT_EQ(report.attribute, shape.attribute);
      EXPECT_FALSE(report.problem.empty());
      EXPECT_EQ(report.message, e.what());
      EXPECT_EQ(report.global_position, 7);
      EXPECT_THAT(e.what(), AllOf(HasSubstr("table \"events\""),
                                  HasSubstr("attribute \"" + shape.attribute + "\""),
                                  HasSubstr("global position 7")));
      if (shape.attribute != "Id") {
        EXPECT_EQ(report.aggregate_id, id);
        EXPECT_THAT(e.what(), HasSubstr("aggregate \"acct-7\""));
      }
      if (shape.attribute != "Playhead") {
        EXPECT_EQ(report.playhead, 3);
        EXPECT_THAT(e.what(), HasSubstr("playhead 3"));
      } else {
        EXPECT_EQ(report.playhead, std::nullopt);
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "expected corrupt_event_row, got: " << e.what();
    }
  }
}

TEST(dynamodb_corrupt_row, it_is_a_serialization_error) {
  auto item = good_row();
  item.erase("RecordedOn");
  EXPECT_THROW(static_cast<void>(decode_event(item, "events")), serialization_error);
}

TEST(dynamodb_corrupt_row, an_unreadable_playhead_is_quoted_in_the_message) {
  auto item = good_row();
  item["Playhead"] = n("9223372036854775808");
  try {
    static_cast<void>(decode_event(item, "events"));
    FAIL() << "expected corrupt_event_row";
  } catch (const corrupt_event_row& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("playhead 9223372036854775808"),
                                HasSubstr("not an integer in the range of int64")));
  }
}

TEST(dynamodb_corrupt_row, the_json_problem_is_explained_in_phps_words) {
  auto item = good_row();
  set_in(item, "Payload", "Payload", s("5"));
  try {
    static_cast<void>(decode_event(item, "events"));
    FAIL() << "expected corrupt_event_row";
  } catch (const corrupt_event_row& e) {
    EXPECT_THAT(e.report().problem, HasSubstr("to decode to array, instead got integer"));
  }
}

TEST(dynamodb_corrupt_row, a_long_id_is_cut_in_the_message_but_whole_in_the_report) {
  auto item = good_row();
  const std::string long_id(300, 'x');
  item["Id"] = s(long_id);
  item.erase("RecordedOn");
  try {
    static_cast<void>(decode_event(item, "events"));
    FAIL() << "expected corrupt_event_row";
  } catch (const corrupt_event_row& e) {
    EXPECT_EQ(e.report().aggregate_id, long_id);
    EXPECT_THAT(e.what(), HasSubstr("...\""));
    EXPECT_LT(std::string(e.what()).size(), 300u);
  }
}

TEST(dynamodb_corrupt_row, negative_playheads_are_valid_because_append_accepts_them) {
  auto item = good_row();
  item["Playhead"] = n("-1");
  EXPECT_EQ(decode_event(item, "events").playhead(), -1);
}

TEST(dynamodb_corrupt_row, php_spellings_stay_valid) {
  auto item = good_row();
  set_in(item, "Payload", "Payload", s(" [] "));
  set_in(item, "Metadata", "Payload", s("{}"));
  EXPECT_EQ(decode_event(item, "events").payload().json, " [] ");
  set_in(item, "Payload", "Payload", s(R"({"u":"\u00e9\ud83d\ude00","p":"a\/b","f":1.0e+20})"));
  EXPECT_NO_THROW(static_cast<void>(decode_event(item, "events")));
}

TEST(dynamodb_corrupt_row, bad_global_positions_are_named) {
  const std::vector<std::pair<std::string, attribute_value>> cases = {
      {"beyond int64", n("99999999999999999999999")},
      {"negative", n("-4")},
      {"a fraction", n("2.5")},
      {"a string", s("7")},
  };
  for (const auto& [name, value] : cases) {
    SCOPED_TRACE(name);
    auto item = good_row();
    item["GlobalPosition"] = value;
    try {
      static_cast<void>(decode_global_position(item, "events"));
      ADD_FAILURE() << "expected corrupt_event_row";
    } catch (const corrupt_event_row& e) {
      EXPECT_EQ(e.report().attribute, "GlobalPosition");
      EXPECT_EQ(e.report().aggregate_id, id);
      EXPECT_EQ(e.report().playhead, 3);
      EXPECT_THAT(e.what(), AllOf(HasSubstr("table \"events\""), HasSubstr("playhead 3"),
                                  HasSubstr("attribute \"GlobalPosition\"")));
    }
  }
  auto missing = good_row();
  missing.erase("GlobalPosition");
  EXPECT_THROW(static_cast<void>(decode_global_position(missing, "events")), corrupt_event_row);
}

TEST(dynamodb_corrupt_row, feed_positions_are_classified_for_the_skip_rule) {
  using kind = feed_position::kind;
  const auto classify = [](std::optional<attribute_value> value) {
    auto item = good_row();
    if (value) {
      item["GlobalPosition"] = *value;
    } else {
      item.erase("GlobalPosition");
    }
    return read_feed_position(item);
  };
  EXPECT_EQ(classify(n("7")).what, kind::valid);
  EXPECT_EQ(classify(n("7")).value, 7);
  EXPECT_EQ(classify(n("0")).what, kind::valid);
  EXPECT_EQ(classify(n("9223372036854775807")).what, kind::valid);
  EXPECT_EQ(classify(n("-3")).what, kind::negative);
  EXPECT_EQ(classify(n("-3")).value, -3);
  EXPECT_EQ(classify(n("9223372036854775808")).what, kind::beyond_int64);
  EXPECT_EQ(classify(n("1E+37")).what, kind::beyond_int64);
  EXPECT_EQ(classify(n("99999999999999999999999999999999999999")).what, kind::beyond_int64);
  EXPECT_EQ(classify(n("2.5")).what, kind::unusable);
  EXPECT_EQ(classify(n("-99999999999999999999999")).what, kind::unusable);
  EXPECT_EQ(classify(s("7")).what, kind::unusable);
  EXPECT_EQ(classify(std::nullopt).what, kind::unusable);
}

TEST(dynamodb_corrupt_row, only_rows_without_any_event_attribute_are_not_events) {
  const attribute_map counter = {{"Id", s("_counter")}, {"Playhead", n("0")}, {"Value", n("12")}};
  EXPECT_FALSE(is_event_row(counter));
  for (const char* attribute : {"Metadata", "Payload", "RecordedOn"}) {
    SCOPED_TRACE(attribute);
    auto item = good_row();
    item.erase(attribute);
    EXPECT_TRUE(is_event_row(item));
  }
}

TEST(dynamodb_corrupt_row, the_exception_copies_share_the_report) {
  auto item = good_row();
  item.erase("Payload");
  try {
    static_cast<void>(decode_event(item, "events"));
    FAIL() << "expected corrupt_event_row";
  } catch (const corrupt_event_row& e) {
    const corrupt_event_row copy = e;  // NOLINT(performance-unnecessary-copy-initialization)
    EXPECT_EQ(&copy.report(), &e.report());
    EXPECT_STREQ(copy.what(), e.what());
  }
}

}  // namespace
}  // namespace dynamo_es::detail
