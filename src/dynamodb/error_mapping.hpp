#pragma once

/// \file
/// From a transport result to the exception the caller sees (see the table in errors.hpp).

#include <exception>
#include <string_view>

#include "dynamo_es/dynamodb/http_transport.hpp"

namespace dynamo_es::dynamodb::detail {

/// The AWS error name of a `__type`: everything after the last `#`
/// ("com.amazon.coral.validate#ValidationException" -> "ValidationException").
[[nodiscard]] std::string_view short_error_name(std::string_view type) noexcept;

/// False when `result` carries an `x-amz-crc32` header that does not match its body (or cannot
/// be parsed); true otherwise, including when the header is absent (error responses have none).
[[nodiscard]] bool checksum_matches(const http_result& result) noexcept;

/// The exception for `result` of `operation`, or nullptr when it is a 200 with an intact body.
/// Returned rather than thrown so that a retry loop can inspect it without unwinding.
[[nodiscard]] std::exception_ptr make_error(std::string_view operation, const http_result& result);

/// Throws `make_error(operation, result)` unless it is null.
void throw_if_failed(std::string_view operation, const http_result& result);

}  // namespace dynamo_es::dynamodb::detail
