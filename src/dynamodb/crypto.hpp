#pragma once

/// \file
/// SHA-256 and HMAC-SHA256 over OpenSSL's libcrypto, for the SigV4 signer. Internal: the public
/// headers never see OpenSSL.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace dynamo_es::dynamodb::detail {

/// A raw SHA-256 digest or HMAC-SHA256 tag.
using digest256 = std::array<unsigned char, 32>;

/// SHA-256 of `data`. Thread-safe.
[[nodiscard]] digest256 sha256(std::string_view data);

/// HMAC-SHA256 of `data` under `key`. Thread-safe.
[[nodiscard]] digest256 hmac_sha256(std::string_view key, std::string_view data);

/// Lower-case hex of `bytes`.
[[nodiscard]] std::string to_hex(const unsigned char* bytes, std::size_t size);
[[nodiscard]] inline std::string to_hex(const digest256& digest) {
  return to_hex(digest.data(), digest.size());
}

/// `digest` as a byte string, to feed the next HMAC of a key chain.
[[nodiscard]] inline std::string_view as_bytes(const digest256& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

}  // namespace dynamo_es::dynamodb::detail
