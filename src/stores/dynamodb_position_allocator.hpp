#pragma once

// The append seam: how a batch of event rows gets its global positions and reaches the table.
//
// Today there is one implementation, `conditional_counter`: the rows and the `_counter` update go
// into ONE TransactWriteItems, the update conditioned on the counter still holding the value the
// positions were computed from. Positions therefore become visible only together with their
// events, are dense, follow commit order, and a failed append consumes none (W1, W2). A later
// reservation protocol or group commit plugs in behind the same interface.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/domain_event_stream.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb_event_store_options.hpp"
#include "stores/dynamodb_store_counters.hpp"

namespace dynamo_es::detail {

/// One validated append on its way to the table.
struct pending_append {
  std::string_view aggregate_id;
  const domain_event_stream& stream;
  /// The encoded rows, in stream order; the allocator sets their `GlobalPosition`.
  std::vector<dynamodb::attribute_map> items;
};

class position_allocator {
 public:
  virtual ~position_allocator() = default;

  /// Writes every row of `append` atomically at positions last+1 .. last+n (in stream order),
  /// where `last` is the highest position handed out so far; returns the first position.
  /// Throws `duplicate_playhead` when a row's (Id, Playhead) exists (another writer's);
  /// `commit_unknown` when an attempt may have been applied and reading the rows back could not
  /// tell; other failures throw the client's errors (then nothing was written). A call that
  /// throws anything but `commit_unknown` consumed no position. Exactly once: an append whose
  /// answer was lost is confirmed by its token or by its rows' `CommitId`, never re-applied.
  virtual std::int64_t commit(pending_append& append) = 0;

 protected:
  position_allocator() = default;
  position_allocator(const position_allocator&) = default;
  position_allocator& operator=(const position_allocator&) = default;
};

/// What a cancelled append transaction means (pure; unit-tested).
struct cancellation_outcome {
  enum class kind {
    duplicate_playhead,  ///< an event row exists: the optimistic-concurrency error
    counter_moved,       ///< the counter condition failed (no event row exists): retry at the
                         ///< counter's new value
    transient,           ///< only TransactionConflict / throttling reasons: retry as is
    other,               ///< another reason (ValidationError, ...): not retried
  };
  kind outcome = kind::other;
  /// Indexes into the events (0-based, not counting the counter) of the rows that exist.
  std::vector<std::size_t> duplicate_events;
  /// `counter_moved`: the counter item as the cancellation returned it (ALL_OLD); nullopt when
  /// the reason carried no item (then read it).
  std::optional<dynamodb::attribute_map> counter_item;
  /// `transient` and `other`: the first reason that is neither None nor ConditionalCheckFailed.
  std::optional<dynamodb::cancellation_reason> blocking_reason;
};

/// Classifies `reasons` of a transaction whose action 0 is the counter update and actions
/// 1..event_count the event Puts.
[[nodiscard]] cancellation_outcome classify_cancellation(
    const std::vector<dynamodb::cancellation_reason>& reasons, std::size_t event_count);

/// The error to throw for a cancellation that is not retried (any more): ValidationError ->
/// `dynamodb_validation_error`, TransactionConflict -> `transaction_conflict`, throttling codes ->
/// `throttled`, anything else -> the `transaction_canceled` itself. The message names the table,
/// the aggregate and the action (the counter, or the event's playhead) the reason is about.
[[nodiscard]] std::exception_ptr cancellation_error(const dynamodb::transaction_canceled& error,
                                                    const cancellation_outcome& outcome,
                                                    std::string_view table,
                                                    const pending_append& append);

/// The counter's value in a counter item; nullopt when it has no `Value`. Throws
/// `serialization_error` naming the table when `Value` is not an int64.
[[nodiscard]] std::optional<std::int64_t> counter_value(const dynamodb::attribute_map& item,
                                                        std::string_view table);

/// The only allocator so far; see the file comment. Thread-safe: concurrent commits through one
/// instance race on the counter like separate writers do, and the loser retries.
class conditional_counter final : public position_allocator {
 public:
  conditional_counter(std::shared_ptr<const dynamodb::client> client, std::string table,
                      append_retry_options retry, store_counters& counters);

  std::int64_t commit(pending_append& append) override;

 private:
  /// Where the next positions start: after `value`. `exists` says whether the counter holds
  /// `value` (the update is conditioned on it) or has no value yet (the update creates it).
  struct counter_basis {
    std::int64_t value = 0;
    bool exists = false;
  };

  /// The transaction writing `items` at `next`, `next + 1`, ... and moving the counter on, under
  /// a fresh ClientRequestToken that every row also carries as its `CommitId`.
  [[nodiscard]] dynamodb::transact_write_items_request build_request(
      const std::vector<dynamodb::attribute_map>& items, counter_basis basis,
      std::int64_t next) const;
  /// Sends `request` once through the client (whose retry policy re-sends it with the same
  /// token); counts the client's retries.
  void send(const dynamodb::transact_write_items_request& request);
  /// After an attempt of this append may have been applied: reads the rows at the appended
  /// playheads back (strongly consistent) and returns the first position when they are our
  /// commit; throws `duplicate_playhead` when they are someone else's; throws `commit_unknown`
  /// when the read fails or the rows do not tell. No row at all returns nullopt when
  /// `may_still_apply` is false (nothing of ours can be applied any more: the caller goes on),
  /// and throws `commit_unknown` otherwise (a request of ours may still be in flight).
  /// `reasons` are the cancellation's reasons for a `duplicate_playhead` (may be empty), `cause`
  /// the failure that made the append ambiguous, for a `commit_unknown`.
  [[nodiscard]] std::optional<std::int64_t> settle(const pending_append& append,
                                                   const std::vector<std::string>& commit_ids,
                                                   const std::vector<std::string>& reasons,
                                                   const std::string& cause, bool may_still_apply);
  /// The rows of `aggregate_id` at playheads first..last (Playhead, GlobalPosition, CommitId),
  /// read strongly consistently.
  [[nodiscard]] std::vector<dynamodb::attribute_map> read_rows(std::string_view aggregate_id,
                                                               std::int64_t first_playhead,
                                                               std::int64_t last_playhead) const;
  /// Records a counter value this instance's commit left; never moves backwards.
  void remember_at_least(std::int64_t value) noexcept;
  /// The counter as the table has it (a consistent GetItem); when it has no value, the highest
  /// position in the feed (so a lost counter row never makes positions repeat).
  [[nodiscard]] counter_basis discover_counter() const;
  /// Records the counter value a successful commit left, computed from `basis`.
  void remember_commit(counter_basis basis, std::int64_t value) noexcept;
  void pause_before_retry(int retry, bool counter_known) const;

  std::shared_ptr<const dynamodb::client> client_;
  std::string table_;
  append_retry_options retry_;
  store_counters& counters_;
  /// The last counter value this instance saw (-1: unknown). Computing positions from it makes
  /// the steady state one request per append.
  std::atomic<std::int64_t> last_known_{-1};
};

}  // namespace dynamo_es::detail
