#include "dynamo_es/dynamodb/errors.hpp"

#include <algorithm>
#include <array>

namespace dynamo_es::dynamodb {
namespace {

std::string describe(const std::string& operation, const std::string& error_name,
                     const std::string& message, int http_status, const std::string& request_id) {
  std::string text = "DynamoDB " + operation + " failed: ";
  text += error_name.empty() ? std::string("error") : error_name;
  if (http_status != 0) {
    text += " (HTTP " + std::to_string(http_status) + ")";
  }
  if (!message.empty()) {
    text += ": " + message;
  }
  if (!request_id.empty()) {
    text += " [request id " + request_id + "]";
  }
  return text;
}

// Transient error names of AWS's standard retry mode that have no class of their own.
constexpr std::array<std::string_view, 3> transient_names = {
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"};

}  // namespace

dynamodb_error::dynamodb_error(std::string operation, std::string error_name, std::string message,
                               int http_status, std::string request_id)
    : error(describe(operation, error_name, message, http_status, request_id)),
      operation_(std::move(operation)),
      error_name_(std::move(error_name)),
      aws_message_(std::move(message)),
      http_status_(http_status),
      request_id_(std::move(request_id)) {}

bool dynamodb_error::retryable() const noexcept {
  if (http_status_ >= 500 || http_status_ == 429) {
    return true;
  }
  return std::find(transient_names.begin(), transient_names.end(), error_name_) !=
         transient_names.end();
}

conditional_check_failed::conditional_check_failed(std::string operation, std::string error_name,
                                                   std::string message, int http_status,
                                                   std::string request_id,
                                                   std::optional<attribute_map> item)
    : dynamodb_error(std::move(operation), std::move(error_name), std::move(message), http_status,
                     std::move(request_id)),
      item_(std::move(item)) {}

transaction_canceled::transaction_canceled(std::string operation, std::string error_name,
                                           std::string message, int http_status,
                                           std::string request_id,
                                           std::vector<cancellation_reason> reasons)
    : dynamodb_error(std::move(operation), std::move(error_name), std::move(message), http_status,
                     std::move(request_id)),
      reasons_(std::move(reasons)) {}

bool transaction_canceled::retryable() const noexcept {
  bool transient = false;
  for (const auto& reason : reasons_) {
    if (reason.code == "TransactionConflict" || reason.code == "ThrottlingError" ||
        reason.code == "ProvisionedThroughputExceeded") {
      transient = true;
    } else if (!reason.is_none()) {
      return false;  // a condition or validation failure fails again
    }
  }
  return transient;
}

transport_error::transport_error(std::string operation, transport_status status,
                                 const std::string& detail, int http_status, std::string request_id)
    : dynamodb_error(std::move(operation), std::string(),
                     std::string(to_string(status)) + (detail.empty() ? "" : ": " + detail),
                     http_status, std::move(request_id)),
      status_(status) {}

bool transport_error::ambiguous() const noexcept {
  return may_have_reached_server(status_) || dynamodb_error::ambiguous();
}

bool internal_server_error::ambiguous() const noexcept {
  // 503 (ServiceUnavailable) is a refusal before any work; 501 and 505 reject the request
  // itself. Any other 5xx may come after the write was applied.
  const int status = http_status();
  const bool refused = status == 501 || status == 503 || status == 505;
  return (status >= 500 && !refused) || dynamodb_error::ambiguous();
}

}  // namespace dynamo_es::dynamodb
