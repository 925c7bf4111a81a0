#pragma once

/// \file
/// `dynamo-es migrate`: gives the rows that versions of the PHP package before global positions
/// wrote (no `Feed`/`GlobalPosition`, no index, no counter) their place in the feed, in place
/// (the PHP guide's "Option B", without its flaws: broadway-contract.md §4.6, W21). The planning
/// is kept apart from the DynamoDB calls so it can be tested on its own.
///
/// The method, in short (docs/cli-verify-migrate.md has the long form):
///  1. one consistent, correctly paged Scan reads every row once (never restarting, W21);
///  2. unless forced, a second Scan after `quiet_time` must find the table unchanged (an
///     order-independent fingerprint of every row's key, position, feed and the counter), else
///     the run refuses: something is writing;
///  3. rows that already have a position keep it; the others get positions after
///     max(counter, highest position) in (RecordedOn as an instant, Id, Playhead) order, where a
///     row's time is never earlier than that of a lower playhead of its aggregate (clock skew
///     cannot reorder an aggregate);
///  4. the index is created if missing (UpdateTable) and waited for;
///  5. positions are written in that order, up to 99 rows per TransactWriteItems together with
///     the counter (`SET Value` conditioned on its previous value); each row's update is
///     conditioned on it existing without a position. The counter therefore always equals the
///     last position written, and the rows written are always a prefix of the plan: a re-run
///     after an interruption computes the same plan for the rest and assigns the same positions;
///     a re-run after completion finds nothing to do;
///  6. a final Scan checks that the table is exactly what was planned.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.hpp"
#include "cli/table_verifier.hpp"
#include "dynamo_es/dynamodb/attribute_value.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/error.hpp"

namespace dynamo_es::cli {

/// The table changed while migrate was reading or writing it (exit 3): some writer is active.
/// Nothing planned was written inconsistently; a re-run after stopping the writers resumes.
class migration_conflict : public conflict_error {
 public:
  using conflict_error::conflict_error;
};

// --- Planning (no DynamoDB) ---------------------------------------------------------------------

/// One event row as the planner sees it.
struct migration_row {
  std::string id;
  dynamodb::attribute_value playhead;    ///< the key attribute exactly as stored (N)
  std::int64_t playhead_number = 0;      ///< its value, for ordering
  std::string recorded_on;               ///< as stored
  std::optional<std::int64_t> position;  ///< `GlobalPosition` when the row has one
  std::size_t item_bytes = 0;            ///< DynamoDB's size of the whole item
};

/// One row to give a position, in plan order.
struct planned_row {
  std::string id;
  dynamodb::attribute_value playhead;
  std::int64_t position = 0;
  std::size_t item_bytes = 0;
};

struct migration_plan {
  /// Positions are assigned from `base + 1`: max(counter, highest existing position).
  std::int64_t base = 0;
  std::vector<planned_row> rows;        ///< the rows without a position, in position order
  std::int64_t already_positioned = 0;  ///< rows that keep the position they have
  std::int64_t highest_position = 0;    ///< the highest existing position (0 = none)
  /// Things the operator should know (e.g. an aggregate whose legacy rows will follow its
  /// newer, already positioned rows in the feed).
  std::vector<std::string> warnings;
};

/// Orders the rows without a position and numbers them (step 3 above). Deterministic: the same
/// rows and counter give the same plan, whatever their order in `rows`. Throws
/// `validation_error` listing (up to 20) rows without a position whose `RecordedOn` does not
/// parse: migrate cannot place them.
[[nodiscard]] migration_plan plan_migration(std::vector<migration_row> rows,
                                            std::optional<std::int64_t> counter,
                                            std::string_view table);

/// An order-independent digest of a table's rows: equal digests mean (with overwhelming
/// probability) the same set of keys with the same positions and the same counter value.
class table_fingerprint {
 public:
  /// Adds any scanned row.
  void add(const dynamodb::attribute_map& item);
  /// Adds / removes a row given by its parts (to predict the table after the writes).
  /// `counter_value` counts only for the counter row's key.
  void add(std::string_view id, const dynamodb::attribute_value& playhead,
           const std::optional<std::int64_t>& position,
           const std::optional<std::int64_t>& counter_value);
  void remove(std::string_view id, const dynamodb::attribute_value& playhead,
              const std::optional<std::int64_t>& position,
              const std::optional<std::int64_t>& counter_value);

  [[nodiscard]] std::int64_t rows() const noexcept { return rows_; }
  friend bool operator==(const table_fingerprint&, const table_fingerprint&) = default;

 private:
  std::int64_t rows_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t square_sum_ = 0;
};

// --- Running ----------------------------------------------------------------------------------

struct migration_options {
  /// Run although the table is being written to (default false): skips the second scan, and
  /// when the counter moves under a batch, re-reads it and continues above it. Positions are
  /// then not repeatable.
  bool force = false;
  /// Plan only: print what would happen, change nothing (default false).
  bool dry_run = false;
  /// How long the table must stay unchanged between the two scans (default 2 s).
  std::chrono::milliseconds quiet_time{2000};
  /// Rows per transaction, 1 to 99 (default 99; one action is the counter).
  std::size_t batch_size = 99;
  /// Stop after giving this many rows a position (default: all). A re-run continues.
  std::optional<std::int64_t> max_rows{};
  /// How the scans read (consistent, segments).
  cli::scan_options scan{};
  /// How long to wait for a new index to become ACTIVE (default 30 min; AWS backfills it).
  std::chrono::milliseconds index_timeout{std::chrono::minutes(30)};
  /// Progress after each batch: rows given a position so far, out of how many (may be null).
  std::function<void(std::int64_t done, std::int64_t total)> on_progress{};
  /// One line for the operator, e.g. "creating the index" (may be null).
  std::function<void(std::string_view line)> on_note{};
  /// Polled between batches; true stops the run like `max_rows` (may be null).
  std::function<bool()> stop_requested{};
};

struct migration_result {
  std::string table;
  bool dry_run = false;
  bool index_created = false;           ///< this run added the index
  std::int64_t rows_scanned = 0;        ///< every item, counter included
  std::int64_t event_rows = 0;          ///< rows that are events
  std::int64_t already_positioned = 0;  ///< event rows that kept their position
  std::int64_t to_assign = 0;           ///< event rows that had no position
  std::int64_t assigned = 0;            ///< rows this run gave a position
  std::int64_t first_position = 0;      ///< first position this run wrote (0 = none)
  std::int64_t last_position = 0;       ///< last position this run wrote (0 = none)
  std::optional<std::int64_t> counter_before;
  std::optional<std::int64_t> counter_after;
  bool counter_raised = false;  ///< the counter was missing or below the highest position
  bool stopped_early = false;   ///< `max_rows` or a stop request ended the run: re-run to finish
  std::vector<std::string> warnings;
};

/// Migrates `table` as described at the top of this file. Throws `dynamodb::resource_not_found`
/// when the table does not exist, `configuration_error` when its key schema or an existing index
/// of the same name differs from the PHP package's, `validation_error` for rows it cannot place,
/// `migration_conflict` when the table is being written to (unless forced), DynamoDB errors as
/// they come after retries.
[[nodiscard]] migration_result migrate_table(const dynamodb::client& client, std::string_view table,
                                             const migration_options& options);

/// A human summary, one line per fact.
void print_migration(std::ostream& out, const migration_result& result);
/// The result as one JSON object.
[[nodiscard]] std::string migration_json(const migration_result& result);

}  // namespace dynamo_es::cli
