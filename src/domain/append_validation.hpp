#pragma once

// Checks every store runs before it writes anything, so that all stores refuse the same input with
// the same `validation_error`. Store-specific limits (DynamoDB's item and transaction sizes) are
// checked by that store after these.

#include <cstddef>
#include <string_view>

#include "dynamo_es/domain_event_stream.hpp"

namespace dynamo_es::detail {

/// The key of the PHP package's global-position counter row; no aggregate may use it.
inline constexpr std::string_view reserved_counter_id = "_counter";
/// The key of the claim rows (one per committed or voided range of global positions, see
/// src/stores/dynamodb_claims.hpp); no aggregate may use it. Loading it finds no stream.
inline constexpr std::string_view reserved_claim_id = "_position";

/// True for the ids no aggregate may use (`_counter`, `_position`).
[[nodiscard]] constexpr bool is_reserved_aggregate_id(std::string_view id) noexcept {
  return id == reserved_counter_id || id == reserved_claim_id;
}

/// DynamoDB's partition-key limit, applied by every store so that they agree.
inline constexpr std::size_t max_aggregate_id_bytes = 2048;

/// Throws `validation_error` when `id` is empty, is `_counter` or `_position`, or is longer than
/// 2048 bytes.
void validate_aggregate_id(std::string_view id);

/// Throws `validation_error` (message naming the aggregate, the attribute and the rule) when:
/// - `append_id` fails `validate_aggregate_id` (checked even for an empty stream);
/// - a message's id differs from `append_id` (stores disagree on where such a message goes);
/// - a playhead appears twice, or playheads do not strictly increase in stream order;
/// - a payload class name is empty, or its JSON does not decode to an object or a list.
void validate_append(std::string_view append_id, const domain_event_stream& stream);

}  // namespace dynamo_es::detail
