#include "stores/dynamodb_position_allocator.hpp"

#include <algorithm>
#include <string>
#include <thread>
#include <utility>

#include "dynamo_es/event_store_errors.hpp"
#include "stores/dynamodb_backoff.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

namespace layout = table_layout;
using dynamodb::attribute_map;
using dynamodb::attribute_value;

constexpr std::string_view value_placeholder = "#v";
constexpr std::string_view operation = "TransactWriteItems";

bool is_transient_code(std::string_view code) {
  return code == "TransactionConflict" || code == "ThrottlingError" ||
         code == "ProvisionedThroughputExceeded" || code == "RequestLimitExceeded";
}

std::string quote(std::string_view text) {
  constexpr std::size_t shown = 64;
  if (text.size() <= shown) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, shown)) + "...\"";
}

attribute_map counter_key() {
  return event_key(layout::counter_id, layout::counter_playhead);
}

std::string describe_reason(const dynamodb::cancellation_reason& reason) {
  return reason.message.empty() ? reason.code : reason.code + ": " + reason.message;
}

}  // namespace

cancellation_outcome classify_cancellation(
    const std::vector<dynamodb::cancellation_reason>& reasons, std::size_t event_count) {
  cancellation_outcome result;
  if (reasons.size() != event_count + 1) {
    return result;  // not the shape of our transaction: `other`, rethrown as is
  }
  bool counter_failed = false;
  bool transient = false;
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    const auto& reason = reasons[i];
    if (reason.is_none()) continue;
    if (reason.is_conditional_check_failed()) {
      if (i == 0) {
        counter_failed = true;
        result.counter_item = reason.item;
      } else {
        result.duplicate_events.push_back(i - 1);
      }
      continue;
    }
    if (!is_transient_code(reason.code)) {
      // A validation failure (or an unknown code) says the request itself is wrong: nothing is
      // retried or reported as a duplicate on the strength of the other reasons.
      result.outcome = cancellation_outcome::kind::other;
      result.blocking_reason = reason;
      result.duplicate_events.clear();
      return result;
    }
    if (!result.blocking_reason) result.blocking_reason = reason;
    transient = true;
  }
  // An existing row is a duplicate whatever the counter did: the rows' keys do not depend on
  // positions.
  if (!result.duplicate_events.empty()) {
    result.outcome = cancellation_outcome::kind::duplicate_playhead;
  } else if (counter_failed) {
    result.outcome = cancellation_outcome::kind::counter_moved;
  } else if (transient) {
    result.outcome = cancellation_outcome::kind::transient;
  }
  return result;
}

std::exception_ptr cancellation_error(const dynamodb::transaction_canceled& error,
                                      const cancellation_outcome& outcome, std::string_view table,
                                      const pending_append& append) {
  if (!outcome.blocking_reason) return std::make_exception_ptr(error);
  const auto& reason = *outcome.blocking_reason;
  std::string action = "the global position counter";
  const auto& reasons = error.cancellation_reasons();
  for (std::size_t i = 1; i < reasons.size() && i - 1 < append.stream.size(); ++i) {
    if (reasons[i] == reason) {
      action = "the event at playhead " + std::to_string(append.stream[i - 1].playhead());
      break;
    }
  }
  const std::string message = "Append of " + std::to_string(append.stream.size()) +
                              " events to aggregate " + quote(append.aggregate_id) + " in table " +
                              quote(table) + " was cancelled by " + action + ": " +
                              describe_reason(reason) + "; nothing was written";
  const auto status = error.http_status();
  if (reason.code == "ValidationError") {
    return std::make_exception_ptr(dynamodb::dynamodb_validation_error(
        std::string(operation), error.error_name(), message, status, error.request_id()));
  }
  if (reason.code == "TransactionConflict") {
    return std::make_exception_ptr(dynamodb::transaction_conflict(
        std::string(operation), error.error_name(), message, status, error.request_id()));
  }
  if (is_transient_code(reason.code)) {
    return std::make_exception_ptr(dynamodb::throttled(std::string(operation), error.error_name(),
                                                       message, status, error.request_id()));
  }
  return std::make_exception_ptr(error);
}

std::optional<std::int64_t> counter_value(const attribute_map& item, std::string_view table) {
  const auto it = item.find(std::string(layout::counter_value));
  if (it == item.end()) return std::nullopt;
  std::int64_t value = -1;
  try {
    value = it->second.as_int64();
  } catch (const error&) {
  }
  if (value < 0) {
    throw serialization_error(
        "The global position counter (Id \"_counter\", Playhead 0) in table " + quote(table) +
        " holds Value " + to_json(it->second) + ", not a non-negative int64");
  }
  return value;
}

conditional_counter::conditional_counter(std::shared_ptr<const dynamodb::client> client,
                                         std::string table, append_retry_options retry,
                                         store_counters& counters)
    : client_(std::move(client)), table_(std::move(table)), retry_(retry), counters_(counters) {
  retry_.max_attempts = std::max(retry_.max_attempts, 1);
}

std::int64_t conditional_counter::commit(pending_append& append) {
  const auto count = static_cast<std::int64_t>(append.items.size());
  counter_basis basis;
  if (const auto known = last_known_.load(std::memory_order_relaxed); known >= 0) {
    basis = {known, true};
  } else {
    basis = discover_counter();
  }
  int attempts = 0;
  int retries = 0;
  for (;;) {
    const auto first = basis.value + 1;
    const auto request = build_request(append.items, basis, first);
    try {
      send(request, attempts);
      remember_commit(basis, first + count - 1);
      store_counters::add(counters_.appends);
      return first;
    } catch (const dynamodb::transaction_canceled& e) {
      const auto outcome = classify_cancellation(e.cancellation_reasons(), append.items.size());
      switch (outcome.outcome) {
        case cancellation_outcome::kind::duplicate_playhead: {
          std::vector<playhead_conflict> conflicts;
          for (const auto index : outcome.duplicate_events) {
            conflicts.push_back(
                {std::string(append.aggregate_id), append.stream[index].playhead()});
          }
          std::vector<std::string> reasons;
          for (const auto& reason : e.cancellation_reasons()) {
            reasons.push_back(describe_reason(reason));
          }
          throw duplicate_playhead(append.stream, std::move(conflicts), std::move(reasons), table_);
        }
        case cancellation_outcome::kind::counter_moved: {
          // ALL_OLD put the counter's current value into the reason; without an item (the
          // counter row is gone) or without a value, look at the table.
          const auto value =
              outcome.counter_item ? counter_value(*outcome.counter_item, table_) : std::nullopt;
          basis = value ? counter_basis{*value, true} : discover_counter();
          last_known_.store(basis.exists ? basis.value : -1, std::memory_order_relaxed);
          store_counters::add(counters_.counter_races);
          break;
        }
        case cancellation_outcome::kind::transient:
          store_counters::add(counters_.transient_retries);
          break;
        case cancellation_outcome::kind::other:
          std::rethrow_exception(cancellation_error(e, outcome, table_, append));
      }
      if (attempts >= retry_.max_attempts) {
        if (outcome.outcome == cancellation_outcome::kind::transient) {
          std::rethrow_exception(cancellation_error(e, outcome, table_, append));
        }
        throw dynamodb::transaction_conflict(
            std::string(operation), e.error_name(),
            "Append to aggregate " + quote(append.aggregate_id) + " in table " + quote(table_) +
                " lost the race for the global position counter " + std::to_string(attempts) +
                " times in a row; nothing was written (raise append_retry.max_attempts?)",
            e.http_status(), e.request_id());
      }
      pause_before_retry(++retries, outcome.outcome == cancellation_outcome::kind::counter_moved);
    }
  }
}

dynamodb::transact_write_items_request conditional_counter::build_request(
    const std::vector<attribute_map>& items, counter_basis basis, std::int64_t next) const {
  using dynamodb::return_value_on_condition_check_failure;
  dynamodb::transact_write_items_request request;
  request.transact_items.reserve(items.size() + 1);

  dynamodb::transact_update counter;
  counter.table_name = table_;
  counter.key = counter_key();
  counter.update_expression = "SET #v = :new";
  counter.expression_attribute_names.emplace(value_placeholder, layout::counter_value);
  counter.expression_attribute_values.emplace(
      ":new", attribute_value::number(next + static_cast<std::int64_t>(items.size()) - 1));
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

  auto position = next;
  for (const auto& item : items) {
    dynamodb::transact_put put;
    put.table_name = table_;
    put.item = item;
    set_global_position(put.item, position++);
    put.condition_expression = std::string(layout::event_put_condition);
    put.return_values_on_condition_check_failure = return_value_on_condition_check_failure::all_old;
    request.transact_items.emplace_back(std::move(put));
  }
  // One token per distinct request: `send` re-sends this very request with it, so a commit whose
  // answer was lost is not applied twice.
  request.client_request_token = random_token();
  return request;
}

void conditional_counter::send(const dynamodb::transact_write_items_request& request,
                               int& attempts) {
  for (int retry = 1;; ++retry) {
    ++attempts;
    try {
      client_->transact_write_items(request);
      return;
    } catch (const dynamodb::transaction_canceled&) {
      throw;
    } catch (const dynamodb::dynamodb_error& e) {
      if (!e.retryable() || attempts >= retry_.max_attempts) throw;
      store_counters::add(counters_.transient_retries);
      std::this_thread::sleep_for(
          jittered_backoff(retry, retry_.initial_backoff, retry_.max_backoff));
    }
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
  // 1 would hand out positions again (W12): continue after the highest position in the feed.
  dynamodb::query_request last;
  last.table_name = table_;
  last.index_name = std::string(layout::index_name);
  last.key_condition_expression = "Feed = :feed";
  last.expression_attribute_values.emplace(
      ":feed", attribute_value::string(std::string(layout::feed_value)));
  last.scan_index_forward = false;
  last.limit = 1;
  const auto page = client_->query(last);
  if (page.items.empty()) return {0, false};
  return {decode_global_position(page.items.front(), table_), false};
}

void conditional_counter::remember_commit(counter_basis basis, std::int64_t value) noexcept {
  // Forward only, since two appends of this instance may finish out of order; but a value
  // nobody changed since this append read it is replaced even by a lower one (the table was
  // recreated and the counter restarted).
  const auto unchanged = basis.exists ? basis.value : -1;
  auto known = last_known_.load(std::memory_order_relaxed);
  while ((value > known || known == unchanged) &&
         !last_known_.compare_exchange_weak(known, value, std::memory_order_relaxed)) {
  }
}

void conditional_counter::pause_before_retry(int retry, bool counter_known) const {
  // After a lost counter race the first retry goes at once: the cancellation told us the
  // counter's current value. Conflicts and throttling always back off.
  if (counter_known && retry <= 1) return;
  std::this_thread::sleep_for(jittered_backoff(counter_known ? retry - 1 : retry,
                                               retry_.initial_backoff, retry_.max_backoff));
}

}  // namespace dynamo_es::detail
