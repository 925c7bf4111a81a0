#include "dynamodb/crypto.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dynamo_es/error.hpp"

namespace dynamo_es::dynamodb::detail {

digest256 sha256(std::string_view data) {
  digest256 out{};
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr) != 1 ||
      size != out.size()) {
    throw error("SHA-256 failed in OpenSSL");
  }
  return out;
}

digest256 hmac_sha256(std::string_view key, std::string_view data) {
  digest256 out{};
  unsigned int size = 0;
  // HMAC() is OpenSSL's one-shot MAC; unlike HMAC_CTX it is not deprecated in 3.0 and needs no
  // context to free. OpenSSL reads a null key as "reuse the previous key", so an empty key still
  // gets a valid pointer.
  static constexpr unsigned char empty_key = 0;
  const void* key_data = key.empty() ? static_cast<const void*>(&empty_key) : key.data();
  if (HMAC(EVP_sha256(), key_data, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(),
           &size) == nullptr ||
      size != out.size()) {
    throw error("HMAC-SHA256 failed in OpenSSL");
  }
  return out;
}

std::string to_hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0x0f];
  }
  return out;
}

}  // namespace dynamo_es::dynamodb::detail
