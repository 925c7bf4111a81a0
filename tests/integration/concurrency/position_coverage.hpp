#pragma once

// What became of every global position of a table, read straight from DynamoDB (around the store):
// the `_counter` row, the claim rows (`Id` "_position", a strongly consistent Query) and the event
// positions a reader delivered. Used by the concurrency, torture and fence fault tests, which run
// in every append protocol: with reservations a range can be voided (its writer's commit failed,
// or a reader fenced it), so "positions dense 1..N" becomes "every position up to the counter is
// a committed event or covered by a void claim, never both".
//
// Compiled into tests/torture and tests/faults as well (one checker for every suite).

#include <cstdint>
#include <string>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb_event_store_options.hpp"

namespace dynamo_es::coverage_testing {

/// One claim row as stored.
struct claim_row {
  std::int64_t first = 0;
  std::int64_t length = 0;
  std::string state;      ///< "committed" or "void" (anything else is reported as a problem)
  std::string voided_by;  ///< "writer" or "reader" on void claims
  [[nodiscard]] std::int64_t last() const noexcept { return first + length - 1; }
};

/// Every claim row of `table`, in position order (consistent Query, all pages).
[[nodiscard]] std::vector<claim_row> read_claim_rows(const dynamodb::client& client,
                                                     const std::string& table);

/// The `_counter` row's value (consistent read); -1 when there is none.
[[nodiscard]] std::int64_t counter_value(const dynamodb::client& client, const std::string& table);

struct coverage_report {
  std::int64_t counter = 0;
  std::int64_t event_positions = 0;
  std::int64_t committed_claims = 0;
  std::int64_t void_claims_by_writer = 0;
  std::int64_t void_claims_by_reader = 0;
  /// Positions covered by void claims (up to the counter).
  std::int64_t void_positions = 0;
  /// Every violated rule, one sentence each (at most a few per rule); empty = all is well.
  std::vector<std::string> problems;
};

/// Checks, for the event positions a reader delivered (in any order):
///  - positions are unique and within 1..counter;
///  - claims do not overlap, lie within 1..counter and are well formed;
///  - every position 1..counter is an event or covered by a void claim, and never both;
///  - every event position is covered by a committed claim and every committed claim covers
///    events only (every append of this library writes the claim with its events).
[[nodiscard]] coverage_report check_coverage(const dynamodb::client& client,
                                             const std::string& table,
                                             const std::vector<std::int64_t>& event_positions);

/// "adaptive", "serialised", "reservation".
[[nodiscard]] std::string protocol_name(append_protocol protocol);
/// The inverse; throws `std::invalid_argument` for anything else.
[[nodiscard]] append_protocol protocol_from_name(const std::string& name);

/// One line of the statistics the issue asks every mode to print.
[[nodiscard]] std::string statistics_line(const dynamodb_event_store_statistics& stats);

/// The statistics as a JSON object text, and back (for a child process's report).
[[nodiscard]] std::string statistics_to_json_text(const dynamodb_event_store_statistics& stats);
[[nodiscard]] dynamodb_event_store_statistics statistics_from_json_text(const std::string& text);

/// Field-by-field sum (for the writer stores of several processes).
[[nodiscard]] dynamodb_event_store_statistics sum(const dynamodb_event_store_statistics& a,
                                                  const dynamodb_event_store_statistics& b);

}  // namespace dynamo_es::coverage_testing
