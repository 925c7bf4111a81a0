// detail::replay_prefetcher: order, fetch-ahead, error propagation, holes, cancellation.
//
// These tests feed the prefetcher from an in-memory feed rather than DynamoDB Local: what they
// check (which thread sends which request when, an error on exactly the second page, an index that
// fills a hole between two reads, a request still in flight when the reader gives up) cannot be
// provoked on Local deterministically. replay_prefetch_local_test.cpp runs it against Local.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "stores/dynamodb_replay_prefetch.hpp"

namespace {

using dynamo_es::detail::holds_consecutive_positions;
using dynamo_es::detail::next_page_after;
using dynamo_es::detail::replay_prefetcher;
using dynamo_es::dynamodb::attribute_map;
using dynamo_es::dynamodb::attribute_value;
using dynamo_es::dynamodb::query_response;

attribute_map row(std::int64_t position) {
  return {{"Id", attribute_value::string("a" + std::to_string(position))},
          {"Playhead", attribute_value::number(0)},
          {"Feed", attribute_value::string("all")},
          {"GlobalPosition", attribute_value::number(position)}};
}

/// A GSI feed in memory: positions present, read `limit` rows at a time like the replay Query.
class fake_feed {
 public:
  fake_feed(std::int64_t last, std::int64_t limit) : limit_(limit) {
    for (std::int64_t p = 1; p <= last; ++p) present_.insert({p, true});
  }

  void remove(std::int64_t position) {
    const std::lock_guard lock(mutex_);
    present_.erase(position);
  }
  void add(std::int64_t position) {
    const std::lock_guard lock(mutex_);
    present_.insert({position, true});
  }

  query_response read(std::int64_t after) {
    const std::lock_guard lock(mutex_);
    calls_.push_back(after);
    threads_.push_back(std::this_thread::get_id());
    query_response page;
    for (auto it = present_.upper_bound(after); it != present_.end(); ++it) {
      if (static_cast<std::int64_t>(page.items.size()) == limit_) {
        page.last_evaluated_key = row(page.items.back().at("GlobalPosition").as_int64());
        break;
      }
      page.items.push_back(row(it->first));
    }
    // DynamoDB returns a key when the page is full, even if nothing follows.
    if (static_cast<std::int64_t>(page.items.size()) == limit_ && page.last_evaluated_key.empty()) {
      page.last_evaluated_key = row(page.items.back().at("GlobalPosition").as_int64());
    }
    return page;
  }

  std::vector<std::int64_t> calls() const {
    const std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<std::thread::id> threads() const {
    const std::lock_guard lock(mutex_);
    return threads_;
  }

 private:
  std::int64_t limit_;
  mutable std::mutex mutex_;
  std::map<std::int64_t, bool> present_;
  std::vector<std::int64_t> calls_;
  std::vector<std::thread::id> threads_;
};

std::vector<std::int64_t> positions(const query_response& page) {
  std::vector<std::int64_t> out;
  for (const auto& item : page.items) out.push_back(item.at("GlobalPosition").as_int64());
  return out;
}

/// The visit loop of the replay reader, without decoding: returns every position read.
std::vector<std::int64_t> read_all(replay_prefetcher& prefetch) {
  std::vector<std::int64_t> all;
  std::int64_t checkpoint = 0;
  for (;;) {
    const auto page = prefetch.next(checkpoint);
    for (const auto p : positions(page)) all.push_back(p);
    if (page.last_evaluated_key.empty()) return all;
    checkpoint = all.back();
  }
}

TEST(ReplayPrefetch, PagesArriveInOrderAndEachRequestIsSentOnce) {
  fake_feed feed(250, 100);
  replay_prefetcher prefetch([&](std::int64_t after) { return feed.read(after); });
  const auto all = read_all(prefetch);
  std::vector<std::int64_t> expected;
  for (std::int64_t p = 1; p <= 250; ++p) expected.push_back(p);
  EXPECT_EQ(all, expected);
  EXPECT_EQ(feed.calls(), (std::vector<std::int64_t>{0, 100, 200}));
  EXPECT_EQ(prefetch.stats().fetched_now, 1u);
  EXPECT_EQ(prefetch.stats().fetched_ahead, 2u);
  EXPECT_EQ(prefetch.stats().used, 2u);
  EXPECT_EQ(prefetch.stats().discarded, 0u);
}

TEST(ReplayPrefetch, AFullLastPageCostsTheSameEmptyReadAsWithoutPrefetch) {
  fake_feed feed(200, 100);
  replay_prefetcher prefetch([&](std::int64_t after) { return feed.read(after); });
  EXPECT_EQ(read_all(prefetch).size(), 200u);
  EXPECT_EQ(feed.calls(), (std::vector<std::int64_t>{0, 100, 200}));
}

TEST(ReplayPrefetch, TheNextPageIsRequestedOnAnotherThreadBeforeItIsAskedFor) {
  fake_feed feed(250, 100);
  std::promise<void> second_requested;
  replay_prefetcher prefetch([&](std::int64_t after) {
    auto page = feed.read(after);
    if (after == 100) second_requested.set_value();
    return page;
  });
  const auto first = prefetch.next(0);
  EXPECT_EQ(positions(first).front(), 1);
  // Only the prefetch can send this request: the test has not asked for page 2 yet.
  ASSERT_EQ(second_requested.get_future().wait_for(std::chrono::seconds(30)),
            std::future_status::ready);
  ASSERT_EQ(feed.threads().size(), 2u);
  EXPECT_EQ(feed.threads()[0], std::this_thread::get_id());
  EXPECT_NE(feed.threads()[1], std::this_thread::get_id());
  EXPECT_EQ(positions(prefetch.next(100)).front(), 101);
  EXPECT_EQ(prefetch.stats().used, 1u);
}

TEST(ReplayPrefetch, TheErrorOfAPrefetchedPageSurfacesWhenThatPageIsAskedFor) {
  fake_feed feed(250, 100);
  replay_prefetcher prefetch([&](std::int64_t after) {
    if (after == 100) throw std::runtime_error("throttled on page 2");
    return feed.read(after);
  });
  query_response first;
  ASSERT_NO_THROW(first = prefetch.next(0));  // the failing prefetch is running or done by now
  EXPECT_EQ(first.items.size(), 100u);
  try {
    static_cast<void>(prefetch.next(100));
    FAIL() << "expected the prefetch's error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "throttled on page 2");
  }
}

TEST(ReplayPrefetch, AnotherCheckpointDropsThePrefetchAndItsError) {
  fake_feed feed(250, 100);
  replay_prefetcher prefetch([&](std::int64_t after) {
    if (after == 100) throw std::runtime_error("never seen");
    return feed.read(after);
  });
  static_cast<void>(prefetch.next(0));
  // A reader that stopped before a hole at 51 asks for the rows after 50 instead.
  query_response page;
  ASSERT_NO_THROW(page = prefetch.next(50));
  EXPECT_EQ(positions(page).front(), 51);
  EXPECT_EQ(prefetch.stats().discarded, 1u);
  EXPECT_EQ(prefetch.stats().fetched_now, 2u);
}

TEST(ReplayPrefetch, APrefetchedPageWithAHoleIsReadAgainNow) {
  fake_feed feed(250, 100);
  feed.remove(150);  // the index has not shown position 150 yet
  std::promise<void> prefetched;
  replay_prefetcher prefetch([&](std::int64_t after) {
    auto page = feed.read(after);
    if (after == 100 && feed.calls().size() == 2) prefetched.set_value();
    return page;
  });
  static_cast<void>(prefetch.next(0));
  ASSERT_EQ(prefetched.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
  feed.add(150);  // ... and now it has: the hole must be judged on a fresh read
  const auto page = prefetch.next(100);
  std::vector<std::int64_t> expected;
  for (std::int64_t p = 101; p <= 200; ++p) expected.push_back(p);
  EXPECT_EQ(positions(page), expected);
  EXPECT_EQ(prefetch.stats().discarded, 1u);
  prefetch.cancel();  // let the prefetch of page 3 finish before looking at the calls
  EXPECT_EQ(feed.calls(), (std::vector<std::int64_t>{0, 100, 100, 200}));
}

TEST(ReplayPrefetch, NothingIsFetchedAfterTheLastPage) {
  fake_feed feed(30, 100);
  replay_prefetcher prefetch([&](std::int64_t after) { return feed.read(after); });
  EXPECT_EQ(positions(prefetch.next(0)).size(), 30u);
  EXPECT_EQ(prefetch.stats().fetched_ahead, 0u);
  EXPECT_EQ(feed.calls(), (std::vector<std::int64_t>{0}));
}

TEST(ReplayPrefetch, DestructionWaitsForTheRequestInFlightAndSendsNoOther) {
  fake_feed feed(500, 100);
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<bool> fetch_finished{false};
  auto prefetch = std::make_unique<replay_prefetcher>([&](std::int64_t after) {
    if (after == 100) {
      released.wait();
      auto page = feed.read(after);
      fetch_finished = true;
      return page;
    }
    return feed.read(after);
  });
  static_cast<void>(prefetch->next(0));
  bool finished_when_destroyed = false;
  std::thread destroyer([&] {
    prefetch.reset();  // a visitor threw: the replay unwinds
    finished_when_destroyed = fetch_finished.load();
  });
  // Give a destructor that does not wait the chance to return while the request is in flight.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  release.set_value();
  destroyer.join();
  EXPECT_TRUE(finished_when_destroyed);
  EXPECT_EQ(feed.calls(), (std::vector<std::int64_t>{0, 100}));
}

TEST(ReplayPrefetch, AVisitorErrorLeavesThePrefetchUnusedAndStopsTheReplay) {
  fake_feed feed(500, 100);
  std::vector<std::int64_t> visited;
  const auto replay = [&] {
    replay_prefetcher prefetch([&](std::int64_t after) { return feed.read(after); });
    std::int64_t checkpoint = 0;
    for (;;) {
      const auto page = prefetch.next(checkpoint);
      for (const auto p : positions(page)) {
        if (p == 150) throw std::logic_error("visitor failed at 150");
        visited.push_back(p);
      }
      checkpoint = visited.back();
    }
  };
  EXPECT_THROW(replay(), std::logic_error);
  EXPECT_EQ(visited.size(), 149u);
  // Page 3 was fetched ahead while page 2 was visited; nothing after it.
  EXPECT_EQ(feed.calls(), (std::vector<std::int64_t>{0, 100, 200}));
}

TEST(ReplayPrefetch, NextPageStartsAtTheLastEvaluatedKey) {
  query_response page;
  page.items = {row(1), row(2)};
  EXPECT_EQ(next_page_after(page), std::nullopt);  // no key: last page
  page.last_evaluated_key = row(2);
  EXPECT_EQ(next_page_after(page), 2);
  page.last_evaluated_key = {{"Id", attribute_value::string("x")}};  // no position in the key
  EXPECT_EQ(next_page_after(page), 2);                               // the last row's
  page.items.back().erase("GlobalPosition");
  EXPECT_EQ(next_page_after(page), std::nullopt);
  page.items.clear();
  EXPECT_EQ(next_page_after(page), std::nullopt);
  page.last_evaluated_key = {{"GlobalPosition", attribute_value::number("1.5")}};
  EXPECT_EQ(next_page_after(page), std::nullopt);
}

TEST(ReplayPrefetch, ConsecutivePositionsStartRightAfterTheCheckpoint) {
  query_response page;
  EXPECT_TRUE(holds_consecutive_positions(page, 7));
  page.items = {row(8), row(9), row(10)};
  EXPECT_TRUE(holds_consecutive_positions(page, 7));
  EXPECT_FALSE(holds_consecutive_positions(page, 6));  // 7 missing in front
  page.items = {row(1), row(2)};
  EXPECT_TRUE(holds_consecutive_positions(page, -5));  // positions start at 1
  page.items = {row(8), row(10)};
  EXPECT_FALSE(holds_consecutive_positions(page, 7));
  page.items = {row(8), {{"Id", attribute_value::string("no position")}}};
  EXPECT_FALSE(holds_consecutive_positions(page, 7));
}

}  // namespace
