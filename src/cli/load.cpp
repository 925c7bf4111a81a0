// load: the events of one aggregate as event lines, in playhead order.

#include <memory>
#include <string>

#include "cli/command.hpp"
#include "cli/event_line.hpp"
#include "cli/output.hpp"
#include "cli/table_reads.hpp"
#include "domain/append_validation.hpp"
#include "dynamo_es/event_store_errors.hpp"

namespace dynamo_es::cli {

void add_load_command(CLI::App& app, command_context& ctx) {
  struct options {
    std::string aggregate_id;
    std::int64_t from_playhead = 0;
  };
  auto opts = std::make_shared<options>();
  auto* cmd = app.add_subcommand("load", "Print the events of one aggregate as event lines");
  cmd->add_option("aggregate-id", opts->aggregate_id, "The aggregate (stream) id")->required();
  auto* from = cmd->add_option("--from-playhead", opts->from_playhead,
                               "Only events with playhead >= N (an empty result is not an error)")
                   ->option_text("N");
  cmd->footer(R"(
Examples:
  dynamo-es load acc-1
  dynamo-es load acc-1 --from-playhead 5 | jq -c '{playhead, type, data: .payload.payload}'
  dynamo-es --consistent-reads load acc-1      # see the newest write on AWS
Exit codes: 0 printed, 2 the aggregate has no events (without --from-playhead).)");
  cmd->callback([&ctx, opts, from] {
    const auto& table = require_table(ctx.globals);
    const auto& id = opts->aggregate_id;
    const auto client = make_client(ctx.globals);
    const std::optional<std::int64_t> from_playhead =
        from->count() > 0 ? std::optional<std::int64_t>(opts->from_playhead) : std::nullopt;
    bool storable = true;
    try {
      detail::validate_aggregate_id(id);
    } catch (const validation_error&) {
      storable = false;  // no row can have such a key: it has no events, as the store says
    }
    const auto rows = storable ? read_stream_rows(*client, table, id, from_playhead, std::nullopt,
                                                  ctx.globals.consistent_reads)
                               : std::vector<dynamodb::attribute_map>{};
    if (rows.empty() && !from_playhead) throw event_stream_not_found(id, table);
    line_output out(stdout, "stdout", /*flush_each_line=*/false);
    for (const auto& row : rows) out.write(format_event_line(row, table));
    out.flush();
  });
}

}  // namespace dynamo_es::cli
