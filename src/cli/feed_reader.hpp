#pragma once

// The global feed as raw rows, for replay and export: GSI `Feed-GlobalPosition-index` pages in
// position order under the store's gap rule. Positions are dense, so a hole is either an event the
// (eventually consistent) index has not shown yet or a position another writer burned; a page
// never passes a hole until it has been missing for the gap timeout (the store's
// `gap_tracker` decides), and every hole passed over is reported on stderr.
//
// Raw rows rather than decoded messages: event lines embed the stored JSON texts verbatim.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"
#include "stores/dynamodb_gap_tracker.hpp"

namespace dynamo_es::cli {

/// An event row of the feed and its position.
struct feed_row {
  std::int64_t position = 0;
  dynamodb::attribute_map row;
};

/// One read of the feed.
struct feed_page {
  /// The event rows after the checkpoint, in position order, up to a hole that has not timed out.
  std::vector<feed_row> rows;
  /// The position of the last row examined (event or not); the `after` of the next read.
  std::int64_t checkpoint = 0;
  /// True when the index has more rows after this page (read again at once).
  bool more = false;
  /// Set when the page stopped before a hole: how long until it times out.
  std::optional<std::chrono::milliseconds> hole_expires_in;
};

class feed_reader {
 public:
  /// `page_size` rows are examined per Query.
  feed_reader(const dynamodb::client& client, std::string table,
              std::chrono::milliseconds gap_timeout, std::int32_t page_size = 1000);

  /// One Query after position `after`.
  [[nodiscard]] feed_page read(std::int64_t after);

  /// Holes passed over so far (positions).
  [[nodiscard]] std::int64_t skipped_positions() const noexcept { return skipped_positions_; }

 private:
  void report_skip(std::int64_t first, std::int64_t last);

  const dynamodb::client& client_;
  std::string table_;
  std::int32_t page_size_;
  detail::gap_tracker tracker_;
  std::int64_t skipped_positions_ = 0;
};

/// How long to wait before reading again at a hole: 10 ms doubling to 1 s with each fruitless
/// read (`attempt` from 1), never past the moment the hole times out.
[[nodiscard]] std::chrono::milliseconds hole_wait(int attempt,
                                                  std::chrono::milliseconds expires_in);

}  // namespace dynamo_es::cli
