#pragma once

/// \file
/// Broadway's `DateTime`: an instant with microsecond precision that remembers the UTC offset it
/// was written with, and whose text form is PHP's `Y-m-d\TH:i:s.uP`
/// (e.g. `2014-03-12T14:17:19.176169+00:00`). This is the `RecordedOn` attribute of every row.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace dynamo_es {

/// An immutable point in time plus the UTC offset it is shown in.
///
/// The normalised text is what is stored and compared: `operator==` compares the text, so the
/// same instant written with two different offsets is *not* equal (like Broadway's `equals`),
/// while `comes_after` compares instants. Years 0000-9999 only.
/// Thread-safety: a value type; concurrent reads of one object are safe.
class date_time {
 public:
  using instant_type = std::chrono::sys_time<std::chrono::microseconds>;

  /// The current time, truncated to microseconds, with offset `+00:00` (like Broadway's `now()`).
  [[nodiscard]] static date_time now();

  /// Parses the forms Broadway/PHP writes and reads (throws `serialization_error` naming the input
  /// on anything else):
  /// - `2014-03-12T14:17:19.176169+00:00` (the exact form; round-trips unchanged);
  /// - offsets `+0200` and `+02` (normalised to `+02:00`), `Z` (→ `+00:00`), none (→ `+00:00`);
  /// - a named zone after a space, `2014-01-01T12:00:00 Europe/Amsterdam`, converted to the
  ///   zone's offset at that instant (read from the TZif files in `$TZDIR`, default
  ///   `/usr/share/zoneinfo`);
  /// - no fraction (→ `.000000`), 1-5 fraction digits (padded), 7+ digits (truncated to 6);
  /// - a space instead of `T`; out-of-range fields overflow like PHP (`02-30` → `03-02`);
  /// - the empty (or all-blank) string, which means "now", as in PHP.
  [[nodiscard]] static date_time from_string(std::string_view text);

  /// The instant `instant` shown at `utc_offset` (default UTC). Throws `serialization_error` when
  /// the local date falls outside years 0000-9999 or the offset is not a whole minute below 100h.
  [[nodiscard]] static date_time from_instant(instant_type instant,
                                              std::chrono::seconds utc_offset = {});

  /// The normalised text, `Y-m-d\TH:i:s.uP`: always 32 characters.
  [[nodiscard]] const std::string& to_string() const noexcept { return text_; }

  /// The instant (timezone-independent).
  [[nodiscard]] instant_type instant() const noexcept { return instant_; }

  /// The UTC offset the value is shown in (east of Greenwich is positive).
  [[nodiscard]] std::chrono::seconds utc_offset() const noexcept { return utc_offset_; }

  /// True when this instant is strictly later than `other`'s, whatever the offsets.
  [[nodiscard]] bool comes_after(const date_time& other) const noexcept {
    return instant_ > other.instant_;
  }

  /// Compares the normalised text (Broadway's `equals`).
  friend bool operator==(const date_time& a, const date_time& b) noexcept {
    return a.text_ == b.text_;
  }

 private:
  date_time(std::string text, instant_type instant, std::chrono::seconds utc_offset);

  std::string text_;
  instant_type instant_;
  std::chrono::seconds utc_offset_;
};

}  // namespace dynamo_es
