// Fuzz target: the `date_time` parser (include/dynamo_es/date_time.hpp), which reads the
// RecordedOn attribute of every row, including rows written by PHP with any form PHP accepts.
//
// The input is the text. Checked properties of every accepted text, all documented in the
// header: the normalised form is 32 characters, parses back to an equal value (the exact form
// round-trips unchanged) and, for whole-minute offsets, to the same instant; and
// from_instant(instant, offset) rebuilds the same value.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "dynamo_es/date_time.hpp"
#include "fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using dynamo_es::date_time;
  using dynamo_es::fuzz::expect_only_library_errors;
  using dynamo_es::fuzz::require;

  const std::string text = dynamo_es::fuzz::as_string(data, size);
  std::optional<date_time> parsed;
  if (!expect_only_library_errors("date_time::from_string",
                                  [&] { parsed.emplace(date_time::from_string(text)); })) {
    return 0;
  }
  const std::string& normal = parsed->to_string();
  require(normal.size() == 32, "normalised form is not 32 characters: " + normal);

  std::optional<date_time> again;
  require(expect_only_library_errors("date_time::from_string(to_string())",
                                     [&] { again.emplace(date_time::from_string(normal)); }),
          "the normalised form of \"" + text + "\" does not parse: " + normal);
  require(*again == *parsed,
          "the normalised form does not round-trip: " + normal + " -> " + again->to_string());

  std::optional<date_time> rebuilt;
  require(expect_only_library_errors("date_time::from_instant",
                                     [&] {
                                       rebuilt.emplace(date_time::from_instant(
                                           parsed->instant(), parsed->utc_offset()));
                                     }),
          "from_instant rejects the instant and offset of " + normal);
  require(*rebuilt == *parsed,
          "from_instant(instant, offset) gives " + rebuilt->to_string() + ", not " + normal);
  // The text shows whole minutes, like PHP's "P": a named zone's LMT offset (Amsterdam before
  // 1937: +00:19:32) loses its seconds in the text, so only whole-minute offsets keep the instant.
  if (parsed->utc_offset().count() % 60 == 0) {
    require(!parsed->comes_after(*again) && !again->comes_after(*parsed),
            "the normalised form " + normal + " parses to another instant");
  }
  return 0;
}
