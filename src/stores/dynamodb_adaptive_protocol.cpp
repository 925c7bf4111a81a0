#include "stores/dynamodb_adaptive_protocol.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace dynamo_es::detail {

adaptive_switch::adaptive_switch(adaptive_protocol_options options, clock_function now)
    : options_(options), now_(std::move(now)), period_(options.reservation_period) {}

adaptive_switch::mode adaptive_switch::next(bool& switched) {
  switched = false;
  const auto now = now_();
  const std::lock_guard lock(mutex_);
  if (mode_ == mode::reservation && now >= until_) {
    mode_ = mode::serialised;
    average_ = 0.0;  // measure afresh: the contention may be gone
    returned_at_ = now;
    switched = true;
  }
  return mode_;
}

bool adaptive_switch::record(std::size_t races) {
  const auto now = now_();
  const std::lock_guard lock(mutex_);
  average_ = (1.0 - weight) * average_ + weight * static_cast<double>(races);
  if (mode_ == mode::serialised && average_ > options_.switch_at) {
    mode_ = mode::reservation;
    const bool came_back_quickly = returned_at_ && now - *returned_at_ < period_;
    period_ = came_back_quickly
                  ? std::min(period_ * 2, options_.reservation_period * longest_period_factor)
                  : options_.reservation_period;
    until_ = now + period_;
    average_ = 0.0;
    return true;
  }
  return false;
}

adaptive_switch::mode adaptive_switch::current() const {
  const std::lock_guard lock(mutex_);
  return mode_;
}

std::chrono::milliseconds adaptive_switch::period() const {
  const std::lock_guard lock(mutex_);
  return period_;
}

double adaptive_switch::average() const {
  const std::lock_guard lock(mutex_);
  return average_;
}

adaptive_protocol::adaptive_protocol(std::shared_ptr<const dynamodb::client> client,
                                     std::string table, append_retry_options retry,
                                     adaptive_protocol_options options, store_counters& counters,
                                     adaptive_switch::clock_function now)
    : serialised_(client, table, retry, counters),
      reservation_(std::move(client), std::move(table), retry, counters),
      switch_(options, std::move(now)),
      options_(options),
      counters_(counters) {}

void adaptive_protocol::commit(std::span<pending_append* const> batch) noexcept {
  bool switched = false;
  const auto mode = switch_.next(switched);
  if (switched) store_counters::add(counters_.protocol_switches);
  if (mode == adaptive_switch::mode::reservation) {
    reservation_.commit(batch);
    return;
  }
  // A batch that was still serialised when the switch happened only adds to the average that
  // reservations reset: harmless.
  const auto races = serialised_.commit_counting_races(
      batch, static_cast<std::size_t>(options_.hand_over_after_races));
  if (switch_.record(races)) store_counters::add(counters_.protocol_switches);
  // What the serialised attempts left unsettled (they lost too many races in a row) goes with a
  // reservation now, whatever the switch decided for later batches.
  std::vector<pending_append*> rest;
  for (auto* append : batch) {
    if (!append->settled()) rest.push_back(append);
  }
  if (!rest.empty()) {
    store_counters::add(counters_.hand_overs);
    reservation_.commit(rest);
  }
}

}  // namespace dynamo_es::detail
