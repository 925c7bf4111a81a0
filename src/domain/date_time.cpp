#include "dynamo_es/date_time.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "domain/tzif.hpp"
#include "dynamo_es/error.hpp"

namespace dynamo_es {
namespace {

using namespace std::chrono;

constexpr std::int64_t max_offset_seconds = std::int64_t{100} * 3600;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
  return text;
}

// The fields of a parsed string, before they are turned into an instant.
struct parsed_fields {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  std::int64_t microseconds = 0;
  enum class zone_kind { none, offset, named } zone = zone_kind::none;
  std::int64_t offset_seconds = 0;
  std::string_view zone_name;
};

// A cursor over the input; `fail` reports the position like PHP's parser does.
class date_parser {
 public:
  date_parser(std::string_view original, std::string_view text)
      : original_(original), text_(text) {}

  parsed_fields parse() {
    parsed_fields f;
    f.year = digits(4, "a 4-digit year");
    expect('-', "'-' after the year");
    f.month = digits(2, "a 2-digit month");
    expect('-', "'-' after the month");
    f.day = digits(2, "a 2-digit day");
    if (peek() != 'T' && peek() != 't' && peek() != ' ') fail("'T' between date and time");
    ++pos_;
    f.hour = digits(2, "a 2-digit hour");
    expect(':', "':' after the hour");
    f.minute = digits(2, "2-digit minutes");
    if (consume(':')) f.second = digits(2, "2-digit seconds");
    if (consume('.') || consume(',')) f.microseconds = fraction();
    zone(f);
    check_ranges(f);
    return f;
  }

  [[noreturn]] void fail(std::string_view why) const {
    std::string message = "Failed to parse time string \"" + std::string(original_) + "\"";
    if (pos_ < text_.size()) {
      const auto position = static_cast<std::size_t>(text_.data() - original_.data()) + pos_;
      message +=
          " at position " + std::to_string(position) + " (" + std::string(1, text_[pos_]) + ")";
    } else {
      message += " at its end";
    }
    message += ": expected " + std::string(why);
    throw serialization_error(message);
  }

 private:
  [[nodiscard]] char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  bool consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  void expect(char c, std::string_view why) {
    if (!consume(c)) fail(why);
  }

  int digits(std::size_t count, std::string_view why) {
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      if (!is_digit(peek())) fail(why);
      value = value * 10 + (text_[pos_++] - '0');
    }
    return value;
  }

  // 1-6 digits are scaled to microseconds; further digits are dropped (PHP truncates).
  std::int64_t fraction() {
    if (!is_digit(peek())) fail("digits after the decimal point");
    std::int64_t value = 0;
    int used = 0;
    while (is_digit(peek())) {
      if (used < 6) {
        value = value * 10 + (text_[pos_] - '0');
        ++used;
      }
      ++pos_;
    }
    for (; used < 6; ++used) value *= 10;
    return value;
  }

  void zone(parsed_fields& f) {
    while (is_blank(peek())) ++pos_;
    if (pos_ == text_.size()) return;
    if ((peek() == 'Z' || peek() == 'z') && pos_ + 1 == text_.size()) {
      ++pos_;
      f.zone = parsed_fields::zone_kind::offset;
      return;
    }
    if (peek() == '+' || peek() == '-') {
      f.zone = parsed_fields::zone_kind::offset;
      f.offset_seconds = numeric_offset();
      if (pos_ != text_.size()) fail("the end of the string after the UTC offset");
      return;
    }
    if (std::isalpha(static_cast<unsigned char>(peek())) == 0) fail("a UTC offset or a time zone");
    f.zone = parsed_fields::zone_kind::named;
    f.zone_name = text_.substr(pos_);
  }

  // +H, +HH, +HHMM or +HH:MM.
  std::int64_t numeric_offset() {
    const int sign = text_[pos_++] == '-' ? -1 : 1;
    if (!is_digit(peek())) fail("hours in the UTC offset");
    int hours = text_[pos_++] - '0';
    if (is_digit(peek())) hours = hours * 10 + (text_[pos_++] - '0');
    int minutes = 0;
    if (consume(':') || is_digit(peek())) {
      minutes = digits(2, "2-digit minutes in the UTC offset");
      if (minutes > 59) fail("minutes below 60 in the UTC offset");
    }
    return std::int64_t{sign} * (std::int64_t{hours} * 3600 + std::int64_t{minutes} * 60);
  }

  void check_ranges(const parsed_fields& f) const {
    // PHP accepts these ranges and lets a day 31 in a 30-day month (or 24:00, or second 60)
    // overflow into the next unit; so do we, by adding the fields up as durations.
    if (f.month < 1 || f.month > 12) fail("a month between 01 and 12");
    if (f.day < 1 || f.day > 31) fail("a day between 01 and 31");
    if (f.hour > 24 || f.minute > 59 || f.second > 60) fail("a valid time of day");
  }

  std::string_view original_;
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Seconds since the epoch of the wall-clock time in `f`, as if the wall clock were UTC.
std::int64_t local_seconds_of(const parsed_fields& f) {
  const sys_days first_of_month{year{f.year} / month{static_cast<unsigned>(f.month)} / 1};
  const sys_seconds local =
      first_of_month + days{f.day - 1} + hours{f.hour} + minutes{f.minute} + seconds{f.second};
  return local.time_since_epoch().count();
}

}  // namespace

date_time::date_time(std::string text, instant_type instant, std::chrono::seconds utc_offset)
    : text_(std::move(text)), instant_(instant), utc_offset_(utc_offset) {}

date_time date_time::now() {
  return from_instant(floor<microseconds>(system_clock::now()));
}

date_time date_time::from_instant(instant_type instant, std::chrono::seconds utc_offset) {
  const std::int64_t offset = utc_offset.count();
  if (offset <= -max_offset_seconds || offset >= max_offset_seconds) {
    throw serialization_error("UTC offset of " + std::to_string(offset) +
                              " seconds is out of range (less than 100 hours)");
  }
  const auto local = instant + utc_offset;
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const hh_mm_ss<microseconds> time{local - day};
  const int y = static_cast<int>(ymd.year());
  if (y < 0 || y > 9999) {
    throw serialization_error("Date outside years 0000-9999 cannot be written as Y-m-d\\TH:i:s.uP");
  }
  const std::int64_t abs_offset = offset < 0 ? -offset : offset;
  // PHP's "P" shows hours and minutes only (an LMT offset's seconds are dropped).
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%06lld%c%02d:%02d", y,
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()),
                static_cast<long long>(time.subseconds().count()), offset < 0 ? '-' : '+',
                static_cast<int>(abs_offset / 3600), static_cast<int>(abs_offset % 3600 / 60));
  return date_time(buffer, instant, utc_offset);
}

date_time date_time::from_string(std::string_view text) {
  const std::string_view trimmed = trim(text);
  if (trimmed.empty()) return now();  // PHP: new DateTimeImmutable('') is "now"

  date_parser parser{text, trimmed};
  const parsed_fields f = parser.parse();
  const std::int64_t local = local_seconds_of(f);
  std::int64_t utc = local - f.offset_seconds;
  std::int64_t offset = f.offset_seconds;
  if (f.zone == parsed_fields::zone_kind::named) {
    const auto zone = detail::tzif_zone::load(f.zone_name);
    if (!zone) {
      throw serialization_error("Failed to parse time string \"" + std::string(text) +
                                "\": the timezone \"" + std::string(f.zone_name) +
                                "\" could not be found in the database");
    }
    utc = zone->utc_from_local(local);
    offset = zone->offset_at(utc);
  }
  const instant_type instant{seconds{utc} + microseconds{f.microseconds}};
  return from_instant(instant, seconds{offset});
}

}  // namespace dynamo_es
