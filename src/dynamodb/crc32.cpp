#include "dynamodb/crc32.hpp"

#include <array>

namespace dynamo_es::dynamodb::detail {
namespace {

// A byte-wise table is enough: response bodies are parsed right after, which costs far more.
// (zlib is not a dependency of the library, so its crc32() is not used.)
constexpr std::array<std::uint32_t, 256> table = [] {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) {
      c = (c & 1U) != 0 ? 0xEDB88320U ^ (c >> 1) : c >> 1;
    }
    t[i] = c;
  }
  return t;
}();

}  // namespace

std::uint32_t crc32(std::string_view data) noexcept {
  std::uint32_t c = 0xFFFFFFFFU;
  for (const char byte : data) {
    c = table[(c ^ static_cast<unsigned char>(byte)) & 0xFFU] ^ (c >> 8);
  }
  return c ^ 0xFFFFFFFFU;
}

}  // namespace dynamo_es::dynamodb::detail
