#pragma once

// The store's running counts, shared by its parts (append, replay) and read by
// `dynamodb_event_store::statistics()`. Relaxed atomics: they are statistics, not synchronisation.

#include <atomic>
#include <cstdint>

namespace dynamo_es::detail {

struct store_counters {
  std::atomic<std::uint64_t> appends{0};
  std::atomic<std::uint64_t> counter_races{0};
  std::atomic<std::uint64_t> transient_retries{0};
  std::atomic<std::uint64_t> gap_waits{0};
  std::atomic<std::uint64_t> skipped_gaps{0};
  std::atomic<std::uint64_t> skipped_positions{0};
  // Appends settled by reading their rows back after an ambiguous failure, and of those, the
  // ones found committed (ours) and the ones that ended in `commit_unknown`.
  std::atomic<std::uint64_t> ambiguous_appends{0};
  std::atomic<std::uint64_t> recognised_commits{0};
  std::atomic<std::uint64_t> unknown_commits{0};
  std::atomic<std::uint64_t> bad_rows_skipped{0};
  // Writers at scale (see dynamodb_event_store_statistics for each meaning).
  std::atomic<std::uint64_t> reservations{0};
  std::atomic<std::uint64_t> void_claims{0};
  std::atomic<std::uint64_t> fenced_commits{0};
  std::atomic<std::uint64_t> fenced_positions{0};
  std::atomic<std::uint64_t> void_positions_passed{0};
  std::atomic<std::uint64_t> protocol_switches{0};
  std::atomic<std::uint64_t> hand_overs{0};
  std::atomic<std::uint64_t> commit_transactions{0};

  static void add(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) noexcept {
    counter.fetch_add(n, std::memory_order_relaxed);
  }
};

}  // namespace dynamo_es::detail
