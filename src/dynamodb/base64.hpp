#pragma once

/// \file
/// Standard base64 (RFC 4648, with padding), the encoding of DynamoDB's B and BS values.

#include <string>
#include <string_view>

namespace dynamo_es::dynamodb::detail {

/// Appends the base64 encoding of `bytes` to `out`.
void base64_encode_to(std::string_view bytes, std::string& out);

[[nodiscard]] inline std::string base64_encode(std::string_view bytes) {
  std::string out;
  base64_encode_to(bytes, out);
  return out;
}

/// Decodes padded or unpadded base64; throws `serialization_error` for any other character or a
/// length that no encoding produces.
[[nodiscard]] std::string base64_decode(std::string_view text);

}  // namespace dynamo_es::dynamodb::detail
