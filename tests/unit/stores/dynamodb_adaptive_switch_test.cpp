// When the adaptive protocol switches between the serialised and the reservation protocol: a
// moving average of the counter races serialised batches lost, against `switch_at`, and a
// reservation period measured on an injected clock (so no test sleeps).

#include <gtest/gtest.h>

#include <chrono>

#include "stores/dynamodb_adaptive_protocol.hpp"

namespace dynamo_es::detail {
namespace {

using namespace std::chrono_literals;
using mode = adaptive_switch::mode;

class adaptive_switch_test : public ::testing::Test {
 protected:
  adaptive_switch make(double switch_at, std::chrono::milliseconds period) {
    adaptive_protocol_options options;
    options.switch_at = switch_at;
    options.reservation_period = period;
    return adaptive_switch(options, [this] { return now_; });
  }
  mode next(adaptive_switch& s) {
    bool switched = false;
    const auto m = s.next(switched);
    switches_ += switched ? 1 : 0;
    return m;
  }

  adaptive_switch::clock::time_point now_{};
  int switches_ = 0;
};

TEST_F(adaptive_switch_test, starts_serialised_and_stays_there_while_races_are_won) {
  auto s = make(0.5, 2000ms);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(next(s), mode::serialised);
    EXPECT_FALSE(s.record(0));
  }
  EXPECT_EQ(s.average(), 0.0);
  EXPECT_EQ(switches_, 0);
}

TEST_F(adaptive_switch_test, an_occasional_lost_race_does_not_switch) {
  auto s = make(0.5, 2000ms);
  // One lost race in every eight batches averages about 1/8.
  for (int i = 0; i < 200; ++i) {
    EXPECT_FALSE(s.record(i % 8 == 0 ? 1 : 0)) << "batch " << i;
  }
  EXPECT_EQ(s.current(), mode::serialised);
}

TEST_F(adaptive_switch_test, sustained_lost_races_switch_to_reservations) {
  auto s = make(0.5, 2000ms);
  int batches = 0;
  while (!s.record(2)) {
    ++batches;
    ASSERT_LT(batches, 20) << "two lost races per batch must switch";
  }
  // (1 - (7/8)^k) * 2 > 0.5 first holds at k = 3.
  EXPECT_EQ(batches + 1, 3);
  EXPECT_EQ(s.current(), mode::reservation);
  EXPECT_EQ(next(s), mode::reservation);
}

TEST_F(adaptive_switch_test, returns_to_serialised_after_the_period_and_measures_afresh) {
  auto s = make(0.5, 2000ms);
  while (!s.record(3)) {
  }
  now_ += 1999ms;
  EXPECT_EQ(next(s), mode::reservation);
  EXPECT_EQ(switches_, 0);
  now_ += 1ms;
  EXPECT_EQ(next(s), mode::serialised);
  EXPECT_EQ(switches_, 1);
  EXPECT_EQ(s.average(), 0.0);
  // One contended batch after the return does not switch again at once.
  EXPECT_FALSE(s.record(1));
  EXPECT_EQ(next(s), mode::serialised);
}

TEST_F(adaptive_switch_test, contention_that_returns_at_once_doubles_the_period_up_to_a_bound) {
  auto s = make(0.5, 1000ms);
  const auto contend_until_switch = [&] {
    while (!s.record(3)) {
    }
  };
  contend_until_switch();
  EXPECT_EQ(s.period(), 1000ms);
  std::chrono::milliseconds expected = 1000ms;
  for (int round = 0; round < 8; ++round) {
    now_ += s.period();
    ASSERT_EQ(next(s), mode::serialised);
    now_ += 10ms;  // contention is back almost at once
    contend_until_switch();
    expected = std::min(expected * 2, 1000ms * adaptive_switch::longest_period_factor);
    EXPECT_EQ(s.period(), expected) << "round " << round;
  }
  EXPECT_EQ(s.period(), 32000ms);
  // A serialised stretch longer than the period resets it.
  now_ += s.period();
  ASSERT_EQ(next(s), mode::serialised);
  now_ += 40s;
  contend_until_switch();
  EXPECT_EQ(s.period(), 1000ms);
}

TEST_F(adaptive_switch_test, the_threshold_is_the_option) {
  auto strict = make(0.05, 2000ms);
  EXPECT_TRUE(strict.record(1)) << "1/8 > 0.05";
  auto lenient = make(10.0, 2000ms);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(lenient.record(5));
}

}  // namespace
}  // namespace dynamo_es::detail
