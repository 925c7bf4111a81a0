// DynamoDB's limits are checked before any request (W9): the error names the aggregate, what is
// too large and the limit.

#include "stores/dynamodb_append_limits.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dynamo_es/error.hpp"
#include "stores/dynamodb_item_size.hpp"

namespace dynamo_es::detail {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

domain_message event(std::int64_t playhead, std::size_t payload_bytes = 0) {
  std::string json =
      payload_bytes == 0 ? "[]" : "{\"p\":\"" + std::string(payload_bytes, 'x') + "\"}";
  return domain_message("acct", playhead, metadata{},
                        serialized_payload{"App\\Event", std::move(json)},
                        date_time::from_string("2026-05-01T00:00:00.000000+00:00"));
}

domain_event_stream events(std::size_t count, std::size_t payload_bytes = 0) {
  std::vector<domain_message> messages;
  for (std::size_t i = 0; i < count; ++i) {
    messages.push_back(event(static_cast<std::int64_t>(i), payload_bytes));
  }
  return domain_event_stream(std::move(messages));
}

// The row size of an event whose payload JSON is `{"p":"x...x"}` with `payload_bytes` x's.
std::size_t row_size(std::size_t payload_bytes) {
  return encode_and_check_append("acct", events(1, payload_bytes)).transaction_bytes -
         counter_action_allowance - claim_action_allowance - 24;
}

TEST(dynamodb_append_limits, accepts_98_events_and_sizes_them_with_the_largest_position) {
  const auto checked = encode_and_check_append("acct", events(98));
  ASSERT_EQ(checked.items.size(), 98u);
  EXPECT_EQ(checked.items[0].at("GlobalPosition").as_number(), "9223372036854775807");
  std::size_t rows = 0;
  for (const auto& item : checked.items) rows += item_size(item);
  // Each Put also carries its condition expression, which DynamoDB counts.
  EXPECT_EQ(checked.transaction_bytes,
            rows + 98 * 24 + counter_action_allowance + claim_action_allowance);
}

TEST(dynamodb_append_limits, refuses_99_events_naming_aggregate_and_limit) {
  // 100 actions per transaction, two of them the counter update and the position claim.
  try {
    static_cast<void>(encode_and_check_append("acct", events(99)));
    FAIL() << "expected validation_error";
  } catch (const validation_error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("99 events"), HasSubstr("\"acct\""),
                                HasSubstr("98 events per append")));
  }
}

TEST(dynamodb_append_limits, an_item_of_exactly_400_kb_passes_and_one_byte_more_fails) {
  const auto base = row_size(1);
  const auto fitting = 409'600 - base + 1;
  EXPECT_EQ(row_size(fitting), 409'600u);
  try {
    static_cast<void>(encode_and_check_append("acct", events(1, fitting + 1)));
    FAIL() << "expected validation_error";
  } catch (const validation_error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("\"acct\""), HasSubstr("playhead 0"),
                                HasSubstr("409601 bytes"), HasSubstr("attribute \"Payload\""),
                                HasSubstr("409600 bytes (400 KB) per item")));
  }
}

TEST(dynamodb_append_limits, a_transaction_over_4_mb_fails_naming_the_limit) {
  // 10 rows of 390 KB fit in 4 MB; 12 do not (the W9 scenario).
  EXPECT_NO_THROW(static_cast<void>(encode_and_check_append("acct", events(10, 390'000))));
  try {
    static_cast<void>(encode_and_check_append("acct", events(12, 390'000)));
    FAIL() << "expected validation_error";
  } catch (const validation_error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("12 events"), HasSubstr("\"acct\""),
                                HasSubstr("4194304 bytes (4 MB) per transaction")));
  }
}

TEST(dynamodb_append_limits, the_transaction_limit_is_exact) {
  // Each payload byte adds one byte to each of the 11 rows: from the size at a probe payload, the
  // largest payload that fits follows directly.
  const std::size_t rows = 11;
  const std::size_t probe = 300'000;
  const auto at_probe = encode_and_check_append("acct", events(rows, probe)).transaction_bytes;
  const auto largest = probe + (4'194'304 - at_probe) / rows;
  const auto fitting = encode_and_check_append("acct", events(rows, largest));
  EXPECT_EQ(fitting.transaction_bytes, at_probe + (largest - probe) * rows);
  EXPECT_LE(fitting.transaction_bytes, 4'194'304u);
  EXPECT_THROW(static_cast<void>(encode_and_check_append("acct", events(rows, largest + 1))),
               validation_error);
}

}  // namespace
}  // namespace dynamo_es::detail
