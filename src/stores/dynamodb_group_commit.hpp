#pragma once

// Group commit: appends submitted concurrently to one store travel together, one batch (one
// position assignment, one transaction when the protocol packs it) at a time.
//
// Design (leader/follower plus a lazy background sender):
// - One queue, one mutex, at most ONE batch in flight per committer. An append is queued; when
//   nobody is sending, whoever holds the lock at that moment becomes the *sender*: it takes a batch
//   from the queue, sends it with the lock released, settles every append of it, then steps down.
// - A blocking `commit` is its own leader: it queues its append and, when nobody is sending, sends
//   the batch itself (which holds its own append and whatever else is queued). An uncontended
//   blocking append therefore costs what it cost before group commit: one `position_allocator::
//   commit` on the caller's thread, plus one mutex lock and a queue push (no thread hop, no
//   context switch, no extra request). When somebody else is sending, the caller waits; after
//   every batch the waiters wake and one of those whose append is still queued sends the next
//   batch (the *follower* becomes leader). Appends arriving while a batch is in flight thus form
//   the next batch, and batches grow exactly when appends overlap.
// - `commit_async` queues its append and returns a future. A sender thread, started with the
//   first async append (never for a store that only blocks), sends batches whenever the queue
//   holds appends and nobody is sending; a blocking leader may carry async appends too. Invariant:
//   whenever the queue is not empty and nobody sends, either a blocking caller with a queued append
//   or the sender thread is woken, so every queued append is sent.
// - Packing (`select_batch`): the queue in FIFO order; an append whose aggregate id is already in
//   the batch is left for a later batch (DynamoDB refuses two actions on one item, and optimistic
//   concurrency on one stream needs its appends in order: since the batch in flight must settle
//   before the next leaves, the appends of one aggregate are sent in submission order); the batch
//   stops before the first append that would exceed `max_appends`, the 98 events of a transaction
//   or the 4 MB of a transaction (each append's `transaction_bytes` counts the counter update and
//   the claim row as if it were alone: a batch counts them once). The first append always fits:
//   the limits were checked for it alone.
// - `max_delay`: a batch that is not full waits until its oldest append has been queued for
//   `max_delay` (0: leaves at once). New appends wake the gathering sender, a full batch leaves.
// - `refill_delay`: a batch smaller than the previous one waits (up to `refill_delay` from the
//   moment it starts gathering) until it is as big as the previous one: the previous batch's
//   callers are about to append again. Batches of one (no overlap) never wait.
// - Destruction drains: the sender thread sends everything queued (without waiting for
//   `max_delay`) and is joined; every future is then ready, with a value or an exception. (Blocking
//   callers cannot be inside a committer being destroyed: that would be a use after free.)
// - `enabled == false`: no queue at all. `commit` sends a batch of one on the caller's thread;
//   `commit_async` does the same and returns a ready future.
//
// Thread-safe: `commit` and `commit_async` may be called from any number of threads.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <thread>
#include <vector>

#include "dynamo_es/dynamodb_event_store_options.hpp"
#include "stores/dynamodb_append_batch.hpp"

namespace dynamo_es::detail {

/// Which queued appends form the next batch.
struct batch_selection {
  /// Indexes into the queue, ascending.
  std::vector<std::size_t> taken;
  /// True when the batch stopped at a limit (max_appends, events or bytes): it cannot grow by
  /// waiting. False when it holds everything the queue could give.
  bool full = false;
};

/// Picks the next batch from `queue` (FIFO order) under the rules above. Pure; `out` is cleared
/// first and reused to avoid allocating per batch. `max_appends` >= 1.
void select_batch(std::span<const pending_append* const> queue, std::size_t max_appends,
                  batch_selection& out);

/// Packs concurrent appends into batches for one `position_allocator`. See the file comment.
class group_committer {
 public:
  /// `allocator` must outlive the committer.
  group_committer(position_allocator& allocator, group_commit_options options);
  /// Sends every queued append (see the file comment), then returns.
  ~group_committer();
  group_committer(const group_committer&) = delete;
  group_committer& operator=(const group_committer&) = delete;

  /// Sends `append` (validated, encoded, unsettled) in a batch and returns when it is settled:
  /// `first_position` or `failure` is then set. Never throws for the append's own failure.
  void commit(pending_append& append);

  /// Queues `append` and returns its future: a value when its events are in the table, the
  /// append's `failure` otherwise. Throws (before queuing) only when the sender thread cannot
  /// start or memory runs out.
  [[nodiscard]] std::future<void> commit_async(pending_append append);

 private:
  /// A queued append: a blocking caller's (on its stack, `done` set under the lock when settled)
  /// or an async one (owned here, with its promise).
  struct slot {
    pending_append* append = nullptr;
    std::chrono::steady_clock::time_point queued_at;
    bool done = false;
    // Async slots only (a blocking slot constructs neither: a promise allocates).
    pending_append owned;
    std::optional<std::promise<void>> promise;
    bool is_async = false;
  };
  struct queued {
    slot* target = nullptr;
    std::unique_ptr<slot> owner;  ///< async slots only
  };

  void enqueue(queued entry);
  /// Called with the lock held, nobody sending, the queue not empty: gathers one batch, sends it
  /// with the lock released, settles it, and returns with the lock held again.
  void send_batch(std::unique_lock<std::mutex>& lock) noexcept;
  void run_sender() noexcept;
  /// Fills `selection_` and `batch_` from the queue (lock held).
  void select() noexcept;

  position_allocator& allocator_;
  const group_commit_options options_;

  std::mutex mutex_;
  std::condition_variable settled_cv_;  ///< blocking callers: a batch was settled
  std::condition_variable work_cv_;     ///< the sender thread: work queued, or stop
  std::condition_variable gather_cv_;   ///< a sender gathering for max_delay: append queued
  std::deque<queued> queue_;
  bool sending_ = false;
  bool gathering_ = false;
  bool stopping_ = false;
  /// Appends the previous batch carried (for `refill_delay`).
  std::size_t last_batch_size_ = 0;
  // Reused by the sender of the moment (only one at a time, guarded by `sending_`).
  std::vector<const pending_append*> view_;
  batch_selection selection_;
  std::vector<queued> in_flight_;
  std::vector<pending_append*> batch_;
  std::thread sender_;
};

}  // namespace dynamo_es::detail
