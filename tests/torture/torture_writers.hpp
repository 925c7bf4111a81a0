#pragma once

// The writer side of the torture test, run by every writer process: threads that each commit a
// fixed number of appends of 1-3 events, mostly to an aggregate of their own and sometimes to an
// aggregate every writer shares (there a writer appends at the playhead it believes is next and,
// on `duplicate_playhead`, reloads the head and tries again with new events). Every event carries
// a unique id (`eid`) in its payload, so the test can compare what the writers committed with
// what the follower received.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "dynamo_es/domain_message.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"

namespace dynamo_es::torture_testing {

/// The payload class of every event the writers append.
inline constexpr const char* written_event_class = "DynamoEs\\Tests\\Torture\\Written";

struct workload {
  std::string process_name;  ///< "p0", "p1": prefixes writer names and own aggregates
  int threads = 8;
  int appends_per_thread = 500;  ///< committed appends per thread
  std::vector<std::string> shared_aggregates{"shared-0", "shared-1"};
  /// One append in this many goes to a shared aggregate.
  int shared_one_in = 5;
  /// Losses of one append on a shared aggregate before the writer gives up on it.
  int max_attempts_per_append = 1000;
  /// Writers stop early (and say so) past this.
  std::chrono::milliseconds time_budget{400'000};
  unsigned seed = 1;
};

/// One event a writer saw committed.
struct committed_event {
  std::string eid;
  std::string aggregate_id;
  std::int64_t playhead = 0;
};

/// What one writer thread did.
struct writer_report {
  std::string writer;
  int appends_committed = 0;
  int shared_appends = 0;
  /// Attempts rejected with `duplicate_playhead` on a shared aggregate (reloaded and retried).
  int duplicate_playheads = 0;
  int gave_up = 0;
  bool ran_out_of_time = false;
  /// Anything but success or an expected `duplicate_playhead` (must stay empty).
  std::vector<std::string> other_errors;
  std::vector<committed_event> committed;
  /// The eids of every attempt that failed (none may reach the follower).
  std::vector<std::string> rejected_eids;
};

/// What one process did: its writers plus its store's counters.
struct process_report {
  std::string process_name;
  std::vector<writer_report> writers;
  std::int64_t elapsed_ms = 0;
  dynamodb_event_store_statistics statistics;
};

/// Store options for every writer and the follower of the test table, appending with `protocol`.
[[nodiscard]] dynamodb_event_store_options store_options(const std::string& table,
                                                         append_protocol protocol);

/// Runs the workload's threads against `store` and joins them.
[[nodiscard]] process_report run_writers(dynamodb_event_store& store, const workload& work);

/// The `eid` in the payload of a message appended by a writer. Throws on anything else.
[[nodiscard]] std::string eid_of(const domain_message& message);

/// The report as one JSON document, and back.
[[nodiscard]] std::string to_json_text(const process_report& report);
[[nodiscard]] process_report process_report_from_json(const std::string& text);

}  // namespace dynamo_es::torture_testing
