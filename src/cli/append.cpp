// append: event lines from stdin, appended to one aggregate in one atomic call.

#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/event_line.hpp"
#include "cli/output.hpp"
#include "cli/table_reads.hpp"
#include "domain/append_validation.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::cli {
namespace {

namespace layout = detail::table_layout;

struct numbered_line {
  std::string text;
  std::string where;
};

std::vector<numbered_line> read_stdin_lines() {
  if (::isatty(STDIN_FILENO) == 1) {
    fmt::print(stderr, "Reading event lines from the terminal; end with Ctrl-D.\n");
  }
  std::vector<numbered_line> lines;
  std::string text;
  for (std::size_t number = 1; std::getline(std::cin, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    lines.push_back({std::move(text), "stdin line " + std::to_string(number)});
  }
  return lines;
}

domain_message to_message(const event_line& line, const std::string& aggregate_id,
                          std::int64_t playhead, const std::string& where) {
  if (line.id && *line.id != aggregate_id) {
    throw validation_error(where + ": \"id\" is \"" + *line.id + "\" but the events go to \"" +
                           aggregate_id + "\" (drop \"id\" to copy events between aggregates)");
  }
  if (line.type && *line.type != type_of_class(line.payload_class)) {
    throw validation_error(where + ": \"type\" \"" + *line.type +
                           "\" does not match payload.class (it must be \"" +
                           type_of_class(line.payload_class) + "\"; or leave it out)");
  }
  if (line.metadata_class && *line.metadata_class != layout::metadata_class) {
    throw validation_error(where + ": \"metadata.class\" must be \"" +
                           std::string(layout::metadata_class) + "\"");
  }
  try {
    auto metadata = line.metadata_json ? metadata::from_json_text(*line.metadata_json)
                                       : ::dynamo_es::metadata{};
    auto recorded = line.recorded_on ? date_time::from_string(*line.recorded_on) : date_time::now();
    return domain_message(aggregate_id, playhead, std::move(metadata),
                          serialized_payload{line.payload_class, line.payload_json},
                          std::move(recorded));
  } catch (const error& e) {
    throw validation_error(where + ": " + e.what());
  }
}

}  // namespace

void add_append_command(CLI::App& app, command_context& ctx) {
  struct options {
    std::string aggregate_id;
    std::int64_t expect_playhead = 0;
  };
  auto opts = std::make_shared<options>();
  auto* cmd = app.add_subcommand(
      "append",
      "Append the event lines on stdin to one aggregate, all or nothing, and print them as stored "
      "(with their global positions)");
  cmd->add_option("aggregate-id", opts->aggregate_id, "The aggregate (stream) id")->required();
  auto* expect = cmd->add_option("--expect-playhead", opts->expect_playhead,
                                 "Fail with exit 3 unless the stream's last playhead is N-1 "
                                 "(0: the stream must be new); events without a playhead get N, "
                                 "N+1, ...")
                     ->option_text("N");
  cmd->footer(R"(
Each stdin line is an event line (docs/cli.md); only payload is required:
  {"payload":{"class":"App\\Deposited","payload":{"amount":10}}}
"playhead" defaults to the next after the stream's head (read consistently), "recordedOn" to
now, "metadata" to {"class":"Broadway\\Domain\\Metadata","payload":[]}; "globalPosition" is
ignored (the store assigns it) and "id", when present, must be the aggregate id.
At most 98 events per call (one DynamoDB transaction).

Examples:
  echo '{"payload":{"class":"App\\Opened","payload":{"owner":"ada"}}}' | dynamo-es append acc-1
  dynamo-es append acc-1 --expect-playhead 1 < events.jsonl
  dynamo-es load acc-1 | jq -c 'del(.id)' | dynamo-es append acc-2   # copy a stream
Exit codes: 0 appended, 3 playhead taken or --expect-playhead not met, 4 invalid line.)");
  cmd->callback([&ctx, opts, expect] {
    const auto& table = require_table(ctx.globals);
    const auto& id = opts->aggregate_id;
    // A plain flag and value rather than std::optional: GCC 12 at -O2 flags the optional's
    // payload as maybe-uninitialized here (a false positive that -Werror would turn fatal).
    const bool has_expected = expect->count() > 0;
    const std::int64_t expected_value = opts->expect_playhead;
    if (has_expected && expected_value < 0)
      throw usage_error("--expect-playhead must be at least 0");
    detail::validate_aggregate_id(id);

    std::vector<event_line> lines;
    std::vector<std::string> places;
    for (auto& [text, where] : read_stdin_lines()) {
      lines.push_back(parse_event_line(text, where));
      places.push_back(std::move(where));
    }
    if (lines.empty()) throw usage_error("No event lines on stdin: nothing to append");
    if (has_expected && lines.front().playhead && *lines.front().playhead != expected_value) {
      throw usage_error(places.front() + ": \"playhead\" " +
                        std::to_string(*lines.front().playhead) +
                        " contradicts --expect-playhead " + std::to_string(expected_value));
    }

    const auto client = make_client(ctx.globals);
    const bool needs_head = has_expected || !lines.front().playhead.has_value();
    const std::int64_t head = needs_head ? read_head_playhead(*client, table, id) : -1;
    if (has_expected && head != expected_value - 1) {
      throw conflict_error("Stream \"" + id + "\" in table \"" + table + "\" is at playhead " +
                           (head < 0 ? std::string("none (no events)") : std::to_string(head)) +
                           ", but --expect-playhead " + std::to_string(expected_value) +
                           " needs it at " + std::to_string(expected_value - 1));
    }

    std::vector<domain_message> messages;
    std::int64_t next = has_expected ? expected_value : head + 1;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::int64_t playhead = lines[i].playhead.value_or(next);
      messages.push_back(to_message(lines[i], id, playhead, places[i]));
      next = playhead + 1;
    }

    dynamodb_event_store_options store_options;
    store_options.table_name = table;
    dynamodb_event_store store(client, store_options);
    store.append(id, domain_event_stream(messages));

    // The store does not return positions: read the rows just written back, consistently.
    std::set<std::int64_t> playheads;
    for (const auto& message : messages) playheads.insert(message.playhead());
    const auto rows = read_stream_rows(*client, table, id, *playheads.begin(), *playheads.rbegin(),
                                       /*consistent_read=*/true);
    line_output out(stdout, "stdout", /*flush_each_line=*/false);
    for (const auto& row : rows) {
      if (playheads.count(row.at(std::string(layout::playhead)).as_int64()) > 0) {
        out.write(format_event_line(row, table));
      }
    }
    out.flush();
  });
}

}  // namespace dynamo_es::cli
