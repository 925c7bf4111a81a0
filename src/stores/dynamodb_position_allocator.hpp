#pragma once

// The serialised protocol, `conditional_counter`: the rows of every append of a batch, ONE
// committed claim for the batch's range and the `_counter` update go into ONE TransactWriteItems,
// the update conditioned on the counter still holding the value the positions were computed
// from. Positions therefore become visible only together with their events, are dense, follow
// commit order, and a failed append consumes none (W1, W2). The reservation and adaptive
// protocols live in their own files; all of them share `batch_writer`.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb_event_store_options.hpp"
#include "stores/dynamodb_append_batch.hpp"
#include "stores/dynamodb_batch_writer.hpp"
#include "stores/dynamodb_store_counters.hpp"

namespace dynamo_es::detail {

/// The serialised protocol; see the file comment. Thread-safe: concurrent commits through one
/// instance race on the counter like separate writers do, and the loser retries.
///
/// Per failure kind: a moved counter -> retry at once at the value the cancellation reported
/// (counted in `counter_races`); after `immediate_race_retries` such races in a row, pause (a
/// jittered backoff) and read the counter afresh before the next attempt, since a value learnt
/// before a pause is stale after it and would only lose again; a claim already at the first
/// position (a fence above a counter that did not move) -> retry after that claim's range, moving
/// the counter past it in the same transaction
/// (`fenced_commits`); rows that exist -> those appends fail with `duplicate_playhead` (or are
/// recognised as ours), the others are sent again; a validation failure -> that append fails, the
/// others are sent again; TransactionConflict/throttling -> the same request again after a
/// backoff; an ambiguous failure -> rows read back per append (ours / duplicate /
/// `commit_unknown`).
class conditional_counter final : public position_allocator, private batch_writer {
 public:
  /// Lost counter races in a row that are retried without a pause.
  static constexpr int immediate_race_retries = 3;

  conditional_counter(std::shared_ptr<const dynamodb::client> client, std::string table,
                      append_retry_options retry, store_counters& counters);

  void commit(std::span<pending_append* const> batch) noexcept override;

  /// `commit`, returning the counter races the batch lost (what the adaptive protocol watches).
  /// With `hand_over_after`, the batch stops after losing that many races in a row: the appends
  /// still unsettled are then untouched by any attempt that could still apply (each lost attempt
  /// was conditioned on a counter value the counter has left behind), so the caller may commit
  /// them with another protocol.
  std::size_t commit_counting_races(
      std::span<pending_append* const> batch,
      std::optional<std::size_t> hand_over_after = std::nullopt) noexcept;

  /// Writes every row of `append` atomically at positions last+1 .. last+n; returns the first.
  /// Throws `duplicate_playhead`, `commit_unknown` or the client's errors (a batch of one).
  std::int64_t commit_one(pending_append& append);

 private:
  /// Where the next positions start: after `value`. `exists` says whether the counter holds
  /// `value` (the update is conditioned on it) or has no value yet (the update creates it).
  struct counter_basis {
    std::int64_t value = 0;
    bool exists = false;
  };

  /// The transaction writing `active`'s events at `next`, `next + 1`, ... with their claim, and
  /// setting the counter to the last of them (conditioned on `basis`), under a fresh token.
  [[nodiscard]] dynamodb::transact_write_items_request build_request(in_flight& active,
                                                                     counter_basis basis,
                                                                     std::int64_t next) const;
  /// Where to go after a failed claim condition at `first` (the cancellation's claim row, or a
  /// consistent read of the claims).
  [[nodiscard]] std::int64_t after_claim(const cancellation_outcome& outcome,
                                         std::int64_t first) const;
  void saw_position(std::int64_t last) noexcept override;
  /// The counter as the table has it (a consistent GetItem); when it has no value, the highest
  /// position in the feed (so a lost counter row never makes positions repeat).
  [[nodiscard]] counter_basis discover_counter() const;
  /// Records the counter value a successful commit left, computed from `basis`.
  void remember_commit(counter_basis basis, std::int64_t value) noexcept;

  /// The last counter value this instance saw (-1: unknown). Computing positions from it makes
  /// the steady state one request per append.
  std::atomic<std::int64_t> last_known_{-1};
};

}  // namespace dynamo_es::detail
