#pragma once

// Event row <-> domain_message, byte-compatible with the PHP package (broadway-contract.md §4.2).
//
// Written: Id, Playhead, Feed = "all", GlobalPosition, Metadata {Class, Payload: JSON},
// Payload {Class, Payload: JSON}, RecordedOn, Type. Read: only Id, Playhead, Metadata, Payload and
// RecordedOn (plus GlobalPosition for replay rows); everything else is ignored, so rows of legacy
// PHP versions (no Feed/GlobalPosition) and rows with extra attributes load. Rows with none of
// `Metadata`, `Payload` and `RecordedOn` are not events (the counter row) and are skipped by every
// reader; a row with some of them but not all is a broken event, never silently dropped.
//
// Every decode error is a `corrupt_event_row` (a `serialization_error`) whose report names the
// table, the Id, the Playhead, the GlobalPosition and the attribute at fault.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dynamo_es/domain_message.hpp"
#include "dynamo_es/dynamodb/attribute_value.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"

namespace dynamo_es::detail {

/// The event row of `message` at `global_position`.
[[nodiscard]] dynamodb::attribute_map encode_event(const domain_message& message,
                                                   std::int64_t global_position);

/// Sets the `GlobalPosition` of an encoded row (the append path fixes positions only when it
/// knows the counter).
void set_global_position(dynamodb::attribute_map& item, std::int64_t global_position);

/// The key {Id, Playhead} of a row.
[[nodiscard]] dynamodb::attribute_map event_key(std::string_view aggregate_id,
                                                std::int64_t playhead);

/// False for rows that carry no event: the counter row and anything else with none of
/// `Metadata`, `Payload` and `RecordedOn`.
[[nodiscard]] bool is_event_row(const dynamodb::attribute_map& item);

/// The attribute `name` of `item`; nullptr when it has none. For readers that check a row's shape
/// attribute by attribute (claims, the CLI's verifier and migration) instead of throwing.
[[nodiscard]] const dynamodb::attribute_value* find_attribute(const dynamodb::attribute_map& item,
                                                              std::string_view name);

/// `value` as an int64; nullopt when it is missing, not a number, or outside int64.
[[nodiscard]] std::optional<std::int64_t> int64_of(const dynamodb::attribute_value* value);

/// The message of an event row. Throws `corrupt_event_row` naming the table, the aggregate id,
/// the playhead and the attribute when the row does not hold a valid event: a missing or mistyped
/// attribute, a `Metadata.Class` other than Broadway's, an empty `Payload.Class`, a
/// `Metadata.Payload` or `Payload.Payload` that is not a JSON object or list (as PHP's decoder
/// requires), a playhead outside int64, an unparsable date. Negative playheads are valid (the
/// store accepts them on append).
[[nodiscard]] domain_message decode_event(const dynamodb::attribute_map& item,
                                          std::string_view table);

/// The `GlobalPosition` of a feed row. Throws `corrupt_event_row` naming table, aggregate id and
/// playhead when it is missing, not a number, not an integer, outside int64 or negative.
[[nodiscard]] std::int64_t decode_global_position(const dynamodb::attribute_map& item,
                                                  std::string_view table);

/// A row's `GlobalPosition` as the replay's skip rule needs it: where a refused position sorts.
struct feed_position {
  enum class kind {
    valid,         ///< an int64 >= 0: `value`
    negative,      ///< a negative int64 (`value`): refused, but a checkpoint can pass it
    beyond_int64,  ///< larger than every int64: so is every later row of the index
    unusable,      ///< missing, not a number, or not an integer: no checkpoint can pass it
  };
  kind what = kind::unusable;
  std::int64_t value = 0;  ///< for `valid` and `negative`
};

/// Classifies the `GlobalPosition` of `item` (never throws for a bad row).
[[nodiscard]] feed_position read_feed_position(const dynamodb::attribute_map& item);

/// "table "T", aggregate "id", playhead 3[, global position 7]": what every row error says. Reads
/// the attributes leniently (it describes broken rows too).
[[nodiscard]] std::string describe_row(const dynamodb::attribute_map& item, std::string_view table);

/// The report of `problem` with `attribute` of `item`: fields read leniently, and the message
/// "Unexpected event row in <describe_row>: attribute "<attribute>" <problem>".
[[nodiscard]] corrupt_row_report report_bad_row(const dynamodb::attribute_map& item,
                                                std::string_view table, std::string_view attribute,
                                                std::string_view problem);

}  // namespace dynamo_es::detail
