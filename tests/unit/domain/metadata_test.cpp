// Broadway Metadata (contract §1.3, MD-1..MD-7) and its JSON form (§1.6).

#include "dynamo_es/metadata.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dynamo_es/error.hpp"

namespace dynamo_es {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

metadata foo_bar() {
  return metadata{{"foo", "42"}, {"bar", "1337"}};
}

TEST(metadata, md1_merge_adds_the_other_keys) {
  EXPECT_EQ(metadata::kv("foo", "42").merge(metadata::kv("bar", "1337")), foo_bar());
}

TEST(metadata, md2_merge_lets_the_other_win) {
  const metadata merged = metadata::kv("foo", "42").merge(metadata::kv("foo", "1337"));
  EXPECT_EQ(merged, metadata::kv("foo", "1337"));
  EXPECT_EQ(merged.size(), 1U);
}

TEST(metadata, md3_kv_equals_the_map) {
  EXPECT_EQ(metadata::kv("foo", "42"), (metadata{{"foo", "42"}}));
}

TEST(metadata, md4_all_returns_every_entry_in_order) {
  EXPECT_THAT(foo_bar().all(), ElementsAre(Pair("foo", "42"), Pair("bar", "1337")));
}

TEST(metadata, md5_get_of_a_missing_key_is_nullopt) {
  EXPECT_EQ(metadata::kv("foo", "42").get("bar"), std::nullopt);
}

TEST(metadata, md6_get_returns_the_json_value) {
  EXPECT_EQ(metadata::kv("foo", "42").get("foo"), "42");
  EXPECT_EQ(metadata::kv_string("user", "u/1").get("user"), "\"u/1\"");
}

TEST(metadata, md7_numeric_keys_are_strings_and_the_other_wins) {
  // PHP would renumber integer keys ({a:2, 0:'x', 1:'y'}); we document string-key semantics.
  const metadata left{{"a", "1"}, {"5", "\"x\""}};
  const metadata right{{"a", "2"}, {"5", "\"y\""}};
  EXPECT_THAT(left.merge(right).all(), ElementsAre(Pair("a", "2"), Pair("5", "\"y\"")));
}

TEST(metadata, merge_leaves_both_operands_unchanged) {
  const metadata left = metadata::kv("foo", "42");
  const metadata right = metadata::kv("foo", "1");
  static_cast<void>(left.merge(right));
  EXPECT_EQ(left.get("foo"), "42");
  EXPECT_EQ(right.get("foo"), "1");
}

TEST(metadata, values_are_normalised_compact_json) {
  EXPECT_EQ(metadata::kv("k", " { \"b\" : [ 1 , 2 ] , \"a\" : null } ").get("k"),
            R"({"b":[1,2],"a":null})");
  EXPECT_EQ(metadata::kv("k", R"("u\/1")").get("k"), R"("u/1")");
}

TEST(metadata, invalid_json_values_are_rejected) {
  EXPECT_THROW(static_cast<void>(metadata::kv("k", "not json")), serialization_error);
  EXPECT_THROW(static_cast<void>(metadata::kv("k", "")), serialization_error);
  EXPECT_THROW((metadata{{"k", "{"}}), serialization_error);
}

TEST(metadata, kv_string_escapes) {
  const metadata m = metadata::kv_string("q", "say \"hi\"\n");
  EXPECT_EQ(m.get("q"), R"("say \"hi\"\n")");
}

TEST(metadata, equality_ignores_key_order_and_number_spelling) {
  EXPECT_EQ((metadata{{"a", "1"}, {"b", "2"}}), (metadata{{"b", "2"}, {"a", "1"}}));
  EXPECT_EQ(metadata::kv("f", "1.0"), metadata::kv("f", "1"));
  EXPECT_EQ(metadata::kv("o", R"({"x":1,"y":2})"), metadata::kv("o", R"({"y":2,"x":1})"));
  EXPECT_NE(metadata::kv("a", "1"), metadata::kv("a", "2"));
  EXPECT_NE(metadata::kv("a", "1"), metadata::kv("b", "1"));
  EXPECT_NE(metadata::kv("a", "1"), foo_bar());
  EXPECT_NE(metadata::kv("a", "1"), metadata::kv("a", "\"1\""));
}

TEST(metadata, empty_metadata_is_written_as_an_empty_php_array) {
  EXPECT_EQ(metadata().to_json_text(), "[]");
  EXPECT_TRUE(metadata().empty());
}

TEST(metadata, sequential_keys_are_written_as_a_list) {
  EXPECT_EQ((metadata{{"0", "\"meta\""}}).to_json_text(), R"(["meta"])");
  EXPECT_EQ((metadata{{"0", "1"}, {"1", "2"}}).to_json_text(), "[1,2]");
  // Not 0..n-1 in order: an object, as PHP writes it.
  EXPECT_EQ((metadata{{"1", "\"a\""}}).to_json_text(), R"({"1":"a"})");
  EXPECT_EQ((metadata{{"1", "1"}, {"0", "0"}}).to_json_text(), R"({"1":1,"0":0})");
}

TEST(metadata, maps_are_written_as_objects_in_insertion_order) {
  EXPECT_EQ(foo_bar().to_json_text(), R"({"foo":42,"bar":1337})");
}

TEST(metadata, reads_objects_lists_and_empty_forms) {
  EXPECT_EQ(metadata::from_json_text("[]"), metadata());
  EXPECT_EQ(metadata::from_json_text("{}"), metadata());
  EXPECT_EQ(metadata::from_json_text(R"({"foo":42,"bar":1337})"), foo_bar());
  EXPECT_THAT(metadata::from_json_text(R"(["meta",{"a":1}])").all(),
              ElementsAre(Pair("0", "\"meta\""), Pair("1", R"({"a":1})")));
  // PHP decodes {"0":"a"} to a list; so do we, and it is written back as a list.
  EXPECT_EQ(metadata::from_json_text(R"({"0":"a"})").to_json_text(), R"(["a"])");
}

TEST(metadata, reads_php_escapes_and_number_spellings) {
  const metadata m = metadata::from_json_text(
      R"({"user":"u\/1","u":"\u00e9\ud83d\ude00","f":1.0e+20,"big":12345678901234567890})");
  EXPECT_EQ(m.get("user"), R"("u/1")");
  EXPECT_EQ(m.get("u"), "\"\xC3\xA9\xF0\x9F\x98\x80\"");
  EXPECT_EQ(metadata::kv("f", *m.get("f")), metadata::kv("f", "100000000000000000000.0"));
  EXPECT_TRUE(m.get("big").has_value());
}

TEST(metadata, round_trips_through_its_json_text) {
  const metadata m =
      metadata::kv_string("user", "u/1").merge(metadata::kv("n", "[1,{\"x\":null}]"));
  EXPECT_EQ(metadata::from_json_text(m.to_json_text()), m);
}

struct non_array_case {
  std::string json;
  std::string php_type;
};

class metadata_non_array : public ::testing::TestWithParam<non_array_case> {};

TEST_P(metadata_non_array, is_rejected_with_the_php_message) {
  try {
    static_cast<void>(metadata::from_json_text(GetParam().json));
    FAIL() << "expected serialization_error";
  } catch (const serialization_error& e) {
    EXPECT_EQ(std::string(e.what()), "Expected json \"" + GetParam().json +
                                         "\" to decode to array, instead got " +
                                         GetParam().php_type);
  }
}

INSTANTIATE_TEST_SUITE_P(php_types, metadata_non_array,
                         ::testing::Values(non_array_case{"1", "integer"},
                                           non_array_case{"1.5", "double"},
                                           non_array_case{"18446744073709551615", "double"},
                                           non_array_case{"\"x\"", "string"},
                                           non_array_case{"true", "boolean"},
                                           non_array_case{"null", "NULL"}));

TEST(metadata, syntax_errors_are_serialization_errors) {
  for (const char* text : {"", "{", "[1,]", "{'a':1}", "\"\xff\""}) {
    try {
      static_cast<void>(metadata::from_json_text(text));
      FAIL() << "expected serialization_error for " << text;
    } catch (const serialization_error& e) {
      EXPECT_THAT(e.what(), ::testing::HasSubstr("Syntax error"));
    }
  }
}

}  // namespace
}  // namespace dynamo_es
