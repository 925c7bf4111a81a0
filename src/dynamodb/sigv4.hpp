#pragma once

/// \file
/// AWS Signature Version 4 for request headers (no presigned URLs, no SigV4a). Internal to the
/// DynamoDB client; proven against the official AWS vectors in tests/unit/dynamodb/sigv4_test.cpp.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb/credentials.hpp"

namespace dynamo_es::dynamodb::detail {

struct http_header {
  std::string name;
  std::string value;
};

/// The request as it will be sent, before signing.
struct signing_request {
  std::string method;  ///< "POST"
  /// Request-target as in the request line: "/" or "/path?query". The path is taken as sent and
  /// encoded once more (SigV4's double encoding for every service but S3: a `%` becomes `%25`);
  /// query keys and values are percent-decoded, then re-encoded, so `%E1%88%B4` stays as it is and
  /// raw UTF-8 gets encoded. `+` in the query is a literal plus, not a space.
  std::string target;
  /// As sent, in order, duplicates allowed; must contain `Host`. Must not contain the headers the
  /// signer adds (X-Amz-Date, Authorization, and X-Amz-Security-Token / x-amz-content-sha256 when
  /// those are in play). Hop-by-hop headers and those an HTTP library may rewrite (Connection,
  /// Expect, Transfer-Encoding, User-Agent, ...) are sent but never signed.
  std::vector<http_header> headers;
  std::string_view body;
};

struct signing_params {
  credentials creds;  ///< a non-empty `session_token` adds X-Amz-Security-Token
  std::string region;
  std::string service = "dynamodb";
  std::chrono::system_clock::time_point time;  ///< truncated to whole seconds, UTC
  bool normalize_path = true;                  ///< remove `.`/`..` and collapse `//` (not S3)
  bool sign_body = false;           ///< add + sign x-amz-content-sha256 (S3-style vectors only)
  bool omit_session_token = false;  ///< add X-Amz-Security-Token but don't sign it
};

struct signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature_hex;
  std::string authorization;  ///< full Authorization header value
  /// X-Amz-Date, X-Amz-Security-Token?, x-amz-content-sha256?, Authorization — in that order.
  std::vector<http_header> headers_to_add;
};

/// Signs `request`. Thread-safe; the derived signing key is cached per thread for the last
/// (secret, date, region, service), so signing every request costs two SHA-256 and one HMAC.
/// Throws `configuration_error` for empty credentials, region or service, and `dynamo_es::error`
/// for a request without `Host` or one that already carries a header the signer adds.
[[nodiscard]] signature sign(const signing_request& request, const signing_params& params);

/// Lower-case hex SHA-256 of `data`.
[[nodiscard]] std::string sha256_hex(std::string_view data);

/// `time` in ISO 8601 basic format, `YYYYMMDD'T'HHMMSS'Z'` (UTC, whole seconds).
[[nodiscard]] std::string amz_date(std::chrono::system_clock::time_point time);

/// The canonical URI of `path` (the request-target before `?`).
[[nodiscard]] std::string canonical_uri(std::string_view path, bool normalize);

/// The canonical query string of `query` (the request-target after `?`, without the `?`).
[[nodiscard]] std::string canonical_query_string(std::string_view query);

}  // namespace dynamo_es::dynamodb::detail
