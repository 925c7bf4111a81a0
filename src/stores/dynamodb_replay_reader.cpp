#include "stores/dynamodb_replay_reader.hpp"

#include <algorithm>
#include <iostream>
#include <limits>
#include <optional>
#include <thread>
#include <utility>

#include "dynamo_es/event_store_errors.hpp"
#include "stores/dynamodb_backoff.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_replay_prefetch.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

namespace layout = table_layout;
using dynamodb::attribute_map;
using dynamodb::attribute_value;

constexpr std::chrono::milliseconds first_gap_wait{10};
constexpr std::chrono::milliseconds longest_gap_wait{1000};

// Registers every hole visible in items[from..] with the tracker, so that all holes of one
// response age together: a table with many burned positions then costs one timeout per page, not
// one per hole.
void observe_holes(const std::vector<attribute_map>& items, std::size_t from, std::int64_t expected,
                   std::string_view table, gap_tracker& tracker) {
  for (std::size_t i = from; i < items.size(); ++i) {
    std::int64_t position = 0;
    try {
      position = decode_global_position(items[i], table);
    } catch (const error&) {
      return;  // reported when the page reaches that row
    }
    if (position > expected) tracker.observe_missing(expected, position - 1);
    expected = std::max(expected, position + 1);
  }
}

void log_to_stderr(const skipped_gap& gap) {
  std::cerr << "dynamo-es: table \"" << gap.table_name << "\": replay passed over missing global "
            << "position" << (gap.first_position == gap.last_position ? " " : "s ")
            << gap.first_position;
  if (gap.last_position != gap.first_position) std::cerr << ".." << gap.last_position;
  std::cerr << " after " << gap.missing_for.count()
            << " ms: no claim covered it, so the replay fenced it with a void claim (a writer "
               "that reserved it died, or the PHP package burned it)\n";
}

// Passes the positions of `hole` (from its first one on) that the claims settled as void or
// fenced, reporting each run; returns the first position it could not pass (hole.last + 1 when
// it passed them all). Committed and unknown positions are never passed here.
std::int64_t pass_settled(const position_gap& hole, std::string_view table,
                          const gap_tracker& tracker,
                          const std::function<void(const skipped_gap&)>& on_skip,
                          const claim_handling& claims) {
  auto next = hole.first;
  while (next <= hole.last) {
    const auto verdict = claims.verdict(next);
    if (!verdict || verdict->last < next || verdict->what == gap_verdict::kind::committed) break;
    // One report per run of the same verdict, however the verdicts were learnt.
    auto end = std::min(verdict->last, hole.last);
    while (end < hole.last) {
      const auto following = claims.verdict(end + 1);
      if (!following || following->what != verdict->what || following->last <= end) break;
      end = std::min(following->last, hole.last);
    }
    if (verdict->what == gap_verdict::kind::voided) {
      if (claims.on_void_passed) claims.on_void_passed(position_gap{next, end});
    } else {
      on_skip(skipped_gap{std::string(table), next, end, tracker.missing_for(next, end)});
    }
    next = end + 1;
  }
  return next;
}

}  // namespace

replay_read assemble_replay_page(const std::vector<attribute_map>& items, bool more_in_index,
                                 const criteria& filter, std::int64_t after, std::string_view table,
                                 gap_tracker& tracker,
                                 const std::function<void(const skipped_gap&)>& on_skip,
                                 const bad_row_handling& bad_rows, const claim_handling& claims) {
  std::vector<replay_event> events;
  auto last = after;
  // Positions start at 1: a checkpoint below 0 expects position 1 next.
  auto expected = std::max<std::int64_t>(after, 0) + 1;
  bool holes_observed = false;
  const bool skip_bad_rows = bad_rows.policy == bad_row_policy::skip;
  // Under `stop` the page ends before the bad row, so every event before it is delivered and the
  // next page (which starts at the row) throws: where a replay stops does not depend on the page
  // size. A bad first row has nothing before it to deliver.
  const auto stop_before = [&](std::size_t index, const corrupt_event_row& bad) -> replay_read {
    if (index == 0) throw bad;
    return {replay_page(std::move(events), last, true), std::nullopt};
  };
  const auto report = [&](const corrupt_row_report& row) {
    if (bad_rows.on_skip) bad_rows.on_skip(row);
  };
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    const auto where = read_feed_position(item);
    if (where.what != feed_position::kind::valid) {
      try {
        static_cast<void>(decode_global_position(item, table));
      } catch (const corrupt_event_row& bad) {
        if (!skip_bad_rows || where.what == feed_position::kind::unusable) {
          // A position between two integers (or none at all) has no checkpoint that passes it.
          return stop_before(i, bad);
        }
        report(bad.report());
        if (where.what == feed_position::kind::beyond_int64) {
          // The index sorts numerically: every later row is beyond int64 too. The checkpoint
          // stays, so a later replay reports the row again.
          return {replay_page(std::move(events), last, false), std::nullopt};
        }
        last = std::max(last, where.value);  // negative: below every real position
        continue;
      }
    }
    const auto position = where.value;
    if (position > expected) {
      if (!holes_observed) {
        observe_holes(items, i, expected, table, tracker);
        holes_observed = true;
      }
      const position_gap hole{expected, position - 1};
      if (claims.verdict) {
        const auto unsettled = pass_settled(hole, table, tracker, on_skip, claims);
        if (unsettled <= hole.last) {
          if (unsettled > hole.first) last = std::max(last, unsettled - 1);
          return {replay_page(std::move(events), last, true), position_gap{unsettled, hole.last}};
        }
      } else {
        if (!tracker.expired(hole.first, hole.last)) {
          return {replay_page(std::move(events), last, true), hole};
        }
        on_skip(skipped_gap{std::string(table), hole.first, hole.last,
                            tracker.missing_for(hole.first, hole.last)});
      }
    }
    tracker.observe_present(position);
    // Rows without any event attribute are not events (W7/W8) but the checkpoint still moves over
    // them, so a page of such rows cannot stall a reader.
    if (is_event_row(item)) {
      std::optional<domain_message> message;
      try {
        message.emplace(decode_event(item, table));
      } catch (const corrupt_event_row& bad) {
        if (!skip_bad_rows) return stop_before(i, bad);
        report(bad.report());
      }
      if (message && filter.is_matched_by(*message)) {
        events.push_back(replay_event{std::move(*message), position});
      }
    }
    last = std::max(last, position);
    expected = std::max(expected, position + 1);
  }
  return {replay_page(std::move(events), last, more_in_index), std::nullopt};
}

replay_reader::replay_reader(std::shared_ptr<const dynamodb::client> client, std::string table,
                             std::chrono::milliseconds gap_timeout, gap_logger logger,
                             bad_row_policy bad_rows, bad_row_logger on_bad_row,
                             store_counters& counters)
    : client_(std::move(client)),
      table_(std::move(table)),
      tracker_(gap_timeout),
      resolver_(client_, table_, counters),
      logger_(std::move(logger)),
      bad_row_policy_(bad_rows),
      on_bad_row_(std::move(on_bad_row)),
      counters_(counters) {}

dynamodb::query_request replay_reader::feed_query(std::int64_t after, std::int64_t limit) const {
  dynamodb::query_request request;
  request.table_name = table_;
  request.index_name = std::string(layout::index_name);
  request.key_condition_expression = "Feed = :feed AND GlobalPosition > :after";
  request.expression_attribute_values.emplace(
      ":feed", attribute_value::string(std::string(layout::feed_value)));
  request.expression_attribute_values.emplace(":after", attribute_value::number(after));
  request.limit = static_cast<std::int32_t>(
      std::clamp<std::int64_t>(limit, 1, std::numeric_limits<std::int32_t>::max()));
  request.consistent_read = false;  // GSIs reject consistent reads
  return request;
}

replay_read replay_reader::assemble(const dynamodb::query_response& response,
                                    const criteria& filter, std::int64_t after) {
  for (;;) {
    // Reports are collected and delivered for the final assembly only: an assembly the resolver
    // sends round again would otherwise report the same passes twice.
    std::vector<skipped_gap> skipped;
    std::vector<position_gap> voided;
    std::vector<corrupt_row_report> bad;
    const auto deliver = [&] {
      for (const auto& run : voided) {
        store_counters::add(counters_.void_positions_passed,
                            static_cast<std::uint64_t>(run.last - run.first + 1));
      }
      for (const auto& gap : skipped) report(gap);
      for (const auto& row : bad) report(row);
    };
    const bad_row_handling bad_rows{bad_row_policy_,
                                    [&bad](const corrupt_row_report& row) { bad.push_back(row); }};
    const claim_handling claims{
        [this](std::int64_t position) { return resolver_.verdict(position); },
        [&voided](const position_gap& run) { voided.push_back(run); }};
    std::optional<replay_read> read;
    try {
      read.emplace(assemble_replay_page(
          response.items, !response.last_evaluated_key.empty(), filter, after, table_, tracker_,
          [&skipped](const skipped_gap& gap) { skipped.push_back(gap); }, bad_rows, claims));
    } catch (...) {
      deliver();  // what was passed before the failure was passed
      throw;
    }
    if (read->stopped_at && resolver_.resolve(*read->stopped_at, tracker_)) continue;
    deliver();
    return std::move(*read);
  }
}

replay_read replay_reader::read_page(const criteria& filter, std::int64_t after,
                                     std::int64_t limit) {
  return assemble(client_->query(feed_query(after, limit)), filter, after);
}

void replay_reader::visit(const criteria& filter, event_visitor& visitor, std::int64_t page_size,
                          bool pipelined) {
  // Page k+1 is on the wire while page k is decoded and visited (see
  // dynamodb_replay_prefetch.hpp); a visitor's exception drops the prefetch on the way out. A
  // prefetched page whose holes the claims already settled as void is used as it is (the
  // lookup runs on this thread, inside `next`).
  replay_prefetcher prefetch(
      [this, page_size](std::int64_t after) {
        return client_->query(feed_query(after, page_size));
      },
      [this](std::int64_t first, std::int64_t last) { return resolver_.passable(first, last); });
  std::int64_t checkpoint = 0;
  int waits = 0;
  for (;;) {
    const auto read = assemble(
        pipelined ? prefetch.next(checkpoint) : client_->query(feed_query(checkpoint, page_size)),
        filter, checkpoint);
    for (const auto& event : read.page.events()) visitor.do_with_event(event.message);
    const auto reached = read.page.last_processed_global_position();
    if (read.stopped_at) {
      // A hole fills within moments (a lagging index), is settled by its claims, or times out
      // (then it is fenced); reading again at once would only spin.
      waits = reached > checkpoint ? 1 : waits + 1;
      checkpoint = reached;
      store_counters::add(counters_.gap_waits);
      auto wait = exponential_backoff(waits, first_gap_wait, longest_gap_wait);
      if (const auto due = resolver_.next_check_in(*read.stopped_at, tracker_)) {
        wait = std::min(wait, *due + std::chrono::milliseconds(1));
      }
      std::this_thread::sleep_for(wait);
      continue;
    }
    if (!read.page.has_more()) return;
    if (reached <= checkpoint) {
      throw event_store_management_error(
          "Replay of table \"" + table_ + "\" made no progress after global position " +
          std::to_string(checkpoint) + " although DynamoDB reported more rows");
    }
    checkpoint = reached;
  }
}

void replay_reader::report(const skipped_gap& gap) {
  store_counters::add(counters_.skipped_gaps);
  store_counters::add(counters_.skipped_positions,
                      static_cast<std::uint64_t>(gap.last_position - gap.first_position + 1));
  if (logger_) {
    logger_(gap);
  } else {
    log_to_stderr(gap);
  }
}

void replay_reader::report(const corrupt_row_report& row) {
  store_counters::add(counters_.bad_rows_skipped);
  if (on_bad_row_) {
    on_bad_row_(row);
  } else {
    std::cerr << "dynamo-es: replay passed over a row that holds no valid event "
              << "(bad_row_policy::skip): " << row.message << "\n";
  }
}

}  // namespace dynamo_es::detail
