#pragma once

// The reservation protocol: reserve a range with `ADD` on the `_counter` row (as the PHP package
// does; no race to lose, so writers of many processes do not serialise on one condition), then
// commit the batch's events plus ONE committed claim for the range in one TransactWriteItems
// without a counter action. Readers resolve missing positions through the claims.
//
// Per failure kind:
//  - the claim condition fails (a reader fenced the range's first position) -> `fenced_commits`,
//    the rest of the range is voided, a new range is reserved and the batch sent again;
//  - rows exist (duplicate_playhead) or a validation failure -> only those appends fail, the
//    others are sent again in a NEW range, and the abandoned range gets a void claim at once
//    (VoidedBy writer; `void_claims`);
//  - TransactionConflict / throttling -> the same request again after a backoff;
//  - an ambiguous ADD (its answer lost) burns that range (readers fence it): the ADD is retried a
//    bounded number of times;
//  - an ambiguous transaction is settled as in the serialised protocol (rows read back per
//    append; `commit_unknown` when it cannot tell); its range is never voided, since the
//    transaction may still commit.

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "stores/dynamodb_append_batch.hpp"
#include "stores/dynamodb_batch_writer.hpp"

namespace dynamo_es::detail {

class reservation_protocol final : public position_allocator, private batch_writer {
 public:
  /// ADDs tried per range when their answers are lost.
  static constexpr int max_reserve_attempts = 3;

  /// Thread-safe; holds no state between commits.
  reservation_protocol(std::shared_ptr<const dynamodb::client> client, std::string table,
                       append_retry_options retry, store_counters& counters);

  void commit(std::span<pending_append* const> batch) noexcept override;

 private:
  /// ADD `count` to the counter; returns the first position of the reserved range. The ADD is
  /// conditioned on the counter having a value; when it has none (a new table, a lost row), the
  /// counter is first started after the highest position in use.
  [[nodiscard]] std::int64_t reserve(std::int64_t count);
  /// Sets the counter to `highest` unless it has a value (another writer was first).
  void start_counter_after(std::int64_t highest);
  /// Writes a void claim for [first, first + count - 1] (VoidedBy writer), best effort: a claim
  /// already there (a fence) is fine, and a failure leaves the range to the readers' fences.
  void void_range(std::int64_t first, std::int64_t count) noexcept;
  /// After a fence at `first`: voids the part of [first, first + count - 1] the existing claim
  /// does not cover.
  void void_rest_after_fence(const cancellation_outcome& outcome, std::int64_t first,
                             std::int64_t count) noexcept;
};

}  // namespace dynamo_es::detail
