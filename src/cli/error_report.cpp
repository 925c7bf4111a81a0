#include "cli/error_report.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "dynamo_es/dynamodb/errors.hpp"
#include "dynamo_es/event_store_errors.hpp"

namespace dynamo_es::cli {
namespace {

const char* kind_of(int exit) {
  switch (exit) {
    case exit_code::ok:
      return "ok";
    case exit_code::usage:
      return "usage";
    case exit_code::not_found:
      return "not_found";
    case exit_code::conflict:
      return "conflict";
    case exit_code::validation:
      return "validation";
    case exit_code::unavailable:
      return "unavailable";
    case exit_code::commit_unknown:
      return "commit_unknown";
    case exit_code::verify_failed:
      return "verify_failed";
    default:
      return "error";
  }
}

bool is_write(const std::string& operation) {
  return operation == "TransactWriteItems" || operation == "PutItem" || operation == "UpdateItem" ||
         operation == "DeleteItem" || operation == "BatchWriteItem";
}

// One line, whatever the message holds.
std::string single_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

int exit_for_dynamodb(const dynamodb::dynamodb_error& e) {
  if (dynamic_cast<const dynamodb::resource_not_found*>(&e) != nullptr) return exit_code::not_found;
  if (dynamic_cast<const dynamodb::resource_in_use*>(&e) != nullptr) return exit_code::conflict;
  if (dynamic_cast<const dynamodb::conditional_check_failed*>(&e) != nullptr) {
    return exit_code::conflict;
  }
  if (dynamic_cast<const dynamodb::dynamodb_validation_error*>(&e) != nullptr) {
    return exit_code::validation;
  }
  if (const auto* canceled = dynamic_cast<const dynamodb::transaction_canceled*>(&e)) {
    if (canceled->retryable()) return exit_code::unavailable;
    for (const auto& reason : canceled->cancellation_reasons()) {
      if (reason.is_conditional_check_failed()) return exit_code::conflict;
      if (reason.code == "ValidationError") return exit_code::validation;
    }
    return exit_code::usage;
  }
  // A write whose answer was lost may have been applied: neither success nor failure is known.
  if (e.ambiguous() && is_write(e.operation())) return exit_code::commit_unknown;
  if (e.retryable()) return exit_code::unavailable;
  // Access denied, unknown credentials, other AWS errors: the configuration needs a look.
  return exit_code::usage;
}

}  // namespace

error_report classify_error(const std::exception_ptr& error, const global_options& globals) {
  error_report report;
  try {
    std::rethrow_exception(error);
  } catch (const CLI::ParseError& e) {
    report.exit = exit_code::usage;
    report.message = e.what();
    report.command_line_mistake = true;
  } catch (const usage_error& e) {
    report.exit = exit_code::usage;
    report.message = e.what();
    report.command_line_mistake = true;
  } catch (const verify_failed_error& e) {
    report.exit = exit_code::verify_failed;
    report.message = e.what();
  } catch (const conflict_error& e) {
    report.exit = exit_code::conflict;
    report.message = e.what();
  } catch (const event_stream_not_found& e) {
    report.exit = exit_code::not_found;
    report.message = e.what();
  } catch (const duplicate_playhead& e) {
    report.exit = exit_code::conflict;
    report.message = e.what();
  } catch (const dynamo_es::commit_unknown& e) {
    // The store could not tell whether its append was applied: say so, never "failed".
    report.exit = exit_code::commit_unknown;
    report.message = e.what();
  } catch (const dynamodb::dynamodb_error& e) {
    report.exit = exit_for_dynamodb(e);
    report.message = e.what();
    if (report.exit == exit_code::not_found && !globals.table.empty()) {
      report.message = "Table \"" + globals.table + "\" does not exist (" + e.what() + ")";
    }
    if (report.exit == exit_code::commit_unknown) {
      report.message = "The write may or may not have been applied (" + std::string(e.what()) +
                       "); look before retrying";
    }
    report.operation = e.operation();
    report.aws_error = e.error_name();
    report.http_status = e.http_status();
    report.request_id = e.request_id();
  } catch (const validation_error& e) {
    report.exit = exit_code::validation;
    report.message = e.what();
  } catch (const serialization_error& e) {
    report.exit = exit_code::validation;
    report.message = e.what();
  } catch (const std::exception& e) {
    // configuration_error (no region, no credentials, a bad endpoint) and anything unexpected.
    report.exit = exit_code::usage;
    report.message = e.what();
  } catch (...) {
    report.exit = exit_code::usage;
    report.message = "unknown error";
  }
  report.kind = kind_of(report.exit);
  report.message = single_line(std::move(report.message));
  return report;
}

void print_error(const error_report& report, bool json) {
  if (!json) {
    fmt::print(stderr, "dynamo-es: {}\n", report.message);
    return;
  }
  nlohmann::ordered_json out = {
      {"error", report.kind}, {"exitCode", report.exit}, {"message", report.message}};
  if (!report.operation.empty()) out["operation"] = report.operation;
  if (!report.aws_error.empty()) out["awsError"] = report.aws_error;
  if (report.http_status != 0) out["httpStatus"] = report.http_status;
  if (!report.request_id.empty()) out["requestId"] = report.request_id;
  fmt::print(stderr, "{}\n",
             out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

}  // namespace dynamo_es::cli
