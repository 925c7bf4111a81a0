#include "balance_projection.hpp"

#include <chrono>
#include <thread>
#include <variant>

#include "dynamo_es/criteria.hpp"
#include "dynamo_es/error.hpp"

namespace bank {

std::int64_t balance_projection::catch_up(dynamo_es::event_store_management& feed,
                                          std::int64_t page_size, const page_observer& on_page) {
  const auto before = events_applied_;
  for (;;) {
    const auto after = checkpoint_;
    const auto page = feed.load_replay_page_after_global_position(dynamo_es::criteria::create(),
                                                                  after, page_size);
    ++pages_read_;
    for (const auto& event : page.events()) apply(event);
    checkpoint_ = page.last_processed_global_position();
    if (on_page) on_page(after, page);
    if (!page.has_more()) break;
    if (checkpoint_ == after) {
      // The page stopped before a missing position (the store's gap rule): it fills in a moment
      // or is passed over after the store's gap timeout. Reading again at once would only spin.
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  return events_applied_ - before;
}

void balance_projection::apply(const dynamo_es::replay_event& event) {
  // The feed is in global-position order; anything else would be a bug worth stopping for.
  if (event.global_position <= last_position_) {
    throw dynamo_es::error("the feed went backwards: position " +
                           std::to_string(event.global_position) + " after " +
                           std::to_string(last_position_));
  }
  last_position_ = event.global_position;
  const auto decoded = decode_event(event.message, registry_);
  const auto& id = event.message.id();
  if (std::holds_alternative<account_opened>(decoded)) {
    balances_.emplace(id, 0);
  } else if (const auto* deposited = std::get_if<money_deposited>(&decoded)) {
    balances_[id] += deposited->amount;
  } else if (const auto* withdrawn = std::get_if<money_withdrawn>(&decoded)) {
    balances_[id] -= withdrawn->amount;
  }
  ++events_applied_;
}

}  // namespace bank
