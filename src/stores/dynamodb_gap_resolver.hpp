#pragma once

// How a replay settles a missing global position with the claim rows (dynamodb_claims.hpp).
//
// A page stops before a hole [a, b] (positions the GSI read did not return). The replay then asks
// the resolver, which reads the claims covering the hole (one strongly consistent Query) and
// remembers what they said:
//  - a VOID claim covers a position: no event will ever hold it (the writer's commit failed, or a
//    reader fenced it). The page passes it at once, counted in `void_positions_passed`; nothing
//    is logged, since void ranges are an expected part of the reservation protocol.
//  - a COMMITTED claim covers a position: its events exist and the (eventually consistent) index
//    has not shown them yet. The page waits for them and NEVER passes them, however long that
//    takes and whatever the gap timeout: passing them would skip committed events for good. One
//    stderr line says so when such a range stays invisible for very long (an index that lags
//    for minutes is worth a look).
//  - no claim covers a position: a writer reserved it and has not committed (yet), or the row was
//    written by the PHP package (which writes no claims), or the writer died. The page waits
//    until the gap tracker says the position has been missing for `gap_timeout`, then the
//    resolver FENCES it: a void claim (VoidedBy "reader") conditioned on attribute_not_exists.
//    Then the page passes it like any void position, but logged through `on_gap_skipped` (or
//    stderr) and counted in `skipped_gaps` / `skipped_positions` as before claims existed, plus
//    `fenced_positions` for the fence itself. A fence that finds a claim already there follows
//    that claim (committed -> wait; void -> pass).
//
// Every uncovered position is fenced, not only the first of the hole: any of them may be the
// first position of a dead writer's range, and a writer's commit is stopped only by a claim at
// the first position of its range (that is where its own claim goes). A void claim that later
// overlaps a committed range (the writer's claim won the race at the range's first position while
// the fence wrote the following ones) is harmless: a committed claim covering a position always
// wins over a void one, since the writer's transaction succeeded and its events exist.
//
// Tables the PHP package wrote (no claim rows at all) therefore keep the behaviour they had before
// claims: every hole is waited for up to `gap_timeout`, then fenced, passed over, logged and
// counted. The fence is what makes passing it safe against a writer of ours that is merely slow;
// a PHP writer (which writes no claim) can still commit into a fenced position, and a replay that
// passed it then misses that event: the limit of sharing a table with the PHP package.
//
// Cost: claims are not read on every page that stops. A hole must first have been missing for
// `claim_check_delay` (a just-reserved range usually commits within that), and a hole whose
// claims were read and said nothing is read again at most every `requery_interval` until it
// times out; committed and void verdicts are remembered for good (claim rows are written once
// and never change), so a lagging committed range costs one claims Query, not one per page.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"
#include "stores/dynamodb_claims.hpp"
#include "stores/dynamodb_gap_tracker.hpp"
#include "stores/dynamodb_store_counters.hpp"

namespace dynamo_es::detail {

/// Missing positions [first, last].
struct position_gap {
  std::int64_t first = 0;
  std::int64_t last = 0;
  friend bool operator==(const position_gap&, const position_gap&) = default;
};

/// What the claims said about a run of positions.
struct gap_verdict {
  enum class kind {
    committed,  ///< events exist, the index lags: wait, never pass
    voided,     ///< a void claim written by someone else (or seen before): pass silently
    fenced,     ///< this store's fence voided it after gap_timeout: pass, logged as a skipped gap
  };
  kind what = kind::committed;
  /// The verdict holds from the position asked about up to `last` (inclusive).
  std::int64_t last = 0;
  friend bool operator==(const gap_verdict&, const gap_verdict&) = default;
};

/// The verdict known for `position`; nullopt when no claim covering it is known.
using gap_verdict_lookup = std::function<std::optional<gap_verdict>(std::int64_t position)>;

/// What the claims said, position by position: disjoint intervals. A committed claim always wins
/// over a void one where they overlap (see the file comment); between two void verdicts the
/// first one learnt stays. Thread-safe.
class claim_verdicts {
 public:
  /// Records what `claim` says about its range.
  void learn(const position_claim& claim);
  /// Records that this store fenced [first, last].
  void learn_fenced(std::int64_t first, std::int64_t last);
  /// The verdict covering `position`, up to the end of its interval.
  [[nodiscard]] std::optional<gap_verdict> at(std::int64_t position) const;
  /// True when every position of [first, last] is void or fenced.
  [[nodiscard]] bool passable(std::int64_t first, std::int64_t last) const;

 private:
  void insert_locked(std::int64_t first, std::int64_t last, gap_verdict::kind what);
  void split_locked(std::int64_t at);

  mutable std::mutex mutex_;
  /// first position -> verdict (with the interval's last position).
  std::map<std::int64_t, gap_verdict> intervals_;
};

/// Resolves holes with the claims of one table (reads them, fences). Thread-safe: one resolver
/// serves every replay of a store; its state is behind a mutex, and requests are sent without
/// holding it.
class gap_resolver {
 public:
  struct timing {
    /// How long a hole must have been missing before its claims are read. Default 25 ms.
    std::chrono::milliseconds claim_check_delay{25};
    /// How often the claims of a hole that no claim covers are read again. Default 100 ms.
    std::chrono::milliseconds requery_interval{100};
    /// When a committed range still missing from the index earns a stderr line. Default 30 s.
    std::chrono::milliseconds committed_warning_after{30'000};
  };

  gap_resolver(std::shared_ptr<const dynamodb::client> client, std::string table,
               store_counters& counters, timing times);
  gap_resolver(std::shared_ptr<const dynamodb::client> client, std::string table,
               store_counters& counters)
      : gap_resolver(std::move(client), std::move(table), counters, timing{}) {}

  /// Called when a page stopped before `hole` (whose first position is not known passable). May
  /// read the claims and fence uncovered positions that `tracker` says have expired. Returns true
  /// when the hole's first position is now known void or fenced (assemble the page again: it
  /// gets further); false when the page must wait (committed, or nothing known yet). Throws the
  /// client's errors (the replay then fails as on any failed read).
  bool resolve(const position_gap& hole, const gap_tracker& tracker);

  /// How long until `resolve` may learn something new about `hole` (a claims read is due, or
  /// the hole expires); nullopt when its first position is committed (only the index can end
  /// that wait, so the replay just backs off).
  [[nodiscard]] std::optional<std::chrono::milliseconds> next_check_in(
      const position_gap& hole, const gap_tracker& tracker) const;

  [[nodiscard]] std::optional<gap_verdict> verdict(std::int64_t position) const {
    return verdicts_.at(position);
  }
  [[nodiscard]] bool passable(std::int64_t first, std::int64_t last) const {
    return verdicts_.passable(first, last);
  }

 private:
  using clock = std::chrono::steady_clock;

  /// Fences `positions` (ascending, none covered by a known claim); learns the outcome.
  void fence(const std::vector<std::int64_t>& positions);
  void fence_chunk(const std::vector<std::int64_t>& chunk);
  void fenced(std::int64_t position);
  void found_existing(std::int64_t position, const std::optional<position_claim>& claim);
  void warn_if_committed_for_long(std::int64_t position, const gap_tracker& tracker);

  std::shared_ptr<const dynamodb::client> client_;
  std::string table_;
  store_counters& counters_;
  timing times_;
  claim_verdicts verdicts_;

  mutable std::mutex mutex_;  // guards the members below
  /// The last claims read that found the hole's first position uncovered: where and when, and
  /// whether the hole had expired then (a read after expiry is the one that fences).
  struct last_read {
    std::int64_t first = 0;
    clock::time_point when{};
    bool expired = false;
  };
  std::optional<last_read> last_read_;
  /// First positions of committed ranges already warned about.
  std::set<std::int64_t> warned_;
};

}  // namespace dynamo_es::detail
