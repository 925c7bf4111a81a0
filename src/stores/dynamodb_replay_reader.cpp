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
            << " ms (burned by a writer that reserves positions before committing?)\n";
}

}  // namespace

replay_read assemble_replay_page(const std::vector<attribute_map>& items, bool more_in_index,
                                 const criteria& filter, std::int64_t after, std::string_view table,
                                 gap_tracker& tracker,
                                 const std::function<void(const skipped_gap&)>& on_skip,
                                 const bad_row_handling& bad_rows) {
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
      if (!tracker.expired(expected, position - 1)) {
        return {replay_page(std::move(events), last, true), position_gap{expected, position - 1}};
      }
      on_skip(skipped_gap{std::string(table), expected, position - 1,
                          tracker.missing_for(expected, position - 1)});
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
      logger_(std::move(logger)),
      bad_rows_{bad_rows, [this](const corrupt_row_report& row) { report(row); }},
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
  return assemble_replay_page(
      response.items, !response.last_evaluated_key.empty(), filter, after, table_, tracker_,
      [this](const skipped_gap& gap) { report(gap); }, bad_rows_);
}

replay_read replay_reader::read_page(const criteria& filter, std::int64_t after,
                                     std::int64_t limit) {
  return assemble(client_->query(feed_query(after, limit)), filter, after);
}

void replay_reader::visit(const criteria& filter, event_visitor& visitor, std::int64_t page_size,
                          bool pipelined) {
  // Page k+1 is on the wire while page k is decoded and visited (see
  // dynamodb_replay_prefetch.hpp); a visitor's exception drops the prefetch on the way out.
  replay_prefetcher prefetch([this, page_size](std::int64_t after) {
    return client_->query(feed_query(after, page_size));
  });
  std::int64_t checkpoint = 0;
  int waits = 0;
  for (;;) {
    const auto read = pipelined ? assemble(prefetch.next(checkpoint), filter, checkpoint)
                                : read_page(filter, checkpoint, page_size);
    for (const auto& event : read.page.events()) visitor.do_with_event(event.message);
    const auto reached = read.page.last_processed_global_position();
    if (read.stopped_at) {
      // A hole fills within moments (a lagging index) or times out (a burned position); either
      // way reading again at once would only spin.
      waits = reached > checkpoint ? 1 : waits + 1;
      checkpoint = reached;
      store_counters::add(counters_.gap_waits);
      const auto left = tracker_.time_until_expired(read.stopped_at->first, read.stopped_at->last);
      std::this_thread::sleep_for(
          std::min(exponential_backoff(waits, first_gap_wait, longest_gap_wait),
                   left + std::chrono::milliseconds(1)));
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
