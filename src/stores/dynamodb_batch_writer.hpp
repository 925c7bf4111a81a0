#pragma once

// What every append protocol shares: the transaction layout ([counter update], ONE committed claim
// for the batch's range, the event Puts of every append in batch order), the reading of a
// cancelled transaction back into per-append outcomes, and the exactly-once machinery (tokens
// remembered per append, rows read back by their `CommitId` when an answer was lost).

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb_event_store_options.hpp"
#include "stores/dynamodb_append_batch.hpp"
#include "stores/dynamodb_store_counters.hpp"

namespace dynamo_es::detail {

/// The actions of an append transaction: [the counter update (serialised only)], the claim, then
/// `events` event Puts (every append of the batch, in batch order).
struct action_layout {
  bool counter = true;
  std::size_t events = 0;

  [[nodiscard]] std::size_t claim_action() const noexcept { return counter ? 1 : 0; }
  [[nodiscard]] std::size_t first_event_action() const noexcept { return claim_action() + 1; }
  [[nodiscard]] std::size_t size() const noexcept { return first_event_action() + events; }
};

/// What a cancelled append transaction means (pure; unit-tested).
struct cancellation_outcome {
  enum class kind {
    duplicate_playhead,  ///< event rows exist: those appends fail (or are ours, see `settle`)
    counter_moved,       ///< the counter condition failed (no event row exists): retry at the
                         ///< counter's new value
    fenced,              ///< only the claim condition failed: a claim (a reader's fence) holds
                         ///< the first position; retry at other positions
    transient,           ///< only TransactionConflict / throttling reasons: retry as is
    other,               ///< another reason (ValidationError, ...): not retried
  };
  kind outcome = kind::other;
  /// Indexes into the batch's events (0-based, counting neither counter nor claim) of the rows
  /// that exist.
  std::vector<std::size_t> duplicate_events;
  /// Whether the counter condition failed (also with `duplicate_playhead`).
  bool counter_failed = false;
  /// The counter item as the cancellation returned it (ALL_OLD); nullopt when the counter
  /// condition did not fail or the reason carried no item (then read it).
  std::optional<dynamodb::attribute_map> counter_item;
  /// Whether the claim condition failed (also with other kinds).
  bool claim_failed = false;
  /// The claim row already at the first position, when the reason carried it.
  std::optional<dynamodb::attribute_map> claim_item;
  /// `transient` and `other`: the first reason that is neither None nor ConditionalCheckFailed,
  /// and the index of its action.
  std::optional<dynamodb::cancellation_reason> blocking_reason;
  std::optional<std::size_t> blocking_action;
};

/// Classifies `reasons` of a transaction laid out as `layout`. Reasons of another shape: `other`
/// without blocking reason (the cancellation is rethrown as is).
[[nodiscard]] cancellation_outcome classify_cancellation(
    const std::vector<dynamodb::cancellation_reason>& reasons, action_layout layout);

/// The error an append sees for a cancellation that is not retried (any more): ValidationError ->
/// `dynamodb_validation_error`, TransactionConflict -> `transaction_conflict`, throttling codes ->
/// `throttled`, anything else -> the `transaction_canceled` itself. The message names the table,
/// the aggregate and the action (the counter, the claim, or the event's playhead) the reason is
/// about. `first_event` is the index, among the batch's events, of the append's first event.
[[nodiscard]] std::exception_ptr cancellation_error(const dynamodb::transaction_canceled& error,
                                                    const cancellation_outcome& outcome,
                                                    std::string_view table,
                                                    const pending_append& append,
                                                    action_layout layout, std::size_t first_event);

/// The counter's value in a counter item; nullopt when it has no `Value`. Throws
/// `serialization_error` naming the table when `Value` is not a non-negative int64.
[[nodiscard]] std::optional<std::int64_t> counter_value(const dynamodb::attribute_map& item,
                                                        std::string_view table);

/// For each event index of `duplicate_events` (indexes into the concatenated events of appends
/// with `event_counts`), the append it belongs to and its index inside it; grouped per append
/// (result[i] = indexes of append i's duplicate events). Pure.
[[nodiscard]] std::vector<std::vector<std::size_t>> duplicates_per_append(
    const std::vector<std::size_t>& event_counts, const std::vector<std::size_t>& duplicate_events);

/// One append of a batch in flight: the tokens of every transaction that carried it, and whether
/// one of them may have been applied although it failed (its answer was lost).
struct append_in_flight {
  pending_append* append = nullptr;
  std::vector<std::string> commit_ids;
  bool maybe_applied = false;
};

/// The shared machinery of the protocols (not a protocol itself). Thread-safe: it holds no state
/// that a commit changes.
class batch_writer {
 protected:
  batch_writer(std::shared_ptr<const dynamodb::client> client, std::string table,
               append_retry_options retry, store_counters& counters);

  using in_flight = std::vector<append_in_flight>;

  /// The appends of `batch` that are not settled yet (settled ones are left alone).
  [[nodiscard]] static in_flight start(std::span<pending_append* const> batch);
  [[nodiscard]] static std::size_t event_count(const in_flight& active) noexcept;

  /// Appends the committed claim for [first, first + events - 1] and the event Puts of `active`
  /// at first, first + 1, ... under `token` (every row carries it as `CommitId`); records the
  /// token with every append.
  void add_claim_and_events(dynamodb::transact_write_items_request& request, in_flight& active,
                            std::int64_t first, const std::string& token) const;
  /// Sends `request` once through the client (whose retry policy re-sends it with the same
  /// token); counts the transaction and the client's retries.
  void send(const dynamodb::transact_write_items_request& request);

  /// Settles every append of `active` as committed at first, first + 1, ..., and clears it.
  void succeed_all(in_flight& active, std::int64_t first) noexcept;
  void succeed(pending_append& append, std::int64_t first) noexcept;
  /// Settles every append of `active` with `failure`, each after `settle` when it may have been
  /// applied; clears `active`.
  void fail_all(in_flight& active, const std::exception_ptr& failure, const std::string& cause);

  /// The cancellation named appends whose rows exist: each fails with `duplicate_playhead`, or,
  /// when an earlier attempt of it may have been applied, is settled by reading its rows back.
  /// They leave `active`.
  /// Their errors list the counter's reason (if any) and their own events' reasons.
  void settle_duplicates(in_flight& active, const cancellation_outcome& outcome,
                         const dynamodb::transaction_canceled& error, action_layout layout);
  /// A cancellation that is not retried: the append whose action was blocking fails with
  /// `cancellation_error` (all of them when it is the counter or the claim) and leaves `active`.
  void settle_blocked(in_flight& active, const dynamodb::transaction_canceled& error,
                      const cancellation_outcome& outcome, action_layout layout,
                      const std::vector<std::string>& reasons);
  /// After a failure that may have applied an attempt: reads the rows at the appended playheads
  /// back (strongly consistent) and settles `append` when they tell (ours -> first position;
  /// someone else's -> duplicate_playhead; cannot tell -> commit_unknown). No row at all leaves it
  /// unsettled and returns false when `may_still_apply` is false (nothing of ours can be applied
  /// any more), and settles it with commit_unknown otherwise. Returns whether it is settled.
  bool settle(append_in_flight& append, const std::vector<std::string>& reasons,
              const std::string& cause, bool may_still_apply) noexcept;
  /// The rows of `aggregate_id` at playheads first..last (Playhead, GlobalPosition, CommitId).
  [[nodiscard]] std::vector<dynamodb::attribute_map> read_rows(std::string_view aggregate_id,
                                                               std::int64_t first_playhead,
                                                               std::int64_t last_playhead) const;
  /// Moves the settled appends out of `active`.
  static void drop_settled(in_flight& active);
  static std::vector<std::string> describe_reasons(const dynamodb::transaction_canceled& error);
  void pause_before_retry(int retry, bool first_retry_immediate) const;
  /// Called with the last position a commit of this protocol is known to have written.
  virtual void saw_position(std::int64_t /*last*/) noexcept {}

  std::shared_ptr<const dynamodb::client> client_;
  std::string table_;
  append_retry_options retry_;
  store_counters& counters_;

 public:
  virtual ~batch_writer() = default;
  batch_writer(const batch_writer&) = delete;
  batch_writer& operator=(const batch_writer&) = delete;
};

}  // namespace dynamo_es::detail
