// Broadway DateTime (contract §1.4): DT-1..DT-4 and every accepted input form.

#include "dynamo_es/date_time.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "dynamo_es/error.hpp"

namespace dynamo_es {
namespace {

using namespace std::chrono;
using ::testing::HasSubstr;

std::string normalised(std::string_view text) {
  return date_time::from_string(text).to_string();
}

TEST(date_time, dt1_exact_form_round_trips_unchanged) {
  EXPECT_EQ(normalised("2014-03-12T14:17:19.176169+00:00"), "2014-03-12T14:17:19.176169+00:00");
}

TEST(date_time, dt2_now_is_utc_with_six_fraction_digits) {
  const std::regex format(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$)");
  const date_time now = date_time::now();
  EXPECT_TRUE(std::regex_match(now.to_string(), format)) << now.to_string();
  EXPECT_EQ(now.utc_offset(), seconds{0});
  // The text and the instant describe the same moment.
  EXPECT_EQ(date_time::from_string(now.to_string()).instant(), now.instant());
}

TEST(date_time, dt3_equality_compares_normalised_text) {
  const auto a = date_time::from_string("2014-03-12T14:17:19.176169+00:00");
  EXPECT_EQ(a, date_time::from_string("2014-03-12T14:17:19.176169+00:00"));
  EXPECT_EQ(date_time::from_string("2014-01-01T13:37:42.000000+02:00"),
            date_time::from_string("2014-01-01T13:37:42.000000+0200"));
  EXPECT_EQ(date_time::from_string("2014-01-01T13:37:42.000000+0000"),
            date_time::from_string("2014-01-01T13:37:42+0000"));
  // Same instant, different offsets: not equal (Broadway compares strings).
  const auto utc = date_time::from_string("2014-01-01T12:00:00+00:00");
  const auto plus_two = date_time::from_string("2014-01-01T14:00:00+02:00");
  EXPECT_EQ(utc.instant(), plus_two.instant());
  EXPECT_NE(utc, plus_two);
}

TEST(date_time, dt4_comes_after_compares_instants) {
  const auto at = [](std::string_view s) { return date_time::from_string(s); };
  EXPECT_FALSE(at("2014-01-01T13:37:42+00:00").comes_after(at("2014-01-01T13:37:42+00:00")));
  EXPECT_FALSE(
      at("2014-01-01T13:37:42.123456+02:00").comes_after(at("2014-01-01T13:37:42.123456+00:00")));
  EXPECT_TRUE(
      at("2014-01-01T13:37:42.123456+00:00").comes_after(at("2014-01-01T13:37:42.123456+02:00")));
  EXPECT_TRUE(at("2014-01-01T13:37:42+00:00").comes_after(at("2014-01-01T12:37:42+00:00")));
  EXPECT_FALSE(at("2013-12-31T13:37:42+00:00").comes_after(at("2014-01-01T13:37:42+00:00")));
  EXPECT_TRUE(at("2014-01-01T00:00:00.000001+00:00").comes_after(at("2014-01-01T00:00:00+00:00")));
}

struct form_case {
  std::string input;
  std::string expected;
};

class date_time_forms : public ::testing::TestWithParam<form_case> {};

TEST_P(date_time_forms, parses_to_the_broadway_format) {
  EXPECT_EQ(normalised(GetParam().input), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    contract_1_4, date_time_forms,
    ::testing::Values(
        form_case{"2014-01-01T01:01:01.123456+0200", "2014-01-01T01:01:01.123456+02:00"},
        form_case{"2014-01-01T13:37:42+0000", "2014-01-01T13:37:42.000000+00:00"},
        form_case{"2014-01-01T13:37:42Z", "2014-01-01T13:37:42.000000+00:00"},
        form_case{"2014-01-01T13:37:42.5+00:00", "2014-01-01T13:37:42.500000+00:00"},
        form_case{"2014-01-01T13:37:42.12+00:00", "2014-01-01T13:37:42.120000+00:00"},
        form_case{"2014-01-01T13:37:42.12345+00:00", "2014-01-01T13:37:42.123450+00:00"},
        form_case{"2014-01-01T13:37:42.1234567+00:00", "2014-01-01T13:37:42.123456+00:00"},
        form_case{"2014-01-01T13:37:42.123456999+00:00", "2014-01-01T13:37:42.123456+00:00"},
        form_case{"2014-01-01T13:37:42-05:00", "2014-01-01T13:37:42.000000-05:00"},
        form_case{"2014-01-01T13:37:42+05:30", "2014-01-01T13:37:42.000000+05:30"},
        form_case{"2014-01-01T13:37:42+14:00", "2014-01-01T13:37:42.000000+14:00"},
        form_case{"2014-01-01T13:37:42+02", "2014-01-01T13:37:42.000000+02:00"},
        form_case{"2014-01-01T13:37:42", "2014-01-01T13:37:42.000000+00:00"},
        form_case{"2014-01-01 13:37:42", "2014-01-01T13:37:42.000000+00:00"},
        form_case{"2014-01-01T13:37", "2014-01-01T13:37:00.000000+00:00"},
        form_case{"  2014-01-01T13:37:42+00:00\n", "2014-01-01T13:37:42.000000+00:00"},
        // PHP lets out-of-range fields overflow into the next unit.
        form_case{"2014-02-30T00:00:00+00:00", "2014-03-02T00:00:00.000000+00:00"},
        form_case{"2014-12-31T24:00:00+00:00", "2015-01-01T00:00:00.000000+00:00"},
        // Dates before the epoch and at the edges of the 4-digit range.
        form_case{"1969-12-31T23:59:59.999999+00:00", "1969-12-31T23:59:59.999999+00:00"},
        form_case{"0001-01-01T00:00:00+00:00", "0001-01-01T00:00:00.000000+00:00"},
        form_case{"9999-12-31T23:59:59.999999-01:00", "9999-12-31T23:59:59.999999-01:00"}));

INSTANTIATE_TEST_SUITE_P(
    named_zones, date_time_forms,
    ::testing::Values(
        form_case{"2014-01-01T12:00:00 Europe/Amsterdam", "2014-01-01T12:00:00.000000+01:00"},
        form_case{"2014-07-01T12:00:00 Europe/Amsterdam", "2014-07-01T12:00:00.000000+02:00"},
        form_case{"2014-07-01T12:00:00.25 America/New_York", "2014-07-01T12:00:00.250000-04:00"},
        form_case{"2014-01-01T12:00:00 America/New_York", "2014-01-01T12:00:00.000000-05:00"},
        form_case{"2014-01-01T12:00:00 Asia/Kolkata", "2014-01-01T12:00:00.000000+05:30"},
        form_case{"2014-01-01T12:00:00 UTC", "2014-01-01T12:00:00.000000+00:00"},
        // Southern hemisphere: daylight time spans the new year.
        form_case{"2014-01-15T12:00:00 Australia/Sydney", "2014-01-15T12:00:00.000000+11:00"},
        form_case{"2014-07-15T12:00:00 Australia/Sydney", "2014-07-15T12:00:00.000000+10:00"},
        // Past the last transition in the file: the POSIX TZ footer decides.
        form_case{"2100-07-01T12:00:00 Europe/Amsterdam", "2100-07-01T12:00:00.000000+02:00"},
        form_case{"2100-12-01T12:00:00 Europe/Amsterdam", "2100-12-01T12:00:00.000000+01:00"},
        form_case{"2100-01-15T12:00:00 Australia/Sydney", "2100-01-15T12:00:00.000000+11:00"},
        form_case{"2100-07-15T12:00:00 Australia/Sydney", "2100-07-15T12:00:00.000000+10:00"},
        // A wall-clock time inside the spring-forward gap moves forward, as in PHP.
        form_case{"2014-03-30T02:30:00 Europe/Amsterdam", "2014-03-30T03:30:00.000000+02:00"},
        // Local mean time before 1892: PHP's "P" shows +00:19 for the +00:19:32 offset.
        form_case{"1800-01-01T00:00:00 Europe/Amsterdam", "1800-01-01T00:00:00.000000+00:19"}));

TEST(date_time, named_zone_instant_uses_the_zone_offset) {
  const auto amsterdam = date_time::from_string("2014-01-01T12:00:00 Europe/Amsterdam");
  EXPECT_EQ(amsterdam.instant(), date_time::from_string("2014-01-01T11:00:00Z").instant());
  EXPECT_EQ(amsterdam.utc_offset(), hours{1});
}

TEST(date_time, the_offset_is_kept_on_a_round_trip) {
  for (const char* text : {"2014-01-01T01:00:00.000001-05:00", "2014-06-01T23:59:59.999999+05:30",
                           "2014-06-01T00:00:00.000000+14:00"}) {
    const auto value = date_time::from_string(text);
    EXPECT_EQ(value.to_string(), text);
    EXPECT_EQ(date_time::from_string(value.to_string()), value);
    EXPECT_EQ(date_time::from_instant(value.instant(), value.utc_offset()), value);
  }
  EXPECT_EQ(date_time::from_string("2014-01-01T01:00:00-05:00").instant(),
            date_time::from_string("2014-01-01T06:00:00+00:00").instant());
}

TEST(date_time, empty_string_parses_as_now) {
  const auto before = floor<microseconds>(system_clock::now());
  for (const char* text : {"", "   "}) {
    const auto parsed = date_time::from_string(text);
    EXPECT_GE(parsed.instant(), before);
    EXPECT_EQ(parsed.utc_offset(), seconds{0});
  }
}

TEST(date_time, from_instant_formats_in_the_given_offset) {
  const date_time::instant_type epoch_plus{seconds{1394633839} + microseconds{176169}};
  EXPECT_EQ(date_time::from_instant(epoch_plus).to_string(), "2014-03-12T14:17:19.176169+00:00");
  EXPECT_EQ(date_time::from_instant(epoch_plus, -hours{5}).to_string(),
            "2014-03-12T09:17:19.176169-05:00");
  EXPECT_EQ(date_time::from_instant(date_time::instant_type{microseconds{-1}}).to_string(),
            "1969-12-31T23:59:59.999999+00:00");
  EXPECT_THROW(static_cast<void>(date_time::from_instant(epoch_plus, hours{100})),
               serialization_error);
  EXPECT_THROW(static_cast<void>(
                   date_time::from_instant(date_time::instant_type{sys_days{year{10000} / 1 / 1}})),
               serialization_error);
}

TEST(date_time, garbage_names_the_input_and_the_position) {
  try {
    static_cast<void>(date_time::from_string("garbage"));
    FAIL() << "expected serialization_error";
  } catch (const serialization_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("\"garbage\""));
    EXPECT_THAT(e.what(), HasSubstr("at position 0 (g)"));
  }
}

TEST(date_time, malformed_inputs_are_rejected) {
  for (const char* text :
       {"2014", "2014-13-01T00:00:00", "2014-00-10T00:00:00", "2014-01-32T00:00:00",
        "2014-01-01T25:00:00", "2014-01-01T10:60:00", "2014-01-01X10:00:00", "2014-01-01T10:00:00.",
        "2014-01-01T10:00:00+", "2014-01-01T10:00:00+02:75", "2014-01-01T10:00:00+02:00 trailing",
        "2014-01-01T10:00:00 ../../etc/passwd", "2014-01-01T10:00:00 /etc/localtime",
        "14-01-01T10:00:00"}) {
    EXPECT_THROW(static_cast<void>(date_time::from_string(text)), serialization_error) << text;
  }
}

TEST(date_time, unknown_zone_names_the_zone) {
  try {
    static_cast<void>(date_time::from_string("2014-01-01T12:00:00 Mars/Olympus_Mons"));
    FAIL() << "expected serialization_error";
  } catch (const serialization_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Mars/Olympus_Mons"));
    EXPECT_THAT(e.what(), HasSubstr("could not be found"));
  }
}

}  // namespace
}  // namespace dynamo_es
