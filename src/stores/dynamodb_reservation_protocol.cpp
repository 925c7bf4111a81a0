#include "stores/dynamodb_reservation_protocol.hpp"

#include <string>
#include <utility>

#include "dynamo_es/dynamodb/errors.hpp"
#include "dynamo_es/error.hpp"
#include "dynamodb/retry_observer.hpp"
#include "stores/dynamodb_backoff.hpp"
#include "stores/dynamodb_claims.hpp"
#include "stores/dynamodb_commit_id.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

namespace layout = table_layout;
using dynamodb::attribute_value;

constexpr std::string_view operation = "TransactWriteItems";

std::string quote(std::string_view text) {
  constexpr std::size_t shown = 64;
  if (text.size() <= shown) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, shown)) + "...\"";
}

}  // namespace

reservation_protocol::reservation_protocol(std::shared_ptr<const dynamodb::client> client,
                                           std::string table, append_retry_options retry,
                                           store_counters& counters)
    : batch_writer(std::move(client), std::move(table), retry, counters) {}

std::int64_t reservation_protocol::reserve(std::int64_t count) {
  dynamodb::update_item_request add;
  add.table_name = table_;
  add.key = event_key(layout::counter_id, layout::counter_playhead);
  add.update_expression = "ADD #v :n";
  add.expression_attribute_names.emplace("#v", std::string(layout::counter_value));
  add.expression_attribute_values.emplace(":n", attribute_value::number(count));
  add.return_values = dynamodb::return_value::updated_new;
  // An ADD on a counter without a value would start again at 1 and hand out positions that are
  // taken (W12: the row deleted, or a restore without it): it must find a value.
  add.condition_expression = "attribute_exists(#v)";
  for (int attempt = 1;; ++attempt) {
    dynamodb::detail::call_observer observer;
    try {
      const auto answer = client_->update_item(add);
      store_counters::add(counters_.transient_retries,
                          static_cast<std::uint64_t>(observer.retries()));
      store_counters::add(counters_.reservations);
      const auto last = counter_value(answer.attributes, table_);
      if (!last) {
        throw serialization_error("The ADD on the global position counter of table " +
                                  quote(table_) + " returned no Value");
      }
      return *last - count + 1;
    } catch (const dynamodb::conditional_check_failed&) {
      // A new table, or a lost counter row: start the counter after the highest position in use
      // (the first writer to do so wins), then reserve again.
      store_counters::add(counters_.transient_retries,
                          static_cast<std::uint64_t>(observer.retries()));
      if (attempt >= max_reserve_attempts) throw;
      start_counter_after(highest_used_position(*client_, table_));
    } catch (const dynamodb::dynamodb_error& e) {
      store_counters::add(counters_.transient_retries,
                          static_cast<std::uint64_t>(observer.retries()));
      // A lost answer may have moved the counter: that range is burned (nobody will claim it,
      // readers fence it after their gap timeout). Another ADD costs nothing but a range.
      if (!e.ambiguous() || attempt >= max_reserve_attempts) throw;
    }
  }
}

void reservation_protocol::start_counter_after(std::int64_t highest) {
  dynamodb::update_item_request set;
  set.table_name = table_;
  set.key = event_key(layout::counter_id, layout::counter_playhead);
  set.update_expression = "SET #v = :highest";
  set.condition_expression = "attribute_not_exists(#v)";
  set.expression_attribute_names.emplace("#v", std::string(layout::counter_value));
  set.expression_attribute_values.emplace(":highest", attribute_value::number(highest));
  try {
    static_cast<void>(client_->update_item(set));
  } catch (const dynamodb::conditional_check_failed&) {
    // Another writer started it first: fine, ADD on.
  }
}

void reservation_protocol::void_range(std::int64_t first, std::int64_t count) noexcept {
  if (count < 1) return;
  try {
    if (put_void_claim(*client_, table_, first, count, layout::claim_voided_by_writer)) {
      store_counters::add(counters_.void_claims);
    }
  } catch (...) {
    // The readers fence the range after their gap timeout instead.
  }
}

void reservation_protocol::void_rest_after_fence(const cancellation_outcome& outcome,
                                                 std::int64_t first, std::int64_t count) noexcept {
  auto covered_to = first;  // the fence covers at least the first position
  try {
    if (outcome.claim_item) {
      if (const auto claim = decode_claim(*outcome.claim_item); claim && claim->covers(first)) {
        covered_to = claim->last();
      }
    }
  } catch (...) {
  }
  const auto last = first + count - 1;
  if (covered_to < last) void_range(covered_to + 1, last - covered_to);
}

void reservation_protocol::commit(std::span<pending_append* const> batch) noexcept {
  auto active = start(batch);
  int attempts = 0;
  int retries = 0;
  try {
    while (!active.empty()) {
      const auto count = static_cast<std::int64_t>(event_count(active));
      const auto first = reserve(count);
      dynamodb::transact_write_items_request request;
      add_claim_and_events(request, active, first, random_token());
      // Sends this range's request until it commits, or the range is given up (`next_range`).
      bool next_range = false;
      while (!next_range) {
        ++attempts;
        try {
          send(request);
          succeed_all(active, first);
          return;
        } catch (const dynamodb::transaction_canceled& e) {
          for (auto& a : active) a.maybe_applied = a.maybe_applied || e.ambiguous();
          // A cancellation after an ambiguous attempt of this same request might still be
          // followed by that attempt: the range is then left to the readers, never voided.
          const bool may_commit_later = e.ambiguous();
          const action_layout shape{false, static_cast<std::size_t>(count)};
          const auto outcome = classify_cancellation(e.cancellation_reasons(), shape);
          const auto reasons = describe_reasons(e);
          switch (outcome.outcome) {
            case cancellation_outcome::kind::fenced:
              store_counters::add(counters_.fenced_commits);
              void_rest_after_fence(outcome, first, count);
              next_range = true;
              break;
            case cancellation_outcome::kind::duplicate_playhead:
              settle_duplicates(active, outcome, e, shape);
              if (!may_commit_later) void_range(first, count);
              next_range = true;
              break;
            case cancellation_outcome::kind::other:
              settle_blocked(active, e, outcome, shape, reasons);
              if (!may_commit_later) void_range(first, count);
              next_range = true;
              break;
            case cancellation_outcome::kind::counter_moved:  // no counter action: not produced
            case cancellation_outcome::kind::transient:
              store_counters::add(counters_.transient_retries);
              break;
          }
          if (active.empty()) return;
          if (attempts >= retry_.max_attempts) {
            if (!next_range && !may_commit_later) void_range(first, count);
            std::size_t first_event = 0;
            for (auto& a : active) {
              const auto events = a.append->items.size();
              if (a.maybe_applied && settle(a, reasons, e.what(), true)) {
                first_event += events;
                continue;
              }
              if (outcome.outcome == cancellation_outcome::kind::fenced) {
                a.append->failure = std::make_exception_ptr(dynamodb::transaction_conflict(
                    std::string(operation), e.error_name(),
                    "Append to aggregate " + quote(a.append->aggregate_id) + " in table " +
                        quote(table_) + " found its reserved positions fenced by readers " +
                        std::to_string(attempts) +
                        " times in a row; nothing was written (raise append_retry.max_attempts?)",
                    e.http_status(), e.request_id()));
              } else {
                a.append->failure =
                    cancellation_error(e, outcome, table_, *a.append, shape, first_event);
              }
              first_event += events;
            }
            return;
          }
          if (!next_range) pause_before_retry(++retries, false);
        } catch (const dynamodb::dynamodb_error& e) {
          // The client gave up on this request. Not ambiguous: nothing of it was applied, the
          // range is abandoned. Ambiguous: it may have been (or still be) applied: never void it.
          for (auto& a : active) a.maybe_applied = a.maybe_applied || e.ambiguous();
          if (!e.ambiguous()) void_range(first, count);
          fail_all(active, std::current_exception(), e.what());
          return;
        }
      }
    }
  } catch (const dynamodb::dynamodb_error& e) {
    // The reservation failed (its answers lost too often, or the client gave up): this range was
    // not written; earlier ranges of the batch were abandoned and handled.
    fail_all(active, std::current_exception(), e.what());
  } catch (...) {
    fail_all(active, std::current_exception(), "unexpected failure");
  }
}

}  // namespace dynamo_es::detail
