#pragma once

/// \file
/// The DynamoDB event store: Broadway's event store and management API on a DynamoDB table that
/// the PHP package `chrisjenkinson/dynamo-db-event-store` can share (same table layout, same item
/// format, same `_counter` row).

#include <cstdint>
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
/// - `append` writes all events and the global-position counter in ONE TransactWriteItems: the
///   events get dense positions in commit order, a failed append consumes no position, and in the
///   steady state of one store instance an append is exactly one request (the first append of an
///   instance also reads the counter; another writer moving the counter costs one more
///   transaction). Limits are checked
///   first (at most 99 events, 400 KB per event row, 4 MB per append) with a `validation_error`.
///   An existing playhead throws `duplicate_playhead` naming the conflicting (id, playhead) pairs.
/// - `load` / `load_from_playhead` query the base table (every page); `load` throws
///   `event_stream_not_found` when no event row exists.
/// - replay (`visit_events`, `load_replay_page_after_global_position`) reads the GSI
///   `Feed-GlobalPosition-index` in position order and never passes a missing position before
///   `gap_timeout` (see `dynamodb_event_store_options`): a page that meets a hole ends before it,
///   with `has_more` true and `last_processed_global_position` just before the hole; read again
///   after a short wait (`visit_events` does so itself).
/// - A row that holds no valid event (missing or mistyped attribute, JSON that does not parse,
///   a number outside int64, ...) makes `load`/`load_from_playhead` throw `corrupt_event_row`
///   (never a stream with an event missing); replays stop at it (default) or pass over it and
///   report it, as `dynamodb_event_store_options::bad_rows` says.
///
/// Thread-safety: safe to share between threads (the client is thread-safe; the store's own state
/// is atomic or locked). Several store instances, in one process or many, may write the same
/// table: they race on the counter and the loser retries.
/// Movable, not copyable.
class dynamodb_event_store final : public event_store, public event_store_management {
 public:
  /// Throws `validation_error` when an option is out of range (table name not 3-255 characters of
  /// `a-z A-Z 0-9 _ - .`, `replay_page_size < 1`, negative timeouts, `max_attempts < 1`).
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

  // --- Introspection ----------------------------------------------------------------------

  [[nodiscard]] const std::string& table_name() const noexcept;
  [[nodiscard]] const dynamodb_event_store_options& options() const noexcept;
  /// Counts since construction (appends, counter races, replay gap waits and skips).
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
