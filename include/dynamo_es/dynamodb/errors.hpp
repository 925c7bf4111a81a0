#pragma once

// clang-format off
/// \file
/// Errors of the DynamoDB client. Every failed call throws a `dynamodb_error` (or a subclass where
/// a caller branches on it); each carries the AWS error name (the part of `__type` after `#`),
/// the message, the HTTP status and the request id, and answers `retryable()`, `ambiguous()` and
/// `attempts()`. The client has already retried what its `retry_options` allow when it throws.
///
/// | `__type` / condition                                         | class                           |
/// |--------------------------------------------------------------|---------------------------------|
/// | ResourceNotFoundException                                    | `resource_not_found`            |
/// | ResourceInUseException                                       | `resource_in_use`               |
/// | ConditionalCheckFailedException                              | `conditional_check_failed`      |
/// | TransactionCanceledException                                 | `transaction_canceled`          |
/// | ValidationException                                          | `dynamodb_validation_error`     |
/// | ThrottlingException, ProvisionedThroughputExceededException, | `throttled`                     |
/// | RequestLimitExceeded, TransactionInProgressException, ...    |                                 |
/// | IdempotentParameterMismatchException                         | `idempotent_parameter_mismatch` |
/// | TransactionConflictException                                 | `transaction_conflict`          |
/// | InternalFailure, InternalServerError, ServiceUnavailable, 5xx| `internal_server_error`         |
/// | an HTTP error status without `__type` (e.g. 413)             | `http_error`                    |
/// | no (valid) HTTP response                                     | `transport_error`               |
/// | any other `__type`                                           | `dynamodb_error`                |
// clang-format on

#include <optional>
#include <string>
#include <vector>

#include "dynamo_es/dynamodb/attribute_value.hpp"
#include "dynamo_es/dynamodb/http_transport.hpp"
#include "dynamo_es/error.hpp"

namespace dynamo_es::dynamodb {

namespace detail {
struct retry_annotation;
}  // namespace detail

/// A DynamoDB call failed. `what()` reads
/// "DynamoDB PutItem failed: ConditionalCheckFailedException (HTTP 400): <message> [request id X]".
class dynamodb_error : public error {
 public:
  /// `error_name` is the short AWS name (`ValidationException`), `operation` the API operation
  /// (`PutItem`); `http_status` is 0 when no response arrived.
  dynamodb_error(std::string operation, std::string error_name, std::string message,
                 int http_status, std::string request_id);

  /// The API operation that failed, e.g. "TransactWriteItems".
  [[nodiscard]] const std::string& operation() const noexcept { return operation_; }
  /// The AWS error name without namespace, e.g. "ResourceNotFoundException"; empty for
  /// `http_error` and `transport_error`.
  [[nodiscard]] const std::string& error_name() const noexcept { return error_name_; }
  /// DynamoDB's message (`Message` or `message` in the body); may be empty.
  [[nodiscard]] const std::string& aws_message() const noexcept { return aws_message_; }
  /// The HTTP status, or 0 when no response arrived.
  [[nodiscard]] int http_status() const noexcept { return http_status_; }
  /// `x-amzn-RequestId`, empty when absent.
  [[nodiscard]] const std::string& request_id() const noexcept { return request_id_; }

  /// True when sending the same request again may succeed: throttling, transaction conflicts,
  /// 5xx and transport failures. A hint for callers: the client's own retry policy (see
  /// `retry_options`) has already retried what it may by the time this is thrown.
  [[nodiscard]] virtual bool retryable() const noexcept;
  /// True when the call may have been applied although it failed: this attempt's failure is
  /// ambiguous (a transport failure after sending, see `may_have_reached_server`, or HTTP
  /// 500/502/504), or an earlier attempt of the same call was. A DynamoDB error response to the
  /// only attempt (400, 503) means nothing was applied.
  [[nodiscard]] virtual bool ambiguous() const noexcept { return call_ambiguous_; }

  /// Attempts the client made for this call, this one included (1 when it was not retried).
  [[nodiscard]] int attempts() const noexcept { return attempts_; }
  /// True when an attempt before the last one may have been applied (its failure was
  /// ambiguous). `ambiguous()` includes this.
  [[nodiscard]] bool earlier_attempt_ambiguous() const noexcept {
    return earlier_attempt_ambiguous_;
  }

 private:
  friend struct detail::retry_annotation;

  std::string operation_;
  std::string error_name_;
  std::string aws_message_;
  int http_status_;
  std::string request_id_;
  int attempts_ = 1;
  bool earlier_attempt_ambiguous_ = false;
  // Any attempt ambiguous, the last one included; kept as data so that it survives a copy into
  // the base class.
  bool call_ambiguous_ = false;
};

/// The table (or index, or stream) does not exist.
class resource_not_found : public dynamodb_error {
 public:
  using dynamodb_error::dynamodb_error;
};

/// The table already exists, or is being created or deleted.
class resource_in_use : public dynamodb_error {
 public:
  using dynamodb_error::dynamodb_error;
};

/// A PutItem/UpdateItem/DeleteItem condition was false. `item()` holds the item as it was when
/// the request asked for `return_values_on_condition_check_failure = all_old` and it existed.
class conditional_check_failed : public dynamodb_error {
 public:
  conditional_check_failed(std::string operation, std::string error_name, std::string message,
                           int http_status, std::string request_id,
                           std::optional<attribute_map> item);

  [[nodiscard]] const std::optional<attribute_map>& item() const noexcept { return item_; }

 private:
  std::optional<attribute_map> item_;
};

/// Why one action of a cancelled transaction failed (or `None` when it did not).
struct cancellation_reason {
  /// "None", "ConditionalCheckFailed", "ValidationError", "TransactionConflict",
  /// "ItemCollectionSizeLimitExceeded", "ProvisionedThroughputExceeded", "ThrottlingError", ...
  /// Match on the code, never on the message.
  std::string code{};
  std::string message{};
  /// The item as it was, when the action asked for ALL_OLD on condition failure and it existed.
  std::optional<attribute_map> item{};

  [[nodiscard]] bool is_none() const noexcept { return code == "None"; }
  [[nodiscard]] bool is_conditional_check_failed() const noexcept {
    return code == "ConditionalCheckFailed";
  }
  friend bool operator==(const cancellation_reason&, const cancellation_reason&) = default;
};

/// A TransactWriteItems was cancelled; nothing was written. `cancellation_reasons()` has one
/// entry per action, in request order.
class transaction_canceled : public dynamodb_error {
 public:
  transaction_canceled(std::string operation, std::string error_name, std::string message,
                       int http_status, std::string request_id,
                       std::vector<cancellation_reason> reasons);

  [[nodiscard]] const std::vector<cancellation_reason>& cancellation_reasons() const noexcept {
    return reasons_;
  }
  /// True when every failed reason is a throttling or conflict code (no condition or
  /// validation failure), so that the same transaction may succeed when sent again.
  [[nodiscard]] bool retryable() const noexcept override;

 private:
  std::vector<cancellation_reason> reasons_;
};

/// DynamoDB rejected the request as invalid (`ValidationException`).
class dynamodb_validation_error : public dynamodb_error {
 public:
  using dynamodb_error::dynamodb_error;
};

/// The request was throttled (ThrottlingException, ProvisionedThroughputExceededException,
/// RequestLimitExceeded, TransactionInProgressException, LimitExceededException). Retryable.
class throttled : public dynamodb_error {
 public:
  using dynamodb_error::dynamodb_error;
  [[nodiscard]] bool retryable() const noexcept override { return true; }
};

/// A ClientRequestToken was reused with a different request.
class idempotent_parameter_mismatch : public dynamodb_error {
 public:
  using dynamodb_error::dynamodb_error;
};

/// Another transaction is working on the same item (TransactionConflictException). Retryable.
class transaction_conflict : public dynamodb_error {
 public:
  using dynamodb_error::dynamodb_error;
  [[nodiscard]] bool retryable() const noexcept override { return true; }
};

/// DynamoDB failed internally (InternalFailure, InternalServerError, ServiceUnavailable, or any
/// 5xx). Retryable. Note that DynamoDB Local also answers malformed JSON with InternalFailure.
/// Ambiguous unless the status is 503: AWS documents that a write answered with a 500 may or
/// may not have been applied (and a 502/504 comes from a front end that may have forwarded it).
class internal_server_error : public dynamodb_error {
 public:
  using dynamodb_error::dynamodb_error;
  [[nodiscard]] bool retryable() const noexcept override { return true; }
  [[nodiscard]] bool ambiguous() const noexcept override;
};

/// An HTTP error status without a DynamoDB error body (e.g. 413 for a body over about 16 MiB).
/// Retryable for 429 and 5xx.
class http_error : public dynamodb_error {
 public:
  using dynamodb_error::dynamodb_error;
};

/// No valid HTTP response: the connection failed, timed out or broke, or the body failed its
/// checksum. `http_status()` is 0 (or the status of the corrupted response).
class transport_error : public dynamodb_error {
 public:
  transport_error(std::string operation, transport_status status, const std::string& detail,
                  int http_status = 0, std::string request_id = {});

  [[nodiscard]] transport_status status() const noexcept { return status_; }
  /// Always true: a transport failure is transient.
  [[nodiscard]] bool retryable() const noexcept override { return true; }
  /// `may_have_reached_server(status())`, or an earlier attempt was ambiguous.
  [[nodiscard]] bool ambiguous() const noexcept override;

 private:
  transport_status status_;
};

}  // namespace dynamo_es::dynamodb
