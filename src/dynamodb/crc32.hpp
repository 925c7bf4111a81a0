#pragma once

/// \file
/// CRC-32 with the zlib polynomial: DynamoDB sends it as `x-amz-crc32` over the response body.

#include <cstdint>
#include <string_view>

namespace dynamo_es::dynamodb::detail {

/// zlib's `crc32(0, data, size)`.
[[nodiscard]] std::uint32_t crc32(std::string_view data) noexcept;

}  // namespace dynamo_es::dynamodb::detail
