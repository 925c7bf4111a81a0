// The checks every store runs before writing (contract W7, W9, W10, W13, W15).

#include "domain/append_validation.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "dynamo_es/error.hpp"

namespace dynamo_es::detail {
namespace {

using ::testing::HasSubstr;

domain_message event(std::string id, std::int64_t playhead, std::string json = "[]",
                     std::string class_name = "Broadway\\EventStore\\Testing\\Event") {
  return domain_message(id, playhead, metadata(), {std::move(class_name), std::move(json)},
                        date_time::now());
}

// Runs `validate_append` and returns the validation_error's message ("" when it passed).
std::string failure(std::string_view id, const domain_event_stream& stream) {
  try {
    validate_append(id, stream);
    return {};
  } catch (const validation_error& e) {
    return e.what();
  }
}

TEST(append_validation, accepts_a_well_formed_append) {
  EXPECT_NO_THROW(validate_append("A", domain_event_stream{event("A", 0), event("A", 1)}));
  EXPECT_NO_THROW(validate_append("A", domain_event_stream{event("A", 3), event("A", 10)}));
  EXPECT_NO_THROW(validate_append("A", domain_event_stream{event("A", -1)}));
  EXPECT_NO_THROW(validate_append("A", domain_event_stream{event("A", 0, R"({"x":[1]})")}));
  EXPECT_NO_THROW(validate_append("A", domain_event_stream{}));
}

TEST(append_validation, rejects_an_empty_id_even_for_an_empty_stream) {
  const std::string message = failure("", domain_event_stream{});
  EXPECT_THAT(message, HasSubstr("attribute \"Id\" must not be empty"));
}

TEST(append_validation, rejects_the_reserved_counter_id) {
  const std::string message = failure("_counter", domain_event_stream{event("_counter", 1)});
  EXPECT_THAT(message, HasSubstr("\"_counter\""));
  EXPECT_THAT(message, HasSubstr("reserved"));
  EXPECT_NE(failure("_counter", domain_event_stream{}), "");
}

TEST(append_validation, rejects_the_reserved_claim_id) {
  const std::string message = failure("_position", domain_event_stream{event("_position", 1)});
  EXPECT_THAT(message, HasSubstr("\"_position\""));
  EXPECT_THAT(message, HasSubstr("reserved"));
  EXPECT_THAT(message, HasSubstr("claim"));
  EXPECT_NE(failure("_position", domain_event_stream{}), "");
  // Only the exact id is reserved.
  EXPECT_EQ(failure("_positions", domain_event_stream{event("_positions", 1)}), "");
  EXPECT_EQ(failure("_Position", domain_event_stream{event("_Position", 1)}), "");
}

TEST(append_validation, limits_ids_to_2048_bytes) {
  const std::string longest(2048, 'x');
  EXPECT_NO_THROW(validate_append(longest, domain_event_stream{event(longest, 0)}));
  const std::string too_long(2049, 'x');
  const std::string message = failure(too_long, domain_event_stream{event(too_long, 0)});
  EXPECT_THAT(message, HasSubstr("2049 bytes"));
  EXPECT_THAT(message, HasSubstr("2048 bytes"));
  EXPECT_THAT(message, HasSubstr("\"Id\""));
  // Bytes, not characters: 683 three-byte characters are 2049 bytes.
  std::string euros;
  for (int i = 0; i < 683; ++i) euros += "\xE2\x82\xAC";
  EXPECT_NE(failure(euros, domain_event_stream{}), "");
}

TEST(append_validation, rejects_a_message_of_another_aggregate) {
  const std::string message = failure("A", domain_event_stream{event("A", 0), event("B", 1)});
  EXPECT_THAT(message, HasSubstr("aggregate \"A\""));
  EXPECT_THAT(message, HasSubstr("\"B\""));
  EXPECT_THAT(message, HasSubstr("message 1"));
}

TEST(append_validation, rejects_a_playhead_twice_in_one_append) {
  const std::string message = failure("A", domain_event_stream{event("A", 0), event("A", 0)});
  EXPECT_THAT(message, HasSubstr("\"Playhead\" 0 appears twice"));
  EXPECT_NE(failure("A", domain_event_stream{event("A", 0), event("A", 1), event("A", 0)}), "");
}

TEST(append_validation, rejects_playheads_that_do_not_increase) {
  const std::string message = failure("A", domain_event_stream{event("A", 1), event("A", 0)});
  EXPECT_THAT(message, HasSubstr("strictly increase"));
  EXPECT_THAT(message, HasSubstr("0 follows 1"));
}

TEST(append_validation, rejects_payloads_that_are_not_php_arrays) {
  const std::string scalar = failure("A", domain_event_stream{event("A", 0, "1")});
  EXPECT_THAT(scalar, HasSubstr("\"Payload.Payload\""));
  EXPECT_THAT(scalar, HasSubstr("Expected json \"1\" to decode to array, instead got integer"));
  EXPECT_NE(failure("A", domain_event_stream{event("A", 0, "\"text\"")}), "");
  EXPECT_NE(failure("A", domain_event_stream{event("A", 0, "{")}), "");
  EXPECT_NE(failure("A", domain_event_stream{event("A", 0, "")}), "");
  EXPECT_NE(failure("A", domain_event_stream{event("A", 0, "\"\xff\"")}), "");
}

TEST(append_validation, rejects_an_empty_class_name) {
  EXPECT_THAT(failure("A", domain_event_stream{event("A", 0, "[]", "")}),
              HasSubstr("\"Payload.Class\""));
}

TEST(append_validation, validate_aggregate_id_alone) {
  EXPECT_NO_THROW(validate_aggregate_id("x"));
  EXPECT_THROW(validate_aggregate_id(""), validation_error);
  EXPECT_THROW(validate_aggregate_id(reserved_counter_id), validation_error);
  EXPECT_THROW(validate_aggregate_id(reserved_claim_id), validation_error);
  EXPECT_TRUE(is_reserved_aggregate_id("_counter"));
  EXPECT_TRUE(is_reserved_aggregate_id("_position"));
  EXPECT_FALSE(is_reserved_aggregate_id("position"));
  EXPECT_THROW(validate_aggregate_id(std::string(max_aggregate_id_bytes + 1, 'a')),
               validation_error);
}

}  // namespace
}  // namespace dynamo_es::detail
