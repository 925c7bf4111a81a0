// delete-table: removes the table and every event in it, after a confirmation.

#include <fmt/core.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.hpp"
#include "cli/duration.hpp"
#include "dynamo_es/dynamodb/errors.hpp"
#include "stores/dynamodb_table_admin.hpp"

namespace dynamo_es::cli {

void add_delete_table_command(CLI::App& app, command_context& ctx) {
  struct options {
    bool yes = false;
    bool if_exists = false;
    std::string wait = "2m";
  };
  auto opts = std::make_shared<options>();
  auto* cmd = app.add_subcommand("delete-table",
                                 "Delete the table with all its events and wait until it is gone");
  cmd->add_flag("--yes,-y", opts->yes,
                "Do not ask for confirmation (required when stdin is not a terminal)");
  cmd->add_flag("--if-exists", opts->if_exists, "Succeed when the table does not exist");
  cmd->add_option("--wait-timeout", opts->wait, "How long to wait for the deletion (default 2m)")
      ->option_text("DURATION");
  cmd->footer(R"(
Examples:
  dynamo-es --table scratch delete-table --yes
  dynamo-es --table scratch delete-table             # asks for the table name on a terminal
Exit codes: 0 deleted, 1 not confirmed, 2 no such table (without --if-exists).)");
  cmd->callback([&ctx, opts] {
    const auto& table = require_table(ctx.globals);
    const auto timeout = parse_duration(opts->wait, "--wait-timeout");
    const auto client = make_client(ctx.globals);
    try {
      (void)client->describe_table(table);
    } catch (const dynamodb::resource_not_found&) {
      if (!opts->if_exists) throw;
      fmt::print("Table \"{}\" does not exist; nothing to delete\n", table);
      return;
    }
    if (!opts->yes) {
      if (::isatty(STDIN_FILENO) != 1) {
        throw usage_error("delete-table deletes every event: pass --yes to confirm");
      }
      fmt::print(stderr, "Delete table \"{}\" and every event in it? Type the table name: ", table);
      std::string answer;
      std::getline(std::cin, answer);
      if (answer != table) throw usage_error("Not confirmed; table \"" + table + "\" kept");
    }
    detail::delete_event_table(*client, table, timeout);
    if (ctx.globals.json_errors) {
      fmt::print("{}\n", nlohmann::ordered_json{{"table", table}, {"deleted", true}}.dump());
      return;
    }
    fmt::print("Deleted table \"{}\"\n", table);
  });
}

}  // namespace dynamo_es::cli
