// create-table: the event table with the PHP package's exact schema, waited for until ACTIVE.

#include <fmt/core.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "cli/duration.hpp"
#include "stores/dynamodb_table_admin.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::cli {

void add_create_table_command(CLI::App& app, command_context& ctx) {
  struct options {
    bool if_not_exists = false;
    std::string wait = "2m";
  };
  auto opts = std::make_shared<options>();
  auto* cmd = app.add_subcommand(
      "create-table",
      "Create the event table (key Id+Playhead, index Feed-GlobalPosition-index, on-demand "
      "billing) and wait until it is ACTIVE");
  cmd->add_flag("--if-not-exists", opts->if_not_exists,
                "Succeed when the table already exists with the expected schema");
  cmd->add_option("--wait-timeout", opts->wait, "How long to wait for ACTIVE (default 2m)")
      ->option_text("DURATION");
  cmd->footer(R"(
Examples:
  dynamo-es --table events create-table
  dynamo-es --table events create-table --if-not-exists   # idempotent, checks the schema
Exit codes: 0 created (or exists with --if-not-exists), 3 exists (or exists with another schema).)");
  cmd->callback([&ctx, opts] {
    const auto& table = require_table(ctx.globals);
    const auto timeout = parse_duration(opts->wait, "--wait-timeout");
    const auto client = make_client(ctx.globals);
    bool created = true;
    if (opts->if_not_exists) {
      try {
        created = detail::create_event_table_if_not_exists(*client, table, timeout);
      } catch (const configuration_error& e) {
        // The table exists, but it is not an event table of this layout.
        throw conflict_error(e.what());
      }
    } else {
      detail::create_event_table(*client, table, timeout);
    }
    const auto description = client->describe_table(table);
    if (ctx.globals.json_errors) {
      const nlohmann::ordered_json out = {
          {"table", table},
          {"created", created},
          {"status", std::string(dynamodb::to_string(description.status))},
          {"tableArn", description.table_arn}};
      fmt::print("{}\n", out.dump());
      return;
    }
    fmt::print("{} table \"{}\" ({}, index {})\n", created ? "Created" : "Found existing", table,
               dynamodb::to_string(description.status), detail::table_layout::index_name);
  });
}

}  // namespace dynamo_es::cli
