// Fuzz target: the error body parser and the mapping from an HTTP response to the exception the
// caller sees (src/dynamodb/error_mapping.*).
//
// The input is a response body. Each body is tried under the statuses DynamoDB answers with
// (200, 400, 413, 500, 503), with and without an `x-amz-crc32` header and an `x-amzn-errortype`
// header, so that the seeds stay plain bodies. Checked properties: `decode_error_body` never
// throws (it is noexcept: an escape would terminate), `make_error` returns a `dynamodb_error`
// for every non-200 status and nothing for an intact 200, and a matching CRC is accepted.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

#include "dynamo_es/dynamodb/errors.hpp"
#include "dynamo_es/dynamodb/http_transport.hpp"
#include "dynamodb/codec.hpp"
#include "dynamodb/crc32.hpp"
#include "dynamodb/error_mapping.hpp"
#include "fuzz_support.hpp"

namespace {

namespace dd = dynamo_es::dynamodb;
using dynamo_es::fuzz::finding;
using dynamo_es::fuzz::require;

// What make_error hands back must be a dynamodb_error whose status is the response's.
void check_error(const std::exception_ptr& error, int status) {
  try {
    std::rethrow_exception(error);
  } catch (const dd::dynamodb_error& e) {
    require(e.http_status() == status,
            "make_error: the exception carries another HTTP status than the response's");
    (void)e.retryable();
    (void)e.ambiguous();
    (void)std::string(e.what());
  } catch (const std::exception& e) {
    finding(std::string("make_error returned a non-dynamodb_error: ") + e.what());
  } catch (...) {
    finding("make_error returned something that is not a std::exception");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace detail = dd::detail;
  const std::string body = dynamo_es::fuzz::as_string(data, size);

  const detail::error_body parsed = detail::decode_error_body(body);
  (void)detail::short_error_name(parsed.type);

  const std::string crc = std::to_string(detail::crc32(body));
  for (const int status : {200, 400, 413, 500, 503}) {
    for (int variant = 0; variant < 4; ++variant) {
      dd::http_result result;
      result.status = dd::transport_status::ok;
      result.http_status = status;
      result.body = body;
      result.headers.push_back({"x-amzn-requestid", "fuzz-request"});
      const bool with_crc = (variant & 1) != 0;
      if (with_crc) result.headers.push_back({"x-amz-crc32", crc});
      if ((variant & 2) != 0) {
        // The front-end form: the type in a header, possibly with a `:detail` suffix; here the
        // body's first bytes stand in for it.
        result.headers.push_back({"x-amzn-errortype", body.substr(0, 64)});
      }
      if (with_crc) {
        require(detail::checksum_matches(result), "the body's own CRC-32 was rejected");
      }

      std::exception_ptr error;
      try {
        error = detail::make_error("Fuzz", result);
      } catch (const std::exception& e) {
        finding(std::string("make_error threw instead of returning: ") + e.what());
      }
      if (status == 200) {
        require(error == nullptr, "make_error turned an intact 200 into an error");
      } else {
        require(error != nullptr, "make_error returned no error for a non-200 status");
        check_error(error, status);
      }
    }
  }

  // A checksum header that is the body itself: usually garbage, must be rejected or accepted
  // without crashing.
  dd::http_result garbled;
  garbled.status = dd::transport_status::ok;
  garbled.http_status = 200;
  garbled.headers.push_back({"x-amz-crc32", body.substr(0, 32)});
  garbled.body = body;
  (void)detail::checksum_matches(garbled);
  return 0;
}
