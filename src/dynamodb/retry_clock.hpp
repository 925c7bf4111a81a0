#pragma once

// Clock-skew correction: requests are signed with the local clock plus an offset that the client
// learns from DynamoDB's `Date` header when DynamoDB rejects a signing time (a host whose clock
// is minutes off would otherwise fail every request until someone fixes its NTP).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace dynamo_es::dynamodb::detail {

/// An HTTP `Date` header in IMF-fixdate form (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110); nullopt
/// when it does not parse.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_http_date(
    std::string_view text) noexcept;

/// The client's signing clock. Thread-safe (one atomic offset).
class signing_clock {
 public:
  /// Skews smaller than this do not explain a rejected signature: no correction, no retry.
  static constexpr std::chrono::seconds min_correctable_skew{60};

  /// The time to sign with: the local clock plus the learned offset.
  [[nodiscard]] std::chrono::system_clock::time_point now() const noexcept {
    return std::chrono::system_clock::now() + offset();
  }
  [[nodiscard]] std::chrono::milliseconds offset() const noexcept {
    return std::chrono::milliseconds(offset_ms_.load(std::memory_order_relaxed));
  }

  /// DynamoDB rejected a request signed at `signed_at` (local clock + the offset then) and its
  /// response says the time is `server_date`, with the local clock at `local_now`. When the two
  /// differ by at least `min_correctable_skew`, adopt `server_date - local_now` as the offset and
  /// return true (re-signing will help); otherwise return false.
  bool correct(std::chrono::system_clock::time_point signed_at,
               std::chrono::system_clock::time_point server_date,
               std::chrono::system_clock::time_point local_now) noexcept;

 private:
  std::atomic<std::int64_t> offset_ms_{0};
};

}  // namespace dynamo_es::dynamodb::detail
