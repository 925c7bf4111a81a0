// Group commit's packing and hand-off rules, deterministically. The position_allocator here is a
// test double (DynamoDB Local cannot hold a batch in flight on demand): it records every batch it
// is given, can hold the first one until the test releases it (so that later appends queue up
// behind it), and settles each append itself. The protocols' own behaviour is tested against
// DynamoDB Local elsewhere; these tests cover only which appends travel together, in which order,
// and who learns which outcome.

#include "stores/dynamodb_group_commit.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dynamo_es/error.hpp"
#include "stores/dynamodb_append_limits.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr auto generous = 60s;  // a guard against hangs, never reached when the code is right

/// An append of `events` rows; the rows carry `Seq` = `seq` so the double can check order.
pending_append make_append(const std::string& id, std::size_t events = 1, std::size_t bytes = 1000,
                           std::int64_t seq = 0) {
  std::vector<dynamodb::attribute_map> rows(events);
  for (auto& row : rows) row.insert_or_assign("Seq", dynamodb::attribute_value::number(seq));
  return pending_append(id, domain_event_stream(), std::move(rows), bytes);
}

std::int64_t seq_of(const pending_append& append) {
  return append.items.front().at("Seq").as_int64();
}

class failure_for_test : public error {
 public:
  using error::error;
};

/// See the file comment.
class recording_allocator final : public position_allocator {
 public:
  void commit(std::span<pending_append* const> batch) noexcept override {
    std::unique_lock lock(mutex_);
    ++entered_;
    entered_cv_.notify_all();
    if (hold_first_ && entered_ == 1) released_cv_.wait(lock, [&] { return released_; });
    std::vector<std::string> ids;
    std::set<std::string> distinct;
    for (pending_append* append : batch) {
      ids.push_back(append->aggregate_id);
      distinct.insert(append->aggregate_id);
      order_[append->aggregate_id].push_back(seq_of(*append));
      threads_.push_back(std::this_thread::get_id());
      if (leave_unsettled_) continue;
      if (fail_.count(append->aggregate_id) != 0) {
        append->failure =
            std::make_exception_ptr(failure_for_test("refused " + append->aggregate_id));
      } else {
        append->first_position = next_;
        next_ += static_cast<std::int64_t>(append->items.size());
      }
    }
    if (distinct.size() != ids.size()) duplicate_ids_in_a_batch_ = true;
    batches_.push_back(std::move(ids));
  }

  void hold_first() { hold_first_ = true; }
  void fail(const std::string& id) { fail_.insert(id); }
  void leave_unsettled() { leave_unsettled_ = true; }
  void wait_until_entered(int count) {
    std::unique_lock lock(mutex_);
    ASSERT_TRUE(entered_cv_.wait_for(lock, generous, [&] { return entered_ >= count; }));
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    released_cv_.notify_all();
  }

  std::vector<std::vector<std::string>> batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  std::map<std::string, std::vector<std::int64_t>> order() const {
    std::lock_guard lock(mutex_);
    return order_;
  }
  std::vector<std::thread::id> threads() const {
    std::lock_guard lock(mutex_);
    return threads_;
  }
  bool duplicate_ids_in_a_batch() const {
    std::lock_guard lock(mutex_);
    return duplicate_ids_in_a_batch_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable entered_cv_;
  std::condition_variable released_cv_;
  int entered_ = 0;
  bool hold_first_ = false;
  bool released_ = false;
  bool leave_unsettled_ = false;
  std::set<std::string> fail_;
  std::int64_t next_ = 1;
  std::vector<std::vector<std::string>> batches_;
  std::map<std::string, std::vector<std::int64_t>> order_;
  std::vector<std::thread::id> threads_;
  bool duplicate_ids_in_a_batch_ = false;
};

group_commit_options with(std::size_t max_appends, std::chrono::microseconds delay = 0us,
                          bool enabled = true, std::chrono::microseconds refill_delay = 0us) {
  group_commit_options options;
  options.enabled = enabled;
  options.max_delay = delay;
  options.max_appends = max_appends;
  options.refill_delay = refill_delay;
  return options;
}

bool ready(std::future<void>& future) {
  return future.wait_for(generous) == std::future_status::ready;
}

// --- select_batch: the packing rules ------------------------------------------------------------

std::vector<std::size_t> select(const std::vector<pending_append>& queue, std::size_t max_appends,
                                bool* full = nullptr) {
  std::vector<const pending_append*> view;
  for (const auto& append : queue) view.push_back(&append);
  batch_selection selection;
  select_batch(view, max_appends, selection);
  if (full != nullptr) *full = selection.full;
  return selection.taken;
}

TEST(select_batch, takes_one_append_per_aggregate_and_leaves_the_rest_in_order) {
  const std::vector<pending_append> queue = {make_append("A"), make_append("B"), make_append("A"),
                                             make_append("C"), make_append("B"), make_append("D")};
  bool full = true;
  EXPECT_THAT(select(queue, 98, &full), ElementsAre(0, 1, 3, 5));
  EXPECT_FALSE(full);  // the queue ran out: waiting could still add appends
}

TEST(select_batch, stops_at_max_appends) {
  const std::vector<pending_append> queue = {make_append("A"), make_append("B"), make_append("C"),
                                             make_append("D")};
  bool full = false;
  EXPECT_THAT(select(queue, 3, &full), ElementsAre(0, 1, 2));
  EXPECT_TRUE(full);
}

TEST(select_batch, stops_before_the_append_that_would_exceed_the_events_of_a_transaction) {
  const auto limit = table_layout::max_events_per_append;
  const std::vector<pending_append> queue = {make_append("A", limit - 10), make_append("B", 11),
                                             make_append("C", 1)};
  bool full = false;
  // Stops (FIFO across aggregates too): C would fit but must not overtake B.
  EXPECT_THAT(select(queue, 98, &full), ElementsAre(0));
  EXPECT_TRUE(full);
  const std::vector<pending_append> exact = {make_append("A", limit - 10), make_append("B", 10),
                                             make_append("C", 1)};
  EXPECT_THAT(select(exact, 98, &full), ElementsAre(0, 1));
  EXPECT_TRUE(full);
}

TEST(select_batch, stops_before_the_append_that_would_exceed_four_megabytes) {
  const std::size_t limit = table_layout::max_transaction_bytes;
  // Each append's transaction_bytes counts the counter update and the claim row; a batch has them
  // once.
  const std::size_t overhead = counter_action_allowance + claim_action_allowance;
  const std::vector<pending_append> over = {make_append("A", 1, limit / 2 + overhead),
                                            make_append("B", 1, limit - limit / 2 + 1),
                                            make_append("C", 1, overhead + 1)};
  bool full = false;
  EXPECT_THAT(select(over, 98, &full), ElementsAre(0));  // A + B: one byte over
  EXPECT_TRUE(full);
  const std::vector<pending_append> exact = {make_append("A", 1, limit / 2 + overhead),
                                             make_append("B", 1, limit - limit / 2),
                                             make_append("C", 1, overhead + 1)};
  EXPECT_THAT(select(exact, 98, &full), ElementsAre(0, 1));  // exactly 4 MB; C's byte is over
  EXPECT_TRUE(full);
}

TEST(select_batch, the_first_append_always_fits) {
  const std::vector<pending_append> queue = {
      make_append("A", table_layout::max_events_per_append, table_layout::max_transaction_bytes),
      make_append("B")};
  bool full = false;
  EXPECT_THAT(select(queue, 1, &full), ElementsAre(0));
  EXPECT_TRUE(full);
}

TEST(select_batch, an_empty_queue_gives_an_empty_batch) {
  bool full = true;
  EXPECT_TRUE(select({}, 98, &full).empty());
  EXPECT_FALSE(full);
}

// --- group_committer ----------------------------------------------------------------------------

TEST(group_committer, an_uncontended_blocking_append_is_sent_alone_by_its_own_thread) {
  recording_allocator allocator;
  group_committer committer(allocator, with(98));
  for (int i = 0; i < 3; ++i) {
    auto append = make_append("A", 2, 1000, i);
    committer.commit(append);
    ASSERT_TRUE(append.first_position.has_value());
    EXPECT_EQ(*append.first_position, 1 + 2 * i);
  }
  EXPECT_THAT(allocator.batches(),
              ElementsAre(ElementsAre("A"), ElementsAre("A"), ElementsAre("A")));
  for (const auto& id : allocator.threads()) EXPECT_EQ(id, std::this_thread::get_id());
}

TEST(group_committer, appends_queued_behind_a_batch_in_flight_leave_together_one_per_aggregate) {
  recording_allocator allocator;
  allocator.hold_first();
  group_committer committer(allocator, with(98));
  std::vector<std::future<void>> futures;
  futures.push_back(committer.commit_async(make_append("A", 1, 1000, 0)));
  allocator.wait_until_entered(1);
  futures.push_back(committer.commit_async(make_append("A", 1, 1000, 1)));
  futures.push_back(committer.commit_async(make_append("B", 1, 1000, 0)));
  futures.push_back(committer.commit_async(make_append("C", 1, 1000, 0)));
  futures.push_back(committer.commit_async(make_append("A", 1, 1000, 2)));
  futures.push_back(committer.commit_async(make_append("D", 1, 1000, 0)));
  allocator.release();
  for (auto& future : futures) {
    ASSERT_TRUE(ready(future));
    EXPECT_NO_THROW(future.get());
  }
  EXPECT_THAT(allocator.batches(),
              ElementsAre(ElementsAre("A"), ElementsAre("A", "B", "C", "D"), ElementsAre("A")));
  EXPECT_THAT(allocator.order().at("A"), ElementsAre(0, 1, 2));
}

TEST(group_committer, batches_hold_at_most_max_appends) {
  recording_allocator allocator;
  allocator.hold_first();
  group_committer committer(allocator, with(2));
  std::vector<std::future<void>> futures;
  futures.push_back(committer.commit_async(make_append("first")));
  allocator.wait_until_entered(1);
  for (const char* id : {"A", "B", "C", "D", "E"})
    futures.push_back(committer.commit_async(make_append(id)));
  allocator.release();
  for (auto& future : futures) ASSERT_TRUE(ready(future));
  EXPECT_THAT(allocator.batches(), ElementsAre(ElementsAre("first"), ElementsAre("A", "B"),
                                               ElementsAre("C", "D"), ElementsAre("E")));
}

TEST(group_committer, batches_respect_the_events_and_bytes_of_a_transaction) {
  recording_allocator allocator;
  allocator.hold_first();
  group_committer committer(allocator, with(98));
  const std::size_t half = table_layout::max_transaction_bytes / 2;
  std::vector<std::future<void>> futures;
  futures.push_back(committer.commit_async(make_append("first")));
  allocator.wait_until_entered(1);
  futures.push_back(committer.commit_async(make_append("A", 60)));
  futures.push_back(committer.commit_async(make_append("B", 60)));  // 120 events: next batch
  futures.push_back(committer.commit_async(make_append("C", 1, half)));
  futures.push_back(committer.commit_async(make_append("D", 1, half)));  // over 4 MB: next batch
  allocator.release();
  for (auto& future : futures) ASSERT_TRUE(ready(future));
  EXPECT_THAT(allocator.batches(), ElementsAre(ElementsAre("first"), ElementsAre("A"),
                                               ElementsAre("B", "C"), ElementsAre("D")));
}

/// The exception a ready future carries (nullptr for a value), without reading it here.
///
/// The exception object is shared with the committer's sender thread through std::exception_ptr,
/// whose reference count lives in the uninstrumented libstdc++: ThreadSanitizer cannot see that
/// it orders the sender's release before the object's deletion, and reports the message read in
/// one thread and the deletion in the other as a race (a known false positive). The tests
/// therefore keep the exception until the committer (and its sender thread) is gone, and read it
/// only then; joining the thread is an edge TSan sees.
std::exception_ptr failure_of(std::future<void>& future) {
  try {
    future.get();
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

std::string message_of(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& caught) {
    return caught.what();
  }
}

TEST(group_committer, each_caller_gets_its_own_outcome) {
  recording_allocator allocator;
  allocator.hold_first();
  allocator.fail("B");
  std::exception_ptr a_failure;
  std::exception_ptr b_failure;
  std::exception_ptr c_failure;
  {
    group_committer committer(allocator, with(98));
    auto first = committer.commit_async(make_append("first"));
    allocator.wait_until_entered(1);
    auto a = committer.commit_async(make_append("A"));
    auto b = committer.commit_async(make_append("B"));
    auto c = committer.commit_async(make_append("C"));
    allocator.release();
    ASSERT_TRUE(ready(a) && ready(b) && ready(c) && ready(first));
    a_failure = failure_of(a);
    b_failure = failure_of(b);
    c_failure = failure_of(c);

    // A blocking caller sees its failure in its own append, and nobody else's.
    auto blocking = make_append("B");
    committer.commit(blocking);
    EXPECT_TRUE(blocking.failure != nullptr);
    EXPECT_FALSE(blocking.first_position.has_value());
  }
  EXPECT_EQ(a_failure, nullptr);
  EXPECT_EQ(c_failure, nullptr);
  ASSERT_NE(b_failure, nullptr);
  EXPECT_THROW(std::rethrow_exception(b_failure), failure_for_test);
  EXPECT_THAT(message_of(b_failure), HasSubstr("refused B"));
  EXPECT_THAT(allocator.batches(),
              ElementsAre(ElementsAre("first"), ElementsAre("A", "B", "C"), ElementsAre("B")));
}

TEST(group_committer,
     an_append_the_protocol_left_unsettled_fails_with_an_error_not_a_broken_promise) {
  recording_allocator allocator;
  allocator.leave_unsettled();
  std::exception_ptr failure;
  {
    group_committer committer(allocator, with(98));
    auto future = committer.commit_async(make_append("A"));
    ASSERT_TRUE(ready(future));
    failure = failure_of(future);
  }
  ASSERT_NE(failure, nullptr);
  EXPECT_THROW(std::rethrow_exception(failure), error);  // not std::future_error
  EXPECT_THAT(message_of(failure), HasSubstr("not settled"));
}

TEST(group_committer, a_batch_that_is_not_full_waits_max_delay_for_more_appends) {
  recording_allocator allocator;
  std::vector<std::future<void>> futures;
  {
    // A delay no test run reaches: A and B can only share a batch because A waited for B; the
    // destructor then sends the batch without waiting for the rest of the delay.
    group_committer committer(allocator, with(98, std::chrono::hours(1)));
    futures.push_back(committer.commit_async(make_append("A")));
    futures.push_back(committer.commit_async(make_append("B")));
  }
  for (auto& future : futures) ASSERT_TRUE(ready(future));
  EXPECT_THAT(allocator.batches(), ElementsAre(ElementsAre("A", "B")));
}

TEST(group_committer, a_full_batch_leaves_without_waiting_for_max_delay) {
  recording_allocator allocator;
  group_committer committer(allocator, with(2, std::chrono::hours(1)));
  auto a = committer.commit_async(make_append("A"));
  auto b = committer.commit_async(make_append("B"));
  ASSERT_TRUE(ready(a) && ready(b));
  EXPECT_THAT(allocator.batches(), ElementsAre(ElementsAre("A", "B")));
}

TEST(group_committer, a_blocking_leader_waits_max_delay_and_carries_later_appends) {
  recording_allocator allocator;
  group_committer committer(allocator, with(2, std::chrono::hours(1)));
  auto blocking = make_append("A");
  std::thread leader([&] { committer.commit(blocking); });
  // B fills the batch the blocking caller is gathering; it leaves at once, carrying both.
  // (Should B be queued before the leader locks, the batch is [B, A]: either order is a batch of
  // two, which is what this test is about.)
  auto b = committer.commit_async(make_append("B"));
  leader.join();
  ASSERT_TRUE(ready(b));
  ASSERT_TRUE(blocking.first_position.has_value());
  const auto batches = allocator.batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_THAT(batches[0], ::testing::UnorderedElementsAre("A", "B"));
}

// Sends [first] (held in the allocator while A and B queue up), then [A, B]: after this the last
// batch carried two appends.
void two_batches_the_second_of_two(group_committer& committer, recording_allocator& allocator) {
  allocator.hold_first();
  auto first = committer.commit_async(make_append("first"));
  allocator.wait_until_entered(1);
  auto a = committer.commit_async(make_append("A"));
  auto b = committer.commit_async(make_append("B"));
  allocator.release();
  ASSERT_TRUE(ready(first) && ready(a) && ready(b));
  ASSERT_THAT(allocator.batches(), ElementsAre(ElementsAre("first"), ElementsAre("A", "B")));
}

TEST(group_committer, a_batch_smaller_than_the_last_waits_for_the_callers_of_the_last) {
  recording_allocator allocator;
  std::future<void> c;
  std::future<void> d;
  {
    group_committer committer(allocator, with(98, 0us, true, std::chrono::hours(1)));
    two_batches_the_second_of_two(committer, allocator);
    c = committer.commit_async(make_append("C"));
    // Without the refill rule C would leave alone at once; with it the sender waits for a
    // second append (a delay no test run reaches).
    std::this_thread::sleep_for(50ms);
    EXPECT_EQ(allocator.batches().size(), 2u) << "C left alone";
    d = committer.commit_async(make_append("D"));
    ASSERT_TRUE(ready(c) && ready(d)) << "a batch as big as the last one leaves at once";
  }
  EXPECT_THAT(allocator.batches(),
              ElementsAre(ElementsAre("first"), ElementsAre("A", "B"), ElementsAre("C", "D")));
}

TEST(group_committer, the_refill_wait_ends_after_refill_delay) {
  recording_allocator allocator;
  group_committer committer(allocator, with(98, 0us, true, 20ms));
  two_batches_the_second_of_two(committer, allocator);
  auto c = committer.commit_async(make_append("C"));
  ASSERT_TRUE(ready(c));
  EXPECT_THAT(allocator.batches(),
              ElementsAre(ElementsAre("first"), ElementsAre("A", "B"), ElementsAre("C")));
}

TEST(group_committer, max_delay_ends_on_time_when_the_batch_needs_no_refill) {
  recording_allocator allocator;
  // C alone is smaller than [A, B]: it waits for D. [C, D] needs no refill, so it waits only for
  // the rest of max_delay, never for refill_delay (an hour: the test would time out).
  group_committer committer(allocator, with(98, 20ms, true, std::chrono::hours(1)));
  two_batches_the_second_of_two(committer, allocator);
  auto c = committer.commit_async(make_append("C"));
  auto d = committer.commit_async(make_append("D"));
  ASSERT_TRUE(ready(c) && ready(d));
  EXPECT_THAT(allocator.batches(),
              ElementsAre(ElementsAre("first"), ElementsAre("A", "B"), ElementsAre("C", "D")));
}

TEST(group_committer, appends_that_do_not_overlap_never_wait_for_a_refill) {
  recording_allocator allocator;
  // A refill wait would block each of these blocking appends for an hour (the test would time
  // out): batches of one never wait.
  group_committer committer(allocator, with(98, 0us, true, std::chrono::hours(1)));
  for (const auto* id : {"A", "B", "C"}) {
    auto append = make_append(id);
    committer.commit(append);
    ASSERT_TRUE(append.first_position.has_value());
  }
  EXPECT_THAT(allocator.batches(),
              ElementsAre(ElementsAre("A"), ElementsAre("B"), ElementsAre("C")));
}

TEST(group_committer, destruction_sends_every_queued_append) {
  recording_allocator allocator;
  allocator.hold_first();
  std::vector<std::future<void>> futures;
  constexpr int queued = 50;
  {
    group_committer committer(allocator, with(98));
    futures.push_back(committer.commit_async(make_append("first")));
    allocator.wait_until_entered(1);
    for (int i = 0; i < queued; ++i) {
      futures.push_back(
          committer.commit_async(make_append("X" + std::to_string(i % 7), 1, 1000, i)));
    }
    allocator.release();
  }  // the destructor returns only when everything accepted was sent
  for (auto& future : futures) {
    EXPECT_EQ(future.wait_for(0s), std::future_status::ready);
    EXPECT_NO_THROW(future.get());
  }
  std::size_t sent = 0;
  for (const auto& batch : allocator.batches()) sent += batch.size();
  EXPECT_EQ(sent, static_cast<std::size_t>(queued + 1));
  for (const auto& [id, seqs] : allocator.order()) {
    EXPECT_TRUE(std::is_sorted(seqs.begin(), seqs.end())) << id;
  }
}

TEST(group_committer, concurrent_blocking_and_async_appends_are_each_sent_once_in_order) {
  recording_allocator allocator;
  constexpr int threads = 8;
  constexpr int per_thread = 100;
  {
    group_committer committer(allocator, with(98));
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        const std::string id = "T" + std::to_string(t);
        std::vector<std::future<void>> futures;
        for (int i = 0; i < per_thread; ++i) {
          if (t % 2 == 0) {
            auto append = make_append(id, 1, 1000, i);
            committer.commit(append);
            EXPECT_TRUE(append.first_position.has_value());
          } else {
            futures.push_back(committer.commit_async(make_append(id, 1, 1000, i)));
          }
        }
        for (auto& future : futures) {
          EXPECT_TRUE(ready(future));
          EXPECT_NO_THROW(future.get());
        }
      });
    }
    for (auto& worker : workers) worker.join();
  }
  EXPECT_FALSE(allocator.duplicate_ids_in_a_batch());
  const auto order = allocator.order();
  ASSERT_EQ(order.size(), static_cast<std::size_t>(threads));
  std::vector<std::int64_t> expected(per_thread);
  for (int i = 0; i < per_thread; ++i) expected[i] = i;
  for (const auto& [id, seqs] : order) EXPECT_THAT(seqs, ElementsAreArray(expected)) << id;
}

TEST(group_committer, switched_off_every_append_is_its_own_batch_on_the_callers_thread) {
  recording_allocator allocator;
  group_committer committer(allocator, with(98, 0us, false));
  auto blocking = make_append("A");
  committer.commit(blocking);
  EXPECT_TRUE(blocking.first_position.has_value());
  auto future = committer.commit_async(make_append("B"));
  EXPECT_EQ(future.wait_for(0s), std::future_status::ready);  // sent before commit_async returned
  EXPECT_NO_THROW(future.get());
  EXPECT_THAT(allocator.batches(), ElementsAre(ElementsAre("A"), ElementsAre("B")));
  for (const auto& id : allocator.threads()) EXPECT_EQ(id, std::this_thread::get_id());
}

}  // namespace
}  // namespace dynamo_es::detail
