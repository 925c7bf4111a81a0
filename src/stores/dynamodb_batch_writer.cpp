#include "stores/dynamodb_batch_writer.hpp"

#include <algorithm>
#include <thread>
#include <utility>

#include "dynamo_es/event_store_errors.hpp"
#include "dynamodb/retry_observer.hpp"
#include "stores/dynamodb_backoff.hpp"
#include "stores/dynamodb_claims.hpp"
#include "stores/dynamodb_commit_id.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

namespace layout_names = table_layout;
using dynamodb::attribute_map;
using dynamodb::attribute_value;

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

std::string describe_reason(const dynamodb::cancellation_reason& reason) {
  return reason.message.empty() ? reason.code : reason.code + ": " + reason.message;
}

}  // namespace

cancellation_outcome classify_cancellation(
    const std::vector<dynamodb::cancellation_reason>& reasons, action_layout layout) {
  cancellation_outcome result;
  if (reasons.size() != layout.size()) {
    return result;  // not the shape of our transaction: `other`, rethrown as is
  }
  bool transient = false;
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    const auto& reason = reasons[i];
    if (reason.is_none()) continue;
    if (reason.is_conditional_check_failed()) {
      if (layout.counter && i == 0) {
        result.counter_failed = true;
        result.counter_item = reason.item;
      } else if (i == layout.claim_action()) {
        result.claim_failed = true;
        result.claim_item = reason.item;
      } else {
        result.duplicate_events.push_back(i - layout.first_event_action());
      }
      continue;
    }
    if (!is_transient_code(reason.code)) {
      // A validation failure (or an unknown code) says the request itself is wrong: nothing is
      // retried or reported as a duplicate on the strength of the other reasons.
      result.outcome = cancellation_outcome::kind::other;
      result.blocking_reason = reason;
      result.blocking_action = i;
      result.duplicate_events.clear();
      return result;
    }
    if (!result.blocking_reason) {
      result.blocking_reason = reason;
      result.blocking_action = i;
    }
    transient = true;
  }
  // An existing row is a duplicate whatever the counter or the claim did: the rows' keys do not
  // depend on positions. A moved counter explains a failed claim (the claim is someone's at the
  // position we computed from an old value), so it is read first.
  if (!result.duplicate_events.empty()) {
    result.outcome = cancellation_outcome::kind::duplicate_playhead;
  } else if (result.counter_failed) {
    result.outcome = cancellation_outcome::kind::counter_moved;
  } else if (result.claim_failed) {
    result.outcome = cancellation_outcome::kind::fenced;
  } else if (transient) {
    result.outcome = cancellation_outcome::kind::transient;
  }
  return result;
}

std::exception_ptr cancellation_error(const dynamodb::transaction_canceled& error,
                                      const cancellation_outcome& outcome, std::string_view table,
                                      const pending_append& append, action_layout layout,
                                      std::size_t first_event) {
  if (!outcome.blocking_reason) return std::make_exception_ptr(error);
  const auto& reason = *outcome.blocking_reason;
  std::string action = "another append of its batch";
  if (outcome.blocking_action) {
    const auto index = *outcome.blocking_action;
    if (layout.counter && index == 0) {
      action = "the global position counter";
    } else if (index == layout.claim_action()) {
      action = "the claim of its positions";
    } else if (index >= layout.first_event_action() + first_event &&
               index < layout.first_event_action() + first_event + append.stream.size()) {
      action = "the event at playhead " +
               std::to_string(
                   append.stream[index - layout.first_event_action() - first_event].playhead());
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
  const auto it = item.find(std::string(layout_names::counter_value));
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

std::vector<std::vector<std::size_t>> duplicates_per_append(
    const std::vector<std::size_t>& event_counts,
    const std::vector<std::size_t>& duplicate_events) {
  std::vector<std::vector<std::size_t>> result(event_counts.size());
  for (const auto event : duplicate_events) {
    std::size_t offset = 0;
    for (std::size_t i = 0; i < event_counts.size(); ++i) {
      if (event < offset + event_counts[i]) {
        result[i].push_back(event - offset);
        break;
      }
      offset += event_counts[i];
    }
  }
  return result;
}

batch_writer::batch_writer(std::shared_ptr<const dynamodb::client> client, std::string table,
                           append_retry_options retry, store_counters& counters)
    : client_(std::move(client)), table_(std::move(table)), retry_(retry), counters_(counters) {
  retry_.max_attempts = std::max(retry_.max_attempts, 1);
}

batch_writer::in_flight batch_writer::start(std::span<pending_append* const> batch) {
  in_flight active;
  active.reserve(batch.size());
  for (auto* append : batch) {
    if (append != nullptr && !append->settled()) active.push_back({append, {}, false});
  }
  return active;
}

std::size_t batch_writer::event_count(const in_flight& active) noexcept {
  std::size_t total = 0;
  for (const auto& a : active) total += a.append->items.size();
  return total;
}

void batch_writer::add_claim_and_events(dynamodb::transact_write_items_request& request,
                                        in_flight& active, std::int64_t first,
                                        const std::string& token) const {
  using dynamodb::return_value_on_condition_check_failure;
  const auto total = event_count(active);
  request.transact_items.reserve(request.transact_items.size() + total + 1);
  // One claim for the whole range: a reader that finds any of these positions missing learns
  // from it that the events are committed (strongly consistent read), and a reader's fence at
  // `first` makes this transaction fail instead of being skipped.
  request.transact_items.emplace_back(
      claim_put(table_, committed_claim_item(first, static_cast<std::int64_t>(total), token)));
  auto position = first;
  for (auto& a : active) {
    a.commit_ids.push_back(token);
    for (const auto& item : a.append->items) {
      dynamodb::transact_put put;
      put.table_name = table_;
      put.item = item;
      set_global_position(put.item, position++);
      put.item.insert_or_assign(std::string(commit_id_attribute), attribute_value::string(token));
      put.condition_expression = std::string(layout_names::event_put_condition);
      put.return_values_on_condition_check_failure =
          return_value_on_condition_check_failure::all_old;
      request.transact_items.emplace_back(std::move(put));
    }
  }
  request.client_request_token = token;
}

void batch_writer::send(const dynamodb::transact_write_items_request& request) {
  // Throttling, 5xx and network failures are retried inside the client (AWS standard mode, with
  // the same token: the request carries one, so even an ambiguous failure may be re-sent). The
  // observer only counts those retries for `statistics()`.
  store_counters::add(counters_.commit_transactions);
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

void batch_writer::succeed(pending_append& append, std::int64_t first) noexcept {
  append.first_position = first;
  store_counters::add(counters_.appends);
}

void batch_writer::succeed_all(in_flight& active, std::int64_t first) noexcept {
  auto position = first;
  for (auto& a : active) {
    succeed(*a.append, position);
    position += static_cast<std::int64_t>(a.append->items.size());
  }
  if (position > first) saw_position(position - 1);
  active.clear();
}

void batch_writer::fail_all(in_flight& active, const std::exception_ptr& failure,
                            const std::string& cause) {
  for (auto& a : active) {
    if (a.maybe_applied && settle(a, {}, cause, true)) continue;
    a.append->failure = failure;
  }
  active.clear();
}

void batch_writer::settle_duplicates(in_flight& active, const cancellation_outcome& outcome,
                                     const dynamodb::transaction_canceled& error,
                                     action_layout layout) {
  std::vector<std::size_t> counts;
  counts.reserve(active.size());
  for (const auto& a : active) counts.push_back(a.append->items.size());
  const auto per_append = duplicates_per_append(counts, outcome.duplicate_events);
  const auto& all = error.cancellation_reasons();
  const std::string cause = error.what();
  std::size_t first_event = 0;
  for (std::size_t i = 0; i < active.size(); ++i) {
    const auto begin = layout.first_event_action() + first_event;
    first_event += counts[i];
    if (per_append[i].empty()) continue;
    auto& a = active[i];
    // The reasons the append's own error lists, as before batches and claims: the counter's (when
    // the transaction had one), then one per event of this append.
    std::vector<std::string> reasons;
    if (layout.counter && !all.empty()) reasons.push_back(describe_reason(all[0]));
    for (std::size_t k = begin; k < begin + counts[i] && k < all.size(); ++k) {
      reasons.push_back(describe_reason(all[k]));
    }
    // The rows that exist may be our own: an earlier attempt was applied, its answer lost, and
    // DynamoDB did not honour the token on the re-send (its window had passed, or it was an
    // earlier request of this append under another token).
    if (a.maybe_applied && settle(a, reasons, cause, true)) continue;
    std::vector<playhead_conflict> conflicts;
    for (const auto index : per_append[i]) {
      conflicts.push_back({a.append->aggregate_id, a.append->stream[index].playhead()});
    }
    try {
      throw duplicate_playhead(a.append->stream, std::move(conflicts), reasons, table_);
    } catch (...) {
      a.append->failure = std::current_exception();
    }
  }
  drop_settled(active);
}

void batch_writer::settle_blocked(in_flight& active, const dynamodb::transaction_canceled& error,
                                  const cancellation_outcome& outcome, action_layout layout,
                                  const std::vector<std::string>& reasons) {
  std::size_t first_event = 0;
  bool all = !outcome.blocking_action || *outcome.blocking_action < layout.first_event_action();
  for (auto& a : active) {
    const auto count = a.append->items.size();
    const auto begin = layout.first_event_action() + first_event;
    const bool blocking =
        all || (*outcome.blocking_action >= begin && *outcome.blocking_action < begin + count);
    if (blocking) {
      if (!(a.maybe_applied && settle(a, reasons, error.what(), true))) {
        a.append->failure =
            cancellation_error(error, outcome, table_, *a.append, layout, first_event);
      }
    }
    first_event += count;
  }
  drop_settled(active);
}

bool batch_writer::settle(append_in_flight& in, const std::vector<std::string>& reasons,
                          const std::string& cause, bool may_still_apply) noexcept {
  auto& append = *in.append;
  try {
    store_counters::add(counters_.ambiguous_appends);
    std::vector<std::int64_t> playheads;
    playheads.reserve(append.stream.size());
    for (const auto& message : append.stream) playheads.push_back(message.playhead());
    const auto unknown = [&](const std::string& why) {
      store_counters::add(counters_.unknown_commits);
      return commit_unknown(table_, append.aggregate_id, playheads, in.commit_ids,
                            cause + "; " + why);
    };
    if (playheads.empty()) throw unknown("the append holds no event");

    std::vector<attribute_map> rows;
    try {
      rows = read_rows(append.aggregate_id, *std::min_element(playheads.begin(), playheads.end()),
                       *std::max_element(playheads.begin(), playheads.end()));
    } catch (const error& e) {
      throw unknown(std::string("reading the rows back failed: ") + e.what());
    }
    const auto verdict = judge_commit(rows, playheads, in.commit_ids);
    switch (verdict.outcome) {
      case commit_verdict::kind::ours:
        if (!verdict.first_position) {
          throw unknown("our rows are there but carry no GlobalPosition");
        }
        if (verdict.last_position) saw_position(*verdict.last_position);
        store_counters::add(counters_.recognised_commits);
        succeed(append, *verdict.first_position);
        return true;
      case commit_verdict::kind::theirs: {
        std::vector<playhead_conflict> conflicts;
        for (const auto playhead : verdict.foreign_playheads) {
          conflicts.push_back({append.aggregate_id, playhead});
        }
        throw duplicate_playhead(append.stream, std::move(conflicts), reasons, table_);
      }
      case commit_verdict::kind::absent:
        if (!may_still_apply) {
          in.maybe_applied = false;
          return false;
        }
        throw unknown(
            "no row exists at these playheads yet, and a request of this append may still be in "
            "flight");
      case commit_verdict::kind::inconsistent:
        break;
    }
    throw unknown("the rows at these playheads are neither all this append's nor another writer's");
  } catch (...) {
    append.failure = std::current_exception();
    return true;
  }
}

std::vector<attribute_map> batch_writer::read_rows(std::string_view aggregate_id,
                                                   std::int64_t first_playhead,
                                                   std::int64_t last_playhead) const {
  dynamodb::query_request query;
  query.table_name = table_;
  query.key_condition_expression = "#id = :id AND #p BETWEEN :first AND :last";
  query.projection_expression = "#p, #g, #c";
  query.expression_attribute_names = {{"#id", std::string(layout_names::id)},
                                      {"#p", std::string(layout_names::playhead)},
                                      {"#g", std::string(layout_names::global_position)},
                                      {"#c", std::string(commit_id_attribute)}};
  query.expression_attribute_values = {{":id", attribute_value::string(std::string(aggregate_id))},
                                       {":first", attribute_value::number(first_playhead)},
                                       {":last", attribute_value::number(last_playhead)}};
  // Strongly consistent: the read must see every write that was acknowledged before it, ours
  // included.
  query.consistent_read = true;
  return client_->query_all(std::move(query));
}

void batch_writer::drop_settled(in_flight& active) {
  std::erase_if(active, [](const append_in_flight& a) { return a.append->settled(); });
}

std::vector<std::string> batch_writer::describe_reasons(
    const dynamodb::transaction_canceled& error) {
  std::vector<std::string> reasons;
  for (const auto& reason : error.cancellation_reasons())
    reasons.push_back(describe_reason(reason));
  return reasons;
}

void batch_writer::pause_before_retry(int retry, bool first_retry_immediate) const {
  // After a lost counter race (or a fence) the first retry goes at once: we know where to go.
  // Conflicts and throttling always back off.
  if (first_retry_immediate && retry <= 1) return;
  std::this_thread::sleep_for(jittered_backoff(first_retry_immediate ? retry - 1 : retry,
                                               retry_.initial_backoff, retry_.max_backoff));
}

}  // namespace dynamo_es::detail
