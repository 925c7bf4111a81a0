#pragma once

// The POSIX TZ rule string found in the footer of a TZif file (e.g. `CET-1CEST,M3.5.0,M10.5.0/3`).
// It gives the offset for instants after the file's last explicit transition.

#include <cstdint>
#include <optional>
#include <string_view>

namespace dynamo_es::detail {

class posix_tz_rule {
 public:
  /// nullopt when the string is empty or not a POSIX TZ string we understand.
  [[nodiscard]] static std::optional<posix_tz_rule> parse(std::string_view text);

  /// UTC offset (seconds, east positive) in effect at `utc_seconds` since the epoch.
  [[nodiscard]] std::int32_t offset_at(std::int64_t utc_seconds) const;

  /// When DST starts or ends: a day rule (`Jn`, `n` or `Mm.w.d`) plus a local time of day.
  struct change {
    enum class kind {
      julian_no_leap,
      julian_zero_based,
      month_week_day
    } rule = kind::month_week_day;
    int month = 0;             // Mm.w.d
    int week = 0;              // 1..5, 5 = last
    int weekday = 0;           // 0 = Sunday
    int day = 0;               // Jn (1..365) or n (0..365)
    std::int32_t time = 7200;  // seconds after local midnight, may be negative or > 24h
  };

 private:
  std::int32_t std_offset_ = 0;  // east positive
  bool has_dst_ = false;
  std::int32_t dst_offset_ = 0;
  change start_;
  change end_;
};

}  // namespace dynamo_es::detail
