#pragma once

/// \file
/// The DynamoDB event store: Broadway's event store and management API on a DynamoDB table that
/// the PHP package `chrisjenkinson/dynamo-db-event-store` can share (same table layout, same item
/// format, same `_counter` row).

#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <string_view>

#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb_event_store_options.hpp"
#include "dynamo_es/error.hpp"
#include "dynamo_es/event_store.hpp"

namespace dynamo_es {

/// A row of the event table holds no valid event (see `bad_row_policy` for the shapes). `what()`
/// names the table, the aggregate id, the playhead, the global position (when the row has one)
/// and the attribute; `report()` has the same as fields. Thrown by `load`, `load_from_playhead`
/// and, under `bad_row_policy::stop`, by replays. Copying never throws.
class corrupt_event_row : public serialization_error {
 public:
  explicit corrupt_event_row(corrupt_row_report report);

  [[nodiscard]] const corrupt_row_report& report() const noexcept { return *report_; }

 private:
  std::shared_ptr<const corrupt_row_report> report_;
};

/// An `event_store` and `event_store_management` on one DynamoDB table.
///
/// - `append` writes all events of the append, the range's claim row and (serialised protocol)
///   the global-position counter in ONE TransactWriteItems: positions are assigned in the commit,
///   a failed append leaves no event (see `append_protocol` and docs/consistency.md for what each
///   protocol guarantees and costs). Limits are checked first (at most 98 events, 400 KB per event
///   row, 4 MB per append) with a `validation_error`. An existing playhead throws
///   `duplicate_playhead` naming the conflicting (id, playhead) pairs.
/// - Group commit (`dynamodb_event_store_options::group_commit`, default on): appends that
///   overlap in time (from several threads, or queued by `append_async`) are packed into one
///   batch: one position assignment and one transaction for all of them (at most
///   `group_commit.max_appends` appends, 98 events and 4 MB; two appends of the same aggregate
///   never share a batch and are sent in the order they were submitted). Each caller gets its own
///   outcome: one append's `duplicate_playhead` does not fail the others of its batch. One batch
///   is in flight per store; an uncontended `append` is sent at once by its own thread (one
///   request, no extra thread), and the appends that arrive meanwhile leave together next.
/// - `load` / `load_from_playhead` query the base table (every page); `load` throws
///   `event_stream_not_found` when no event row exists.
/// - replay (`visit_events`, `load_replay_page_after_global_position`) reads the GSI
///   `Feed-GlobalPosition-index` in position order and never passes a committed position: a page
///   that meets a hole ends before it, with `has_more` true and `last_processed_global_position`
///   just before the hole; read again after a short wait (`visit_events` does so itself). Holes
///   are settled by the claim rows (`gap_timeout` in `dynamodb_event_store_options`).
/// - A row that holds no valid event (missing or mistyped attribute, JSON that does not parse,
///   a number outside int64, ...) makes `load`/`load_from_playhead` throw `corrupt_event_row`
///   (never a stream with an event missing); replays stop at it (default) or pass over it and
///   report it, as `dynamodb_event_store_options::bad_rows` says.
///
/// Thread-safety: safe to share between threads (the client is thread-safe; the store's own state
/// is atomic or locked); concurrent appends are what group commit packs. Several store instances,
/// in one process or many, may write the same table. The destructor first sends every append
/// `append_async` accepted (their futures are then ready); no call may run concurrently with it.
/// Movable, not copyable.
class dynamodb_event_store final : public event_store, public event_store_management {
 public:
  /// Throws `validation_error` naming the option when one is out of range (table name not 3-255
  /// characters of `a-z A-Z 0-9 _ - .`, `replay_page_size < 1`, negative durations,
  /// `append_retry.max_attempts < 1`, `protocol` not an `append_protocol`, `adaptive.switch_at`
  /// negative or not finite, `group_commit.max_appends` outside 1-98).
  /// Sends nothing: call `create_table*` or `verify_table_schema` as the application needs.
  dynamodb_event_store(std::shared_ptr<const dynamodb::client> client,
                       dynamodb_event_store_options options);
  /// The same, taking ownership of `client`.
  dynamodb_event_store(dynamodb::client client, dynamodb_event_store_options options);
  /// Shorthand for a store with default options on `table_name`.
  dynamodb_event_store(std::shared_ptr<const dynamodb::client> client, std::string table_name);

  ~dynamodb_event_store() override;
  dynamodb_event_store(dynamodb_event_store&&) noexcept;
  dynamodb_event_store& operator=(dynamodb_event_store&&) noexcept;
  dynamodb_event_store(const dynamodb_event_store&) = delete;
  dynamodb_event_store& operator=(const dynamodb_event_store&) = delete;

  // --- Table administration ---------------------------------------------------------------

  /// Creates the table with the PHP package's exact schema (PAY_PER_REQUEST) and waits until the
  /// table and its index are ACTIVE (at most `table_wait_timeout`; `error` on timeout). Throws
  /// `dynamodb::resource_in_use` when the table exists.
  void create_table();
  /// Creates the table unless it exists, waits until it is ACTIVE, and verifies the schema of an
  /// existing one (`configuration_error` when it differs). Returns true when it created the table.
  bool create_table_if_not_exists();
  /// Deletes the table and waits until it is gone. No-op when it does not exist.
  void delete_table();
  /// Throws `configuration_error` naming the table and every difference when the table is missing
  /// or its keys, attribute types or index differ from the event-store schema.
  void verify_table_schema();

  // --- Asynchronous appends ---------------------------------------------------------------

  /// Queues an append and returns at once; the future becomes ready when its events are in the
  /// table (`get()` returns) or the append failed (`get()` throws what `append` would have thrown:
  /// `duplicate_playhead`, `commit_unknown`, the client's errors). Bad input throws from
  /// `append_async` itself, before anything is queued or sent: the same `validation_error`s as
  /// `append` (aggregate id, playheads, payloads, DynamoDB limits). An empty stream returns a ready
  /// future and sends nothing.
  ///
  /// Appends of one aggregate are sent in the order of the calls (a later one waits for the
  /// earlier one's batch to settle; pass playheads that follow each other: if an earlier append
  /// fails, the later ones of that aggregate are still sent and may then fail or succeed on their
  /// own). A background thread of the store, started by the first call, sends the batches. With
  /// `group_commit.enabled` false the append is sent on the caller's thread and the returned
  /// future is already ready. Destroying the store sends every queued append first.
  /// Thread-safe.
  [[nodiscard]] std::future<void> append_async(std::string aggregate_id,
                                               domain_event_stream stream);

  // --- Introspection ----------------------------------------------------------------------

  [[nodiscard]] const std::string& table_name() const noexcept;
  [[nodiscard]] const dynamodb_event_store_options& options() const noexcept;
  /// Counts since construction (appends, transactions, counter races, reservations, claims, replay
  /// gap waits and skips).
  [[nodiscard]] dynamodb_event_store_statistics statistics() const;

 private:
  domain_event_stream do_load(std::string_view id) override;
  domain_event_stream do_load_from_playhead(std::string_view id,
                                            std::int64_t from_playhead) override;
  void do_append(std::string_view id, const domain_event_stream& stream) override;
  void do_visit_events(const criteria& filter, event_visitor& visitor) override;
  replay_page do_load_replay_page_after_global_position(const criteria& filter, std::int64_t after,
                                                        std::int64_t limit) override;

  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dynamo_es
