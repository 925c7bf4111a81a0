// migrate: gives the rows of a table written by PHP package versions before global positions
// (no Feed/GlobalPosition, no index, no counter) their place in the feed, in place and resumably.

#include <fmt/core.h>

#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "cli/command.hpp"
#include "cli/duration.hpp"
#include "cli/interrupt.hpp"
#include "cli/legacy_migration.hpp"
#include "cli/output.hpp"

namespace dynamo_es::cli {

void add_migrate_command(CLI::App& app, command_context& ctx) {
  struct options {
    bool force = false;
    bool dry_run = false;
    std::string quiet_time = "2s";
    std::string index_timeout = "30m";
    std::size_t batch_size = 99;
    std::int64_t max_rows = 0;
    int segments = 1;
    std::int32_t page_size = 0;
  };
  auto opts = std::make_shared<options>();
  auto* cmd = app.add_subcommand(
      "migrate",
      "Bring a table of an old PHP package version up to date: add the index, give every row "
      "without one a global position in RecordedOn/Id/Playhead order, set the counter");
  cmd->add_flag("--dry-run", opts->dry_run, "Only say what would be done; change nothing");
  cmd->add_flag("--force", opts->force,
                "Run even though the table is being written to (positions are then not "
                "repeatable; see docs)");
  cmd->add_option("--quiet-time", opts->quiet_time,
                  "The table must not change for this long between two scans before anything "
                  "is written (default 2s)")
      ->option_text("DURATION");
  cmd->add_option("--batch-size", opts->batch_size,
                  "Rows per transaction, with the counter (1-99, default 99)")
      ->check(CLI::Range(1, 99))
      ->option_text("N");
  cmd->add_option("--max-rows", opts->max_rows,
                  "Give at most N rows a position in this run, then stop (run again to continue)")
      ->check(CLI::Range(std::int64_t{1}, INT64_MAX))
      ->option_text("N");
  cmd->add_option("--segments", opts->segments, "Scan with N parallel segments (default 1)")
      ->check(CLI::Range(1, 64))
      ->option_text("N");
  cmd->add_option("--page-size", opts->page_size,
                  "Items per Scan request (default: DynamoDB's 1 MB pages)")
      ->check(CLI::Range(1, 1'000'000))
      ->option_text("N");
  cmd->add_option("--index-timeout", opts->index_timeout,
                  "How long to wait for a new index to become ACTIVE (default 30m)")
      ->option_text("DURATION");
  cmd->footer(R"(
Stop every writer first (old and new PHP versions, dynamo-es). migrate then:
  1. scans the table once (consistent, paged; no page is read twice);
  2. scans it again after --quiet-time and refuses (exit 3) if anything changed;
  3. keeps every existing position and numbers the rows without one after
     max(counter, highest position), ordered by RecordedOn (as an instant, never before a lower
     playhead of the same aggregate), then Id, then Playhead;
  4. adds the index Feed-GlobalPosition-index if missing and waits until it is ACTIVE;
  5. writes up to 99 rows per transaction together with the counter, each row conditioned on
     still having no position;
  6. scans once more and checks the table is exactly as planned.
Interrupted (Ctrl-C, a crash, --max-rows), it is run again and continues: the rows written are
always the start of the plan, so the rest get the positions an uninterrupted run gives them.
A run on a migrated table changes nothing.

Examples:
  dynamo-es --table events migrate --dry-run
  dynamo-es --table events migrate && dynamo-es --table events verify
Exit codes: 0 migrated (or stopped by --max-rows), 1 interrupted (run again), 2 no such table,
3 the table is being written to, 4 rows migrate cannot place.)");
  cmd->callback([&ctx, opts] {
    const auto& table = require_table(ctx.globals);
    migration_options migration;
    migration.force = opts->force;
    migration.dry_run = opts->dry_run;
    migration.quiet_time = parse_duration(opts->quiet_time, "--quiet-time");
    migration.index_timeout = parse_duration(opts->index_timeout, "--index-timeout");
    migration.batch_size = opts->batch_size;
    if (opts->max_rows > 0) migration.max_rows = opts->max_rows;
    migration.scan.consistent_read = true;
    migration.scan.segments = opts->segments;
    if (opts->page_size > 0) migration.scan.page_limit = opts->page_size;

    const bool json = ctx.globals.json_errors;
    std::optional<progress> bar;
    if (!json) {
      migration.on_note = [&bar](std::string_view line) {
        if (bar) return;  // the bar owns the terminal line while rows are written
        fmt::print(stderr, "migrate: {}\n", line);
      };
      migration.on_progress = [&bar](std::int64_t done, std::int64_t total) {
        if (!bar) bar.emplace("migrating", static_cast<std::uint64_t>(total));
        bar->update(static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(done));
      };
    }
    install_stop_handlers();
    migration.stop_requested = [] { return stop_requested(); };

    const auto client = make_client(ctx.globals);
    const auto result = migrate_table(*client, table, migration);
    if (bar) {
      bar->finish(static_cast<std::uint64_t>(result.assigned),
                  fmt::format("gave {} rows a position", result.assigned));
    }
    if (json) {
      fmt::print("{}\n", migration_json(result));
    } else {
      std::ostringstream text;
      print_migration(text, result);
      fmt::print("{}", text.str());
    }
    if (result.stopped_early && stop_requested()) {
      throw error(
          fmt::format("migrate was interrupted after giving {} rows a position; run it "
                      "again to continue",
                      result.assigned));
    }
  });
}

}  // namespace dynamo_es::cli
