#include "dynamodb/error_mapping.hpp"

#include <charconv>
#include <string>

#include "dynamo_es/dynamodb/errors.hpp"
#include "dynamodb/codec.hpp"
#include "dynamodb/crc32.hpp"

namespace dynamo_es::dynamodb::detail {
namespace {

bool is_one_of(std::string_view name, std::initializer_list<std::string_view> names) {
  for (const auto candidate : names) {
    if (name == candidate) {
      return true;
    }
  }
  return false;
}

// A short, printable excerpt of a body that is not a DynamoDB error document.
std::string excerpt(const std::string& body) {
  constexpr std::size_t limit = 200;
  std::string out = body.substr(0, limit);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) {
      c = ' ';
    }
  }
  if (body.size() > limit) {
    out += "...";
  }
  return out;
}

std::exception_ptr error_from_response(std::string_view operation_view, const http_result& result) {
  std::string operation(operation_view);
  std::string request_id(result.header("x-amzn-requestid").value_or(""));
  error_body body = decode_error_body(result.body);
  std::string type = body.type;
  if (type.empty()) {
    // JSON-1.0 services put the type in the body; some front ends send only this header.
    type = std::string(result.header("x-amzn-errortype").value_or(""));
    type = type.substr(0, type.find(':'));
  }
  const int status = result.http_status;

  if (type.empty()) {
    std::string message = body.json ? body.message : excerpt(result.body);
    if (status >= 500) {
      return std::make_exception_ptr(internal_server_error(
          std::move(operation), std::string(), std::move(message), status, std::move(request_id)));
    }
    return std::make_exception_ptr(http_error(std::move(operation), std::string(),
                                              std::move(message), status, std::move(request_id)));
  }

  std::string name(short_error_name(type));
  std::string message = std::move(body.message);
  auto make = [&]<typename Error>(std::type_identity<Error>) {
    return std::make_exception_ptr(Error(std::move(operation), std::move(name), std::move(message),
                                         status, std::move(request_id)));
  };

  if (name == "ConditionalCheckFailedException") {
    return std::make_exception_ptr(
        conditional_check_failed(std::move(operation), std::move(name), std::move(message), status,
                                 std::move(request_id), std::move(body.item)));
  }
  if (name == "TransactionCanceledException") {
    return std::make_exception_ptr(transaction_canceled(
        std::move(operation), std::move(name), std::move(message), status, std::move(request_id),
        std::move(body.cancellation_reasons).value_or(std::vector<cancellation_reason>{})));
  }
  if (name == "ResourceNotFoundException") {
    return make(std::type_identity<resource_not_found>{});
  }
  if (name == "ResourceInUseException") {
    return make(std::type_identity<resource_in_use>{});
  }
  if (name == "ValidationException") {
    return make(std::type_identity<dynamodb_validation_error>{});
  }
  if (name == "IdempotentParameterMismatchException") {
    return make(std::type_identity<idempotent_parameter_mismatch>{});
  }
  if (name == "TransactionConflictException") {
    return make(std::type_identity<transaction_conflict>{});
  }
  // The throttling codes of AWS's standard retry mode that DynamoDB can return.
  if (is_one_of(name, {"ThrottlingException", "Throttling", "ThrottledException",
                       "RequestThrottledException", "TooManyRequestsException",
                       "ProvisionedThroughputExceededException", "RequestLimitExceeded",
                       "TransactionInProgressException", "LimitExceededException",
                       "BandwidthLimitExceeded", "RequestThrottled", "SlowDown"})) {
    return make(std::type_identity<throttled>{});
  }
  if (is_one_of(name, {"InternalFailure", "InternalServerError", "InternalServerException",
                       "ServiceUnavailable", "ServiceUnavailableException"}) ||
      status >= 500) {
    return make(std::type_identity<internal_server_error>{});
  }
  return make(std::type_identity<dynamodb_error>{});
}

}  // namespace

std::string_view short_error_name(std::string_view type) noexcept {
  const auto hash = type.rfind('#');
  return hash == std::string_view::npos ? type : type.substr(hash + 1);
}

bool checksum_matches(const http_result& result) noexcept {
  const auto header = result.header("x-amz-crc32");
  if (!header) {
    return true;
  }
  std::uint32_t expected = 0;
  const auto [ptr, ec] = std::from_chars(header->data(), header->data() + header->size(), expected);
  if (ec != std::errc{} || ptr != header->data() + header->size()) {
    return false;
  }
  return crc32(result.body) == expected;
}

std::exception_ptr make_error(std::string_view operation, const http_result& result) {
  if (result.status != transport_status::ok) {
    return std::make_exception_ptr(
        transport_error(std::string(operation), result.status, result.error_message));
  }
  if (!checksum_matches(result)) {
    return std::make_exception_ptr(
        transport_error(std::string(operation), transport_status::checksum_mismatch,
                        "response body does not match its x-amz-crc32 header", result.http_status,
                        std::string(result.header("x-amzn-requestid").value_or(""))));
  }
  if (result.http_status == 200) {
    return nullptr;
  }
  return error_from_response(operation, result);
}

void throw_if_failed(std::string_view operation, const http_result& result) {
  if (auto error = make_error(operation, result)) {
    std::rethrow_exception(error);
  }
}

}  // namespace dynamo_es::dynamodb::detail
