#include "dynamo_es/dynamodb/attribute_value.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

#include "dynamo_es/error.hpp"

namespace dynamo_es::dynamodb {
namespace {

using namespace std::string_literals;

TEST(attribute_value, default_is_null) {
  const attribute_value value;
  EXPECT_TRUE(value.is_null());
  EXPECT_EQ(value.type(), attribute_type::null);
  EXPECT_EQ(value, attribute_value::null());
}

TEST(attribute_value, factories_set_type_and_content) {
  EXPECT_EQ(attribute_value::string("a").as_string(), "a");
  EXPECT_EQ(attribute_value::number("12.5").as_number(), "12.5");
  EXPECT_EQ(attribute_value::binary("\0\x01\xff"s).as_binary(), "\0\x01\xff"s);
  EXPECT_TRUE(attribute_value::boolean(true).as_bool());
  EXPECT_FALSE(attribute_value::boolean(false).as_bool());
  EXPECT_TRUE(attribute_value::null().is_null());
  const auto map = attribute_value::map({{"k", attribute_value::string("v")}});
  ASSERT_TRUE(map.is_map());
  EXPECT_EQ(map.as_map().at("k").as_string(), "v");
  const auto list = attribute_value::list({attribute_value::number(1), attribute_value::null()});
  ASSERT_TRUE(list.is_list());
  ASSERT_EQ(list.as_list().size(), 2U);
  EXPECT_EQ(list.as_list()[0].as_int64(), 1);
  EXPECT_EQ(attribute_value::string_set({"a", "b"}).as_string_set().size(), 2U);
  EXPECT_EQ(attribute_value::number_set({"1", "2.5"}).as_number_set()[1], "2.5");
  EXPECT_EQ(attribute_value::binary_set({"\x01"s, "\0"s}).as_binary_set()[1], "\0"s);
}

TEST(attribute_value, type_queries_are_exclusive) {
  const std::vector<attribute_value> values = {attribute_value::string("s"),
                                               attribute_value::number(1),
                                               attribute_value::binary("b"),
                                               attribute_value::boolean(true),
                                               attribute_value::null(),
                                               attribute_value::map({}),
                                               attribute_value::list({}),
                                               attribute_value::string_set({"s"}),
                                               attribute_value::number_set({"1"}),
                                               attribute_value::binary_set({"b"})};
  for (const auto& v : values) {
    const int matches = v.is_string() + v.is_number() + v.is_binary() + v.is_bool() + v.is_null() +
                        v.is_map() + v.is_list() + v.is_string_set() + v.is_number_set() +
                        v.is_binary_set();
    EXPECT_EQ(matches, 1) << v;
  }
  EXPECT_EQ(values[7].type(), attribute_type::string_set);
  EXPECT_EQ(to_string(values[7].type()), "SS");
  EXPECT_EQ(to_string(values[3].type()), "BOOL");
}

TEST(attribute_value, accessor_of_wrong_type_names_both_types) {
  const auto value = attribute_value::string("x");
  try {
    static_cast<void>(value.as_number());
    FAIL() << "as_number on S did not throw";
  } catch (const serialization_error& e) {
    EXPECT_NE(std::string(e.what()).find("expected N, got S"), std::string::npos) << e.what();
  }
  EXPECT_THROW(static_cast<void>(value.as_map()), serialization_error);
  EXPECT_THROW(static_cast<void>(attribute_value::number(1).as_string()), serialization_error);
  EXPECT_THROW(static_cast<void>(attribute_value::null().as_bool()), serialization_error);
  EXPECT_THROW(static_cast<void>(attribute_value::string_set({}).as_number_set()),
               serialization_error);
}

TEST(attribute_value, integer_factories_write_exact_literals) {
  EXPECT_EQ(attribute_value::number(std::numeric_limits<std::int64_t>::min()).as_number(),
            "-9223372036854775808");
  EXPECT_EQ(attribute_value::number(std::numeric_limits<std::uint64_t>::max()).as_number(),
            "18446744073709551615");
  EXPECT_EQ(attribute_value::number(0).as_number(), "0");
  EXPECT_EQ(attribute_value::number(static_cast<unsigned short>(65535)).as_number(), "65535");
}

TEST(attribute_value, as_int64_converts_integers_in_range) {
  EXPECT_EQ(attribute_value::number("-42").as_int64(), -42);
  EXPECT_EQ(attribute_value::number("9223372036854775807").as_int64(),
            std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(attribute_value::number("18446744073709551615").as_uint64(),
            std::numeric_limits<std::uint64_t>::max());
}

TEST(attribute_value, as_int64_rejects_out_of_range_and_non_integers) {
  for (const char* literal : {"9223372036854775808", "-9223372036854775809", "1.5", "1e3",
                              "12345678901234567890123456789012345678"}) {
    EXPECT_THROW(static_cast<void>(attribute_value::number(literal).as_int64()),
                 serialization_error)
        << literal;
  }
  for (const char* literal : {"-1", "18446744073709551616", "0.5"}) {
    EXPECT_THROW(static_cast<void>(attribute_value::number(literal).as_uint64()),
                 serialization_error)
        << literal;
  }
  try {
    static_cast<void>(attribute_value::number("9223372036854775808").as_int64());
  } catch (const serialization_error& e) {
    EXPECT_NE(std::string(e.what()).find("out of the range of int64"), std::string::npos)
        << e.what();
  }
}

TEST(attribute_value, number_literals_are_validated) {
  for (const char* ok : {"0", "-1", "1.5", ".5", "5.", "1e10", "1.50E+2", "-0.0e-3",
                         "12345678901234567890123456789012345678"}) {
    EXPECT_TRUE(is_number_literal(ok)) << ok;
    EXPECT_NO_THROW(static_cast<void>(attribute_value::number(std::string(ok)))) << ok;
  }
  for (const char* bad :
       {"", "-", "abc", "1a", "1e", "1e+", ".", "+1", " 1", "1 ", "0x10", "NaN", "--1"}) {
    EXPECT_FALSE(is_number_literal(bad)) << bad;
    EXPECT_THROW(static_cast<void>(attribute_value::number(std::string(bad))), validation_error)
        << bad;
  }
  EXPECT_THROW(static_cast<void>(attribute_value::number_set({"1", "x"})), validation_error);
}

TEST(attribute_value, numbers_compare_as_literals) {
  EXPECT_EQ(attribute_value::number("7"), attribute_value::number(7));
  EXPECT_NE(attribute_value::number("1"), attribute_value::number("1.0"));
  EXPECT_NE(attribute_value::number("1"), attribute_value::string("1"));
}

TEST(attribute_value, sets_compare_regardless_of_order) {
  EXPECT_EQ(attribute_value::string_set({"a", "b", "c"}),
            attribute_value::string_set({"c", "a", "b"}));
  EXPECT_NE(attribute_value::string_set({"a", "b"}), attribute_value::string_set({"a", "c"}));
  EXPECT_NE(attribute_value::string_set({"a"}), attribute_value::binary_set({"a"}));
  EXPECT_EQ(attribute_value::number_set({"1", "2"}), attribute_value::number_set({"2", "1"}));
}

TEST(attribute_value, lists_compare_in_order) {
  const auto ab =
      attribute_value::list({attribute_value::string("a"), attribute_value::string("b")});
  const auto ba =
      attribute_value::list({attribute_value::string("b"), attribute_value::string("a")});
  EXPECT_NE(ab, ba);
  EXPECT_EQ(ab,
            attribute_value::list({attribute_value::string("a"), attribute_value::string("b")}));
}

TEST(attribute_value, copies_are_deep_and_independent) {
  auto original = std::make_unique<attribute_value>(
      attribute_value::map({{"inner", attribute_value::map({{"x", attribute_value::number(1)}})},
                            {"list", attribute_value::list({attribute_value::string("s")})}}));
  const attribute_value copy = *original;  // NOLINT(performance-unnecessary-copy-initialization)
  attribute_value assigned;
  assigned = *original;
  EXPECT_EQ(copy, *original);
  original.reset();
  EXPECT_EQ(copy.as_map().at("inner").as_map().at("x").as_int64(), 1);
  EXPECT_EQ(assigned, copy);
}

TEST(attribute_value, maps_compare_by_content) {
  const attribute_map a = {{"x", attribute_value::number(1)}, {"y", attribute_value::string("s")}};
  attribute_map b = a;
  EXPECT_EQ(attribute_value::map(a), attribute_value::map(b));
  b["y"] = attribute_value::string("t");
  EXPECT_NE(attribute_value::map(a), attribute_value::map(b));
}

TEST(attribute_value, prints_as_dynamodb_json) {
  std::ostringstream out;
  out << attribute_value::map({{"n", attribute_value::number(5)}});
  EXPECT_EQ(out.str(), R"({"M":{"n":{"N":"5"}}})");
}

}  // namespace
}  // namespace dynamo_es::dynamodb
