#pragma once

// Claim rows: how a writer tells readers what became of a range of global positions, and how a
// reader settles a position nobody claimed (the fence). See table_layout for the row format and
// docs/consistency.md for the protocol.
//
// Every append transaction writes a *committed* claim for its range together with its events,
// conditioned on `attribute_not_exists`. A writer that reserved a range and cannot commit it
// writes a *void* claim at once. A replay that meets a missing position reads the claims covering
// it (strongly consistent, so never behind a committed transaction):
//  - committed claim -> the events exist, the (eventually consistent) index lags: wait;
//  - void claim      -> no event will ever hold these positions: pass at once;
//  - no claim        -> wait up to the gap timeout, then *fence*: write a void claim at the
//                       position with `attribute_not_exists`. DynamoDB decides the race: the fence
//                       wins (a slow writer's commit then fails on its claim condition and it
//                       reserves again) or the writer's claim is already there (wait for it).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"

namespace dynamo_es::detail {

/// One claim row, decoded.
struct position_claim {
  enum class state { committed, voided };
  std::int64_t first = 0;   ///< first position of the range (the row's Playhead)
  std::int64_t length = 1;  ///< positions in the range, >= 1
  state status = state::committed;
  /// Committed claims: the ClientRequestToken of the transaction that wrote them (as `CommitId`).
  std::string commit_id;

  [[nodiscard]] std::int64_t last() const noexcept { return first + length - 1; }
  [[nodiscard]] bool covers(std::int64_t position) const noexcept {
    return position >= first && position <= last();
  }
  friend bool operator==(const position_claim&, const position_claim&) = default;
};

/// The row of a committed claim for [first, first + length - 1], written by `commit_id`.
[[nodiscard]] dynamodb::attribute_map committed_claim_item(std::int64_t first, std::int64_t length,
                                                           std::string_view commit_id);

/// The row of a void claim for [first, first + length - 1]; `voided_by` is
/// `table_layout::claim_voided_by_writer` or `..._reader`.
[[nodiscard]] dynamodb::attribute_map void_claim_item(std::int64_t first, std::int64_t length,
                                                      std::string_view voided_by);

/// A transaction action putting `claim_row` under the claim condition (the first claim of a
/// position wins), returning the existing row when the condition fails.
[[nodiscard]] dynamodb::transact_put claim_put(std::string_view table,
                                               dynamodb::attribute_map claim_row);

/// The claim a row holds; nullopt when the row is not a well-formed claim (wrong Id, missing or
/// mistyped Length/State, Length outside 1..max_claim_length): such a row is ignored.
[[nodiscard]] std::optional<position_claim> decode_claim(const dynamodb::attribute_map& row);

/// Every well-formed claim whose range intersects [first, last], in position order: one strongly
/// consistent Query (all pages) on `Id = "_position"` with `Playhead` between
/// `first - max_claim_length + 1` and `last`.
[[nodiscard]] std::vector<position_claim> read_claims(const dynamodb::client& client,
                                                      std::string_view table, std::int64_t first,
                                                      std::int64_t last);

/// Writes a void claim for [first, first + length - 1] unless a claim exists at `first`. Returns
/// true when it was written; false when a claim was there first (the existing one is then in
/// `existing` when the caller passes it). Other failures throw the client's errors.
bool put_void_claim(const dynamodb::client& client, std::string_view table, std::int64_t first,
                    std::int64_t length, std::string_view voided_by,
                    std::optional<position_claim>* existing = nullptr);

/// The top of the feed (one descending Query of the index, Limit 1); nullopt when it is empty.
[[nodiscard]] std::optional<std::int64_t> highest_feed_position(const dynamodb::client& client,
                                                                std::string_view table);

/// The highest position in use: the top of the feed (the index; PHP rows have no claims) or the
/// end of the highest claim (a strongly consistent read of the base table: committed ranges the
/// index does not show yet, void ranges at the tail), whichever is higher; 0 in an empty table.
/// What a lost counter must continue after (W12). Two Queries.
[[nodiscard]] std::int64_t highest_used_position(const dynamodb::client& client,
                                                 std::string_view table);

}  // namespace dynamo_es::detail
