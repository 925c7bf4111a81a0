#include "stores/dynamodb_position_allocator.hpp"

#include <algorithm>
#include <string>
#include <thread>
#include <utility>

#include "dynamo_es/event_store_errors.hpp"
#include "stores/dynamodb_backoff.hpp"
#include "stores/dynamodb_claims.hpp"
#include "stores/dynamodb_commit_id.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

namespace layout = table_layout;
using dynamodb::attribute_map;
using dynamodb::attribute_value;

constexpr std::string_view value_placeholder = "#v";
constexpr std::string_view operation = "TransactWriteItems";

std::string quote(std::string_view text) {
  constexpr std::size_t shown = 64;
  if (text.size() <= shown) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, shown)) + "...\"";
}

attribute_map counter_key() {
  return event_key(layout::counter_id, layout::counter_playhead);
}

}  // namespace

conditional_counter::conditional_counter(std::shared_ptr<const dynamodb::client> client,
                                         std::string table, append_retry_options retry,
                                         store_counters& counters)
    : batch_writer(std::move(client), std::move(table), retry, counters) {}

void conditional_counter::commit(std::span<pending_append* const> batch) noexcept {
  static_cast<void>(commit_counting_races(batch));
}

std::int64_t conditional_counter::commit_one(pending_append& append) {
  pending_append* const batch[] = {&append};
  commit(batch);
  if (append.failure) std::rethrow_exception(append.failure);
  return *append.first_position;
}

std::size_t conditional_counter::commit_counting_races(
    std::span<pending_append* const> batch, std::optional<std::size_t> hand_over_after) noexcept {
  auto active = start(batch);
  std::size_t races = 0;
  if (active.empty()) return races;
  try {
    counter_basis basis;
    if (const auto known = last_known_.load(std::memory_order_relaxed); known >= 0) {
      basis = {known, true};
    } else {
      basis = discover_counter();
    }
    std::int64_t next = basis.value + 1;
    int attempts = 0;
    int retries = 0;
    int races_in_a_row = 0;
    auto request = build_request(active, basis, next);
    for (;;) {
      ++attempts;
      try {
        send(request);
        remember_commit(basis, next + static_cast<std::int64_t>(event_count(active)) - 1);
        succeed_all(active, next);
        return races;
      } catch (const dynamodb::transaction_canceled& e) {
        for (auto& a : active) a.maybe_applied = a.maybe_applied || e.ambiguous();
        const action_layout shape{true, event_count(active)};
        const auto outcome = classify_cancellation(e.cancellation_reasons(), shape);
        const auto reasons = describe_reasons(e);
        bool rebuild = true;
        bool counter_known = false;
        bool lost_race = false;
        // Where the counter stands when this cancellation says so (ALL_OLD put its current
        // value into the reason; without an item, look at the table).
        // Another writer moved the counter: start again from where it stands now, and count
        // the lost race.
        const auto follow_moved_counter = [&] {
          const auto value =
              outcome.counter_item ? counter_value(*outcome.counter_item, table_) : std::nullopt;
          basis = value ? counter_basis{*value, true} : discover_counter();
          next = basis.value + 1;
          last_known_.store(basis.exists ? basis.value : -1, std::memory_order_relaxed);
          store_counters::add(counters_.counter_races);
          ++races;
          counter_known = true;
          lost_race = true;
        };
        switch (outcome.outcome) {
          case cancellation_outcome::kind::duplicate_playhead:
            settle_duplicates(active, outcome, e, shape);
            if (outcome.counter_failed) {
              follow_moved_counter();
            }
            break;
          case cancellation_outcome::kind::counter_moved:
            // Our earlier attempts cannot have been applied: their rows would exist, and this
            // cancellation would name them. Nor can they be applied later: they are conditioned
            // on a counter value that the counter (which only grows) has left behind. The read
            // is a second opinion that costs one request on a rare path.
            for (auto& a : active) {
              if (a.maybe_applied) static_cast<void>(settle(a, reasons, e.what(), false));
            }
            drop_settled(active);
            follow_moved_counter();
            break;
          case cancellation_outcome::kind::fenced:
            // The counter holds `basis` but a claim holds the position after it: a reader fenced
            // it (a reservation writer's range whose ADD we did not see), or the counter went
            // back. Start after that claim; the counter update moves the counter past it.
            store_counters::add(counters_.fenced_commits);
            next = std::max(next + 1, after_claim(outcome, next));
            counter_known = true;
            break;
          case cancellation_outcome::kind::transient:
            store_counters::add(counters_.transient_retries);
            // The same request again (DynamoDB forgets the tokens of cancelled transactions).
            rebuild = false;
            break;
          case cancellation_outcome::kind::other:
            settle_blocked(active, e, outcome, shape, reasons);
            break;
        }
        if (active.empty()) return races;
        if (attempts >= retry_.max_attempts) {
          if (outcome.outcome == cancellation_outcome::kind::transient) {
            std::size_t first_event = 0;
            for (auto& a : active) {
              const auto count = a.append->items.size();
              if (!(a.maybe_applied && settle(a, reasons, e.what(), true))) {
                a.append->failure =
                    cancellation_error(e, outcome, table_, *a.append, shape, first_event);
              }
              first_event += count;
            }
            return races;
          }
          for (auto& a : active) {
            a.append->failure = std::make_exception_ptr(dynamodb::transaction_conflict(
                std::string(operation), e.error_name(),
                "Append to aggregate " + quote(a.append->aggregate_id) + " in table " +
                    quote(table_) + " lost the race for the global position counter " +
                    std::to_string(attempts) +
                    " times in a row; nothing was written (raise append_retry.max_attempts?)",
                e.http_status(), e.request_id()));
          }
          return races;
        }
        races_in_a_row = lost_race ? races_in_a_row + 1 : 0;
        if (lost_race) {
          // Every attempt so far was conditioned on a counter value the counter has left, so
          // none of them can apply any more: the rest of the batch may go another way.
          if (hand_over_after && races >= *hand_over_after) return races;
          if (races_in_a_row > immediate_race_retries) {
            // A pause makes the value the cancellation reported stale: retrying with it after a
            // pause loses again whenever anyone committed meanwhile, and every further pause is
            // longer, so a loser would starve (seen as multi-second appends among 4 writers).
            // Read the counter afresh after the pause instead.
            std::this_thread::sleep_for(jittered_backoff(races_in_a_row - immediate_race_retries,
                                                         retry_.initial_backoff,
                                                         retry_.max_backoff));
            basis = discover_counter();
            next = basis.value + 1;
            last_known_.store(basis.exists ? basis.value : -1, std::memory_order_relaxed);
          }
        } else {
          pause_before_retry(++retries, counter_known);
        }
        // New positions or fewer appends: a new request and a new token.
        if (rebuild) request = build_request(active, basis, next);
      }
    }
  } catch (const dynamodb::dynamodb_error& e) {
    // The client's retry policy has given up (or may not re-send an ambiguous write). An append
    // none of whose attempts may have reached the table has nothing written.
    const auto failure = std::current_exception();
    for (auto& a : active) a.maybe_applied = a.maybe_applied || e.ambiguous();
    fail_all(active, failure, e.what());
  } catch (...) {
    const auto failure = std::current_exception();
    fail_all(active, failure, "unexpected failure");
  }
  return races;
}

dynamodb::transact_write_items_request conditional_counter::build_request(in_flight& active,
                                                                          counter_basis basis,
                                                                          std::int64_t next) const {
  using dynamodb::return_value_on_condition_check_failure;
  const auto total = static_cast<std::int64_t>(event_count(active));
  dynamodb::transact_write_items_request request;
  // One token per distinct request: the client re-sends this very request with it, so a commit
  // whose answer was lost is not applied twice; the rows carry it as their commit id, so that
  // the store can recognise its own commit when it has to read it back.
  const std::string token = random_token();

  dynamodb::transact_update counter;
  counter.table_name = table_;
  counter.key = counter_key();
  counter.update_expression = "SET #v = :new";
  counter.expression_attribute_names.emplace(value_placeholder, layout::counter_value);
  counter.expression_attribute_values.emplace(":new", attribute_value::number(next + total - 1));
  if (basis.exists) {
    counter.condition_expression = "#v = :expected";
    counter.expression_attribute_values.emplace(":expected", attribute_value::number(basis.value));
  } else {
    // The counter has no value yet: create it. The condition names `#v` rather than `Id`, so that
    // a counter row without `Value` does not block every append.
    counter.condition_expression = "attribute_not_exists(#v)";
  }
  counter.return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::all_old;
  request.transact_items.emplace_back(std::move(counter));
  add_claim_and_events(request, active, next, token);
  return request;
}

std::int64_t conditional_counter::after_claim(const cancellation_outcome& outcome,
                                              std::int64_t first) const {
  if (outcome.claim_item) {
    if (const auto claim = decode_claim(*outcome.claim_item); claim && claim->covers(first)) {
      return claim->last() + 1;
    }
  }
  for (const auto& claim : read_claims(*client_, table_, first, first)) {
    if (claim.covers(first)) return claim.last() + 1;
  }
  return first + 1;
}

void conditional_counter::saw_position(std::int64_t last) noexcept {
  auto known = last_known_.load(std::memory_order_relaxed);
  while (last > known &&
         !last_known_.compare_exchange_weak(known, last, std::memory_order_relaxed)) {
  }
}

conditional_counter::counter_basis conditional_counter::discover_counter() const {
  dynamodb::get_item_request get;
  get.table_name = table_;
  get.key = counter_key();
  get.consistent_read = true;
  const auto counter = client_->get_item(get);
  if (counter.item) {
    if (const auto value = counter_value(*counter.item, table_)) return {*value, true};
  }
  // No counter value. On a new table the feed is empty and positions start at 1; but if the
  // counter row was deleted (or the table restored without it) while events exist, restarting at
  // 1 would hand out positions again (W12): continue after the highest position in use.
  return {highest_used_position(*client_, table_), false};
}

void conditional_counter::remember_commit(counter_basis basis, std::int64_t value) noexcept {
  // Forward only, since two batches of this instance may finish out of order; but a value
  // nobody changed since this batch read it is replaced even by a lower one (the table was
  // recreated and the counter restarted).
  const auto unchanged = basis.exists ? basis.value : -1;
  auto known = last_known_.load(std::memory_order_relaxed);
  while ((value > known || known == unchanged) &&
         !last_known_.compare_exchange_weak(known, value, std::memory_order_relaxed)) {
  }
}

}  // namespace dynamo_es::detail
