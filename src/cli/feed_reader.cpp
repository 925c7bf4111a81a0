#include "cli/feed_reader.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::cli {
namespace {

namespace layout = detail::table_layout;
using dynamodb::attribute_value;

}  // namespace

feed_reader::feed_reader(const dynamodb::client& client, std::string table,
                         std::chrono::milliseconds gap_timeout, std::int32_t page_size)
    : client_(client),
      table_(std::move(table)),
      page_size_(page_size),
      tracker_(gap_timeout),
      // The resolver wants shared ownership; the command's client outlives this reader, so a
      // non-owning pointer (aliasing an empty owner) is enough.
      resolver_(std::shared_ptr<const dynamodb::client>(std::shared_ptr<void>(), &client_), table_,
                counters_) {}

feed_page feed_reader::read(std::int64_t after) {
  dynamodb::query_request request;
  request.table_name = table_;
  request.index_name = std::string(layout::index_name);
  request.key_condition_expression = "Feed = :feed AND GlobalPosition > :after";
  request.expression_attribute_values.emplace(
      ":feed", attribute_value::string(std::string(layout::feed_value)));
  request.expression_attribute_values.emplace(":after", attribute_value::number(after));
  request.limit = page_size_;
  request.consistent_read = false;  // GSIs reject consistent reads
  auto response = client_.query(request);

  // Every position first, so that all holes of one response age together (one timeout per page
  // on a table with many burned positions, not one per hole), as the store does.
  std::vector<std::int64_t> positions;
  positions.reserve(response.items.size());
  for (const auto& item : response.items) {
    positions.push_back(detail::decode_global_position(item, table_));
  }
  std::int64_t expected = std::max<std::int64_t>(after, 0) + 1;
  for (const auto position : positions) {
    if (position > expected) tracker_.observe_missing(expected, position - 1);
    expected = std::max(expected, position + 1);
  }

  feed_page page;
  page.checkpoint = after;
  expected = std::max<std::int64_t>(after, 0) + 1;
  for (std::size_t i = 0; i < response.items.size(); ++i) {
    const auto position = positions[i];
    while (position > expected) {
      const detail::position_gap hole{expected, position - 1};
      auto verdict = resolver_.verdict(expected);
      if (!verdict && resolver_.resolve(hole, tracker_)) verdict = resolver_.verdict(expected);
      if (!verdict || verdict->what == detail::gap_verdict::kind::committed) {
        // Nothing known yet, or committed events the index has not shown: wait, never pass.
        page.more = true;
        page.hole_expires_in =
            resolver_.next_check_in(hole, tracker_).value_or(std::chrono::milliseconds(1000));
        return page;
      }
      const auto passed_to = std::min(verdict->last, hole.last);
      if (verdict->what == detail::gap_verdict::kind::fenced) report_skip(expected, passed_to);
      expected = passed_to + 1;
    }
    tracker_.observe_present(position);
    // Rows without Metadata are not events; the checkpoint still moves over them.
    if (detail::is_event_row(response.items[i])) {
      page.rows.push_back(feed_row{position, std::move(response.items[i])});
    }
    page.checkpoint = std::max(page.checkpoint, position);
    expected = std::max(expected, position + 1);
  }
  page.more = !response.last_evaluated_key.empty();
  return page;
}

void feed_reader::report_skip(std::int64_t first, std::int64_t last) {
  skipped_positions_ += last - first + 1;
  const auto waited = tracker_.missing_for(first, last);
  const std::string range = first == last ? fmt::format("position {}", first)
                                          : fmt::format("positions {}..{}", first, last);
  fmt::print(stderr,
             "dynamo-es: table \"{}\": passed over missing global {} after {} ms (burned by a "
             "writer that reserves positions before committing?)\n",
             table_, range, waited.count());
}

std::chrono::milliseconds hole_wait(int attempt, std::chrono::milliseconds expires_in) {
  std::chrono::milliseconds wait{10};
  for (int i = 1; i < attempt && wait < std::chrono::milliseconds(1000); ++i) wait *= 2;
  wait = std::min(wait, std::chrono::milliseconds(1000));
  return std::min(wait, expires_in + std::chrono::milliseconds(1));
}

}  // namespace dynamo_es::cli
