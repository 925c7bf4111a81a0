#pragma once

// The append seam: a batch of validated appends on its way to the table, and the protocols that
// give it global positions (serialised, reservation, adaptive). Group commit
// (dynamodb_group_commit.hpp) hands a protocol several appends of distinct aggregates at once;
// without it every batch holds one append. One batch = one position assignment = (normally) one
// TransactWriteItems holding the events of every append and one claim row for the whole range.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "dynamo_es/domain_event_stream.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb_event_store_options.hpp"
#include "stores/dynamodb_store_counters.hpp"

namespace dynamo_es::detail {

/// One validated append (through `validate_append` and `encode_and_check_append`) and, once a
/// protocol has committed its batch, its outcome. Owns its data: an `append_async` caller may
/// return before the append is sent.
struct pending_append {
  pending_append() = default;
  pending_append(std::string id, domain_event_stream events,
                 std::vector<dynamodb::attribute_map> rows, std::size_t bytes = 0)
      : aggregate_id(std::move(id)),
        stream(std::move(events)),
        items(std::move(rows)),
        transaction_bytes(bytes) {}

  std::string aggregate_id;
  domain_event_stream stream;
  /// The encoded rows, in stream order; the protocol sets their `GlobalPosition` and `CommitId`.
  std::vector<dynamodb::attribute_map> items;
  /// The rows' share of the transaction size (`checked_append::transaction_bytes`), so that a
  /// batch stays under DynamoDB's 4 MB.
  std::size_t transaction_bytes = 0;

  // --- Outcome: exactly one is set when `position_allocator::commit` returns. ---
  /// Position of the first event.
  std::optional<std::int64_t> first_position;
  /// What the caller must see instead: `duplicate_playhead`, `commit_unknown`, the client's
  /// errors, ...
  std::exception_ptr failure;

  [[nodiscard]] bool settled() const noexcept { return first_position.has_value() || failure; }
};

/// A protocol that writes batches. Implementations are thread-safe.
class position_allocator {
 public:
  virtual ~position_allocator() = default;

  /// Writes every append of `batch` (distinct aggregate ids; at most max_events_per_append
  /// events and 4 MB together) at fresh positions and settles each one: `first_position` when its
  /// events are in the table, `failure` otherwise. One append's `duplicate_playhead` does not fail
  /// the others (they are sent again without it). Never throws; the outcomes say everything.
  /// Exactly once: an append whose answer was lost is confirmed by its token or by its rows'
  /// `CommitId`, never re-applied; a failure other than `commit_unknown` means nothing of it was
  /// written.
  virtual void commit(std::span<pending_append* const> batch) noexcept = 0;

 protected:
  position_allocator() = default;
  position_allocator(const position_allocator&) = default;
  position_allocator& operator=(const position_allocator&) = default;
};

/// The protocol `options.protocol` names (adaptive wraps a serialised and a reservation one).
[[nodiscard]] std::unique_ptr<position_allocator> make_position_allocator(
    std::shared_ptr<const dynamodb::client> client, const dynamodb_event_store_options& options,
    store_counters& counters);

}  // namespace dynamo_es::detail
