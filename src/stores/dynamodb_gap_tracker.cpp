#include "stores/dynamodb_gap_tracker.hpp"

#include <algorithm>
#include <iterator>
#include <utility>

namespace dynamo_es::detail {

gap_tracker::gap_tracker(std::chrono::milliseconds timeout, now_function now)
    : timeout_(timeout), now_(std::move(now)) {}

void gap_tracker::observe_missing(std::int64_t first, std::int64_t last) {
  if (first > last) {
    return;
  }
  const auto now = now_();
  std::scoped_lock lock(mutex_);
  // Walk [first, last] and insert the sub-intervals no known interval covers yet. Intervals are
  // disjoint, so only the one starting at or before `first` can cover its beginning.
  auto next = first;
  auto it = missing_.upper_bound(first);
  if (it != missing_.begin()) {
    const auto previous = std::prev(it);
    if (previous->second.last >= first) {
      if (previous->second.last >= last) {
        return;
      }
      next = previous->second.last + 1;
    }
  }
  for (;; ++it) {
    if (it == missing_.end() || it->first > last) {
      missing_.emplace(next, interval{last, now});
      return;
    }
    if (it->first > next) {
      missing_.emplace(next, interval{it->first - 1, now});
    }
    if (it->second.last >= last) {
      return;
    }
    next = it->second.last + 1;
  }
}

void gap_tracker::observe_present(std::int64_t position) {
  std::scoped_lock lock(mutex_);
  if (missing_.empty()) {
    return;  // the common case: no hole was ever seen
  }
  auto it = missing_.upper_bound(position);
  if (it == missing_.begin()) {
    return;
  }
  --it;
  const auto start = it->first;
  const auto entry = it->second;
  if (entry.last < position) {
    return;
  }
  missing_.erase(it);
  if (start < position) {
    missing_.emplace(start, interval{position - 1, entry.since});
  }
  if (position < entry.last) {
    missing_.emplace(position + 1, interval{entry.last, entry.since});
  }
}

std::chrono::milliseconds gap_tracker::missing_for_locked(std::int64_t first, std::int64_t last,
                                                          clock::time_point now) const {
  if (first > last) {
    return std::chrono::milliseconds::zero();
  }
  auto shortest = std::chrono::milliseconds::max();
  auto next = first;
  auto it = missing_.upper_bound(first);
  if (it != missing_.begin()) {
    --it;
  }
  for (; it != missing_.end() && next <= last; ++it) {
    if (it->second.last < next) {
      continue;
    }
    if (it->first > next) {
      return std::chrono::milliseconds::zero();  // `next` was never seen missing
    }
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second.since);
    shortest = std::min(shortest, age);
    if (it->second.last >= last) {
      return std::max(shortest, std::chrono::milliseconds::zero());
    }
    next = it->second.last + 1;
  }
  return std::chrono::milliseconds::zero();
}

std::chrono::milliseconds gap_tracker::missing_for(std::int64_t first, std::int64_t last) const {
  const auto now = now_();
  std::scoped_lock lock(mutex_);
  return missing_for_locked(first, last, now);
}

bool gap_tracker::expired(std::int64_t first, std::int64_t last) const {
  return time_until_expired(first, last) == std::chrono::milliseconds::zero();
}

std::chrono::milliseconds gap_tracker::time_until_expired(std::int64_t first,
                                                          std::int64_t last) const {
  const auto now = now_();
  std::scoped_lock lock(mutex_);
  const auto age = missing_for_locked(first, last, now);
  return age >= timeout_ ? std::chrono::milliseconds::zero() : timeout_ - age;
}

}  // namespace dynamo_es::detail
