// The replay page's bad-row policy over hand-made GSI responses (issue 4 item 7): `stop` ends the
// page before the row and throws when the row comes first; `skip` reports the row and moves the
// checkpoint over it, but never past a row that was neither delivered nor reported. The same
// rules against DynamoDB Local are in tests/integration/store/dynamodb_store_bad_rows_test.cpp;
// the shapes Local cannot hold (a hole in the index next to a bad row) are only here.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "dynamo_es/dynamodb_event_store.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_replay_reader.hpp"

namespace dynamo_es::detail {
namespace {

using namespace std::chrono_literals;
using dynamodb::attribute_map;
using dynamodb::attribute_value;
using ::testing::ElementsAre;

attribute_map row(std::int64_t position, const std::string& id = "a") {
  return encode_event(
      domain_message(id, position, metadata{}, serialized_payload{"App\\Event", "[]"},
                     date_time::from_string("2026-05-01T00:00:00.000000+00:00")),
      position);
}

attribute_map bad_content(std::int64_t position) {
  auto item = row(position, "broken");
  item["Payload"] = attribute_value::map({{"Class", attribute_value::string("App\\Event")},
                                          {"Payload", attribute_value::string("{not json")}});
  return item;
}

attribute_map at_literal(std::int64_t playhead, std::string literal) {
  auto item = row(playhead, "odd");
  item["GlobalPosition"] = attribute_value::number(std::move(literal));
  return item;
}

std::vector<std::int64_t> positions(const replay_page& page) {
  std::vector<std::int64_t> out;
  for (const auto& event : page.events()) out.push_back(event.global_position);
  return out;
}

struct bad_rows_fixture : ::testing::Test {
  gap_tracker::clock::time_point now{};
  gap_tracker tracker{10s, [this] { return now; }};
  std::vector<corrupt_row_report> reported;
  std::vector<skipped_gap> gaps;

  replay_read page(const std::vector<attribute_map>& items, std::int64_t after, bool more,
                   bad_row_policy policy) {
    bad_row_handling handling{policy,
                              [this](const corrupt_row_report& r) { reported.push_back(r); }};
    return assemble_replay_page(
        items, more, criteria::create(), after, "events", tracker,
        [this](const skipped_gap& gap) { gaps.push_back(gap); }, handling);
  }
};

// --- stop --------------------------------------------------------------------------------------

TEST_F(bad_rows_fixture, stop_throws_when_the_bad_row_comes_first) {
  try {
    static_cast<void>(page({bad_content(3), row(4)}, 2, false, bad_row_policy::stop));
    FAIL() << "expected corrupt_event_row";
  } catch (const corrupt_event_row& e) {
    EXPECT_EQ(e.report().global_position, 3);
    EXPECT_EQ(e.report().attribute, "Payload.Payload");
  }
  EXPECT_TRUE(reported.empty());
}

TEST_F(bad_rows_fixture, stop_ends_the_page_just_before_the_bad_row) {
  const auto read = page({row(1), row(2), bad_content(3), row(4)}, 0, false, bad_row_policy::stop);
  EXPECT_THAT(positions(read.page), ElementsAre(1, 2));
  EXPECT_EQ(read.page.last_processed_global_position(), 2);
  // DynamoDB said nothing more, but the bad row is more: the caller must come back to it.
  EXPECT_TRUE(read.page.has_more());
  EXPECT_FALSE(read.stopped_at.has_value());
  EXPECT_THROW(static_cast<void>(page({bad_content(3), row(4)}, 2, false, bad_row_policy::stop)),
               corrupt_event_row);
  EXPECT_TRUE(reported.empty());
}

TEST_F(bad_rows_fixture, stop_is_the_default) {
  EXPECT_THROW(
      static_cast<void>(assemble_replay_page({bad_content(1)}, false, criteria::create(), 0,
                                             "events", tracker, [](const skipped_gap&) {})),
      corrupt_event_row);
}

TEST_F(bad_rows_fixture, stop_applies_to_unreadable_positions_too) {
  for (const char* literal : {"99999999999999999999", "-2", "2.5"}) {
    SCOPED_TRACE(literal);
    EXPECT_THROW(static_cast<void>(page({at_literal(0, literal)}, 1, false, bad_row_policy::stop)),
                 corrupt_event_row);
  }
}

// --- skip --------------------------------------------------------------------------------------

TEST_F(bad_rows_fixture, skip_reports_the_row_and_moves_the_checkpoint_over_it) {
  const auto read = page({row(1), bad_content(2), row(3)}, 0, false, bad_row_policy::skip);
  EXPECT_THAT(positions(read.page), ElementsAre(1, 3));
  EXPECT_EQ(read.page.last_processed_global_position(), 3);
  EXPECT_FALSE(read.page.has_more());
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].table_name, "events");
  EXPECT_EQ(reported[0].aggregate_id, "broken");
  EXPECT_EQ(reported[0].playhead, 2);
  EXPECT_EQ(reported[0].global_position, 2);
  EXPECT_EQ(reported[0].attribute, "Payload.Payload");
}

TEST_F(bad_rows_fixture, skip_of_a_last_bad_row_still_advances_the_checkpoint) {
  const auto read = page({row(1), bad_content(2)}, 0, true, bad_row_policy::skip);
  EXPECT_THAT(positions(read.page), ElementsAre(1));
  EXPECT_EQ(read.page.last_processed_global_position(), 2);
  EXPECT_TRUE(read.page.has_more());
}

TEST_F(bad_rows_fixture, skip_never_passes_an_unexpired_hole_before_the_bad_row) {
  // Position 2 is missing and young: the page stops before it, and the bad row behind it is
  // neither reported nor passed.
  const auto read = page({row(1), bad_content(3)}, 0, false, bad_row_policy::skip);
  EXPECT_THAT(positions(read.page), ElementsAre(1));
  EXPECT_EQ(read.page.last_processed_global_position(), 1);
  EXPECT_EQ(read.stopped_at, (position_gap{2, 2}));
  EXPECT_TRUE(reported.empty());
  now += 11s;
  const auto later = page({bad_content(3), row(4)}, 1, false, bad_row_policy::skip);
  EXPECT_THAT(positions(later.page), ElementsAre(4));
  EXPECT_EQ(later.page.last_processed_global_position(), 4);
  EXPECT_EQ(gaps.size(), 1u);
  EXPECT_EQ(reported.size(), 1u);
}

TEST_F(bad_rows_fixture, skip_of_a_bad_row_fills_no_hole_it_does_not_hold) {
  // The bad row occupies its position: the feed is dense, no gap is reported for it.
  const auto read = page({row(1), bad_content(2), row(3)}, 0, false, bad_row_policy::skip);
  EXPECT_FALSE(read.stopped_at.has_value());
  EXPECT_TRUE(gaps.empty());
}

TEST_F(bad_rows_fixture, skip_passes_a_negative_position_below_a_negative_checkpoint) {
  const auto read = page({at_literal(0, "-3"), row(1)}, -5, false, bad_row_policy::skip);
  EXPECT_THAT(positions(read.page), ElementsAre(1));
  EXPECT_EQ(read.page.last_processed_global_position(), 1);
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].attribute, "GlobalPosition");
  EXPECT_EQ(reported[0].global_position, -3);
}

TEST_F(bad_rows_fixture, skip_ends_the_feed_at_a_position_beyond_int64) {
  const auto read =
      page({row(1), at_literal(0, "9223372036854775808"), at_literal(1, "99999999999999999999999")},
           0, true, bad_row_policy::skip);
  EXPECT_THAT(positions(read.page), ElementsAre(1));
  // The checkpoint cannot name the row's position, and every later row is beyond int64 as well.
  EXPECT_EQ(read.page.last_processed_global_position(), 1);
  EXPECT_FALSE(read.page.has_more());
  ASSERT_EQ(reported.size(), 1u);
  EXPECT_EQ(reported[0].global_position, std::nullopt);
  EXPECT_THAT(reported[0].message, ::testing::HasSubstr("9223372036854775808"));
}

TEST_F(bad_rows_fixture, skip_cannot_pass_a_fractional_position) {
  // No integer checkpoint lies between 2 and 2.5 and 3: the replay stops like under `stop`.
  const auto read =
      page({row(1), row(2), at_literal(0, "2.5"), row(3)}, 0, false, bad_row_policy::skip);
  EXPECT_THAT(positions(read.page), ElementsAre(1, 2));
  EXPECT_EQ(read.page.last_processed_global_position(), 2);
  EXPECT_TRUE(read.page.has_more());
  EXPECT_THROW(
      static_cast<void>(page({at_literal(0, "2.5"), row(3)}, 2, false, bad_row_policy::skip)),
      corrupt_event_row);
  EXPECT_TRUE(reported.empty());
}

TEST_F(bad_rows_fixture, rows_without_event_attributes_are_still_not_bad_rows) {
  auto counter_like = row(2, "_counter");
  counter_like.erase("Metadata");
  counter_like.erase("Payload");
  counter_like.erase("RecordedOn");
  const auto read = page({row(1), counter_like, row(3)}, 0, false, bad_row_policy::stop);
  EXPECT_THAT(positions(read.page), ElementsAre(1, 3));
  EXPECT_TRUE(reported.empty());
}

}  // namespace
}  // namespace dynamo_es::detail
