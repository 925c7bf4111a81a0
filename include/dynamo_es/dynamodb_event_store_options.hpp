#pragma once

/// \file
/// How to configure a `dynamodb_event_store`, and what it reports about its work.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace dynamo_es {

/// A run of global positions that a replay passed over because they stayed missing longer than
/// `dynamodb_event_store_options::gap_timeout`: positions burned by another writer (the PHP
/// package reserves positions before it commits and loses them when the commit fails), never
/// events of this library, which assigns positions in the same transaction that writes the events.
struct skipped_gap {
  std::string table_name;
  std::int64_t first_position = 0;  ///< first missing position
  std::int64_t last_position = 0;   ///< last missing position (inclusive)
  /// How long this store had seen the positions missing when it passed over them.
  std::chrono::milliseconds missing_for{0};
};

/// Receives every gap a replay passes over. Called on the replaying thread; it must not throw.
using gap_logger = std::function<void(const skipped_gap&)>;

/// What a replay does with a row of the feed that holds no valid event: a missing or mistyped
/// attribute, a `Metadata.Payload`/`Payload.Payload` that is not a JSON object or list, a number
/// outside int64, a `Metadata.Class` other than Broadway's, an empty `Payload.Class`, a date that
/// does not parse. (`load` and `load_from_playhead` always throw `corrupt_event_row`: a stream with
/// an event missing is never handed out.)
enum class bad_row_policy {
  /// Throw `corrupt_event_row` (default). A replay page ends just before the row (`has_more`
  /// true, `last_processed_global_position` before it), so every event before it is delivered
  /// once; the page that starts at the row throws. `visit_events` therefore delivers every event
  /// before the row, then throws.
  stop,
  /// Pass over the row like a burned position: call `on_bad_row`, count it in
  /// `statistics().bad_rows_skipped`, and move the checkpoint over it. The checkpoint never moves
  /// past a row that was neither delivered nor reported. Exceptions: a row whose GlobalPosition
  /// is not an integer (3.5) has no checkpoint between its neighbours and stops the replay
  /// anyway; a row whose GlobalPosition is beyond int64 is reported and ends the page with
  /// `has_more` false (every later row of the index is beyond int64 too). A row is reported
  /// each time a replay reads it.
  skip,
};

/// A row of the event table that holds no valid event: what `corrupt_event_row` carries and what
/// `on_bad_row` receives.
struct corrupt_row_report {
  std::string table_name;
  /// The row's `Id`; nullopt when it is missing or not a string.
  std::optional<std::string> aggregate_id;
  /// The row's `Playhead`; nullopt when it is missing or not an int64 (the message then quotes
  /// the stored text).
  std::optional<std::int64_t> playhead;
  /// The row's `GlobalPosition`; nullopt when it is missing (a row only `load` reads) or not an
  /// int64.
  std::optional<std::int64_t> global_position;
  /// The attribute at fault, as a path: `Payload.Payload`, `GlobalPosition`, `RecordedOn`, ...
  std::string attribute;
  /// What is wrong with it, e.g. `is missing` or `should be of type S, not N`.
  std::string problem;
  /// The whole sentence (the exception's `what()`): table, aggregate, playhead, global position,
  /// attribute and problem.
  std::string message;
};

/// Receives every row a replay passes over under `bad_row_policy::skip`. Called on the replaying
/// thread; it must not throw.
using bad_row_logger = std::function<void(const corrupt_row_report&)>;

/// How an append retries when another writer moved the global-position counter first (the
/// transaction's counter condition failed) or when the cancellation carries a
/// `TransactionConflict` reason. Throttling, 5xx and network failures are retried below this, by
/// the client (`dynamodb::client_options::retry`, AWS standard mode), with the same
/// ClientRequestToken, so a request is never applied twice; see docs/retries-and-idempotency.md.
struct append_retry_options {
  /// Attempts per append, the first included. Default 32; at least 1. When all fail the append
  /// throws `dynamodb::transaction_conflict` (or the last transient error); nothing is written.
  int max_attempts = 32;
  /// After a lost counter race the transaction's answer carries the current counter, so the
  /// first three races in a row are retried at once with it. From the fourth (n = 1, 2, ...) the
  /// store waits a random time in [0, min(max_backoff, initial_backoff * 2^(n-1))] and reads
  /// the counter again (a value learnt before a pause is stale after it). Other retried
  /// cancellations (TransactionConflict, a fence) back off the same way. Default 2 ms.
  std::chrono::milliseconds initial_backoff{2};
  /// Default 200 ms.
  std::chrono::milliseconds max_backoff{200};
};

/// How an append gets its global positions; docs/consistency.md compares them. Every protocol
/// writes a *claim row* (`Id` "_position", `Playhead` = the first position of the range) in the
/// transaction that writes the events, so that one reader algorithm serves them all: a replay
/// that meets a missing position reads the claims (strongly consistent) and waits for a committed
/// range, passes a void one at once, and fences a range nobody claimed within `gap_timeout`.
enum class append_protocol {
  /// Default: `serialised` while the store wins its counter races (one request per append),
  /// `reservation` while it loses more than `adaptive_protocol_options::switch_at` races per
  /// append, then `serialised` again after `reservation_period`.
  adaptive,
  /// The counter update, conditioned on the value the positions were computed from, is part of
  /// the transaction: dense positions in commit order, one request per uncontended append, but
  /// every writer of the table races for one item.
  serialised,
  /// An `ADD` on the counter reserves the range first (one UpdateItem), then one transaction
  /// writes the events and the range's claim. Writers never lose a race to each other; a range
  /// whose commit fails gets a void claim at once, and a writer that dies after its `ADD` leaves a
  /// range that readers fence after `gap_timeout`. Two requests per append.
  reservation,
};

/// When `append_protocol::adaptive` switches.
struct adaptive_protocol_options {
  /// Lost counter races per append (a moving average over the last appends of this store) above
  /// which it switches to reservations. Default 0.5.
  double switch_at = 0.5;
  /// How long it then stays with reservations before trying the serialised protocol again.
  /// Default 2 s. When the races come back within one period of the return, the next period is
  /// twice as long (up to 32 times this value); a longer serialised stretch resets it.
  std::chrono::milliseconds reservation_period{2000};
  /// A serialised batch that loses this many counter races in a row finishes with a reservation
  /// instead of racing on (its lost attempts can no longer apply, so nothing is written twice).
  /// This bounds an append's latency under contention before the moving average has switched.
  /// Default 2; at least 1.
  int hand_over_after_races = 2;
};

/// Group commit: concurrent appends of one store (from many threads, or queued through
/// `dynamodb_event_store::append_async`) travel in ONE TransactWriteItems with one position
/// assignment, each caller getting its own outcome.
struct group_commit_options {
  /// Default on. Off: every append is its own transaction.
  bool enabled = true;
  /// How long a batch that is not full waits for more appends before it leaves. Default 0: a
  /// batch leaves at once, and the appends that arrive while it is in flight leave together in the
  /// next one (batching costs no latency when appends do not overlap).
  std::chrono::microseconds max_delay{0};
  /// How long a batch smaller than the one before it waits for more appends. The callers of the
  /// batch that just settled are usually about to append again: waiting for them keeps batches
  /// full instead of alternating between halves (measured in docs/benchmarks.md: 16 threads with
  /// a 10 ms round trip, 405 -> 675 appends/s). It ends as soon as the batch is as big as the
  /// previous one (or full). A store whose appends do not overlap sends batches of one and never
  /// waits. Default 1 ms; 0 turns it off.
  std::chrono::microseconds refill_delay{1000};
  /// Appends per batch at most (1-98). Default 98; DynamoDB's 100 actions and 4 MB per
  /// transaction bound a batch as well.
  std::size_t max_appends = 98;
};

/// Options of a `dynamodb_event_store`. Only `table_name` is required.
struct dynamodb_event_store_options {
  /// The table: 3-255 characters of `a-z A-Z 0-9 _ - .`. Required.
  std::string table_name;

  /// Strongly consistent reads for `load`/`load_from_playhead`. Default false, as in the PHP
  /// package: a `load` right after an `append` may then miss the newest events (on AWS; DynamoDB
  /// Local is always consistent). Turn it on when commands must see their own writes.
  bool consistent_aggregate_reads = false;

  /// Rows examined per replay page by `visit_events`. Default 1000; at least 1.
  std::int64_t replay_page_size = 1000;

  /// `visit_events` asks for page k+1 while page k is decoded and visited, on one background
  /// thread per replay (one request in flight, as without it). Default on: against a remote
  /// DynamoDB a replay then costs max(round trip, decode + visit) per page instead of the sum.
  /// Against a DynamoDB Local on the same cores it gains nothing (docs/benchmarks.md).
  bool pipelined_replay = true;

  /// How long a replay waits for a missing global position before passing over it. Positions
  /// are dense, so a hole is either a position the (eventually consistent) index has not shown
  /// yet, which fills within moments, or a position another writer burned, which never fills.
  /// Until the timeout a replay page stops before the hole (`has_more` true) and `visit_events`
  /// waits and reads again. Default 10 s; 0 passes over holes at once (never do this on AWS while
  /// anyone reads checkpoints: events could be skipped).
  std::chrono::milliseconds gap_timeout{10'000};

  /// Called for each gap a replay passes over. Empty (default) = one line on stderr.
  gap_logger on_gap_skipped;

  /// What replays do with a row that holds no valid event; see `bad_row_policy`. Default `stop`.
  bad_row_policy bad_rows = bad_row_policy::stop;

  /// Called for each row a replay passes over under `bad_row_policy::skip`. Empty (default) = one
  /// line on stderr.
  bad_row_logger on_bad_row;

  /// Retries of `append`; see `append_retry_options`.
  append_retry_options append_retry;

  /// How appends get their global positions. Default `append_protocol::adaptive`.
  append_protocol protocol = append_protocol::adaptive;

  /// When the adaptive protocol switches.
  adaptive_protocol_options adaptive;

  /// Group commit of concurrent appends; default on.
  group_commit_options group_commit;

  /// How long `create_table`, `create_table_if_not_exists` and `delete_table` wait for the table
  /// (and its index) to become ACTIVE or to disappear. Default 2 minutes.
  std::chrono::milliseconds table_wait_timeout{120'000};
};

/// Counts since the store was constructed (monotonic; read with `statistics()`).
struct dynamodb_event_store_statistics {
  /// Appends that wrote at least one event.
  std::uint64_t appends = 0;
  /// Transactions sent again because another writer had moved the counter (or a transaction
  /// conflict on it). In the steady state of a single writer this stays 0: one request per append.
  std::uint64_t counter_races = 0;
  /// Requests sent again after throttling, a 5xx or a network failure.
  std::uint64_t transient_retries = 0;
  /// Times `visit_events` waited for a missing position to appear.
  std::uint64_t gap_waits = 0;
  /// Gaps replays passed over after `gap_timeout` (each pass counted: two replays over the same
  /// burned position count 2).
  std::uint64_t skipped_gaps = 0;
  /// Positions in those gaps.
  std::uint64_t skipped_positions = 0;
  /// Appends whose outcome had to be settled by reading their rows back, because an attempt
  /// may have been applied although its answer was lost (see docs/retries-and-idempotency.md).
  std::uint64_t ambiguous_appends = 0;
  /// Of those, appends found committed (rows carrying this append's commit id): successes.
  std::uint64_t recognised_commits = 0;
  /// Of those, appends that threw `commit_unknown`.
  std::uint64_t unknown_commits = 0;
  /// Rows replays passed over under `bad_row_policy::skip` (each pass counted, like gaps).
  std::uint64_t bad_rows_skipped = 0;

  /// Ranges reserved with an `ADD` on the counter (reservation protocol).
  std::uint64_t reservations = 0;
  /// Void claims this store's appends wrote for ranges they reserved but could not commit.
  std::uint64_t void_claims = 0;
  /// Commits that failed because a reader had fenced their range (then reserved again).
  std::uint64_t fenced_commits = 0;
  /// Positions this store's replays fenced (void claims written for ranges nobody claimed within
  /// `gap_timeout`).
  std::uint64_t fenced_positions = 0;
  /// Missing positions replays found covered by a void claim and passed at once.
  std::uint64_t void_positions_passed = 0;
  /// Switches of the adaptive protocol (either way).
  std::uint64_t protocol_switches = 0;
  /// Adaptive batches that lost `adaptive.hand_over_after_races` races in a row and finished with
  /// a reservation.
  std::uint64_t hand_overs = 0;
  /// Transactions that carried appends (each carries one or more).
  std::uint64_t commit_transactions = 0;
};

}  // namespace dynamo_es
