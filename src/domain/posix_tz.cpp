#include "domain/posix_tz.hpp"

#include <cctype>
#include <chrono>

namespace dynamo_es::detail {
namespace {

using namespace std::chrono;

// A tiny recursive-descent reader over the TZ string; every reader returns false on a mismatch.
class reader {
 public:
  explicit reader(std::string_view text) : text_(text) {}

  [[nodiscard]] bool at_end() const { return pos_ == text_.size(); }
  [[nodiscard]] char peek() const { return at_end() ? '\0' : text_[pos_]; }
  bool consume(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }

  // `<+03>` or at least three letters.
  bool name() {
    if (consume('<')) {
      while (!at_end() && peek() != '>') ++pos_;
      return consume('>');
    }
    std::size_t start = pos_;
    while (std::isalpha(static_cast<unsigned char>(peek())) != 0) ++pos_;
    return pos_ - start >= 3;
  }

  bool number(int& out, int max_digits) {
    int digits = 0;
    out = 0;
    while (digits < max_digits && std::isdigit(static_cast<unsigned char>(peek())) != 0) {
      out = out * 10 + (text_[pos_++] - '0');
      ++digits;
    }
    return digits > 0;
  }

  // [+-]hh[:mm[:ss]] in seconds.
  bool duration(std::int32_t& out) {
    int sign = 1;
    if (consume('-')) {
      sign = -1;
    } else {
      consume('+');
    }
    int hours = 0;
    int minutes = 0;
    int seconds = 0;
    if (!number(hours, 3)) return false;
    if (consume(':')) {
      if (!number(minutes, 2)) return false;
      if (consume(':') && !number(seconds, 2)) return false;
    }
    out = sign * (hours * 3600 + minutes * 60 + seconds);
    return true;
  }

  bool change_rule(posix_tz_rule::change& out) {
    using kind = posix_tz_rule::change::kind;
    if (consume('M')) {
      out.rule = kind::month_week_day;
      if (!number(out.month, 2) || !consume('.') || !number(out.week, 1) || !consume('.') ||
          !number(out.weekday, 1)) {
        return false;
      }
      if (out.month < 1 || out.month > 12 || out.week < 1 || out.week > 5 || out.weekday > 6) {
        return false;
      }
    } else if (consume('J')) {
      out.rule = kind::julian_no_leap;
      if (!number(out.day, 3) || out.day < 1 || out.day > 365) return false;
    } else {
      out.rule = kind::julian_zero_based;
      if (!number(out.day, 3) || out.day > 365) return false;
    }
    out.time = 7200;
    return !consume('/') || duration(out.time);
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Days since the epoch of the day `c` selects in `year`.
std::int64_t day_of_change(const posix_tz_rule::change& c, int y) {
  using kind = posix_tz_rule::change::kind;
  const sys_days jan1{year{y} / January / 1};
  switch (c.rule) {
    case kind::julian_no_leap: {
      int offset = c.day - 1;
      if (year{y}.is_leap() && c.day >= 60) ++offset;  // Jn never counts February 29
      return (jan1 + days{offset}).time_since_epoch().count();
    }
    case kind::julian_zero_based:
      return (jan1 + days{c.day}).time_since_epoch().count();
    case kind::month_week_day: {
      const year_month ym{year{y}, month{static_cast<unsigned>(c.month)}};
      if (c.week == 5) {
        const weekday_last wl{weekday{static_cast<unsigned>(c.weekday)}};
        return sys_days{ym / wl}.time_since_epoch().count();
      }
      const weekday_indexed wi{weekday{static_cast<unsigned>(c.weekday)},
                               static_cast<unsigned>(c.week)};
      return sys_days{ym / wi}.time_since_epoch().count();
    }
  }
  return jan1.time_since_epoch().count();
}

}  // namespace

std::optional<posix_tz_rule> posix_tz_rule::parse(std::string_view text) {
  reader r{text};
  posix_tz_rule rule;
  std::int32_t posix_std = 0;
  if (!r.name() || !r.duration(posix_std)) return std::nullopt;
  rule.std_offset_ = -posix_std;  // POSIX counts west of Greenwich as positive
  if (r.at_end()) return rule;

  if (!r.name()) return std::nullopt;
  rule.has_dst_ = true;
  rule.dst_offset_ = rule.std_offset_ + 3600;
  if (r.peek() != ',' && !r.at_end()) {
    std::int32_t posix_dst = 0;
    if (!r.duration(posix_dst)) return std::nullopt;
    rule.dst_offset_ = -posix_dst;
  }
  if (r.at_end()) {
    // No rule given: POSIX leaves it implementation-defined; glibc uses the US rule.
    rule.start_ = change{change::kind::month_week_day, 3, 2, 0, 0, 7200};
    rule.end_ = change{change::kind::month_week_day, 11, 1, 0, 0, 7200};
    return rule;
  }
  if (!r.consume(',') || !r.change_rule(rule.start_) || !r.consume(',') ||
      !r.change_rule(rule.end_) || !r.at_end()) {
    return std::nullopt;
  }
  return rule;
}

std::int32_t posix_tz_rule::offset_at(std::int64_t utc_seconds) const {
  if (!has_dst_) return std_offset_;
  // The year as seen in standard local time; transitions near New Year are still handled
  // because both bounds are computed for that same year.
  const sys_seconds local{seconds{utc_seconds + std_offset_}};
  const int y = static_cast<int>(year_month_day{floor<days>(local)}.year());
  // The start time is given in standard time, the end time in daylight time.
  const std::int64_t start = day_of_change(start_, y) * 86400 + start_.time - std_offset_;
  const std::int64_t end = day_of_change(end_, y) * 86400 + end_.time - dst_offset_;
  const bool in_dst = start < end ? (utc_seconds >= start && utc_seconds < end)
                                  : !(utc_seconds >= end && utc_seconds < start);
  return in_dst ? dst_offset_ : std_offset_;
}

}  // namespace dynamo_es::detail
