#include "stores/dynamodb_group_commit.hpp"

#include <algorithm>
#include <exception>
#include <string_view>
#include <utility>

#include "dynamo_es/error.hpp"
#include "stores/dynamodb_append_limits.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

namespace layout = table_layout;

bool id_in(std::span<const pending_append* const> queue, const std::vector<std::size_t>& taken,
           std::string_view id) noexcept {
  return std::any_of(taken.begin(), taken.end(),
                     [&](std::size_t index) { return queue[index]->aggregate_id == id; });
}

/// What a caller of `commit_async` receives. A protocol must settle every append; one that did
/// not still gives the caller an exception, never a broken promise.
void fulfil(std::promise<void>& promise, const pending_append& append) noexcept {
  try {
    if (append.failure) {
      promise.set_exception(append.failure);
    } else if (append.first_position) {
      promise.set_value();
    } else {
      promise.set_exception(std::make_exception_ptr(
          error("Append to aggregate \"" + append.aggregate_id +
                "\" was not settled by the append protocol; its outcome is unknown")));
    }
  } catch (...) {
    // Only std::bad_alloc building the message: the promise breaks (broken_promise) rather than
    // the sender thread dying.
  }
}

}  // namespace

void select_batch(std::span<const pending_append* const> queue, std::size_t max_appends,
                  batch_selection& out) {
  out.taken.clear();
  out.full = false;
  std::size_t events = 0;
  // Each append's `transaction_bytes` counts the counter update and the claim row as if it were
  // alone; a batch has them once.
  constexpr std::size_t overhead = counter_action_allowance + claim_action_allowance;
  std::size_t bytes = overhead;
  // An append holds at least one event, so a transaction never holds more appends than events.
  max_appends = std::min(max_appends, layout::max_events_per_append);
  for (std::size_t index = 0; index < queue.size(); ++index) {
    const pending_append& candidate = *queue[index];
    // Same aggregate as an append of this batch: it (and every later append of that aggregate)
    // waits for the next batch, so the aggregate's appends stay in submission order.
    if (id_in(queue, out.taken, candidate.aggregate_id)) continue;
    const bool first = out.taken.empty();
    const std::size_t with_events = events + candidate.items.size();
    const std::size_t share =
        candidate.transaction_bytes > overhead ? candidate.transaction_bytes - overhead : 0;
    const std::size_t with_bytes = bytes + share;
    // The first append always fits: its limits were checked alone.
    if (!first && (out.taken.size() >= max_appends || with_events > layout::max_events_per_append ||
                   with_bytes > layout::max_transaction_bytes)) {
      out.full = true;
      return;
    }
    out.taken.push_back(index);
    events = with_events;
    bytes = with_bytes;
    if (out.taken.size() >= max_appends || events >= layout::max_events_per_append) {
      out.full = true;
      return;
    }
  }
}

group_committer::group_committer(position_allocator& allocator, group_commit_options options)
    : allocator_(allocator), options_(options) {
  if (options_.max_appends < 1) {
    throw validation_error("group_commit_options::max_appends must be at least 1");
  }
  const auto capacity = std::min<std::size_t>(options_.max_appends, layout::max_events_per_append);
  selection_.taken.reserve(capacity);
  in_flight_.reserve(capacity);
  batch_.reserve(capacity);
}

group_committer::~group_committer() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  work_cv_.notify_all();
  gather_cv_.notify_all();
  if (sender_.joinable()) {
    lock.unlock();
    sender_.join();
    lock.lock();
  }
  // Only async appends can be queued now (a blocking caller is inside a call of this object), and
  // the sender thread has sent them all; this loop is a safety net that sends anything left.
  while (!queue_.empty() && !sending_) send_batch(lock);
}

void group_committer::commit(pending_append& append) {
  if (!options_.enabled) {
    pending_append* const batch[] = {&append};
    allocator_.commit(batch);
    return;
  }
  slot own;
  own.append = &append;
  std::unique_lock lock(mutex_);
  enqueue(queued{&own, nullptr});
  while (!own.done) {
    if (!sending_) {
      // Nobody is sending: lead (uncontended, this sends our own append at once).
      send_batch(lock);
      continue;
    }
    settled_cv_.wait(lock);
  }
}

std::future<void> group_committer::commit_async(pending_append append) {
  if (!options_.enabled) {
    std::promise<void> promise;
    auto future = promise.get_future();
    pending_append* const batch[] = {&append};
    allocator_.commit(batch);
    fulfil(promise, append);
    return future;
  }
  auto owner = std::make_unique<slot>();
  owner->owned = std::move(append);
  owner->append = &owner->owned;
  owner->is_async = true;
  auto future = owner->promise.emplace().get_future();
  slot* const target = owner.get();

  std::unique_lock lock(mutex_);
  // Started before queuing: if the thread cannot start, nothing was accepted.
  if (!sender_.joinable()) sender_ = std::thread([this] { run_sender(); });
  enqueue(queued{target, std::move(owner)});
  if (!sending_) work_cv_.notify_one();
  return future;
}

void group_committer::enqueue(queued entry) {
  if (options_.max_delay.count() > 0) entry.target->queued_at = std::chrono::steady_clock::now();
  queue_.push_back(std::move(entry));
  if (gathering_) gather_cv_.notify_one();
}

void group_committer::select() noexcept {
  view_.clear();
  for (const auto& entry : queue_) view_.push_back(entry.target->append);
  select_batch(view_, options_.max_appends, selection_);
}

void group_committer::send_batch(std::unique_lock<std::mutex>& lock) noexcept {
  sending_ = true;
  select();
  // Gather more appends while the batch is not full and either max_delay (counted from the
  // oldest queued append, always the batch's first) or refill_delay (counted from now, while the
  // batch is smaller than the previous one) still runs. A draining destructor does not wait.
  const auto start = std::chrono::steady_clock::now();
  const bool fixed = options_.max_delay.count() > 0;
  const auto fixed_deadline = fixed ? queue_.front().target->queued_at + options_.max_delay : start;
  const auto refill_deadline = start + options_.refill_delay;
  const auto refilling = [&] { return selection_.taken.size() < last_batch_size_; };
  const auto wants_more = [&] {
    if (selection_.full || stopping_) return false;
    const auto now = std::chrono::steady_clock::now();
    if (fixed && now < fixed_deadline) return true;
    return refilling() && now < refill_deadline;
  };
  if (wants_more()) {
    gathering_ = true;
    do {
      // The refill deadline only counts while the batch is still smaller than the last one.
      gather_cv_.wait_until(
          lock, refilling() ? std::max(fixed_deadline, refill_deadline) : fixed_deadline);
      select();
    } while (wants_more());
    gathering_ = false;
  }

  // Move the chosen appends out of the queue, keeping the order of the rest.
  std::size_t next = 0;
  std::size_t kept = 0;
  for (std::size_t index = 0; index < queue_.size(); ++index) {
    if (next < selection_.taken.size() && selection_.taken[next] == index) {
      in_flight_.push_back(std::move(queue_[index]));
      ++next;
    } else {
      if (kept != index) queue_[kept] = std::move(queue_[index]);
      ++kept;
    }
  }
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(kept), queue_.end());
  for (const auto& entry : in_flight_) batch_.push_back(entry.target->append);
  last_batch_size_ = in_flight_.size();

  lock.unlock();
  allocator_.commit(batch_);
  // Async callers learn their outcome without the lock; their slots are freed here.
  for (auto& entry : in_flight_) {
    if (!entry.target->is_async) continue;
    fulfil(*entry.target->promise, *entry.target->append);
    entry.target = nullptr;
    entry.owner.reset();
  }
  lock.lock();

  // A blocking caller may return (and free its slot) as soon as `done` is set and the lock is
  // released: nothing below touches a slot after that.
  for (auto& entry : in_flight_) {
    if (entry.target != nullptr) entry.target->done = true;
  }
  in_flight_.clear();
  batch_.clear();
  sending_ = false;
  settled_cv_.notify_all();
  if (sender_.joinable() && (!queue_.empty() || stopping_)) work_cv_.notify_one();
}

void group_committer::run_sender() noexcept {
  std::unique_lock lock(mutex_);
  for (;;) {
    work_cv_.wait(lock, [this] { return !sending_ && (!queue_.empty() || stopping_); });
    if (queue_.empty()) return;  // stopping, and everything accepted was sent
    send_batch(lock);
  }
}

}  // namespace dynamo_es::detail
