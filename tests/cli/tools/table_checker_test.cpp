// The checks behind `dynamo-es verify`, on rows built in memory (no DynamoDB).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/table_verifier.hpp"
#include "cli/tools/rows.hpp"
#include "stores/dynamodb_claims.hpp"

namespace dynamo_es::testing {
namespace {

using cli::position_gap;
using cli::table_checker;
using cli::verify_report;
using dynamodb::attribute_map;
using dynamodb::attribute_value;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

verify_report check(const std::vector<attribute_map>& rows, std::size_t max_listed = 20) {
  table_checker checker("Events", max_listed);
  for (const auto& row : rows) checker.add(row);
  return checker.finish();
}

TEST(table_checker, dense_positions_up_to_the_counter_are_clean) {
  const auto report =
      check({event_row("a", 0, 1), event_row("b", 0, 2), event_row("a", 1, 3), counter_row(3)});
  EXPECT_TRUE(report.clean());
  EXPECT_EQ(report.problem_count(), 0);
  EXPECT_EQ(report.rows_scanned, 4);
  EXPECT_EQ(report.event_rows, 3);
  EXPECT_EQ(report.positioned_rows, 3);
  EXPECT_EQ(report.aggregates, 2);
  EXPECT_EQ(report.counter, 3);
  EXPECT_EQ(report.max_position, 3);
}

TEST(table_checker, an_empty_table_is_clean) {
  const auto report = check({});
  EXPECT_TRUE(report.clean());
  EXPECT_EQ(report.counter, std::nullopt);
}

TEST(table_checker, a_hole_the_counter_passed_is_burned) {
  // What a PHP append leaves when its transaction fails after `ADD Value :2` (W1).
  const auto report =
      check({event_row("a", 0, 1), event_row("a", 1, 2), event_row("b", 0, 5), counter_row(5)});
  EXPECT_THAT(report.gaps, ElementsAre(position_gap{3, 4, position_gap::kind::burned}));
  EXPECT_EQ(report.missing_positions, 2);
  EXPECT_EQ(report.burned_positions, 2);
  EXPECT_EQ(report.problem_count(), 1);
  EXPECT_FALSE(report.clean());
  EXPECT_TRUE(report.clean(/*allow_burned=*/true));
}

TEST(table_checker, positions_burned_by_the_last_append_are_a_hole_at_the_top) {
  const auto report = check({event_row("a", 0, 1), event_row("a", 1, 2), counter_row(4)});
  EXPECT_THAT(report.gaps, ElementsAre(position_gap{3, 4, position_gap::kind::burned}));
  EXPECT_TRUE(report.counter_problems.empty());
}

TEST(table_checker, a_hole_nothing_explains_is_missing) {
  const auto report = check({event_row("a", 0, 1), event_row("a", 1, 3), counter_row(2)});
  // Position 2 is below the counter (burned); 3 is above it: the counter is too low, and
  // nothing is missing above 2.
  EXPECT_THAT(report.gaps, ElementsAre(position_gap{2, 2, position_gap::kind::burned}));
  ASSERT_EQ(report.counter_problems.size(), 1u);
  EXPECT_THAT(report.counter_problems[0], HasSubstr("below the highest position 3"));

  const auto no_counter = check({event_row("a", 0, 1), event_row("a", 1, 3)});
  EXPECT_THAT(no_counter.gaps, ElementsAre(position_gap{2, 2, position_gap::kind::missing}));
  ASSERT_EQ(no_counter.counter_problems.size(), 1u);
  EXPECT_THAT(no_counter.counter_problems[0], HasSubstr("no counter"));
  EXPECT_FALSE(no_counter.clean(/*allow_burned=*/true));
}

TEST(table_checker, a_position_held_by_a_row_outside_the_feed_is_not_a_burned_hole) {
  auto hidden = event_row("b", 0, 2);
  hidden.erase("Feed");
  const auto report = check(
      {event_row("a", 0, 1), hidden, event_row("a", 1, 3), event_row("a", 2, 4), counter_row(4)});
  EXPECT_EQ(report.bad_position_rows, 1);
  ASSERT_EQ(report.bad_positions.size(), 1u);
  EXPECT_EQ(report.bad_positions[0].row.id, "b");
  EXPECT_THAT(report.bad_positions[0].problem, HasSubstr("not in the replay index"));
  EXPECT_THAT(report.gaps, ElementsAre(position_gap{2, 2, position_gap::kind::not_in_feed}));
}

TEST(table_checker, gaps_of_different_kinds_are_listed_separately) {
  auto hidden = event_row("h", 0, 3);
  hidden.erase("Feed");
  // 1 present; 2 burned; 3 not in feed; 4-5 burned; 6 present; counter 8: 7-8 burned.
  const auto report = check({event_row("a", 0, 1), hidden, event_row("a", 1, 6), counter_row(8)});
  EXPECT_THAT(report.gaps, ElementsAre(position_gap{2, 2, position_gap::kind::burned},
                                       position_gap{3, 3, position_gap::kind::not_in_feed},
                                       position_gap{4, 5, position_gap::kind::burned},
                                       position_gap{7, 8, position_gap::kind::burned}));
  EXPECT_EQ(report.burned_positions, 5);
  EXPECT_EQ(report.missing_positions, 6);
}

TEST(table_checker, duplicate_positions_name_every_row) {
  const auto report = check({event_row("a", 0, 1), event_row("a", 1, 2), event_row("b", 4, 2),
                             event_row("c", 0, 3), counter_row(3)});
  EXPECT_EQ(report.duplicate_positions, 1);
  ASSERT_EQ(report.duplicates.size(), 1u);
  EXPECT_EQ(report.duplicates[0].position, 2);
  ASSERT_EQ(report.duplicates[0].rows.size(), 2u);
  EXPECT_EQ(report.duplicates[0].rows[0].id, "a");
  EXPECT_EQ(report.duplicates[0].rows[0].playhead, "1");
  EXPECT_EQ(report.duplicates[0].rows[1].id, "b");
  EXPECT_EQ(report.duplicates[0].rows[1].playhead, "4");
  EXPECT_TRUE(report.gaps.empty());
}

TEST(table_checker, undecodable_rows_name_the_row_and_the_attribute) {
  auto no_date = event_row("a", 1, 2);
  no_date.erase("RecordedOn");
  auto bad_payload = event_row("b", 0, 3);
  bad_payload["Payload"] = attribute_value::map({{"Class", attribute_value::string("App\\X")},
                                                 {"Payload", attribute_value::string("not json")}});
  auto scalar_payload = event_row("c", 0, 4);
  scalar_payload["Payload"] = attribute_value::map(
      {{"Class", attribute_value::string("App\\X")}, {"Payload", attribute_value::string("1")}});
  const auto report =
      check({event_row("a", 0, 1), no_date, bad_payload, scalar_payload, counter_row(4)});
  EXPECT_EQ(report.undecodable_rows, 3);
  ASSERT_EQ(report.undecodable.size(), 3u);
  EXPECT_EQ(report.undecodable[0].row.id, "a");
  EXPECT_EQ(report.undecodable[0].row.playhead, "1");
  EXPECT_THAT(report.undecodable[0].problem, HasSubstr("\"RecordedOn\" is missing"));
  EXPECT_EQ(report.undecodable[1].row.id, "b");
  EXPECT_THAT(report.undecodable[1].problem, HasSubstr("Payload.Payload"));
  EXPECT_THAT(report.undecodable[2].problem, HasSubstr("to decode to array"));
  // Broken rows still hold their positions: no hole.
  EXPECT_TRUE(report.gaps.empty());
}

TEST(table_checker, legacy_rows_are_counted_and_are_problems) {
  const auto report = check({event_row("a", 0, 1), event_row("a", 1, std::nullopt),
                             event_row("b", 0, std::nullopt), counter_row(1)});
  EXPECT_EQ(report.legacy_rows, 2);
  EXPECT_EQ(report.legacy_examples.size(), 2u);
  EXPECT_EQ(report.positioned_rows, 1);
  EXPECT_EQ(report.problem_count(), 2);
}

TEST(table_checker, a_legacy_table_has_no_counter_problem_only_legacy_rows) {
  const auto report = check({event_row("a", 0, std::nullopt), event_row("a", 1, std::nullopt)});
  EXPECT_EQ(report.legacy_rows, 2);
  EXPECT_TRUE(report.counter_problems.empty());
  EXPECT_TRUE(report.gaps.empty());
}

TEST(table_checker, positions_must_grow_with_the_playhead_of_an_aggregate) {
  const auto report = check({event_row("a", 0, 2), event_row("a", 1, 1), event_row("a", 2, 3),
                             event_row("b", 0, 4), event_row("b", 1, 5), counter_row(5)});
  EXPECT_EQ(report.order_violations, 1);
  ASSERT_EQ(report.out_of_order.size(), 1u);
  EXPECT_EQ(report.out_of_order[0].row.id, "a");
  EXPECT_EQ(report.out_of_order[0].row.playhead, "1");
  EXPECT_THAT(report.out_of_order[0].problem, HasSubstr("not above position 2"));
}

TEST(table_checker, rows_without_metadata_other_than_the_counter_are_foreign) {
  attribute_map stray{{"Id", attribute_value::string("stray")},
                      {"Playhead", attribute_value::number(0)}};
  const auto report = check({event_row("a", 0, 1), stray, counter_row(1)});
  EXPECT_EQ(report.foreign_rows, 1);
  ASSERT_EQ(report.foreign_examples.size(), 1u);
  EXPECT_EQ(report.foreign_examples[0].id, "stray");
  EXPECT_EQ(report.problem_count(), 1);
}

TEST(table_checker, events_under_the_reserved_id_are_problems) {
  const auto report = check({event_row("_counter", 1, 1), counter_row(1)});
  EXPECT_EQ(report.undecodable_rows, 1);
  EXPECT_THAT(report.undecodable.at(0).problem, HasSubstr("reserved"));
}

TEST(table_checker, events_under_the_claim_id_are_problems) {
  const auto report = check({event_row("_position", 1, 1), counter_row(1)});
  EXPECT_EQ(report.undecodable_rows, 1);
  EXPECT_THAT(report.undecodable.at(0).problem, HasSubstr("reserved"));
  EXPECT_THAT(report.undecodable.at(0).problem, HasSubstr("\"_position\""));
}

// --- Claim rows (src/stores/dynamodb_claims.hpp) --------------------------------------------

attribute_map void_claim(std::int64_t first, std::int64_t length) {
  return detail::void_claim_item(first, length, "writer");
}
attribute_map committed_claim(std::int64_t first, std::int64_t length) {
  return detail::committed_claim_item(first, length, "token");
}

TEST(table_checker, claim_rows_are_neither_events_nor_foreign_rows) {
  const auto report = check({committed_claim(1, 2), event_row("a", 0, 1), event_row("a", 1, 2),
                             committed_claim(3, 1), event_row("b", 0, 3), counter_row(3)});
  EXPECT_TRUE(report.clean());
  EXPECT_EQ(report.claim_rows, 2);
  EXPECT_EQ(report.void_claim_rows, 0);
  EXPECT_EQ(report.event_rows, 3);
  EXPECT_EQ(report.foreign_rows, 0);
  EXPECT_EQ(report.rows_scanned, 6);
}

TEST(table_checker, positions_covered_by_a_void_claim_are_not_gaps_but_are_counted) {
  // 2..3: a writer's failed range; 5: fenced by a reader; 7..8: burned, nothing covers them.
  const auto report =
      check({event_row("a", 0, 1), void_claim(2, 2), event_row("a", 1, 4), void_claim(5, 1),
             event_row("a", 2, 6), event_row("b", 0, 9), counter_row(10)});
  EXPECT_EQ(report.void_positions, 3);
  EXPECT_EQ(report.claim_rows, 2);
  EXPECT_EQ(report.void_claim_rows, 2);
  EXPECT_THAT(report.gaps, ElementsAre(position_gap{7, 8, position_gap::kind::burned},
                                       position_gap{10, 10, position_gap::kind::burned}));
  EXPECT_EQ(report.missing_positions, 3);
  EXPECT_EQ(report.gap_count, 2);
  EXPECT_EQ(report.foreign_rows, 0);
  EXPECT_TRUE(report.clean(/*allow_burned=*/true));
}

TEST(table_checker, a_void_claim_may_cover_part_of_a_hole_and_claims_may_overlap) {
  // Hole 2..9: void claims 3..4 and 4..6 (overlapping), the rest is a gap on both sides.
  const auto report = check({event_row("a", 0, 1), void_claim(3, 2), void_claim(4, 3),
                             event_row("a", 1, 10), counter_row(10)});
  EXPECT_EQ(report.void_positions, 4);
  EXPECT_THAT(report.gaps, ElementsAre(position_gap{2, 2, position_gap::kind::burned},
                                       position_gap{7, 9, position_gap::kind::burned}));
}

TEST(table_checker, a_table_dense_up_to_the_counter_with_void_claims_is_clean) {
  const auto report = check({event_row("a", 0, 1), void_claim(2, 98), event_row("a", 1, 100),
                             committed_claim(100, 1), counter_row(100)});
  EXPECT_TRUE(report.clean());
  EXPECT_EQ(report.void_positions, 98);
  const auto json = nlohmann::json::parse(cli::report_json(report, false));
  EXPECT_EQ(json["clean"], true);
  EXPECT_EQ(json["voidPositions"], 98);
  EXPECT_EQ(json["claimRows"], 2);
  EXPECT_EQ(json["voidClaimRows"], 1);
  EXPECT_EQ(json["missingPositions"], 0);
  std::ostringstream text;
  cli::print_report(text, report, false);
  EXPECT_THAT(text.str(), HasSubstr("2 claim rows (1 void)"));
  EXPECT_THAT(text.str(), HasSubstr("void: 98 positions are covered by void claims"));
  EXPECT_THAT(text.str(), HasSubstr("Clean"));
}

TEST(table_checker, a_malformed_claim_row_is_foreign) {
  auto broken = void_claim(2, 1);
  broken.erase("State");
  const auto report = check({event_row("a", 0, 1), broken, event_row("a", 1, 3), counter_row(3)});
  EXPECT_EQ(report.claim_rows, 0);
  EXPECT_EQ(report.foreign_rows, 1);
  EXPECT_THAT(report.gaps, ElementsAre(position_gap{2, 2, position_gap::kind::burned}));
}

TEST(table_checker, positions_below_one_are_bad) {
  const auto report = check({event_row("a", 0, 0), event_row("a", 1, 1), counter_row(1)});
  EXPECT_EQ(report.bad_position_rows, 1);
  EXPECT_THAT(report.bad_positions.at(0).problem, HasSubstr("below 1"));
}

TEST(table_checker, a_counter_that_is_not_a_number_is_a_problem) {
  attribute_map counter{{"Id", attribute_value::string("_counter")},
                        {"Playhead", attribute_value::number(0)},
                        {"Value", attribute_value::string("7")}};
  const auto report = check({event_row("a", 0, 1), counter});
  EXPECT_EQ(report.counter, std::nullopt);
  ASSERT_EQ(report.counter_problems.size(), 1u);
  EXPECT_THAT(report.counter_problems[0], HasSubstr("not an integer"));
}

TEST(table_checker, lists_are_capped_but_counts_are_complete) {
  std::vector<attribute_map> rows;
  // Positions 1, 3, 5, 7, 9, 11 (five holes) and five legacy rows.
  for (int i = 0; i < 6; ++i) rows.push_back(event_row("a", i, 2 * i + 1));
  for (int i = 0; i < 5; ++i) rows.push_back(event_row("legacy", i, std::nullopt));
  rows.push_back(counter_row(11));
  const auto report = check(rows, /*max_listed=*/2);
  EXPECT_EQ(report.gap_count, 5);
  EXPECT_EQ(report.gaps.size(), 2u);
  EXPECT_EQ(report.legacy_rows, 5);
  EXPECT_EQ(report.legacy_examples.size(), 2u);
  EXPECT_EQ(report.problem_count(), 10);
  EXPECT_EQ(report.problem_count(/*allow_burned=*/true), 5);
}

TEST(table_checker, the_json_report_carries_counts_and_lists) {
  const auto report = check({event_row("a", 0, 1), event_row("b", 0, 3),
                             event_row("c", 0, std::nullopt), counter_row(3)});
  const auto json = nlohmann::json::parse(cli::report_json(report, false));
  EXPECT_EQ(json["table"], "Events");
  EXPECT_EQ(json["clean"], false);
  EXPECT_EQ(json["problems"], 2);
  EXPECT_EQ(json["events"], 3);
  EXPECT_EQ(json["inFeed"], 2);
  EXPECT_EQ(json["counter"], 3);
  EXPECT_EQ(json["legacyRows"], 1);
  EXPECT_EQ(json["burnedPositions"], 1);
  ASSERT_EQ(json["gaps"].size(), 1u);
  EXPECT_EQ(json["gaps"][0]["first"], 2);
  EXPECT_EQ(json["gaps"][0]["kind"], "burned");
  EXPECT_EQ(json["legacyExamples"][0]["id"], "c");
  EXPECT_EQ(json["legacyExamples"][0]["playhead"], 0);

  const auto allowed = nlohmann::json::parse(cli::report_json(report, true));
  EXPECT_EQ(allowed["problems"], 1);
}

TEST(table_checker, the_text_report_names_each_problem) {
  const auto report = check({event_row("a", 0, 1), event_row("b", 0, 4), counter_row(4)});
  std::ostringstream text;
  cli::print_report(text, report, false);
  EXPECT_THAT(text.str(), HasSubstr("gap: positions 2..3 burned"));
  EXPECT_THAT(text.str(), HasSubstr("1 problem found"));

  std::ostringstream allowed;
  cli::print_report(allowed, report, true);
  EXPECT_THAT(allowed.str(), HasSubstr("(allowed)"));
  EXPECT_THAT(allowed.str(), HasSubstr("Clean (2 burned positions allowed)"));
}

}  // namespace
}  // namespace dynamo_es::testing
