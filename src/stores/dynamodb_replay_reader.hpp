#pragma once

// The global feed: GSI `Feed-GlobalPosition-index` pages in position order, with the gap rule.
//
// Semantics (broadway-contract.md §4.4): `limit` bounds the rows examined, the checkpoint
// (`last_processed_global_position`) advances over rows filtered out by the criteria and over
// rows that carry no event (no `Metadata`, W7/W8), `has_more` comes from DynamoDB's
// LastEvaluatedKey, criteria are applied here. On top of that, the gap rule: a page never
// delivers or advances past a missing position until the position is settled; it stops before
// the hole with `has_more` true. The store's replays settle holes with the claim rows
// (dynamodb_gap_resolver.hpp: void -> passed at once, committed -> waited for and never passed,
// no claim -> fenced after the gap timeout, then passed and reported). Without claims (the CLI's
// feed reader) a hole is passed once `gap_tracker` says it has been missing longer than the gap
// timeout. Rows that hold no valid event stop the replay or are passed over and reported
// (`bad_row_policy`).
//
// Tables the PHP package wrote have no claim rows: every hole there is waited for up to the gap
// timeout, then fenced, passed over, logged and counted, exactly as before claims existed.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/criteria.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb_event_store_options.hpp"
#include "dynamo_es/event_store.hpp"
#include "stores/dynamodb_gap_resolver.hpp"
#include "stores/dynamodb_gap_tracker.hpp"
#include "stores/dynamodb_store_counters.hpp"

namespace dynamo_es::detail {

/// A replay page plus whether it stopped before a hole.
struct replay_read {
  replay_page page;
  /// The hole the page stopped before (then `page.has_more()` is true); nullopt otherwise.
  std::optional<position_gap> stopped_at;
};

/// What a page does with rows that hold no valid event (see `bad_row_policy`).
struct bad_row_handling {
  bad_row_policy policy = bad_row_policy::stop;
  /// Told about every row passed over under `bad_row_policy::skip`.
  std::function<void(const corrupt_row_report&)> on_skip;
};

/// What a page knows from the claim rows (see dynamodb_gap_resolver.hpp).
struct claim_handling {
  /// The verdict on a missing position. Empty: claims are not consulted and a hole is passed
  /// once the tracker says it expired. Set: a hole is passed only where the verdict is void or
  /// fenced; committed and unknown positions stop the page (the caller resolves and reads again).
  gap_verdict_lookup verdict;
  /// Told about every run of positions passed because a void claim covers them.
  std::function<void(const position_gap&)> on_void_passed;
};

/// Applies the gap rule, the bad-row policy and `filter` to the rows of one GSI response (`items`
/// in index order, `more_in_index` = the response had a LastEvaluatedKey). `on_skip` is told
/// about every hole passed over after its timeout (fenced ones, with claims). Under
/// `bad_row_policy::stop` a bad row ends the page just before it (`has_more` true) or, when it is
/// the first row, throws `corrupt_event_row`. Pure apart from `tracker` (and what `claims`
/// looks up), so the rules are unit-tested without DynamoDB. Positions passed because of a
/// verdict move the checkpoint too, so a page that stops after them does not pass them again.
[[nodiscard]] replay_read assemble_replay_page(
    const std::vector<dynamodb::attribute_map>& items, bool more_in_index, const criteria& filter,
    std::int64_t after, std::string_view table, gap_tracker& tracker,
    const std::function<void(const skipped_gap&)>& on_skip, const bad_row_handling& bad_rows = {},
    const claim_handling& claims = {});

/// Reads the feed of one table, settling holes with the claims (gap_resolver). Thread-safe (the
/// tracker and the resolver are shared and synchronised; the prefetch thread only sends Queries).
class replay_reader {
 public:
  replay_reader(std::shared_ptr<const dynamodb::client> client, std::string table,
                std::chrono::milliseconds gap_timeout, gap_logger logger, bad_row_policy bad_rows,
                bad_row_logger on_bad_row, store_counters& counters);

  /// One page of at most `limit` rows (>= 1) after `after`: one Query, plus the claims reads and
  /// fences its hole needs (see dynamodb_gap_resolver.hpp); it never sleeps.
  [[nodiscard]] replay_read read_page(const criteria& filter, std::int64_t after,
                                      std::int64_t limit);

  /// Every matching event from the start, page by page; at a hole it waits (10 ms doubling to
  /// 1 s, never past the moment the hole's claims are due to be read or it times out) and reads
  /// again. `pipelined`: fetch the next page while this one is visited (replay_prefetcher).
  void visit(const criteria& filter, event_visitor& visitor, std::int64_t page_size,
             bool pipelined = true);

 private:
  /// The feed Query for the rows after `after`. Called from the prefetch thread too: reads only
  /// members that never change after construction.
  [[nodiscard]] dynamodb::query_request feed_query(std::int64_t after, std::int64_t limit) const;
  /// The gap rule, bad-row policy and `filter` applied to one response read after `after`; a
  /// hole is resolved and the response assembled again while that gets the page further. Reports
  /// (skipped gaps, void passes, bad rows) are those of the final assembly only.
  [[nodiscard]] replay_read assemble(const dynamodb::query_response& response,
                                     const criteria& filter, std::int64_t after);
  void report(const skipped_gap& gap);
  void report(const corrupt_row_report& row);

  std::shared_ptr<const dynamodb::client> client_;
  std::string table_;
  gap_tracker tracker_;
  gap_resolver resolver_;
  gap_logger logger_;
  bad_row_policy bad_row_policy_;
  bad_row_logger on_bad_row_;
  store_counters& counters_;
};

}  // namespace dynamo_es::detail
