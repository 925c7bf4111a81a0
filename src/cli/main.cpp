// dynamo-es: the command-line tool (docs/cli.md). The root app owns the global options; each
// subcommand lives in its own file and registers itself with add_<name>_command.

#include <cstdio>
#include <exception>
#include <string>

#include "cli/command.hpp"
#include "cli/error_report.hpp"

#ifndef DYNAMO_ES_VERSION
#define DYNAMO_ES_VERSION "unknown"
#endif

namespace dynamo_es::cli {
namespace {

constexpr const char* root_footer = R"(
Examples:
  export AWS_ENDPOINT_URL=http://127.0.0.1:8000 DYNAMO_ES_TABLE=events
  dynamo-es create-table
  echo '{"payload":{"class":"App\\Deposited","payload":{"amount":10}}}' | dynamo-es append account-1
  dynamo-es load account-1 | jq -c .payload.payload
  dynamo-es replay --follow --event-type App.Deposited
  dynamo-es export --out backup.jsonl && dynamo-es --table copy import --in backup.jsonl

Global options may also follow the subcommand (dynamo-es load account-1 --table events).
Exit codes: 0 ok, 1 usage or configuration, 2 not found, 3 conflict, 4 validation,
5 throttled/unavailable, 6 commit unknown, 7 verify found problems.
Event lines, every option and a worked session: docs/cli.md)";

void add_global_options(CLI::App& app, global_options& globals) {
  app.add_option("--table", globals.table, "The event table (default: DYNAMO_ES_TABLE)")
      ->envname("DYNAMO_ES_TABLE")
      ->option_text("NAME");
  app.add_option("--endpoint-url", globals.endpoint_url,
                 "DynamoDB endpoint, e.g. http://127.0.0.1:8000 (default: "
                 "AWS_ENDPOINT_URL_DYNAMODB, then AWS_ENDPOINT_URL, then AWS)")
      ->option_text("URL");
  app.add_option("--region", globals.region,
                 "AWS region (default: AWS_REGION, then AWS_DEFAULT_REGION; us-east-1 for a "
                 "loopback endpoint)")
      ->option_text("REGION");
  app.add_option("--profile", globals.profile,
                 "Profile of the shared credentials file (default: AWS_PROFILE, then default)")
      ->option_text("NAME");
  app.add_flag("--consistent-reads", globals.consistent_reads,
               "Strongly consistent reads of the base table for load (default: "
               "DYNAMO_ES_CONSISTENT_READS)")
      ->envname("DYNAMO_ES_CONSISTENT_READS")
      ->option_text(" ");
  app.add_option_function<std::string>(
         "--output",
         [&globals](const std::string& value) { globals.json_errors = value == "json"; },
         "text (default) or json: errors as one JSON object on stderr; describe and the table "
         "commands print JSON (default: DYNAMO_ES_OUTPUT)")
      ->check(CLI::IsMember({"text", "json"}))
      ->envname("DYNAMO_ES_OUTPUT")
      ->option_text("FORMAT");
}

int run(int argc, char** argv) {
  command_context ctx;
  CLI::App app{"dynamo-es: look after a dynamo-es / PHP dynamo-db-event-store table from the shell",
               "dynamo-es"};
  app.set_version_flag("--version", std::string("dynamo-es ") + DYNAMO_ES_VERSION);
  app.footer(root_footer);
  app.require_subcommand(1);
  // Subcommands hand options they do not know to the root, so global options go anywhere.
  app.fallthrough();
  app.get_formatter()->column_width(34);
  add_global_options(app, ctx.globals);

  add_create_table_command(app, ctx);
  add_delete_table_command(app, ctx);
  add_describe_command(app, ctx);
  add_append_command(app, ctx);
  add_load_command(app, ctx);
  add_replay_command(app, ctx);
  add_export_command(app, ctx);
  add_import_command(app, ctx);
  add_verify_command(app, ctx);
  add_migrate_command(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (...) {
    const auto report = classify_error(std::current_exception(), ctx.globals);
    std::fflush(stdout);
    print_error(report, ctx.globals.json_errors);
    if (report.command_line_mistake && !ctx.globals.json_errors) {
      std::fputs("Run 'dynamo-es --help' (or 'dynamo-es <command> --help') for usage.\n", stderr);
    }
    return report.exit;
  }
  std::fflush(stdout);
  return ctx.exit;
}

}  // namespace
}  // namespace dynamo_es::cli

int main(int argc, char** argv) {
  return dynamo_es::cli::run(argc, argv);
}
