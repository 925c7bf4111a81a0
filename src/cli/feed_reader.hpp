#pragma once

// The global feed as raw rows, for replay and export: GSI `Feed-GlobalPosition-index` pages in
// position order under the store's gap rule, with the store's own claim resolution
// (stores/dynamodb_gap_resolver.hpp): a hole covered by a void claim is passed at once, one
// covered by a committed claim is waited for (the index lags), and one nobody claimed is waited
// for up to the gap timeout, then fenced (a void claim), passed and reported on stderr.
//
// Raw rows rather than decoded messages: event lines embed the stored JSON texts verbatim.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"
#include "stores/dynamodb_gap_resolver.hpp"
#include "stores/dynamodb_gap_tracker.hpp"
#include "stores/dynamodb_store_counters.hpp"

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
  /// Set when the page stopped before a hole: how long until something may change there (it
  /// times out, or its claims are due to be read again).
  std::optional<std::chrono::milliseconds> hole_expires_in;
};

class feed_reader {
 public:
  /// `page_size` rows are examined per Query.
  feed_reader(const dynamodb::client& client, std::string table,
              std::chrono::milliseconds gap_timeout, std::int32_t page_size = 1000);

  /// One Query after position `after`.
  [[nodiscard]] feed_page read(std::int64_t after);

  /// Positions passed over after the gap timeout (fenced) so far; void-claimed positions are
  /// passed silently and not counted here.
  [[nodiscard]] std::int64_t skipped_positions() const noexcept { return skipped_positions_; }

 private:
  void report_skip(std::int64_t first, std::int64_t last);

  const dynamodb::client& client_;
  std::string table_;
  std::int32_t page_size_;
  detail::gap_tracker tracker_;
  detail::store_counters counters_;
  detail::gap_resolver resolver_;
  std::int64_t skipped_positions_ = 0;
};

/// How long to wait before reading again at a hole: 10 ms doubling to 1 s with each fruitless
/// read (`attempt` from 1), never past the moment the hole times out.
[[nodiscard]] std::chrono::milliseconds hole_wait(int attempt,
                                                  std::chrono::milliseconds expires_in);

}  // namespace dynamo_es::cli
