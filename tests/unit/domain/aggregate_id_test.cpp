// Aggregate ids: which types are accepted and how they become strings (contract §1.1, EST-5).

#include "dynamo_es/aggregate_id.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace id_types {

// Broadway's StringIdentity: a wrapper with a string conversion.
struct string_identity {
  std::string value;
  explicit operator std::string() const { return value; }
};

struct implicit_identity {
  operator std::string() const { return "implicit"; }  // NOLINT: implicit on purpose
};

struct adl_identity {
  int number;
};
std::string to_string(const adl_identity& id) {
  return "adl-" + std::to_string(id.number);
}

struct view_identity {
  operator std::string_view() const { return "view"; }  // NOLINT: implicit on purpose
};

struct no_conversion {
  int value;
};

}  // namespace id_types

namespace dynamo_es {
namespace {

static_assert(aggregate_id<std::string>);
static_assert(aggregate_id<std::string_view>);
static_assert(aggregate_id<const char*>);
static_assert(aggregate_id<char[4]>);
static_assert(aggregate_id<int>);
static_assert(aggregate_id<std::int64_t>);
static_assert(aggregate_id<unsigned long long>);
static_assert(aggregate_id<id_types::string_identity>);
static_assert(aggregate_id<id_types::implicit_identity>);
static_assert(aggregate_id<id_types::adl_identity>);
static_assert(aggregate_id<id_types::view_identity>);
// Types that have no sensible string form are rejected at compile time.
static_assert(!aggregate_id<id_types::no_conversion>);
static_assert(!aggregate_id<bool>);
static_assert(!aggregate_id<char>);
static_assert(!aggregate_id<double>);
static_assert(!aggregate_id<void*>);

TEST(aggregate_id, strings_are_copied) {
  EXPECT_EQ(to_aggregate_id_string("Yolntbyaac"), "Yolntbyaac");
  EXPECT_EQ(to_aggregate_id_string(std::string("a b")), "a b");
  EXPECT_EQ(to_aggregate_id_string(std::string_view("view")), "view");
}

TEST(aggregate_id, integers_become_decimal_strings) {
  EXPECT_EQ(to_aggregate_id_string(42), "42");
  EXPECT_EQ(to_aggregate_id_string(-7), "-7");
  EXPECT_EQ(to_aggregate_id_string(std::int64_t{9223372036854775807}), "9223372036854775807");
  EXPECT_EQ(to_aggregate_id_string(18446744073709551615ULL), "18446744073709551615");
}

TEST(aggregate_id, identity_types_use_their_conversion) {
  EXPECT_EQ(to_aggregate_id_string(id_types::string_identity{"Yolntbyaac"}), "Yolntbyaac");
  EXPECT_EQ(to_aggregate_id_string(id_types::implicit_identity{}), "implicit");
  EXPECT_EQ(to_aggregate_id_string(id_types::adl_identity{5}), "adl-5");
  EXPECT_EQ(to_aggregate_id_string(id_types::view_identity{}), "view");
}

}  // namespace
}  // namespace dynamo_es
