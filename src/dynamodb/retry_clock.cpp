#include "dynamodb/retry_clock.hpp"

#include <array>
#include <charconv>

namespace dynamo_es::dynamodb::detail {
namespace {

constexpr std::array<std::string_view, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool read_number(std::string_view text, int& out) noexcept {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_http_date(
    std::string_view text) noexcept {
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed positions, 29 characters.
  if (text.size() != 29 || text[3] != ',' || text[4] != ' ' || text[7] != ' ' || text[11] != ' ' ||
      text[16] != ' ' || text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT") {
    return std::nullopt;
  }
  int day = 0;
  int year = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!read_number(text.substr(5, 2), day) || !read_number(text.substr(12, 4), year) ||
      !read_number(text.substr(17, 2), hour) || !read_number(text.substr(20, 2), minute) ||
      !read_number(text.substr(23, 2), second)) {
    return std::nullopt;
  }
  unsigned month = 0;
  for (unsigned i = 0; i < month_names.size(); ++i) {
    if (text.substr(8, 3) == month_names[i]) month = i + 1;
  }
  const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                         std::chrono::day(static_cast<unsigned>(day))};
  if (month == 0 || !date.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

bool signing_clock::correct(std::chrono::system_clock::time_point signed_at,
                            std::chrono::system_clock::time_point server_date,
                            std::chrono::system_clock::time_point local_now) noexcept {
  const auto skew = server_date - signed_at;
  if (skew < min_correctable_skew && -skew < min_correctable_skew) return false;
  const auto offset =
      std::chrono::duration_cast<std::chrono::milliseconds>(server_date - local_now);
  offset_ms_.store(offset.count(), std::memory_order_relaxed);
  return true;
}

}  // namespace dynamo_es::dynamodb::detail
