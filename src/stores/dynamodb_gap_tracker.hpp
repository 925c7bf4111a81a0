#pragma once

// The replay seam for missing global positions.
//
// Positions are dense (the counter is advanced in the same transaction that writes the events),
// so after position `a` a complete feed holds `a + 1`. A hole in a GSI read has two causes:
//  - the index is eventually consistent on AWS, so `a + 2` can be visible before `a + 1`: the
//    hole fills shortly and the reader must wait for it, or it skips an event for good;
//  - a writer that reserves before committing (the PHP package's `ADD`) burned the position: the
//    hole never fills and the reader must eventually pass over it.
// The tracker tells the two apart by age: a position is passed over only after it has been seen
// missing for longer than the timeout. It remembers first sightings per store instance, so a
// burned position costs the timeout once, and later replays by the same store pass it at once.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace dynamo_es::detail {

class gap_tracker {
 public:
  using clock = std::chrono::steady_clock;
  using now_function = std::function<clock::time_point()>;

  /// `now` is injectable so unit tests need not sleep.
  explicit gap_tracker(std::chrono::milliseconds timeout, now_function now = &clock::now);

  /// Records that the positions [first, last] were missing from a read. Positions seen missing
  /// before keep their first sighting. Thread-safe.
  void observe_missing(std::int64_t first, std::int64_t last);

  /// Records that `position` was present: a later read that misses it again (a stale index
  /// replica) must start its timeout from scratch rather than skip it at once. Thread-safe.
  void observe_present(std::int64_t position);

  /// How long [first, last] has been missing, as of now: the shortest time over its positions
  /// (zero when some position was never observed missing). Thread-safe.
  [[nodiscard]] std::chrono::milliseconds missing_for(std::int64_t first, std::int64_t last) const;

  /// True when every position of [first, last] has been missing for at least the timeout.
  [[nodiscard]] bool expired(std::int64_t first, std::int64_t last) const;

  /// Time left until [first, last] expires; zero when it has.
  [[nodiscard]] std::chrono::milliseconds time_until_expired(std::int64_t first,
                                                             std::int64_t last) const;

  [[nodiscard]] std::chrono::milliseconds timeout() const noexcept { return timeout_; }

 private:
  struct interval {
    std::int64_t last;
    clock::time_point since;
  };

  [[nodiscard]] std::chrono::milliseconds missing_for_locked(std::int64_t first, std::int64_t last,
                                                             clock::time_point now) const;

  std::chrono::milliseconds timeout_;
  now_function now_;
  mutable std::mutex mutex_;
  /// Disjoint intervals of positions seen missing, keyed by their first position.
  std::map<std::int64_t, interval> missing_;
};

}  // namespace dynamo_es::detail
