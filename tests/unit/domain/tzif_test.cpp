// The TZif reader and POSIX TZ rules behind named zones in date_time::from_string.

#include "domain/tzif.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "domain/posix_tz.hpp"

namespace dynamo_es::detail {
namespace {

using namespace std::chrono;

std::int64_t utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
  const sys_seconds at = sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min};
  return at.time_since_epoch().count();
}

TEST(posix_tz_rule, fixed_offsets) {
  const auto utc_rule = posix_tz_rule::parse("UTC0");
  ASSERT_TRUE(utc_rule);
  EXPECT_EQ(utc_rule->offset_at(utc(2100, 7, 1)), 0);
  const auto tehran = posix_tz_rule::parse("<+0330>-3:30");
  ASSERT_TRUE(tehran);
  EXPECT_EQ(tehran->offset_at(utc(2100, 7, 1)), 3 * 3600 + 1800);
  const auto west = posix_tz_rule::parse("<-03>3");
  ASSERT_TRUE(west);
  EXPECT_EQ(west->offset_at(0), -3 * 3600);
}

TEST(posix_tz_rule, european_rule_switches_at_one_utc) {
  const auto cet = posix_tz_rule::parse("CET-1CEST,M3.5.0,M10.5.0/3");
  ASSERT_TRUE(cet);
  // 2100: last Sunday of March is the 28th, of October the 31st.
  EXPECT_EQ(cet->offset_at(utc(2100, 3, 28, 0, 59)), 3600);
  EXPECT_EQ(cet->offset_at(utc(2100, 3, 28, 1, 0)), 7200);
  EXPECT_EQ(cet->offset_at(utc(2100, 10, 31, 0, 59)), 7200);
  EXPECT_EQ(cet->offset_at(utc(2100, 10, 31, 1, 0)), 3600);
}

TEST(posix_tz_rule, southern_rule_spans_the_new_year) {
  const auto sydney = posix_tz_rule::parse("AEST-10AEDT,M10.1.0,M4.1.0/3");
  ASSERT_TRUE(sydney);
  EXPECT_EQ(sydney->offset_at(utc(2100, 1, 1)), 11 * 3600);
  EXPECT_EQ(sydney->offset_at(utc(2100, 7, 1)), 10 * 3600);
  EXPECT_EQ(sydney->offset_at(utc(2100, 12, 31)), 11 * 3600);
}

TEST(posix_tz_rule, default_and_julian_rules) {
  const auto us = posix_tz_rule::parse("EST5EDT");  // no rule: the US rule
  ASSERT_TRUE(us);
  EXPECT_EQ(us->offset_at(utc(2100, 7, 1)), -4 * 3600);
  EXPECT_EQ(us->offset_at(utc(2100, 1, 1)), -5 * 3600);
  // J60 is March 1 in every year; 59 (zero-based) is March 1 only in leap years.
  const auto julian = posix_tz_rule::parse("AAA0BBB,J60/0,J305/0");
  ASSERT_TRUE(julian);
  EXPECT_EQ(julian->offset_at(utc(2096, 2, 29, 12)), 0);
  EXPECT_EQ(julian->offset_at(utc(2096, 3, 1, 12)), 3600);
  const auto zero_based = posix_tz_rule::parse("AAA0BBB,59/0,304/0");
  ASSERT_TRUE(zero_based);
  EXPECT_EQ(zero_based->offset_at(utc(2096, 2, 29, 12)), 3600);
  EXPECT_EQ(zero_based->offset_at(utc(2097, 2, 28, 12)), 0);
}

TEST(posix_tz_rule, rejects_what_it_does_not_understand) {
  for (const char* text : {"", "X", "CET", "CET-1CEST,M13.1.0,M10.5.0", "CET-1CEST,M3.5.0",
                           "CET-1CEST,M3.5.0,M10.5.0 extra"}) {
    EXPECT_FALSE(posix_tz_rule::parse(text)) << text;
  }
}

TEST(tzif_zone, reads_system_zones) {
  const auto amsterdam = tzif_zone::load("Europe/Amsterdam");
  ASSERT_TRUE(amsterdam);
  EXPECT_EQ(amsterdam->offset_at(utc(2014, 1, 1)), 3600);
  EXPECT_EQ(amsterdam->offset_at(utc(2014, 7, 1)), 7200);
  EXPECT_EQ(amsterdam->offset_at(utc(2300, 7, 1)), 7200);  // footer
  EXPECT_EQ(amsterdam->utc_from_local(utc(2014, 7, 1, 12)), utc(2014, 7, 1, 10));
}

TEST(tzif_zone, refuses_unsafe_or_unknown_names_and_bad_bytes) {
  EXPECT_FALSE(tzif_zone::load("../etc/passwd"));
  EXPECT_FALSE(tzif_zone::load("/etc/localtime"));
  EXPECT_FALSE(tzif_zone::load("Europe/Nowhere"));
  EXPECT_FALSE(tzif_zone::load(""));
  EXPECT_FALSE(tzif_zone::parse("not a tzif file at all, but long enough to have a header"));
  EXPECT_FALSE(tzif_zone::parse("TZif2"));
}

}  // namespace
}  // namespace dynamo_es::detail
