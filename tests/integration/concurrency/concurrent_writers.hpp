#pragma once

// The writer side of the concurrency test, run by both processes: threads that append 1-3 events
// at a time, to an aggregate of their own and to aggregates every writer shares. On a shared
// aggregate a writer loads the head, appends at the next playheads and, on `duplicate_playhead`,
// reloads and retries. Every event carries a unique id (`eid`) in its payload, so the test can
// compare what each writer believes it committed with what the table holds.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dynamo_es/domain_message.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"

namespace dynamo_es::concurrency_testing {

/// The payload class of every event the writers append.
inline constexpr const char* written_event_class = "DynamoEs\\Tests\\Concurrency\\Written";

struct workload {
  std::string process_name;  ///< "p0", "p1": prefixes writer names and own aggregates
  int threads = 4;
  int appends_per_thread = 30;
  std::vector<std::string> shared_aggregates{"shared-0", "shared-1"};
  /// Retries of one append on a shared aggregate that keeps losing (each loss = one conflict).
  int max_attempts_per_append = 200;
  /// A writer stops early (and says so) when it passes this.
  std::chrono::milliseconds time_budget{60'000};
  unsigned seed = 1;
};

/// One event a writer saw committed.
struct committed_event {
  std::string eid;
  std::string aggregate_id;
  std::int64_t playhead = 0;
  friend bool operator==(const committed_event&, const committed_event&) = default;
};

/// What one writer thread did.
struct writer_report {
  std::string writer;
  int appends_committed = 0;
  int own_appends = 0;
  int shared_appends = 0;
  /// Appends rejected with `duplicate_playhead` (then reloaded and retried).
  int duplicate_playheads = 0;
  /// Appends abandoned after `max_attempts_per_append` losses.
  int gave_up = 0;
  bool ran_out_of_time = false;
  /// Anything but success or `duplicate_playhead` (must stay empty).
  std::vector<std::string> other_errors;
  std::vector<committed_event> committed;
  /// The eids of every append that failed (nothing of it may be in the table).
  std::vector<std::string> rejected_eids;
};

/// What one process did: its writers plus its store's counters.
struct process_report {
  std::string process_name;
  std::vector<writer_report> writers;
  dynamodb_event_store_statistics statistics;
};

/// Store options for every writer and reader of the test table, appending with `protocol`.
[[nodiscard]] dynamodb_event_store_options store_options(const std::string& table,
                                                         append_protocol protocol);

/// Runs the workload's threads against `store` and joins them.
[[nodiscard]] process_report run_writers(dynamodb_event_store& store, const workload& work);

/// The `eid` in the payload of a message appended by a writer. Throws on anything else.
[[nodiscard]] std::string eid_of(const domain_message& message);

/// The report as one JSON document, and back.
[[nodiscard]] std::string to_json_text(const process_report& report);
[[nodiscard]] process_report process_report_from_json(const std::string& text);

}  // namespace dynamo_es::concurrency_testing
