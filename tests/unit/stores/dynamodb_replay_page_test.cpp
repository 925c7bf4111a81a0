// The replay page rules over hand-made GSI responses, with the gap tracker on a hand-driven
// clock. DynamoDB Local updates its GSIs synchronously, so holes in the index (AWS's eventual
// consistency, positions burned by the PHP package) cannot be provoked there; the integration
// tests add a transport double over Local for the same rules end to end.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "dynamo_es/event_store_errors.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_replay_reader.hpp"

namespace dynamo_es::detail {
namespace {

using namespace std::chrono_literals;
using dynamodb::attribute_map;
using dynamodb::attribute_value;
using ::testing::ElementsAre;

const std::string start = "Broadway\\EventStore\\Management\\Testing\\Start";
const std::string middle = "Broadway\\EventStore\\Management\\Testing\\Middle";

attribute_map row(std::int64_t position, std::string id = "a", const std::string& type = start) {
  return encode_event(domain_message(id, position, metadata{}, serialized_payload{type, "[]"},
                                     date_time::from_string("2026-05-01T00:00:00.000000+00:00")),
                      position);
}

// A row in the feed with none of the event attributes (Metadata, Payload, RecordedOn), as the
// counter row would be if it had a GlobalPosition (W7/W8).
attribute_map row_without_metadata(std::int64_t position) {
  auto item = row(position, "_counter");
  item.erase("Metadata");
  item.erase("Payload");
  item.erase("RecordedOn");
  return item;
}

struct replay_fixture : ::testing::Test {
  gap_tracker::clock::time_point now{};
  gap_tracker tracker{10s, [this] { return now; }};
  std::vector<skipped_gap> skipped;

  replay_read page(const std::vector<attribute_map>& items, std::int64_t after, bool more = false,
                   const criteria& filter = criteria::create()) {
    return assemble_replay_page(items, more, filter, after, "events", tracker,
                                [this](const skipped_gap& gap) { skipped.push_back(gap); });
  }
};

std::vector<std::int64_t> positions(const replay_page& page) {
  std::vector<std::int64_t> out;
  for (const auto& event : page.events()) out.push_back(event.global_position);
  return out;
}

TEST_F(replay_fixture, a_dense_page_delivers_everything_and_has_more_from_the_index) {
  const auto read = page({row(1), row(2), row(3)}, 0, true);
  EXPECT_THAT(positions(read.page), ElementsAre(1, 2, 3));
  EXPECT_EQ(read.page.last_processed_global_position(), 3);
  EXPECT_TRUE(read.page.has_more());
  EXPECT_FALSE(read.stopped_at.has_value());
  EXPECT_FALSE(page({row(4)}, 3, false).page.has_more());
}

TEST_F(replay_fixture, an_empty_page_keeps_the_checkpoint) {
  const auto read = page({}, 7);
  EXPECT_TRUE(read.page.events().empty());
  EXPECT_EQ(read.page.last_processed_global_position(), 7);
  EXPECT_FALSE(read.page.has_more());
}

TEST_F(replay_fixture, a_page_stops_before_a_missing_position) {
  // 12 is visible before 11 (AWS GSIs are eventually consistent).
  const auto read = page({row(10), row(12), row(13)}, 9, false);
  EXPECT_THAT(positions(read.page), ElementsAre(10));
  EXPECT_EQ(read.page.last_processed_global_position(), 10);
  EXPECT_TRUE(read.page.has_more());
  EXPECT_EQ(read.stopped_at, (position_gap{11, 11}));
  EXPECT_TRUE(skipped.empty());
}

TEST_F(replay_fixture, a_hole_right_after_the_checkpoint_gives_an_empty_page_that_has_more) {
  const auto read = page({row(12)}, 10, false);
  EXPECT_TRUE(read.page.events().empty());
  EXPECT_EQ(read.page.last_processed_global_position(), 10);
  EXPECT_TRUE(read.page.has_more());
}

TEST_F(replay_fixture, a_filled_hole_is_delivered_in_order) {
  static_cast<void>(page({row(10), row(12)}, 9));
  now += 1s;
  const auto read = page({row(11), row(12)}, 10);
  EXPECT_THAT(positions(read.page), ElementsAre(11, 12));
  EXPECT_TRUE(skipped.empty());
}

TEST_F(replay_fixture, a_hole_older_than_the_timeout_is_passed_over_logged_and_reported) {
  static_cast<void>(page({row(10), row(12)}, 9));
  now += 10s;
  const auto read = page({row(12), row(13)}, 10);
  EXPECT_THAT(positions(read.page), ElementsAre(12, 13));
  EXPECT_EQ(read.page.last_processed_global_position(), 13);
  EXPECT_FALSE(read.stopped_at.has_value());
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].table_name, "events");
  EXPECT_EQ(skipped[0].first_position, 11);
  EXPECT_EQ(skipped[0].last_position, 11);
  EXPECT_EQ(skipped[0].missing_for, 10s);
}

TEST_F(replay_fixture, all_holes_of_one_response_age_together) {
  // Burned positions 2, 4 and 6..7: one timeout passes all of them, not one timeout each.
  const auto first = page({row(1), row(3), row(5), row(8)}, 0);
  EXPECT_EQ(first.stopped_at, (position_gap{2, 2}));
  EXPECT_EQ(first.page.last_processed_global_position(), 1);
  now += 10s;
  const auto read = page({row(3), row(5), row(8)}, 1);
  EXPECT_THAT(positions(read.page), ElementsAre(3, 5, 8));
  EXPECT_EQ(skipped.size(), 3u);
  EXPECT_EQ(skipped[2].first_position, 6);
  EXPECT_EQ(skipped[2].last_position, 7);
}

TEST_F(replay_fixture, positions_start_at_one) {
  EXPECT_EQ(page({row(2)}, 0).stopped_at, (position_gap{1, 1}));
  EXPECT_EQ(page({row(2)}, -5).stopped_at, (position_gap{1, 1}));
  EXPECT_THAT(positions(page({row(1)}, -5).page), ElementsAre(1));
}

TEST_F(replay_fixture, rows_without_metadata_are_skipped_but_advance_the_checkpoint) {
  // W7: with page size 2, a page of such rows must still move the reader on.
  const auto read = page({row_without_metadata(1), row_without_metadata(2)}, 0, true);
  EXPECT_TRUE(read.page.events().empty());
  EXPECT_EQ(read.page.last_processed_global_position(), 2);
  EXPECT_TRUE(read.page.has_more());
}

TEST_F(replay_fixture, filtered_rows_advance_the_checkpoint) {
  const auto filter =
      criteria::create().with_event_types({"Broadway.EventStore.Management.Testing.Start"});
  const auto read = page({row(26, "b", start), row(27, "b", middle)}, 25, true, filter);
  EXPECT_THAT(positions(read.page), ElementsAre(26));
  EXPECT_EQ(read.page.last_processed_global_position(), 27);
}

TEST_F(replay_fixture, aggregate_root_type_criteria_throw_when_a_row_is_examined) {
  const auto filter = criteria::create().with_aggregate_root_types({"AggregateTypeOne"});
  EXPECT_THROW(static_cast<void>(page({row(1)}, 0, false, filter)), criteria_not_supported);
  EXPECT_NO_THROW(static_cast<void>(page({}, 0, false, filter)));
}

TEST_F(replay_fixture, duplicate_positions_are_both_delivered) {
  // W12: the index does not enforce unique positions; neither row is lost within a page.
  const auto read = page({row(1, "a"), row(1, "b"), row(2)}, 0);
  EXPECT_THAT(positions(read.page), ElementsAre(1, 1, 2));
}

TEST_F(replay_fixture, an_undecodable_row_names_its_position) {
  auto broken = row(1);
  broken.erase("RecordedOn");
  try {
    static_cast<void>(page({broken}, 0));
    FAIL() << "expected serialization_error";
  } catch (const serialization_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("global position 1"));
  }
}

// --- With claims: verdicts the resolver learnt are given to the page (a claim_verdicts) ---------

struct claims_fixture : replay_fixture {
  claim_verdicts verdicts;
  std::vector<position_gap> void_passed;

  replay_read claims_page(const std::vector<attribute_map>& items, std::int64_t after,
                          bool more = false) {
    const claim_handling claims{[this](std::int64_t p) { return verdicts.at(p); },
                                [this](const position_gap& run) { void_passed.push_back(run); }};
    return assemble_replay_page(
        items, more, criteria::create(), after, "events", tracker,
        [this](const skipped_gap& gap) { skipped.push_back(gap); }, {}, claims);
  }

  void learn(std::int64_t first, std::int64_t length, position_claim::state status) {
    position_claim claim;
    claim.first = first;
    claim.length = length;
    claim.status = status;
    verdicts.learn(claim);
  }
};

TEST_F(claims_fixture, a_void_hole_is_passed_at_once_without_a_skipped_gap_report) {
  learn(11, 2, position_claim::state::voided);
  const auto read = claims_page({row(10), row(13)}, 9);
  EXPECT_THAT(positions(read.page), ElementsAre(10, 13));
  EXPECT_EQ(read.page.last_processed_global_position(), 13);
  EXPECT_FALSE(read.stopped_at.has_value());
  EXPECT_THAT(void_passed, ElementsAre(position_gap{11, 12}));
  EXPECT_TRUE(skipped.empty());
}

TEST_F(claims_fixture, a_committed_hole_is_never_passed_whatever_its_age) {
  learn(11, 1, position_claim::state::committed);
  static_cast<void>(claims_page({row(10), row(12)}, 9));
  now += 1h;  // far beyond the 10 s gap timeout
  const auto read = claims_page({row(12)}, 10);
  EXPECT_TRUE(read.page.events().empty());
  EXPECT_EQ(read.page.last_processed_global_position(), 10);
  EXPECT_EQ(read.stopped_at, (position_gap{11, 11}));
  EXPECT_TRUE(read.page.has_more());
  EXPECT_TRUE(skipped.empty());
  // Once the index shows it, it is delivered in order.
  EXPECT_THAT(positions(claims_page({row(11), row(12)}, 10).page), ElementsAre(11, 12));
}

TEST_F(claims_fixture, an_unclaimed_hole_is_not_passed_on_age_alone_it_must_be_fenced_first) {
  static_cast<void>(claims_page({row(10), row(12)}, 9));
  now += 10s;
  const auto expired = claims_page({row(12)}, 10);
  EXPECT_EQ(expired.stopped_at, (position_gap{11, 11}));
  EXPECT_TRUE(skipped.empty());
  verdicts.learn_fenced(11, 11);  // what the resolver does once the hole expired
  const auto read = claims_page({row(12)}, 10);
  EXPECT_THAT(positions(read.page), ElementsAre(12));
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].first_position, 11);
  EXPECT_EQ(skipped[0].last_position, 11);
  EXPECT_EQ(skipped[0].missing_for, 10s);
  EXPECT_TRUE(void_passed.empty());
}

TEST_F(claims_fixture, a_page_passes_the_settled_start_of_a_hole_and_stops_at_the_rest) {
  // 11..12 void (a writer's failed range), 13 unknown, 14 fenced.
  learn(11, 2, position_claim::state::voided);
  verdicts.learn_fenced(14, 14);
  const auto read = claims_page({row(10), row(15)}, 9);
  EXPECT_THAT(positions(read.page), ElementsAre(10));
  // The checkpoint moves over the void positions, so the next page starts at the unknown one.
  EXPECT_EQ(read.page.last_processed_global_position(), 12);
  EXPECT_EQ(read.stopped_at, (position_gap{13, 14}));
  EXPECT_THAT(void_passed, ElementsAre(position_gap{11, 12}));
}

TEST_F(claims_fixture, adjacent_runs_of_one_verdict_are_reported_once) {
  verdicts.learn_fenced(2, 2);
  verdicts.learn_fenced(3, 3);
  learn(4, 1, position_claim::state::voided);
  learn(5, 1, position_claim::state::voided);
  const auto read = claims_page({row(1), row(6)}, 0);
  EXPECT_THAT(positions(read.page), ElementsAre(1, 6));
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_EQ(skipped[0].first_position, 2);
  EXPECT_EQ(skipped[0].last_position, 3);
  EXPECT_THAT(void_passed, ElementsAre(position_gap{4, 5}));
}

TEST_F(claims_fixture, a_committed_claim_overlapping_a_void_one_stops_the_page) {
  learn(11, 3, position_claim::state::committed);
  learn(12, 1, position_claim::state::voided);
  const auto read = claims_page({row(10), row(14)}, 9);
  EXPECT_EQ(read.stopped_at, (position_gap{11, 13}));
  EXPECT_TRUE(void_passed.empty());
}

}  // namespace
}  // namespace dynamo_es::detail
