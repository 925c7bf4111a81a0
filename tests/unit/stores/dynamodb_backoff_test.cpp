// Backoff bounds and request tokens.

#include "stores/dynamodb_backoff.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace dynamo_es::detail {
namespace {

using namespace std::chrono_literals;

TEST(dynamodb_backoff, doubles_up_to_the_ceiling) {
  EXPECT_EQ(exponential_backoff(1, 10ms, 1s), 10ms);
  EXPECT_EQ(exponential_backoff(2, 10ms, 1s), 20ms);
  EXPECT_EQ(exponential_backoff(4, 10ms, 1s), 80ms);
  EXPECT_EQ(exponential_backoff(20, 10ms, 1s), 1s);
  EXPECT_EQ(exponential_backoff(1000, 10ms, 1s), 1s);
}

TEST(dynamodb_backoff, jitter_stays_within_the_exponential_bound) {
  for (int retry = 1; retry < 12; ++retry) {
    const auto delay = jittered_backoff(retry, 2ms, 200ms);
    EXPECT_GE(delay, 0ms);
    EXPECT_LE(delay, exponential_backoff(retry, 2ms, 200ms));
  }
  EXPECT_EQ(jittered_backoff(3, 0ms, 200ms), 0ms);
}

TEST(dynamodb_backoff, tokens_are_distinct_version_4_uuids) {
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto token = random_token();
    EXPECT_TRUE(std::regex_match(token, uuid)) << token;
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace dynamo_es::detail
