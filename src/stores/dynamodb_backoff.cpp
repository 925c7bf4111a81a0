#include "stores/dynamodb_backoff.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>

namespace dynamo_es::detail {
namespace {

std::mt19937_64& generator() {
  // One generator per thread: no lock, and distinct seeds for threads started together.
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }()};
  return engine;
}

}  // namespace

std::chrono::milliseconds exponential_backoff(int retry, std::chrono::milliseconds initial,
                                              std::chrono::milliseconds max) {
  if (retry < 1 || initial <= std::chrono::milliseconds::zero()) {
    return std::min(initial, max);
  }
  auto delay = initial;
  for (int i = 1; i < retry && delay < max; ++i) delay *= 2;
  return std::min(delay, max);
}

std::chrono::milliseconds jittered_backoff(int retry, std::chrono::milliseconds initial,
                                           std::chrono::milliseconds max) {
  const auto ceiling = exponential_backoff(retry, initial, max);
  if (ceiling <= std::chrono::milliseconds::zero()) return std::chrono::milliseconds::zero();
  std::uniform_int_distribution<std::int64_t> pick(0, ceiling.count());
  return std::chrono::milliseconds(pick(generator()));
}

std::string random_token() {
  static constexpr std::array<char, 16> hex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                               '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::array<std::uint8_t, 16> bytes{};
  auto& engine = generator();
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    const auto word = engine();
    for (std::size_t j = 0; j < 8; ++j) bytes[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
  }
  bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string token;
  token.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) token.push_back('-');
    token.push_back(hex[bytes[i] >> 4]);
    token.push_back(hex[bytes[i] & 0x0f]);
  }
  return token;
}

}  // namespace dynamo_es::detail
