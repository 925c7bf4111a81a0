// The gap rule end to end. Two sources of holes:
//  - a lagging index (AWS GSIs are eventually consistent). DynamoDB Local updates its GSIs
//    synchronously, so these tests use a transport double (`index_lag`) that forwards every
//    request to Local and removes chosen positions from GSI Query responses;
//  - a position burned by a PHP writer (its `ADD` on the counter without a commit). That one is
//    real on Local: no double needed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "integration/store/store_test_support.hpp"

namespace dynamo_es::store_testing {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

class dynamodb_store_replay : public store_fixture {
 protected:
  void SetUp() override {
    store_fixture::SetUp();
    for (int i = 1; i <= 5; ++i) {
      const auto id = "E" + std::to_string(i);
      store_->append(id, make_events(id, 0, 1));  // positions 1..5
    }
    lag_ = std::make_shared<index_lag>();
    transport_->set_editor(
        [lag = lag_](const dynamodb::http_request& request, std::string_view operation,
                     dynamodb::http_result& result) { (*lag)(request, operation, result); });
  }

  std::vector<std::int64_t> positions(const replay_page& page) {
    std::vector<std::int64_t> out;
    for (const auto& event : page.events()) out.push_back(event.global_position);
    return out;
  }

  std::vector<std::string> visit(dynamodb_event_store& store) {
    std::vector<std::string> ids;
    store.visit_events(criteria::create(), [&](const domain_message& m) { ids.push_back(m.id()); });
    return ids;
  }

  std::shared_ptr<index_lag> lag_;
};

TEST_F(dynamodb_store_replay, a_page_stops_before_a_position_the_index_does_not_show_yet) {
  lag_->hide(3, 1);  // 4 and 5 are visible before 3
  const auto first = store_->load_replay_page_after_global_position(criteria::create(), 0, 10);
  EXPECT_THAT(positions(first), ElementsAre(1, 2));
  EXPECT_EQ(first.last_processed_global_position(), 2);
  EXPECT_TRUE(first.has_more());
  const auto second = store_->load_replay_page_after_global_position(criteria::create(), 2, 10);
  EXPECT_THAT(positions(second), ElementsAre(3, 4, 5));
  EXPECT_FALSE(second.has_more());
  EXPECT_EQ(store_->statistics().skipped_gaps, 0u);
}

TEST_F(dynamodb_store_replay, visit_events_waits_for_a_lagging_position_and_keeps_the_order) {
  lag_->hide(2, 4);
  lag_->hide(4, 2);
  EXPECT_THAT(visit(*store_), ElementsAre("E1", "E2", "E3", "E4", "E5"));
  EXPECT_EQ(lag_->hidden_count(), 6);
  EXPECT_GE(store_->statistics().gap_waits, 1u);
  EXPECT_EQ(store_->statistics().skipped_gaps, 0u);
}

TEST_F(dynamodb_store_replay, a_burned_position_is_passed_after_the_gap_timeout_and_reported) {
  php_reserve(1);  // position 6 is reserved by a "PHP writer" that never commits
  store_->append("E7", make_events("E7", 0, 1));

  std::mutex mutex;
  std::vector<skipped_gap> gaps;
  auto reader_options = options();
  reader_options.gap_timeout = 200ms;
  reader_options.on_gap_skipped = [&](const skipped_gap& gap) {
    std::scoped_lock lock(mutex);
    gaps.push_back(gap);
  };
  const auto reader = another_store(reader_options);

  const auto page = reader->load_replay_page_after_global_position(criteria::create(), 5, 10);
  EXPECT_TRUE(page.events().empty()) << "within the timeout the hole may still fill";
  EXPECT_EQ(page.last_processed_global_position(), 5);
  EXPECT_TRUE(page.has_more());

  EXPECT_THAT(visit(*reader), ElementsAre("E1", "E2", "E3", "E4", "E5", "E7"));
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].table_name, table_);
  EXPECT_EQ(gaps[0].first_position, 6);
  EXPECT_EQ(gaps[0].last_position, 6);
  EXPECT_GE(gaps[0].missing_for, reader_options.gap_timeout);
  EXPECT_EQ(reader->statistics().skipped_gaps, 1u);
  EXPECT_EQ(reader->statistics().skipped_positions, 1u);

  // The store remembers the hole's age: the next replay passes it without waiting.
  const auto waits = reader->statistics().gap_waits;
  EXPECT_THAT(visit(*reader), ElementsAre("E1", "E2", "E3", "E4", "E5", "E7"));
  EXPECT_EQ(reader->statistics().gap_waits, waits);
  EXPECT_EQ(reader->statistics().skipped_gaps, 2u);
}

}  // namespace
}  // namespace dynamo_es::store_testing
