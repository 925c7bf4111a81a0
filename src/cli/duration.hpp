#pragma once

#include <chrono>
#include <string_view>

namespace dynamo_es::cli {

/// Parses `500ms`, `2s`, `1.5s`, `1m`, `1h` (or `0`). Throws `usage_error` naming `option` for
/// anything else.
[[nodiscard]] std::chrono::milliseconds parse_duration(std::string_view text,
                                                       std::string_view option);

}  // namespace dynamo_es::cli
