// replay: the global feed as event lines in position order, optionally followed forever.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/duration.hpp"
#include "cli/event_line.hpp"
#include "cli/feed_reader.hpp"
#include "cli/interrupt.hpp"
#include "cli/output.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::cli {
namespace {

namespace layout = detail::table_layout;

struct options {
  std::int64_t after = 0;
  std::int64_t limit = 0;
  std::vector<std::string> aggregate_ids;
  std::vector<std::string> event_types;
  std::string gap_timeout = "10s";
  bool follow = false;
  std::string poll_interval = "1s";
  std::int32_t page_size = 1000;
};

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// The criteria of the store (ids and dotted types, ANDed, empty = any), on the raw row.
bool matches(const options& opts, const dynamodb::attribute_map& row) {
  if (!opts.aggregate_ids.empty()) {
    const auto id = row.find(std::string(layout::id));
    if (id == row.end() || !id->second.is_string() ||
        !contains(opts.aggregate_ids, id->second.as_string())) {
      return false;
    }
  }
  if (!opts.event_types.empty()) {
    std::string type;
    const auto stored = row.find(std::string(layout::type));
    if (stored != row.end() && stored->second.is_string()) {
      type = stored->second.as_string();
    } else {
      const auto& payload = row.at(std::string(layout::payload));
      if (payload.is_map()) {
        const auto cls = payload.as_map().find(std::string(layout::class_attribute));
        if (cls != payload.as_map().end() && cls->second.is_string()) {
          type = type_of_class(cls->second.as_string());
        }
      }
    }
    if (!contains(opts.event_types, type)) return false;
  }
  return true;
}

}  // namespace

void add_replay_command(CLI::App& app, command_context& ctx) {
  auto opts = std::make_shared<options>();
  auto* cmd = app.add_subcommand(
      "replay",
      "Print the events of every aggregate in global order; with --follow keep printing new "
      "events until interrupted");
  cmd->add_option("--after", opts->after,
                  "Start after global position N (default 0: from the start)")
      ->option_text("N");
  cmd->add_option("--limit", opts->limit, "Stop after printing N events")
      ->check(CLI::PositiveNumber)
      ->option_text("N");
  cmd->add_option("--aggregate-id", opts->aggregate_ids, "Only this aggregate (repeatable)")
      ->option_text("ID")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--event-type", opts->event_types,
                  "Only this type, dotted: App.Deposited (repeatable)")
      ->option_text("TYPE")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_option("--gap-timeout", opts->gap_timeout,
                  "How long a missing global position is waited for before it is passed over as "
                  "burned (default 10s; e.g. 2s, 500ms)")
      ->option_text("DURATION");
  cmd->add_flag("--follow,-f", opts->follow,
                "Keep tailing new events; SIGINT/SIGTERM stop after the current line (exit 0)");
  cmd->add_option("--poll-interval", opts->poll_interval,
                  "With --follow: pause between reads once caught up (default 1s)")
      ->option_text("DURATION");
  cmd->add_option("--page-size", opts->page_size, "Rows read per request (default 1000)")
      ->check(CLI::Range(1, 1'000'000))
      ->option_text("N");
  cmd->footer(R"(
Never skips: positions are dense, so a missing one is waited for (the index may lag) and only
passed over, with a note on stderr, after --gap-timeout (a position burned by another writer).
Output is flushed after every line.

Examples:
  dynamo-es replay | jq -c '[.globalPosition, .type]'
  dynamo-es replay --after 1200 --limit 50
  dynamo-es replay --aggregate-id acc-1 --aggregate-id acc-2 --event-type App.Deposited
  dynamo-es replay --follow --poll-interval 200ms | ./project-into-read-model
Exit codes: 0 done or interrupted, 2 no such table.)");
  cmd->callback([&ctx, opts] {
    const auto& table = require_table(ctx.globals);
    const auto gap_timeout = parse_duration(opts->gap_timeout, "--gap-timeout");
    const auto poll = parse_duration(opts->poll_interval, "--poll-interval");
    if (poll.count() == 0 && opts->follow) throw usage_error("--poll-interval must be above 0");
    const auto client = make_client(ctx.globals);
    install_stop_handlers();

    feed_reader reader(*client, table, gap_timeout, opts->page_size);
    line_output out(stdout, "stdout", /*flush_each_line=*/true);
    std::int64_t checkpoint = opts->after;
    std::int64_t printed = 0;
    int fruitless_waits = 0;
    while (!stop_requested()) {
      const auto page = reader.read(checkpoint);
      for (const auto& entry : page.rows) {
        if (!matches(*opts, entry.row)) continue;
        out.write(format_event_line(entry.row, table));
        ++printed;
        if (opts->limit > 0 && printed >= opts->limit) return;
        if (stop_requested()) return;
      }
      fruitless_waits = page.checkpoint > checkpoint ? 0 : fruitless_waits;
      checkpoint = page.checkpoint;
      if (page.hole_expires_in) {
        sleep_unless_stopped(hole_wait(++fruitless_waits, *page.hole_expires_in));
        continue;
      }
      if (page.more) continue;
      if (!opts->follow) return;
      sleep_unless_stopped(poll);
    }
  });
}

}  // namespace dynamo_es::cli
