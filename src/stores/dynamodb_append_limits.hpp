#pragma once

// DynamoDB's per-request limits, checked before any request so that an append over them fails
// with our own `validation_error` (naming the aggregate, the attribute and the limit) instead of a
// raw ValidationException from inside the transaction (W9).

#include <cstddef>
#include <string_view>
#include <vector>

#include "dynamo_es/domain_event_stream.hpp"
#include "dynamo_es/dynamodb/attribute_value.hpp"

namespace dynamo_es::detail {

/// What the counter update adds to a transaction's size. DynamoDB Local counts the updated item
/// (about 35 bytes at most) plus the text of its expressions (27); measured 60 bytes at a 2-digit
/// value. Rounded up generously: being 60 bytes short of 4 MB costs nothing.
inline constexpr std::size_t counter_action_allowance = 128;

/// What the claim row Put adds: the row (Id "_position", Playhead, Length, State, CommitId: about
/// 90 bytes) and its condition expression (24). Rounded up like the counter's.
inline constexpr std::size_t claim_action_allowance = 192;

/// Event rows ready for the transaction, with the byte counts the limits were checked against.
struct checked_append {
  /// One row per message, in stream order; `GlobalPosition` holds a placeholder of the largest
  /// size a position can have (INT64_MAX, 11 bytes) and `CommitId` one of a token's size (36
  /// characters), so that the size check holds whatever position and token the row finally gets.
  std::vector<dynamodb::attribute_map> items;
  /// Sum of the rows' sizes, their condition expressions and the counter and claim allowances.
  std::size_t transaction_bytes = 0;
};

/// Encodes `stream` (already through `validate_append`) and checks DynamoDB's limits: at most 98
/// events (100 actions with the counter update and the claim), each row at most 409,600 bytes, the
/// transaction at most 4,194,304 bytes. Throws `validation_error` otherwise.
[[nodiscard]] checked_append encode_and_check_append(std::string_view aggregate_id,
                                                     const domain_event_stream& stream);

}  // namespace dynamo_es::detail
