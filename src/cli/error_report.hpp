#pragma once

// Errors -> exit codes and the one line on stderr that says what went wrong (docs/cli.md,
// "Exit codes").

#include <exception>
#include <string>

#include "cli/command.hpp"

namespace dynamo_es::cli {

/// What the process reports for a failure.
struct error_report {
  int exit = exit_code::usage;
  /// "usage", "not_found", "conflict", "validation", "unavailable", "commit_unknown",
  /// "verify_failed" (the exit code's name).
  std::string kind;
  std::string message;
  /// For DynamoDB errors: the operation, the AWS error name, HTTP status and request id.
  std::string operation;
  std::string aws_error;
  int http_status = 0;
  std::string request_id;
  /// True for mistakes on the command line, where pointing at --help helps.
  bool command_line_mistake = false;
};

/// Classifies the exception in flight (`error` and its subclasses, CLI11's parse errors, anything
/// else). `globals` names the table in not-found messages.
[[nodiscard]] error_report classify_error(const std::exception_ptr& error,
                                          const global_options& globals);

/// Prints `report` on stderr: `dynamo-es: <message>`, or one JSON object when `json`.
void print_error(const error_report& report, bool json);

}  // namespace dynamo_es::cli
