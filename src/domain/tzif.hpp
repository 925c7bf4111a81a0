#pragma once

// A time zone read from a TZif file (RFC 8536). g++ 12's <chrono> has no time-zone database, and
// Broadway dates may carry a named zone (`2014-01-01T12:00:00 Europe/Amsterdam`), so we read the
// system's zoneinfo files ourselves: the 64-bit (v2+) data when present, the POSIX TZ footer for
// instants after the last transition.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "domain/posix_tz.hpp"

namespace dynamo_es::detail {

class tzif_zone {
 public:
  /// Loads `name` (e.g. `Europe/Amsterdam`) from `$TZDIR` (default `/usr/share/zoneinfo`).
  /// nullopt when the name is not a safe relative zone name, no such file exists, or the file is
  /// not valid TZif.
  [[nodiscard]] static std::optional<tzif_zone> load(std::string_view name);

  /// Parses the bytes of a TZif file; nullopt when they are malformed.
  [[nodiscard]] static std::optional<tzif_zone> parse(std::string_view bytes);

  /// UTC offset (seconds, east positive) in effect at `utc_seconds` since the epoch.
  [[nodiscard]] std::int32_t offset_at(std::int64_t utc_seconds) const;

  /// The UTC instant of the wall-clock time `local_seconds` (seconds since the epoch as if the
  /// wall clock were UTC). In a spring-forward gap the earlier offset is used, so 02:30 in a gap
  /// becomes 03:30 in daylight time, as PHP does.
  [[nodiscard]] std::int64_t utc_from_local(std::int64_t local_seconds) const;

 private:
  std::vector<std::int64_t> transitions_;       // ascending UTC seconds
  std::vector<std::uint8_t> transition_types_;  // index into type_offsets_, one per transition
  std::vector<std::int32_t> type_offsets_;      // at least one
  std::optional<posix_tz_rule> footer_;
};

}  // namespace dynamo_es::detail
