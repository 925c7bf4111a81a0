#pragma once

// Event row <-> domain_message, byte-compatible with the PHP package (broadway-contract.md §4.2).
//
// Written: Id, Playhead, Feed = "all", GlobalPosition, Metadata {Class, Payload: JSON},
// Payload {Class, Payload: JSON}, RecordedOn, Type. Read: only Id, Playhead, Metadata, Payload and
// RecordedOn (plus GlobalPosition for replay rows); everything else is ignored, so rows of legacy
// PHP versions (no Feed/GlobalPosition) and rows with extra attributes load. Rows without
// `Metadata` are not events (the counter row) and are skipped by every reader.

#include <cstdint>
#include <string>
#include <string_view>

#include "dynamo_es/domain_message.hpp"
#include "dynamo_es/dynamodb/attribute_value.hpp"

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

/// False for rows that carry no event: the counter row and anything else without `Metadata`.
[[nodiscard]] bool is_event_row(const dynamodb::attribute_map& item);

/// The message of an event row. Throws `serialization_error` naming the table, the aggregate id,
/// the playhead and the attribute when the row does not hold a valid event (missing or mistyped
/// attribute, bad JSON, a number outside int64, an unparsable date).
[[nodiscard]] domain_message decode_event(const dynamodb::attribute_map& item,
                                          std::string_view table);

/// The `GlobalPosition` of a feed row. Throws `serialization_error` naming table, aggregate id and
/// playhead when it is missing, not an integer, or outside int64.
[[nodiscard]] std::int64_t decode_global_position(const dynamodb::attribute_map& item,
                                                  std::string_view table);

/// "table "T", aggregate "id", playhead 3[, global position 7]": what every row error says. Reads
/// the attributes leniently (it describes broken rows too).
[[nodiscard]] std::string describe_row(const dynamodb::attribute_map& item, std::string_view table);

}  // namespace dynamo_es::detail
