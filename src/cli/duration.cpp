#include "cli/duration.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

#include "cli/command.hpp"

namespace dynamo_es::cli {

std::chrono::milliseconds parse_duration(std::string_view text, std::string_view option) {
  const auto fail = [&]() -> std::chrono::milliseconds {
    throw usage_error(std::string(option) + ": \"" + std::string(text) +
                      "\" is not a duration (use e.g. 500ms, 2s, 1m)");
  };
  if (text == "0") return std::chrono::milliseconds{0};
  std::size_t digits = 0;
  while (digits < text.size() &&
         ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0 || digits == text.size()) return fail();
  const std::string number(text.substr(0, digits));
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(value)) return fail();
  const std::string_view unit = text.substr(digits);
  double scale = 0;
  if (unit == "ms") {
    scale = 1;
  } else if (unit == "s") {
    scale = 1000;
  } else if (unit == "m" || unit == "min") {
    scale = 60'000;
  } else if (unit == "h") {
    scale = 3'600'000;
  } else {
    return fail();
  }
  const double millis = value * scale;
  if (millis > 1e12) return fail();
  return std::chrono::milliseconds{static_cast<std::int64_t>(std::llround(millis))};
}

}  // namespace dynamo_es::cli
