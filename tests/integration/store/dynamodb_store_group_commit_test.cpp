// Group commit and append_async against DynamoDB Local: concurrent appends land exactly once, in
// per-aggregate order, one caller's conflict fails only that caller, bad input throws before
// anything is queued, and a destroyed store has sent everything it accepted.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <future>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "dynamo_es/event_store_errors.hpp"
#include "integration/store/store_test_support.hpp"

namespace dynamo_es::store_testing {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

/// Longer than any test runs: a batch that is not full leaves only when the store is destroyed.
constexpr auto forever = std::chrono::duration_cast<std::chrono::microseconds>(1h);

class dynamodb_store_group_commit : public store_fixture {
 protected:
  dynamodb_event_store_options grouping(std::size_t max_appends, std::chrono::microseconds delay) {
    auto result = options();
    result.group_commit.max_appends = max_appends;
    result.group_commit.max_delay = delay;
    return result;
  }

  /// Every event of the feed, in position order (the table is quiet: no hole stays open).
  std::vector<replay_event> feed() {
    std::vector<replay_event> events;
    std::int64_t after = 0;
    for (;;) {
      const auto page =
          store_->load_replay_page_after_global_position(criteria::create(), after, 1000);
      for (const auto& event : page.events()) events.push_back(event);
      if (!page.has_more() || page.last_processed_global_position() == after) return events;
      after = page.last_processed_global_position();
    }
  }

  /// Checks that the feed holds each (aggregate, playhead) of `expected` exactly once, nothing
  /// else, at distinct positions, and each aggregate's events in playhead order.
  void expect_feed_holds_exactly(const std::map<std::string, std::int64_t>& expected) {
    const auto events = feed();
    std::set<std::pair<std::string, std::int64_t>> seen;
    std::set<std::int64_t> positions;
    std::map<std::string, std::vector<std::int64_t>> order;
    for (const auto& event : events) {
      EXPECT_TRUE(seen.emplace(event.message.id(), event.message.playhead()).second)
          << event.message.id() << "@" << event.message.playhead() << " twice";
      EXPECT_TRUE(positions.insert(event.global_position).second) << event.global_position;
      EXPECT_GE(event.global_position, 1);
      order[event.message.id()].push_back(event.message.playhead());
    }
    std::size_t total = 0;
    for (const auto& [id, count] : expected) {
      std::vector<std::int64_t> playheads(static_cast<std::size_t>(count));
      for (std::int64_t i = 0; i < count; ++i) playheads[static_cast<std::size_t>(i)] = i;
      EXPECT_THAT(order[id], ElementsAreArray(playheads)) << id;
      total += playheads.size();
    }
    EXPECT_EQ(events.size(), total);
  }
};

TEST_F(dynamodb_store_group_commit, sixteen_threads_through_one_store_land_every_append_once) {
  constexpr int threads = 16;
  constexpr int per_thread = 12;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const std::string id = "thread-" + std::to_string(t);
      for (int i = 0; i < per_thread; ++i) {
        EXPECT_NO_THROW(store_->append(id, make_events(id, i, 1)));
      }
    });
  }
  for (auto& worker : workers) worker.join();

  std::map<std::string, std::int64_t> expected;
  for (int t = 0; t < threads; ++t) expected["thread-" + std::to_string(t)] = per_thread;
  expect_feed_holds_exactly(expected);
  const auto stats = store_->statistics();
  EXPECT_EQ(stats.appends, static_cast<std::uint64_t>(threads * per_thread));
  // One batch is in flight per store, so a store never races itself for the counter.
  EXPECT_EQ(stats.counter_races, 0u);
  EXPECT_GE(stats.commit_transactions, 1u);
  EXPECT_LE(stats.commit_transactions, stats.appends);
}

TEST_F(dynamodb_store_group_commit, concurrent_appends_share_transactions) {
  // Batches of 16 that wait up to 2 s to fill: a batch leaves when all 16 threads have an append
  // queued, so the 16 x 6 appends travel in about 6 transactions, not 96.
  const auto grouped = another_store(grouping(16, 2s));
  constexpr int threads = 16;
  constexpr int per_thread = 6;
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const std::string id = "thread-" + std::to_string(t);
      for (int i = 0; i < per_thread; ++i) {
        EXPECT_NO_THROW(grouped->append(id, make_events(id, i, 1)));
      }
    });
  }
  for (auto& worker : workers) worker.join();

  std::map<std::string, std::int64_t> expected;
  for (int t = 0; t < threads; ++t) expected["thread-" + std::to_string(t)] = per_thread;
  expect_feed_holds_exactly(expected);
  const auto stats = grouped->statistics();
  EXPECT_EQ(stats.appends, static_cast<std::uint64_t>(threads * per_thread));
  EXPECT_LT(stats.commit_transactions, stats.appends);
  EXPECT_LT(transport_->count("TransactWriteItems"),
            static_cast<std::size_t>(threads * per_thread));
}

TEST_F(dynamodb_store_group_commit, a_duplicate_playhead_in_a_group_fails_only_its_caller) {
  store_->append("taken", make_events("taken", 0, 1));
  // 16 appends, one of them a conflict, queued together: the batch is full at 16 and leaves.
  const auto grouped = another_store(grouping(16, forever));
  std::vector<std::future<void>> others;
  std::future<void> conflict;
  for (int i = 0; i < 16; ++i) {
    if (i == 7) {
      conflict = grouped->append_async("taken", make_events("taken", 0, 2));
    } else {
      const std::string id = "other-" + std::to_string(i);
      others.push_back(grouped->append_async(id, make_events(id, 0, 2)));
    }
  }
  // Caught by type only: see tests/unit/stores/dynamodb_group_commit_test.cpp on reading an
  // exception that crossed threads under ThreadSanitizer.
  EXPECT_THROW(conflict.get(), duplicate_playhead);
  for (auto& future : others) EXPECT_NO_THROW(future.get());
  EXPECT_LT(grouped->statistics().commit_transactions, 16u);

  std::map<std::string, std::int64_t> expected{{"taken", 1}};
  for (int i = 0; i < 16; ++i) {
    if (i != 7) expected["other-" + std::to_string(i)] = 2;
  }
  expect_feed_holds_exactly(expected);
  EXPECT_EQ(store_->load("taken").size(), 1u);  // the conflicting append wrote nothing
}

TEST_F(dynamodb_store_group_commit,
       a_duplicate_playhead_among_blocking_threads_fails_only_its_caller) {
  store_->append("taken", make_events("taken", 0, 1));
  constexpr int threads = 16;
  std::vector<int> failures(threads, 0);
  std::vector<int> conflicts(threads, 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const std::string id = t == 0 ? "taken" : "other-" + std::to_string(t);
      for (int i = 0; i < 5; ++i) {
        try {
          // Thread 0 repeats the taken playhead; the others append new ones.
          store_->append(id, make_events(id, t == 0 ? 0 : i, 1));
        } catch (const duplicate_playhead&) {
          ++conflicts[static_cast<std::size_t>(t)];
        } catch (...) {
          ++failures[static_cast<std::size_t>(t)];
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(conflicts[0], 5);
  for (int t = 0; t < threads; ++t) {
    EXPECT_EQ(failures[static_cast<std::size_t>(t)], 0) << t;
    if (t != 0) {
      EXPECT_EQ(conflicts[static_cast<std::size_t>(t)], 0) << t;
    }
  }
  std::map<std::string, std::int64_t> expected{{"taken", 1}};
  for (int t = 1; t < threads; ++t) expected["other-" + std::to_string(t)] = 5;
  expect_feed_holds_exactly(expected);
}

TEST_F(dynamodb_store_group_commit, two_hundred_async_appends_land_in_per_aggregate_order) {
  constexpr int aggregates = 10;
  constexpr int per_aggregate = 20;
  std::vector<std::future<void>> futures;
  // Round robin: consecutive appends of one aggregate are never adjacent in the queue.
  for (int i = 0; i < per_aggregate; ++i) {
    for (int a = 0; a < aggregates; ++a) {
      const std::string id = "async-" + std::to_string(a);
      futures.push_back(store_->append_async(id, make_events(id, i, 1)));
    }
  }
  ASSERT_EQ(futures.size(), 200u);
  for (auto& future : futures) EXPECT_NO_THROW(future.get());

  std::map<std::string, std::int64_t> expected;
  for (int a = 0; a < aggregates; ++a) expected["async-" + std::to_string(a)] = per_aggregate;
  // Playhead order within each aggregate in the feed = submission order of its appends.
  expect_feed_holds_exactly(expected);
  EXPECT_EQ(store_->statistics().appends, 200u);
}

TEST_F(dynamodb_store_group_commit, append_async_with_bad_input_throws_at_once_and_sends_nothing) {
  EXPECT_THROW(static_cast<void>(store_->append_async("", make_events("", 0, 1))),
               validation_error);
  EXPECT_THROW(static_cast<void>(store_->append_async("_counter", make_events("_counter", 0, 1))),
               validation_error);
  EXPECT_THROW(static_cast<void>(store_->append_async("A", make_events("B", 0, 1))),
               validation_error);
  EXPECT_THROW(static_cast<void>(store_->append_async("A", make_events("A", 0, 99))),
               validation_error);
  EXPECT_THROW(static_cast<void>(store_->append_async("A", make_events("A", 0, 1, 410'000))),
               validation_error);
  domain_event_stream backwards({make_event("A", 2), make_event("A", 1)});
  EXPECT_THROW(static_cast<void>(store_->append_async("A", backwards)), validation_error);

  auto empty = store_->append_async("A", domain_event_stream());
  EXPECT_EQ(empty.wait_for(0s), std::future_status::ready);
  EXPECT_NO_THROW(empty.get());

  EXPECT_EQ(transport_->total(), 0u);
  EXPECT_TRUE(feed().empty());
  EXPECT_EQ(store_->statistics().appends, 0u);
}

TEST_F(dynamodb_store_group_commit, a_destroyed_store_has_sent_every_queued_append) {
  std::vector<std::future<void>> futures;
  {
    // Batches that never fill and a delay no test reaches: the appends stay queued until the
    // store is destroyed.
    const auto store = another_store(grouping(98, forever));
    for (int i = 0; i < 30; ++i) {
      const std::string id = "queued-" + std::to_string(i % 6);
      futures.push_back(store->append_async(id, make_events(id, i / 6, 1)));
    }
    EXPECT_NE(futures.front().wait_for(0s), std::future_status::ready);
  }
  for (auto& future : futures) {
    ASSERT_EQ(future.wait_for(0s), std::future_status::ready);
    EXPECT_NO_THROW(future.get());
  }
  std::map<std::string, std::int64_t> expected;
  for (int a = 0; a < 6; ++a) expected["queued-" + std::to_string(a)] = 5;
  expect_feed_holds_exactly(expected);
}

TEST_F(dynamodb_store_group_commit, switched_off_append_async_sends_before_it_returns) {
  auto off = options();
  off.group_commit.enabled = false;
  const auto store = another_store(off);
  auto future = store->append_async("A", make_events("A", 0, 2));
  EXPECT_EQ(future.wait_for(0s), std::future_status::ready);
  EXPECT_NO_THROW(future.get());
  EXPECT_EQ(transport_->count("TransactWriteItems"), 1u);
  store->append("A", make_events("A", 2, 1));
  expect_feed_holds_exactly({{"A", 3}});
}

TEST_F(dynamodb_store_group_commit, an_uncontended_append_is_one_request) {
  store_->append("A", make_events("A", 0, 1));
  transport_->clear();
  for (int i = 1; i <= 5; ++i) store_->append("A", make_events("A", i, 1));
  EXPECT_EQ(transport_->total(), 5u);
  EXPECT_EQ(store_->statistics().commit_transactions, store_->statistics().appends);
}

TEST_F(dynamodb_store_group_commit, options_out_of_range_are_refused_by_name) {
  const auto refused = [&](auto edit, const std::string& name) {
    auto bad = options();
    edit(bad);
    try {
      static_cast<void>(another_store(bad));
      ADD_FAILURE() << name << " accepted";
    } catch (const validation_error& error) {
      EXPECT_THAT(error.what(), HasSubstr(name));
    }
  };
  refused([](auto& o) { o.group_commit.max_appends = 0; }, "group_commit.max_appends");
  refused([](auto& o) { o.group_commit.max_appends = 99; }, "group_commit.max_appends");
  refused([](auto& o) { o.group_commit.max_delay = std::chrono::microseconds(-1); },
          "group_commit.max_delay");
  refused([](auto& o) { o.adaptive.switch_at = -0.1; }, "adaptive.switch_at");
  refused([](auto& o) { o.adaptive.switch_at = std::nan(""); }, "adaptive.switch_at");
  refused([](auto& o) { o.adaptive.switch_at = std::numeric_limits<double>::infinity(); },
          "adaptive.switch_at");
  refused([](auto& o) { o.adaptive.reservation_period = std::chrono::milliseconds(-1); },
          "adaptive.reservation_period");
  refused([](auto& o) { o.protocol = static_cast<append_protocol>(42); }, "protocol");

  auto edge = options();
  edge.group_commit.max_appends = 1;
  edge.adaptive.switch_at = 0;
  edge.adaptive.reservation_period = std::chrono::milliseconds(0);
  EXPECT_NO_THROW(static_cast<void>(another_store(edge)));
  edge.group_commit.max_appends = 98;
  EXPECT_NO_THROW(static_cast<void>(another_store(edge)));
}

}  // namespace
}  // namespace dynamo_es::store_testing
