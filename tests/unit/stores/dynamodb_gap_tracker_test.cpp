// The gap tracker's bookkeeping, on a hand-driven clock (no sleeping).

#include "stores/dynamodb_gap_tracker.hpp"

#include <gtest/gtest.h>

namespace dynamo_es::detail {
namespace {

using namespace std::chrono_literals;

struct fake_clock {
  gap_tracker::clock::time_point now{};
  gap_tracker::now_function function() {
    return [this] { return now; };
  }
};

TEST(dynamodb_gap_tracker, a_hole_expires_after_the_timeout_from_its_first_sighting) {
  fake_clock clock;
  gap_tracker tracker(10s, clock.function());
  EXPECT_FALSE(tracker.expired(11, 12));
  EXPECT_EQ(tracker.time_until_expired(11, 12), 10s);
  tracker.observe_missing(11, 12);
  clock.now += 4s;
  tracker.observe_missing(11, 12);  // seen again: the first sighting counts
  EXPECT_EQ(tracker.missing_for(11, 12), 4s);
  EXPECT_EQ(tracker.time_until_expired(11, 12), 6s);
  clock.now += 6s;
  EXPECT_TRUE(tracker.expired(11, 12));
  EXPECT_TRUE(tracker.expired(12, 12));
}

TEST(dynamodb_gap_tracker, a_range_expires_only_when_all_its_positions_have) {
  fake_clock clock;
  gap_tracker tracker(10s, clock.function());
  tracker.observe_missing(5, 6);
  clock.now += 8s;
  tracker.observe_missing(5, 9);  // 7..9 are new
  clock.now += 3s;
  EXPECT_TRUE(tracker.expired(5, 6));
  EXPECT_FALSE(tracker.expired(5, 9));
  EXPECT_FALSE(tracker.expired(4, 6));  // 4 was never seen missing
  EXPECT_EQ(tracker.missing_for(5, 9), 3s);
  clock.now += 7s;
  EXPECT_TRUE(tracker.expired(5, 9));
}

TEST(dynamodb_gap_tracker, overlapping_observations_keep_the_older_sightings) {
  fake_clock clock;
  gap_tracker tracker(10s, clock.function());
  tracker.observe_missing(10, 10);
  tracker.observe_missing(20, 20);
  clock.now += 5s;
  tracker.observe_missing(8, 25);
  EXPECT_EQ(tracker.missing_for(10, 10), 5s);
  EXPECT_EQ(tracker.missing_for(20, 20), 5s);
  EXPECT_EQ(tracker.missing_for(11, 19), 0s);
  EXPECT_EQ(tracker.missing_for(8, 25), 0s);
}

TEST(dynamodb_gap_tracker, a_position_seen_present_starts_over_when_missing_again) {
  fake_clock clock;
  gap_tracker tracker(10s, clock.function());
  tracker.observe_missing(5, 7);
  clock.now += 20s;
  tracker.observe_present(6);  // a stale index replica may hide it again later
  EXPECT_TRUE(tracker.expired(5, 5));
  EXPECT_TRUE(tracker.expired(7, 7));
  EXPECT_FALSE(tracker.expired(6, 6));
  EXPECT_FALSE(tracker.expired(5, 7));
  tracker.observe_missing(6, 6);
  EXPECT_FALSE(tracker.expired(5, 7));
  clock.now += 10s;
  EXPECT_TRUE(tracker.expired(5, 7));
}

TEST(dynamodb_gap_tracker, a_zero_timeout_passes_every_hole_at_once) {
  fake_clock clock;
  gap_tracker tracker(0s, clock.function());
  tracker.observe_missing(3, 3);
  EXPECT_TRUE(tracker.expired(3, 3));
}

}  // namespace
}  // namespace dynamo_es::detail
