#pragma once

// The adaptive protocol (the default): the serialised protocol while the store wins its counter
// races (one request per append), the reservation protocol while it loses them.
//
// `adaptive_switch` is the decision, pure and clock-injectable: an exponential moving average
// (weight 1/8, so about the last eight batches) of the counter races each serialised batch lost.
// Above `switch_at` it switches to reservations for `reservation_period`, then back to the
// serialised protocol with the average reset, so that the store measures afresh. Contention that
// comes back within one period of the return doubles the next period (up to
// `longest_period_factor` times the option): a store under lasting contention then probes the
// serialised protocol rarely instead of paying for a lost-race burst every period.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

#include "dynamo_es/dynamodb_event_store_options.hpp"
#include "stores/dynamodb_append_batch.hpp"
#include "stores/dynamodb_position_allocator.hpp"
#include "stores/dynamodb_reservation_protocol.hpp"
#include "stores/dynamodb_store_counters.hpp"

namespace dynamo_es::detail {

/// When the adaptive protocol uses which protocol. Thread-safe (a small mutex).
class adaptive_switch {
 public:
  using clock = std::chrono::steady_clock;
  using clock_function = std::function<clock::time_point()>;
  enum class mode { serialised, reservation };
  /// Weight of the newest batch in the moving average.
  static constexpr double weight = 1.0 / 8.0;
  /// The reservation period grows to at most this multiple of the option.
  static constexpr int longest_period_factor = 32;

  explicit adaptive_switch(
      adaptive_protocol_options options, clock_function now = [] { return clock::now(); });

  /// The protocol for the next batch. `switched` is set when this call ended a reservation
  /// period (back to serialised).
  [[nodiscard]] mode next(bool& switched);
  /// Records the counter races a serialised batch lost; true when that switched to reservations.
  bool record(std::size_t races);

  [[nodiscard]] mode current() const;
  [[nodiscard]] double average() const;
  /// The length of the current (or next) reservation period.
  [[nodiscard]] std::chrono::milliseconds period() const;

 private:
  adaptive_protocol_options options_;
  clock_function now_;
  mutable std::mutex mutex_;
  mode mode_ = mode::serialised;
  double average_ = 0.0;
  clock::time_point until_{};
  std::chrono::milliseconds period_;
  /// When the last reservation period ended; nullopt before the first.
  std::optional<clock::time_point> returned_at_;
};

/// Wraps a `conditional_counter` and a `reservation_protocol` on the same table; counts
/// `protocol_switches`. Thread-safe.
class adaptive_protocol final : public position_allocator {
 public:
  adaptive_protocol(
      std::shared_ptr<const dynamodb::client> client, std::string table, append_retry_options retry,
      adaptive_protocol_options options, store_counters& counters,
      adaptive_switch::clock_function now = [] { return adaptive_switch::clock::now(); });

  void commit(std::span<pending_append* const> batch) noexcept override;

  /// The protocol the next batch would use (tests, diagnostics).
  [[nodiscard]] adaptive_switch::mode current() const { return switch_.current(); }

 private:
  conditional_counter serialised_;
  reservation_protocol reservation_;
  adaptive_switch switch_;
  adaptive_protocol_options options_;
  store_counters& counters_;
};

}  // namespace dynamo_es::detail
