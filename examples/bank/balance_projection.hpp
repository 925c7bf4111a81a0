#pragma once

// The read side: a balance per account, built only from the global feed. It remembers the last
// global position it processed (its checkpoint), so it can stop and resume anywhere, and a fresh
// one rebuilds the same balances by replaying the feed from position 0.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "bank_events.hpp"
#include "dynamo_es/event_store.hpp"
#include "dynamo_es/event_type_registry.hpp"

namespace bank {

/// Not thread-safe: one reader drives it.
class balance_projection {
 public:
  /// Called after each page is applied, with the checkpoint it started from.
  using page_observer = std::function<void(std::int64_t after, const dynamo_es::replay_page& page)>;

  /// `registry` must outlive the projection.
  explicit balance_projection(const dynamo_es::event_type_registry& registry)
      : registry_(registry) {}

  /// Reads pages of at most `page_size` rows after the checkpoint until the feed has nothing
  /// more, applying each event in global-position order. Returns the number of events applied.
  std::int64_t catch_up(dynamo_es::event_store_management& feed, std::int64_t page_size,
                        const page_observer& on_page = {});

  [[nodiscard]] const std::map<std::string, cents>& balances() const noexcept { return balances_; }
  /// The last global position processed (0 before the first page).
  [[nodiscard]] std::int64_t checkpoint() const noexcept { return checkpoint_; }
  /// Events applied since construction.
  [[nodiscard]] std::int64_t events_applied() const noexcept { return events_applied_; }
  /// Pages read since construction.
  [[nodiscard]] std::int64_t pages_read() const noexcept { return pages_read_; }

 private:
  void apply(const dynamo_es::replay_event& event);

  const dynamo_es::event_type_registry& registry_;
  std::map<std::string, cents> balances_;
  std::int64_t checkpoint_ = 0;
  std::int64_t last_position_ = 0;
  std::int64_t events_applied_ = 0;
  std::int64_t pages_read_ = 0;
};

}  // namespace bank
