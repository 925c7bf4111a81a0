#pragma once

// Replay pipelining: while page k of the feed is decoded and visited, the Query for page k+1 is
// already on the wire, so a replay costs max(round trip, decode + visit) per page instead of
// their sum.
//
// The next page's request is known before page k is decoded: the feed is read by position, and
// a page that does not stop at a hole ends at the GlobalPosition of DynamoDB's LastEvaluatedKey,
// which is where the next page starts. A prefetched page is used only when the reader asks for
// exactly that `after` (a page that stopped before a hole asks for an earlier one) and when its
// rows hold consecutive positions: a page with a hole is fetched again, now, so that the gap rule
// judges holes on a response as fresh as the sequential reader's (a prefetched response is older
// by the time the previous page took to decode and visit, and judging its holes could pass over a
// position sooner than the gap timeout allows).
//
// At most one request is in flight per prefetcher, as in the sequential reader.

#include <cstdint>
#include <functional>
#include <future>
#include <optional>

#include "dynamo_es/dynamodb/requests.hpp"

namespace dynamo_es::detail {

/// Sends the feed Query for the rows after `after` and returns DynamoDB's answer (one request).
/// Prefetches call it on a background thread, so it must be safe to call from any thread while
/// the caller of the prefetcher works on the previous page (a `dynamodb::client` is).
using feed_page_fetch = std::function<dynamodb::query_response(std::int64_t after)>;

/// Where the page that follows `page` starts: the `GlobalPosition` of its LastEvaluatedKey (or,
/// when the key carries none, of its last row). nullopt on the last page (no LastEvaluatedKey) or
/// when no integer position can be read: then nothing is fetched ahead.
[[nodiscard]] std::optional<std::int64_t> next_page_after(const dynamodb::query_response& page);

/// Whether every position of [first, last] is known to hold no event (void claims), so that a
/// page missing them needs no fresh read. Called on the prefetcher's caller thread.
using known_void_range = std::function<bool(std::int64_t first, std::int64_t last)>;

/// True when the rows of `page` hold the positions `max(after, 0) + 1`, `+ 2`, ... without a
/// hole (an empty page does), not counting holes `known_void` (when set) says hold no event. A
/// row without an integer `GlobalPosition` counts as a hole.
[[nodiscard]] bool holds_consecutive_positions(const dynamodb::query_response& page,
                                               std::int64_t after,
                                               const known_void_range& known_void = {});

/// Hands out feed pages in order, fetching the next one in the background while the caller works
/// on the current one.
///
/// Errors: an exception of the fetch for the `after` the caller asks for propagates from `next`
/// for that `after`, never earlier; the exception of a prefetch that is not used (the caller asked
/// for another `after`, or was destroyed) is dropped, as is the prefetch.
/// Cancellation: `cancel()` (also run by the destructor, e.g. while a visitor's exception unwinds
/// the replay) starts no further request and waits for the one in flight to end: the client cannot
/// abort a request, and the fetch may use objects that die with the caller. That wait is at most
/// the transport's request timeout.
/// Thread-safety: one prefetcher serves one replay on one thread; it is not itself shareable.
/// Neither copyable nor movable (a running fetch refers to it).
class replay_prefetcher {
 public:
  /// Counts since construction.
  struct statistics {
    std::uint64_t fetched_now = 0;    ///< pages fetched on the caller's thread
    std::uint64_t fetched_ahead = 0;  ///< prefetches started
    std::uint64_t used = 0;           ///< prefetched pages handed out
    std::uint64_t discarded = 0;      ///< prefetched pages dropped (other `after`, hole, cancel)
  };

  /// `known_void` (optional): holes of a prefetched page it accepts do not make the page be
  /// fetched again (see `holds_consecutive_positions`).
  explicit replay_prefetcher(feed_page_fetch fetch, known_void_range known_void = {});
  ~replay_prefetcher();
  replay_prefetcher(const replay_prefetcher&) = delete;
  replay_prefetcher& operator=(const replay_prefetcher&) = delete;
  replay_prefetcher(replay_prefetcher&&) = delete;
  replay_prefetcher& operator=(replay_prefetcher&&) = delete;

  /// The page of rows after `after`: the prefetched one when it was fetched for this `after` and
  /// holds consecutive positions, otherwise fetched now. Before returning, starts fetching the
  /// page that follows it (see `next_page_after`). Throws what the fetch for `after` threw.
  [[nodiscard]] dynamodb::query_response next(std::int64_t after);

  /// Drops the page being fetched ahead, if any, after waiting for its request to end. Idempotent.
  void cancel() noexcept;

  [[nodiscard]] const statistics& stats() const noexcept { return stats_; }

 private:
  void start(std::int64_t after) noexcept;

  feed_page_fetch fetch_;
  known_void_range known_void_;
  std::int64_t ahead_after_ = 0;
  std::future<dynamodb::query_response> ahead_;
  statistics stats_;
};

}  // namespace dynamo_es::detail
