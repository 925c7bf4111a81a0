// verify: checks a table for what breaks or slows down readers: gaps and duplicates in the global
// positions, rows that do not decode, legacy rows without a position, a missing or low counter.

#include <fmt/core.h>

#include <memory>
#include <sstream>
#include <string>

#include "cli/command.hpp"
#include "cli/table_verifier.hpp"

namespace dynamo_es::cli {

void add_verify_command(CLI::App& app, command_context& ctx) {
  struct options {
    int segments = 1;
    std::int32_t page_size = 0;
    std::size_t max_listed = 20;
    bool allow_burned = false;
  };
  auto opts = std::make_shared<options>();
  auto* cmd = app.add_subcommand(
      "verify",
      "Check the table: positions dense from 1 to the counter, no duplicates, every row decodes, "
      "no legacy rows; exit 0 only when clean");
  cmd->add_option("--segments", opts->segments,
                  "Scan with N parallel segments (default 1); speeds up large tables")
      ->check(CLI::Range(1, 64))
      ->option_text("N");
  cmd->add_option("--page-size", opts->page_size,
                  "Items per Scan request (default: DynamoDB's 1 MB pages)")
      ->check(CLI::Range(1, 1'000'000))
      ->option_text("N");
  cmd->add_option("--max-listed", opts->max_listed,
                  "List at most N entries per kind of problem (default 20; counts stay complete)")
      ->check(CLI::Range(0, 1'000'000))
      ->option_text("N");
  cmd->add_flag("--allow-burned", opts->allow_burned,
                "Do not count burned positions (holes the counter passed, left by failed PHP "
                "appends) as problems");
  cmd->footer(R"(
Reads every row once with a strongly consistent, paged Scan (a hole is then a real hole, not a
stale read) and checks:
  schema      key Id/Playhead and the index Feed-GlobalPosition-index (ACTIVE)
  rows        every event row decodes (attributes, Metadata/Payload JSON, RecordedOn); every
              row but the counter is an event; the id "_counter" holds no events
  legacy      event rows without Feed/GlobalPosition (invisible to replay: run migrate)
  positions   each >= 1 and in the feed (Feed = "all"); no position held twice; dense from 1
              to the counter. Holes are "burned" when no row holds them but the counter passed
              them (a PHP append that reserved positions and failed), else "missing"
  order       within an aggregate, positions grow with the playhead
  counter     present once positions exist, and >= the highest position
The report goes to stdout (one JSON object with --output json); problems end the run with
exit code 7.

Examples:
  dynamo-es --table events verify
  dynamo-es --table events --output json verify | jq '.gaps'
  dynamo-es --table events verify --allow-burned --segments 8
Exit codes: 0 clean, 7 problems found, 2 no such table.)");
  cmd->callback([&ctx, opts] {
    const auto& table = require_table(ctx.globals);
    const auto client = make_client(ctx.globals);
    verify_options verify;
    verify.scan.consistent_read = true;
    verify.scan.segments = opts->segments;
    if (opts->page_size > 0) verify.scan.page_limit = opts->page_size;
    verify.max_listed = opts->max_listed;
    const auto report = verify_table(*client, table, verify);

    if (ctx.globals.json_errors) {
      fmt::print("{}\n", report_json(report, opts->allow_burned));
    } else {
      std::ostringstream text;
      print_report(text, report, opts->allow_burned);
      fmt::print("{}", text.str());
    }
    const auto problems = report.problem_count(opts->allow_burned);
    if (problems > 0) {
      throw verify_failed_error(fmt::format("verify found {} {} in table \"{}\"", problems,
                                            problems == 1 ? "problem" : "problems", table));
    }
  });
}

}  // namespace dynamo_es::cli
