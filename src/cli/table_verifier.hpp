#pragma once

/// \file
/// `dynamo-es verify`: the checks, kept apart from the command so they can be tested on their
/// own. Also home of the paged table Scan and the retry helper that `migrate` shares.
///
/// What a clean table is (docs/cli-verify-migrate.md): the key schema and the index of the PHP
/// package; every event row decodes; every event row has `Feed = "all"` and a `GlobalPosition`
/// >= 1; no two rows share a position; positions are dense from 1 to the counter; the counter row
/// exists once any position does and is >= the highest position; within an aggregate positions
/// grow with the playhead; every row other than the counter and the claim rows is an event.
///
/// Claim rows (`Id` "_position", see src/stores/dynamodb_claims.hpp) are neither events nor
/// foreign rows. A position up to the counter is fine when a row holds it OR a void claim covers
/// it (a range whose commit failed, or that a reader fenced after a writer died): such positions
/// are counted apart (`void_positions`), not as gaps. Everything else missing is still a gap.

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb/attribute_value.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb/errors.hpp"

namespace dynamo_es::cli {

// --- Shared plumbing ------------------------------------------------------------------------

/// Calls `operation()` and retries it while it throws a `retryable()` DynamoDB error (throttling,
/// 5xx, transport failures), with jittered exponential backoff (50 ms doubling to 5 s), at most
/// `attempts` times in all. Use it only for requests that may safely be sent twice: reads, and
/// transactions that carry a ClientRequestToken.
void with_retries(const std::function<void()>& operation, int attempts = 10);

/// How `scan_table` reads.
struct scan_options {
  /// Strongly consistent pages (default true): a checker must not report a row as missing
  /// because the read was stale.
  bool consistent_read = true;
  /// Parallel Scan segments (DynamoDB's Segment/TotalSegments), each on its own thread.
  /// Default 1 (one sequential scan).
  int segments = 1;
  /// Items per page; nullopt (default) = DynamoDB's 1 MB pages.
  std::optional<std::int32_t> page_limit{};
};

/// Called once per page with its items (possibly none).
using scan_page_callback = std::function<void(std::vector<dynamodb::attribute_map>& items)>;

/// Reads every item of `table` exactly once: each segment follows its own `LastEvaluatedKey`
/// from the first page to the last, never restarting (the PHP migration guide's scan re-read pages
/// 2..N on every round, W21). Pages of different segments arrive in any order, but `on_page` is
/// never called concurrently. Retryable errors are retried (`with_retries`); others propagate,
/// after the other segments have stopped. Returns the number of pages read.
std::size_t scan_table(const dynamodb::client& client, std::string_view table,
                       const scan_options& options, const scan_page_callback& on_page);

// --- The report -----------------------------------------------------------------------------

/// An event row named by its key, as it reads (lenient: broken rows are described too).
struct row_name {
  std::string id;        ///< the aggregate id, or "?" when missing / not a string
  std::string playhead;  ///< the playhead literal, or "?"
};

/// Missing positions first..last (inclusive).
struct position_gap {
  std::int64_t first = 0;
  std::int64_t last = 0;
  /// Why the positions are missing:
  ///  - `burned`: no row holds them although the counter passed them: the PHP package reserves
  ///    positions with `ADD` before it commits, so an append that failed (or is still in flight)
  ///    leaves exactly such a hole (W1). Harmless for readers that wait out holes, but not dense.
  ///  - `not_in_feed`: a row holds the position but lacks `Feed = "all"`, so replay cannot see it.
  ///  - `missing`: above the counter, or there is no counter: nothing explains the hole.
  enum class kind { burned, not_in_feed, missing };
  kind reason = kind::missing;
  friend bool operator==(const position_gap&, const position_gap&) = default;
};

[[nodiscard]] std::string_view to_string(position_gap::kind kind) noexcept;

/// Several rows holding one position (W12): a checkpointing reader may skip all but one.
struct duplicate_position {
  std::int64_t position = 0;
  std::vector<row_name> rows;
};

/// A row and what is wrong with it.
struct row_problem {
  row_name row;
  std::string problem;
};

/// Everything `verify` found. Lists are capped at `verify_options::max_listed` entries each; the
/// counts are always complete.
struct verify_report {
  std::string table;

  // What was read.
  std::int64_t rows_scanned = 0;
  std::int64_t event_rows = 0;       ///< rows that are events (`detail::is_event_row`)
  std::int64_t positioned_rows = 0;  ///< event rows with a valid position in the feed
  std::int64_t aggregates = 0;
  std::optional<std::int64_t> counter;  ///< the counter row's `Value`; nullopt when absent
  std::int64_t max_position = 0;        ///< 0 when no row has a position

  // Problems.
  std::vector<std::string> schema_problems;  ///< missing/different key schema or index
  std::vector<std::string> counter_problems;
  std::int64_t legacy_rows = 0;  ///< event rows without `GlobalPosition` (need `migrate`)
  std::vector<row_name> legacy_examples;
  std::int64_t undecodable_rows = 0;
  std::vector<row_problem> undecodable;
  std::int64_t bad_position_rows = 0;  ///< position present but unusable (not in feed, < 1, ...)
  std::vector<row_problem> bad_positions;
  std::int64_t foreign_rows = 0;  ///< rows that are not events, other than the counter
  std::vector<row_name> foreign_examples;
  std::int64_t duplicate_positions = 0;  ///< positions held by more than one row
  std::vector<duplicate_position> duplicates;
  std::int64_t missing_positions = 0;  ///< positions in all gaps
  std::int64_t burned_positions = 0;   ///< of those, `burned`
  std::int64_t gap_count = 0;          ///< runs of missing positions
  std::int64_t burned_gap_count = 0;   ///< of those, `burned`
  std::vector<position_gap> gaps;
  std::int64_t order_violations = 0;  ///< aggregates whose positions do not grow with playhead
  std::vector<row_problem> out_of_order;

  // Claim rows (not problems).
  std::int64_t claim_rows = 0;       ///< well-formed claim rows, committed and void
  std::int64_t void_claim_rows = 0;  ///< of those, void
  /// Positions no row holds that a void claim covers: no event will ever hold them, replay passes
  /// them at once. Not counted in `missing_positions`.
  std::int64_t void_positions = 0;

  /// Number of problems; `allow_burned` does not count burned gaps.
  [[nodiscard]] std::int64_t problem_count(bool allow_burned = false) const;
  /// No problem (burned gaps tolerated when `allow_burned`).
  [[nodiscard]] bool clean(bool allow_burned = false) const {
    return problem_count(allow_burned) == 0;
  }
};

/// Options of `verify_table`.
struct verify_options {
  cli::scan_options scan{};
  /// Entries listed per kind of problem (default 20); counts are complete regardless.
  std::size_t max_listed = 20;
};

/// Collects rows one at a time and produces the report: the part of `verify` that needs no
/// DynamoDB. Not thread-safe.
class table_checker {
 public:
  explicit table_checker(std::string table, std::size_t max_listed = 20);
  ~table_checker();
  table_checker(table_checker&&) noexcept;
  table_checker& operator=(table_checker&&) noexcept;
  table_checker(const table_checker&) = delete;
  table_checker& operator=(const table_checker&) = delete;

  /// Records schema problems found by DescribeTable.
  void add_schema_problem(std::string problem);
  /// Examines one scanned row (any row: events, the counter, anything else).
  void add(const dynamodb::attribute_map& item);
  /// Checks what needs every row (gaps, duplicates, order, counter) and returns the report.
  [[nodiscard]] verify_report finish();

 private:
  class state;
  std::unique_ptr<state> state_;
};

/// Describes `table` (throws `dynamodb::resource_not_found` when it does not exist), checks its
/// schema, scans it once and checks every row.
[[nodiscard]] verify_report verify_table(const dynamodb::client& client, std::string_view table,
                                         const verify_options& options = {});

/// The report for people: a summary line, then one line per listed problem.
void print_report(std::ostream& out, const verify_report& report, bool allow_burned);

/// The report as one JSON object (for `--output json`); field names in docs/cli-verify-migrate.md.
[[nodiscard]] std::string report_json(const verify_report& report, bool allow_burned);

}  // namespace dynamo_es::cli
