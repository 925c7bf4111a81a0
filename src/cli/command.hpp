#pragma once

/// \file
/// The interface shared by the `dynamo-es` subcommands: global options, the per-run context,
/// exit codes, and one registration function per subcommand source file.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/error.hpp"

namespace dynamo_es::cli {

/// Process exit codes by error kind (docs/cli.md lists them).
enum exit_code : int {
  ok = 0,
  usage = 1,
  not_found = 2,
  conflict = 3,
  validation = 4,
  unavailable = 5,
  commit_unknown = 6,
  verify_failed = 7
};

/// Options every subcommand sees (parsed on the root app, each also from the environment).
struct global_options {
  std::string table;              ///< --table / DYNAMO_ES_TABLE
  std::string endpoint_url;       ///< --endpoint-url / AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL
  std::string region;             ///< --region
  std::string profile;            ///< --profile
  bool consistent_reads = false;  ///< --consistent-reads
  bool json_errors = false;       ///< --output json
};

/// Shared by the subcommands; a subcommand's callback sets `exit` (default ok). Errors are thrown
/// (dynamo_es::error subclasses) and mapped to exit codes by main.
struct command_context {
  global_options globals;
  int exit = exit_code::ok;
};

/// A usage mistake found after parsing (exit 1).
class usage_error : public dynamo_es::error {
 public:
  using error::error;
};

/// A precondition about the table's state failed: `--expect-playhead` did not match the stream's
/// head, an imported row already exists, the table is not empty (exit 3).
class conflict_error : public dynamo_es::error {
 public:
  using error::error;
};

/// Thrown by verify when it found problems, after printing them (exit 7).
class verify_failed_error : public dynamo_es::error {
 public:
  using error::error;
};

/// The client for the global options (endpoint, region, profile).
[[nodiscard]] std::shared_ptr<const dynamodb::client> make_client(const global_options& globals);

/// `globals.table`, or throws usage_error naming --table and DYNAMO_ES_TABLE.
[[nodiscard]] const std::string& require_table(const global_options& globals);

// One registration function per subcommand source file (<name>.cpp):
void add_create_table_command(CLI::App& app, command_context& ctx);
void add_delete_table_command(CLI::App& app, command_context& ctx);
void add_describe_command(CLI::App& app, command_context& ctx);
void add_append_command(CLI::App& app, command_context& ctx);
void add_load_command(CLI::App& app, command_context& ctx);
void add_replay_command(CLI::App& app, command_context& ctx);
void add_export_command(CLI::App& app, command_context& ctx);
void add_import_command(CLI::App& app, command_context& ctx);
void add_verify_command(CLI::App& app, command_context& ctx);   // H5b: verify.cpp
void add_migrate_command(CLI::App& app, command_context& ctx);  // H5b: migrate.cpp

}  // namespace dynamo_es::cli
