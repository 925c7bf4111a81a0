// export: the whole feed as event lines, a backup that `import` restores position for position.

#include <fmt/core.h>

#include <memory>
#include <optional>
#include <string>

#include "cli/command.hpp"
#include "cli/duration.hpp"
#include "cli/event_line.hpp"
#include "cli/feed_reader.hpp"
#include "cli/interrupt.hpp"
#include "cli/output.hpp"
#include "cli/table_reads.hpp"

namespace dynamo_es::cli {

void add_export_command(CLI::App& app, command_context& ctx) {
  struct options {
    std::string out;
    std::string gap_timeout = "10s";
    std::int32_t page_size = 1000;
  };
  auto opts = std::make_shared<options>();
  auto* cmd = app.add_subcommand(
      "export",
      "Write every event of the table as event lines in global order (a backup for import)");
  cmd->add_option("--out,-o", opts->out,
                  "Write to FILE (created as FILE.partial, renamed when complete); default stdout")
      ->option_text("FILE");
  cmd->add_option("--gap-timeout", opts->gap_timeout,
                  "How long a missing global position is waited for (default 10s)")
      ->option_text("DURATION");
  cmd->add_option("--page-size", opts->page_size, "Rows read per request (default 1000)")
      ->check(CLI::Range(1, 1'000'000))
      ->option_text("N");
  cmd->footer(R"(
Keeps ids, playheads, recordedOn, classes, payload and metadata texts and global positions.
Rows without a global position (tables of old PHP versions) are not in the feed: run
'dynamo-es migrate' first ('dynamo-es verify' counts them). A progress bar is drawn on stderr
when it is a terminal, and one summary line is printed in any case.

Examples:
  dynamo-es --table events export --out events-2024-06-01.jsonl
  dynamo-es --table events export | gzip > events.jsonl.gz
Exit codes: 0 exported, 1 interrupted (no file left behind), 2 no such table.)");
  cmd->callback([&ctx, opts] {
    const auto& table = require_table(ctx.globals);
    const auto gap_timeout = parse_duration(opts->gap_timeout, "--gap-timeout");
    const auto client = make_client(ctx.globals);
    const auto counter = read_counter(*client, table);
    install_stop_handlers();

    std::optional<output_file> file;
    if (!opts->out.empty() && opts->out != "-") file.emplace(opts->out);
    const std::string target = file ? opts->out : std::string("stdout");
    line_output out(file ? file->stream() : stdout, target, /*flush_each_line=*/false);
    progress bar("exporting", counter ? std::optional<std::uint64_t>(*counter) : std::nullopt);

    feed_reader reader(*client, table, gap_timeout, opts->page_size);
    std::int64_t checkpoint = 0;
    std::uint64_t events = 0;
    std::optional<std::int64_t> first;
    int fruitless_waits = 0;
    for (;;) {
      if (stop_requested()) throw error("Export interrupted; nothing written to " + target);
      const auto page = reader.read(checkpoint);
      for (const auto& entry : page.rows) {
        out.write(format_event_line(entry.row, table));
        if (!first) first = entry.position;
        ++events;
      }
      fruitless_waits = page.checkpoint > checkpoint ? 0 : fruitless_waits;
      checkpoint = page.checkpoint;
      bar.update(events, static_cast<std::uint64_t>(checkpoint));
      if (page.hole_expires_in) {
        sleep_unless_stopped(hole_wait(++fruitless_waits, *page.hole_expires_in));
        continue;
      }
      if (!page.more) break;
    }
    out.flush();
    if (file) file->commit();

    std::string summary = fmt::format("exported {} events", events);
    if (first) summary += fmt::format(" (global positions {}..{})", *first, checkpoint);
    if (reader.skipped_positions() > 0) {
      summary += fmt::format(", {} missing positions passed over", reader.skipped_positions());
    }
    summary += fmt::format(" from table \"{}\" to {}", table, target);
    bar.finish(events, summary);
  });
}

}  // namespace dynamo_es::cli
