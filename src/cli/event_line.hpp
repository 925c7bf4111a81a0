#pragma once

// The event line: one event as one line of JSON (docs/cli.md, "Event lines").
//
//   {"id":…,"playhead":…,"globalPosition":…,"type":…,"recordedOn":…,
//    "metadata":{"class":…,"payload":…},"payload":{"class":…,"payload":…}}
//
// `metadata.payload` and `payload.payload` are the stored JSON texts embedded as JSON values,
// byte for byte apart from whitespace between tokens, so `jq` reaches into them and an export
// re-imports to the very same stored strings.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dynamo_es/dynamodb/attribute_value.hpp"

namespace dynamo_es::cli {

/// One event line as read: every field as given, nullopt when absent (or null).
struct event_line {
  std::optional<std::string> id;
  std::optional<std::int64_t> playhead;
  std::optional<std::int64_t> global_position;
  std::optional<std::string> type;
  std::optional<std::string> recorded_on;
  std::optional<std::string> metadata_class;
  /// Compact JSON text of `metadata.payload`.
  std::optional<std::string> metadata_json;
  std::string payload_class;
  /// Compact JSON text of `payload.payload`.
  std::string payload_json;
};

/// The `Type` attribute of a payload class: every `\` replaced by `.`.
[[nodiscard]] std::string type_of_class(std::string_view class_name);

/// Parses one line. Throws `validation_error` prefixed with `where` (e.g. `stdin line 3`) for
/// invalid JSON, an unknown member, a member of the wrong type, or a missing `payload.class` /
/// `payload.payload`.
[[nodiscard]] event_line parse_event_line(std::string_view text, std::string_view where);

/// The line of an event row (without newline); `globalPosition` is null for a row without one.
/// Throws `serialization_error` naming the table and the row when it holds no valid event.
[[nodiscard]] std::string format_event_line(const dynamodb::attribute_map& row,
                                            std::string_view table);

/// The row an import writes for `line`, exactly as the line says (`type` defaults to the class
/// with dots, the metadata to `Broadway\Domain\Metadata` / `[]`). Throws `validation_error`
/// prefixed with `where` when `id`, `playhead`, `globalPosition` (>= 1) or `recordedOn` is missing
/// or invalid.
[[nodiscard]] dynamodb::attribute_map row_from_line(const event_line& line, std::string_view where);

}  // namespace dynamo_es::cli
