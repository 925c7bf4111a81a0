#include "stores/dynamodb_position_allocator.hpp"

#include <algorithm>
#include <string>
#include <thread>
#include <utility>

#include "dynamo_es/event_store_errors.hpp"
#include "dynamodb/retry_observer.hpp"
#include "stores/dynamodb_backoff.hpp"
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
  auto request = build_request(append.items, basis, basis.value + 1);
  // The tokens of every transaction this append sent: a row carrying any of them is ours.
  std::vector<std::string> commit_ids{request.client_request_token};
  // Whether an attempt of this append may have been applied although it failed (its answer was
  // lost). Then no failure is reported on a guess: the rows are read back first (`settle`).
  bool maybe_applied = false;
  for (;;) {
    const auto first = basis.value + 1;
    ++attempts;
    try {
      send(request);
      remember_commit(basis, first + count - 1);
      store_counters::add(counters_.appends);
      return first;
    } catch (const dynamodb::transaction_canceled& e) {
      maybe_applied = maybe_applied || e.ambiguous();
      const auto outcome = classify_cancellation(e.cancellation_reasons(), append.items.size());
      std::vector<std::string> reasons;
      for (const auto& reason : e.cancellation_reasons())
        reasons.push_back(describe_reason(reason));
      switch (outcome.outcome) {
        case cancellation_outcome::kind::duplicate_playhead: {
          if (maybe_applied) {
            // The rows that exist may be our own: an earlier attempt was applied, its answer
            // lost, and DynamoDB did not honour the token on the re-send (its 10-minute window
            // had passed, or it was an earlier request of this append under another token).
            if (const auto position = settle(append, commit_ids, reasons, e.what(), true)) {
              return *position;
            }
          }
          std::vector<playhead_conflict> conflicts;
          for (const auto index : outcome.duplicate_events) {
            conflicts.push_back(
                {std::string(append.aggregate_id), append.stream[index].playhead()});
          }
          throw duplicate_playhead(append.stream, std::move(conflicts), std::move(reasons), table_);
        }
        case cancellation_outcome::kind::counter_moved: {
          if (maybe_applied) {
            // Our earlier attempt cannot have been applied: its rows would exist, and this
            // cancellation would name them. Nor can it be applied later: it is conditioned on a
            // counter value that the counter (which only grows) has left behind. The read is a
            // second opinion that costs one request on a rare path.
            if (const auto position = settle(append, commit_ids, reasons, e.what(), false)) {
              return *position;
            }
            maybe_applied = false;
          }
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
          if (maybe_applied) {
            if (const auto position = settle(append, commit_ids, reasons, e.what(), true)) {
              return *position;
            }
          }
          std::rethrow_exception(cancellation_error(e, outcome, table_, append));
      }
      if (attempts >= retry_.max_attempts) {
        if (outcome.outcome == cancellation_outcome::kind::transient) {
          if (maybe_applied) {
            if (const auto position = settle(append, commit_ids, reasons, e.what(), true)) {
              return *position;
            }
          }
          std::rethrow_exception(cancellation_error(e, outcome, table_, append));
        }
        throw dynamodb::transaction_conflict(
            std::string(operation), e.error_name(),
            "Append to aggregate " + quote(append.aggregate_id) + " in table " + quote(table_) +
                " lost the race for the global position counter " + std::to_string(attempts) +
                " times in a row; nothing was written (raise append_retry.max_attempts?)",
            e.http_status(), e.request_id());
      }
      const bool counter_moved = outcome.outcome == cancellation_outcome::kind::counter_moved;
      pause_before_retry(++retries, counter_moved);
      if (counter_moved) {
        // While this append slept, other threads of this instance may have committed: start from
        // the newest value it knows (a value some writer really left, so never ahead of the
        // counter) rather than the one the cancellation reported before the pause.
        if (const auto known = last_known_.load(std::memory_order_relaxed);
            basis.exists && known > basis.value) {
          basis = {known, true};
        }
        // New positions, so a new request and a new token; a transient cancellation re-sends
        // the same request (DynamoDB forgets the tokens of cancelled transactions).
        request = build_request(append.items, basis, basis.value + 1);
        commit_ids.push_back(request.client_request_token);
      }
    } catch (const dynamodb::dynamodb_error& e) {
      // The client's retry policy has given up (or may not re-send an ambiguous write).
      maybe_applied = maybe_applied || e.ambiguous();
      if (!maybe_applied) throw;  // no attempt reached the table: nothing was written
      if (const auto position = settle(append, commit_ids, {}, e.what(), true)) return *position;
      throw;  // not reached: settle decides or throws when a request may still apply
    }
  }
}

std::optional<std::int64_t> conditional_counter::settle(const pending_append& append,
                                                        const std::vector<std::string>& commit_ids,
                                                        const std::vector<std::string>& reasons,
                                                        const std::string& cause,
                                                        bool may_still_apply) {
  store_counters::add(counters_.ambiguous_appends);
  std::vector<std::int64_t> playheads;
  playheads.reserve(append.stream.size());
  for (const auto& message : append.stream) playheads.push_back(message.playhead());
  const auto unknown = [&](const std::string& why) {
    store_counters::add(counters_.unknown_commits);
    return commit_unknown(table_, std::string(append.aggregate_id), playheads, commit_ids,
                          cause + "; " + why);
  };

  std::vector<attribute_map> rows;
  try {
    rows = read_rows(append.aggregate_id, *std::min_element(playheads.begin(), playheads.end()),
                     *std::max_element(playheads.begin(), playheads.end()));
  } catch (const error& e) {
    throw unknown(std::string("reading the rows back failed: ") + e.what());
  }
  const auto verdict = judge_commit(rows, playheads, commit_ids);
  switch (verdict.outcome) {
    case commit_verdict::kind::ours:
      if (!verdict.first_position) {
        throw unknown("our rows are there but carry no GlobalPosition");
      }
      if (verdict.last_position) remember_at_least(*verdict.last_position);
      store_counters::add(counters_.recognised_commits);
      store_counters::add(counters_.appends);
      return verdict.first_position;
    case commit_verdict::kind::theirs: {
      std::vector<playhead_conflict> conflicts;
      for (const auto playhead : verdict.foreign_playheads) {
        conflicts.push_back({std::string(append.aggregate_id), playhead});
      }
      throw duplicate_playhead(append.stream, std::move(conflicts), reasons, table_);
    }
    case commit_verdict::kind::absent:
      if (!may_still_apply) return std::nullopt;
      throw unknown(
          "no row exists at these playheads yet, and a request of this append may still be in "
          "flight");
    case commit_verdict::kind::inconsistent:
      break;
  }
  throw unknown("the rows at these playheads are neither all this append's nor another writer's");
}

std::vector<attribute_map> conditional_counter::read_rows(std::string_view aggregate_id,
                                                          std::int64_t first_playhead,
                                                          std::int64_t last_playhead) const {
  dynamodb::query_request query;
  query.table_name = table_;
  query.key_condition_expression = "#id = :id AND #p BETWEEN :first AND :last";
  query.projection_expression = "#p, #g, #c";
  query.expression_attribute_names = {{"#id", std::string(layout::id)},
                                      {"#p", std::string(layout::playhead)},
                                      {"#g", std::string(layout::global_position)},
                                      {"#c", std::string(commit_id_attribute)}};
  query.expression_attribute_values = {{":id", attribute_value::string(std::string(aggregate_id))},
                                       {":first", attribute_value::number(first_playhead)},
                                       {":last", attribute_value::number(last_playhead)}};
  // Strongly consistent: the read must see every write that was acknowledged before it, ours
  // included.
  query.consistent_read = true;
  return client_->query_all(std::move(query));
}

void conditional_counter::remember_at_least(std::int64_t value) noexcept {
  auto known = last_known_.load(std::memory_order_relaxed);
  while (value > known &&
         !last_known_.compare_exchange_weak(known, value, std::memory_order_relaxed)) {
  }
}

dynamodb::transact_write_items_request conditional_counter::build_request(
    const std::vector<attribute_map>& items, counter_basis basis, std::int64_t next) const {
  using dynamodb::return_value_on_condition_check_failure;
  dynamodb::transact_write_items_request request;
  request.transact_items.reserve(items.size() + 1);
  // One token per distinct request: the client re-sends this very request with it, so a commit
  // whose answer was lost is not applied twice; the rows carry it as their commit id, so that
  // the store can recognise its own commit when it has to read it back.
  const std::string token = random_token();

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
    put.item.insert_or_assign(std::string(commit_id_attribute), attribute_value::string(token));
    put.condition_expression = std::string(layout::event_put_condition);
    put.return_values_on_condition_check_failure = return_value_on_condition_check_failure::all_old;
    request.transact_items.emplace_back(std::move(put));
  }
  request.client_request_token = token;
  return request;
}

void conditional_counter::send(const dynamodb::transact_write_items_request& request) {
  // Throttling, 5xx and network failures are retried inside the client (AWS standard mode, with
  // the same token: the request carries one, so even an ambiguous failure may be re-sent). The
  // observer only counts those retries for `statistics()`.
  dynamodb::detail::call_observer observer;
  try {
    client_->transact_write_items(request);
  } catch (...) {
    store_counters::add(counters_.transient_retries,
                        static_cast<std::uint64_t>(observer.retries()));
    throw;
  }
  store_counters::add(counters_.transient_retries, static_cast<std::uint64_t>(observer.retries()));
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
