#pragma once

/// \file
/// Errors of the event-store layer (Broadway's `EventStoreException` family) and of event
/// (de)serialization. All derive from `dynamo_es::error`.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dynamo_es/domain_event_stream.hpp"
#include "dynamo_es/error.hpp"

namespace dynamo_es {

/// Root of the errors a store raises about its events (Broadway's `EventStoreException`).
class event_store_error : public error {
 public:
  using error::error;
};

/// `load` found no event for the aggregate. Message:
/// `Event stream not found for aggregate with id "<id>"`, plus ` in table "<table>"` when the
/// store has a table.
class event_stream_not_found : public event_store_error {
 public:
  explicit event_stream_not_found(std::string aggregate_id, std::string table = {});

  [[nodiscard]] const std::string& aggregate_id() const noexcept { return *aggregate_id_; }
  /// Empty when the store has no table (the in-memory store).
  [[nodiscard]] const std::string& table() const noexcept { return *table_; }

 private:
  // Shared so that copying the exception cannot throw.
  std::shared_ptr<const std::string> aggregate_id_;
  std::shared_ptr<const std::string> table_;
};

/// One (aggregate id, playhead) pair that was already stored.
struct playhead_conflict {
  std::string aggregate_id;
  std::int64_t playhead = 0;

  friend bool operator==(const playhead_conflict&, const playhead_conflict&) = default;
};

/// `append` tried to store a playhead the aggregate already has; nothing was written. This is the
/// optimistic-concurrency error: reload the aggregate and retry the command.
class duplicate_playhead : public event_store_error {
 public:
  /// `conflicts` may be empty when the store cannot tell which event conflicted;
  /// `cancellation_reasons` are the store's raw reasons (e.g. DynamoDB's
  /// `ConditionalCheckFailed: The conditional request failed`), one per write, possibly empty;
  /// `table` is named in the message when non-empty.
  explicit duplicate_playhead(domain_event_stream event_stream,
                              std::vector<playhead_conflict> conflicts = {},
                              std::vector<std::string> cancellation_reasons = {},
                              std::string table = {});

  /// The whole attempted stream (Broadway's `getEventStream()`).
  [[nodiscard]] const domain_event_stream& event_stream() const noexcept;
  [[nodiscard]] const std::vector<playhead_conflict>& conflicts() const noexcept;
  [[nodiscard]] const std::vector<std::string>& cancellation_reasons() const noexcept;
  /// Empty when the store has no table.
  [[nodiscard]] const std::string& table() const noexcept;

 private:
  struct details;
  std::shared_ptr<const details> details_;
};

/// An `append` failed in a way that may or may not have written its events, and the store could
/// not find out which: a request that may have reached DynamoDB (a timeout or a connection lost
/// after sending, a 500) was not confirmed by its retries, and reading the aggregate back found
/// neither our events nor anyone else's at the appended playheads (the request may still be in
/// flight), or the read itself failed. Nothing is ever reported as a `duplicate_playhead` or
/// written twice on a guess; this error is the honest third answer.
///
/// What to do: do NOT append the same events again blindly, and do not treat it as a conflict.
/// After a short wait (the request cannot stay in flight longer than a few seconds), read the
/// aggregate with strongly consistent reads (`consistent_aggregate_reads`) from the first
/// playhead: if the events are there, and their rows' `CommitId` attribute is one of
/// `commit_ids()`, the append succeeded; if no row exists at those playheads, it did not happen
/// and may be retried; rows with another (or no) `CommitId` are someone else's (a conflict).
/// See docs/retries-and-idempotency.md.
class commit_unknown : public event_store_error {
 public:
  /// `playheads` are the appended ones in stream order; `commit_ids` the ClientRequestTokens of
  /// the transactions this append sent (each is also the `CommitId` its rows would carry);
  /// `cause` says what went wrong (the last error, or the failed read).
  commit_unknown(std::string table, std::string aggregate_id, std::vector<std::int64_t> playheads,
                 std::vector<std::string> commit_ids, std::string cause);

  [[nodiscard]] const std::string& table() const noexcept;
  [[nodiscard]] const std::string& aggregate_id() const noexcept;
  [[nodiscard]] const std::vector<std::int64_t>& playheads() const noexcept;
  [[nodiscard]] const std::vector<std::string>& commit_ids() const noexcept;
  [[nodiscard]] const std::string& cause() const noexcept;

 private:
  struct details;
  std::shared_ptr<const details> details_;
};

/// Root of the errors of `event_store_management` (Broadway's `EventStoreManagementException`).
class event_store_management_error : public error {
 public:
  using error::error;
};

/// The criteria asks for something the store cannot match. Broadway's message for aggregate root
/// types: `Cannot match criteria based on aggregate root types.`
class criteria_not_supported : public event_store_management_error {
 public:
  using event_store_management_error::event_store_management_error;
};

/// A stored event names a PHP class that no `event_type_registry` entry knows. Message:
/// `Unknown event class "<class>" for aggregate "<id>" at playhead <n>; register it with
/// event_type_registry::add`.
class unknown_event_class : public serialization_error {
 public:
  unknown_event_class(std::string class_name, std::string aggregate_id, std::int64_t playhead);

  [[nodiscard]] const std::string& class_name() const noexcept;
  [[nodiscard]] const std::string& aggregate_id() const noexcept;
  [[nodiscard]] std::int64_t playhead() const noexcept { return playhead_; }

 private:
  struct details;
  std::shared_ptr<const details> details_;
  std::int64_t playhead_;
};

}  // namespace dynamo_es
