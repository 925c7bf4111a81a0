// The plan behind `dynamo-es migrate` (which row gets which position), and the table fingerprint
// it uses to notice writers, on rows built in memory (no DynamoDB).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "cli/legacy_migration.hpp"
#include "cli/tools/rows.hpp"
#include "dynamo_es/error.hpp"

namespace dynamo_es::testing {
namespace {

using cli::migration_plan;
using cli::migration_row;
using dynamodb::attribute_value;
using ::testing::HasSubstr;

migration_row row(const std::string& id, std::int64_t playhead, const std::string& recorded_on,
                  std::optional<std::int64_t> position = std::nullopt) {
  return {id, attribute_value::number(playhead), playhead, recorded_on, position, 100};
}

// "id@playhead" per planned row, in plan order.
std::vector<std::string> order(const migration_plan& plan) {
  std::vector<std::string> names;
  for (const auto& planned : plan.rows) {
    names.push_back(planned.id + "@" + planned.playhead.as_number());
  }
  return names;
}

std::vector<std::int64_t> positions(const migration_plan& plan) {
  std::vector<std::int64_t> result;
  for (const auto& planned : plan.rows) result.push_back(planned.position);
  return result;
}

TEST(migration_plan, numbers_rows_from_one_in_recorded_on_order) {
  const auto plan = cli::plan_migration({row("b", 0, "2020-01-01T00:00:02.000000+00:00"),
                                         row("a", 0, "2020-01-01T00:00:03.000000+00:00"),
                                         row("c", 0, "2020-01-01T00:00:01.000000+00:00")},
                                        std::nullopt, "Events");
  EXPECT_EQ(order(plan), (std::vector<std::string>{"c@0", "b@0", "a@0"}));
  EXPECT_EQ(positions(plan), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(plan.base, 0);
}

TEST(migration_plan, compares_instants_not_texts) {
  // 10:00+02:00 is 08:00 UTC, before 09:00+00:00, although its text sorts after (W21).
  const auto plan = cli::plan_migration({row("b", 0, "2020-01-01T09:00:00.000000+00:00"),
                                         row("a", 0, "2020-01-01T10:00:00.000000+02:00")},
                                        std::nullopt, "Events");
  EXPECT_EQ(order(plan), (std::vector<std::string>{"a@0", "b@0"}));
}

TEST(migration_plan, breaks_ties_by_id_then_playhead) {
  const std::string same = "2020-01-01T00:00:00.000000+00:00";
  const auto plan = cli::plan_migration(
      {row("c", 0, same), row("a", 1, same), row("b", 0, same), row("a", 0, same)}, std::nullopt,
      "Events");
  EXPECT_EQ(order(plan), (std::vector<std::string>{"a@0", "a@1", "b@0", "c@0"}));
}

TEST(migration_plan, never_places_a_playhead_before_a_lower_one_of_its_aggregate) {
  // x@1 was recorded by a host whose clock ran an hour late (W21): by its text it would come
  // before x@0 and y@0.
  const auto plan = cli::plan_migration({row("x", 0, "2020-01-01T10:00:00.000000+00:00"),
                                         row("x", 1, "2020-01-01T09:00:00.000000+00:00"),
                                         row("y", 0, "2020-01-01T09:30:00.000000+00:00")},
                                        std::nullopt, "Events");
  EXPECT_EQ(order(plan), (std::vector<std::string>{"y@0", "x@0", "x@1"}));
}

TEST(migration_plan, keeps_existing_positions_and_continues_above_them_and_the_counter) {
  const std::string t = "2020-01-01T00:00:00.000000+00:00";
  const auto above_counter = cli::plan_migration(
      {row("a", 0, t, 1), row("a", 1, t, 2), row("b", 0, t), row("c", 0, t)}, 5, "Events");
  EXPECT_EQ(above_counter.base, 5);
  EXPECT_EQ(above_counter.already_positioned, 2);
  EXPECT_EQ(above_counter.highest_position, 2);
  EXPECT_EQ(order(above_counter), (std::vector<std::string>{"b@0", "c@0"}));
  EXPECT_EQ(positions(above_counter), (std::vector<std::int64_t>{6, 7}));

  // A counter below the highest position (or none) must not lead to a position used twice.
  const auto above_positions =
      cli::plan_migration({row("a", 0, t, 3), row("b", 0, t)}, 1, "Events");
  EXPECT_EQ(above_positions.base, 3);
  EXPECT_EQ(positions(above_positions), (std::vector<std::int64_t>{4}));
}

TEST(migration_plan, is_the_same_whatever_order_the_scan_returned_rows_in) {
  std::vector<migration_row> rows;
  for (int i = 0; i < 40; ++i) {
    const auto second = (i * 7) % 13;  // many equal times, so the tie-breaks matter
    rows.push_back(row("agg-" + std::to_string(i % 5), i / 5,
                       "2020-01-01T00:00:" + std::string(second < 10 ? "0" : "") +
                           std::to_string(second) + ".000000+00:00"));
  }
  const auto reference = cli::plan_migration(rows, std::nullopt, "Events");
  std::mt19937 random(42);
  for (int round = 0; round < 5; ++round) {
    std::shuffle(rows.begin(), rows.end(), random);
    const auto plan = cli::plan_migration(rows, std::nullopt, "Events");
    EXPECT_EQ(order(plan), order(reference));
    EXPECT_EQ(positions(plan), positions(reference));
  }
}

TEST(migration_plan, a_rerun_after_any_prefix_assigns_the_rest_the_same_positions) {
  // What an interrupted migrate leaves: the first k rows of the plan have their positions and the
  // counter is at the last of them. The plan of the re-run must be the rest of the first plan.
  std::vector<migration_row> rows = {
      row("x", 0, "2020-01-01T10:00:00.000000+00:00"),
      row("x", 1, "2020-01-01T05:00:00.000000+00:00"),  // skewed clock
      row("x", 2, "2020-01-01T06:00:00.000000+00:00"),  // skewed clock
      row("x", 3, "2020-01-01T12:00:00.000000+00:00"),
      row("y", 0, "2020-01-01T09:00:00.000000+00:00"),
      row("y", 1, "2020-01-01T11:00:00.000000+00:00"),
      row("z", 0, "2020-01-01T10:00:00.000000+00:00"),
      row("w", 0, "2020-01-01T05:30:00.000000+00:00"),
      row("p", 0, "2020-01-01T07:00:00.000000+00:00", 1),  // already in the feed
  };
  const auto full = cli::plan_migration(rows, 1, "Events");
  ASSERT_EQ(full.rows.size(), 8u);
  for (std::size_t done = 0; done <= full.rows.size(); ++done) {
    SCOPED_TRACE("after " + std::to_string(done) + " rows");
    auto partial = rows;
    for (std::size_t i = 0; i < done; ++i) {
      for (auto& r : partial) {
        if (r.id == full.rows[i].id && r.playhead == full.rows[i].playhead) {
          r.position = full.rows[i].position;
        }
      }
    }
    const std::int64_t counter = done == 0 ? 1 : full.rows[done - 1].position;
    const auto rest = cli::plan_migration(partial, counter, "Events");
    ASSERT_EQ(rest.rows.size(), full.rows.size() - done);
    for (std::size_t i = 0; i < rest.rows.size(); ++i) {
      EXPECT_EQ(rest.rows[i].id, full.rows[done + i].id);
      EXPECT_EQ(rest.rows[i].playhead, full.rows[done + i].playhead);
      EXPECT_EQ(rest.rows[i].position, full.rows[done + i].position);
    }
  }
}

TEST(migration_plan, refuses_rows_whose_recorded_on_does_not_parse) {
  const std::string t = "2020-01-01T00:00:00.000000+00:00";
  try {
    static_cast<void>(cli::plan_migration(
        {row("a", 0, t), row("b", 3, "yesterday"), row("c", 0, "")}, std::nullopt, "Events"));
    FAIL() << "expected validation_error";
  } catch (const validation_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("2 rows"));
    EXPECT_THAT(e.what(), HasSubstr("aggregate \"b\" playhead 3"));
    EXPECT_THAT(e.what(), HasSubstr("\"yesterday\""));
    EXPECT_THAT(e.what(), HasSubstr("aggregate \"c\" playhead 0"));
  }
  // A row that already has a position needs no date.
  const auto plan = cli::plan_migration({row("a", 0, "garbage", 1), row("b", 0, t)}, 1, "Events");
  EXPECT_EQ(positions(plan), (std::vector<std::int64_t>{2}));
}

TEST(migration_plan, warns_when_rows_without_a_position_lie_below_positioned_ones) {
  const std::string t = "2020-01-01T00:00:00.000000+00:00";
  const auto plan = cli::plan_migration({row("a", 0, t), row("a", 1, t, 1)}, 1, "Events");
  ASSERT_EQ(plan.warnings.size(), 1u);
  EXPECT_THAT(plan.warnings[0], HasSubstr("\"a\""));
  EXPECT_EQ(positions(plan), (std::vector<std::int64_t>{2}));

  const auto fine = cli::plan_migration({row("a", 0, t, 1), row("a", 1, t)}, 1, "Events");
  EXPECT_TRUE(fine.warnings.empty());
}

TEST(table_fingerprint, a_scanned_row_and_its_parts_digest_alike) {
  cli::table_fingerprint scanned;
  scanned.add(event_row("a", 3, 7));
  scanned.add(event_row("b", 0, std::nullopt));
  scanned.add(counter_row(7));

  cli::table_fingerprint predicted;
  predicted.add("a", attribute_value::number(3), 7, std::nullopt);
  predicted.add("b", attribute_value::number(0), std::nullopt, std::nullopt);
  predicted.add("_counter", attribute_value::number(0), std::nullopt, 7);
  EXPECT_EQ(scanned, predicted);
  EXPECT_EQ(scanned.rows(), 3);

  // Giving b a position and moving the counter is told apart from the old state...
  cli::table_fingerprint moved = predicted;
  moved.remove("b", attribute_value::number(0), std::nullopt, std::nullopt);
  moved.add("b", attribute_value::number(0), 8, std::nullopt);
  EXPECT_FALSE(moved == predicted);
  moved.remove("_counter", attribute_value::number(0), std::nullopt, 7);
  moved.add("_counter", attribute_value::number(0), std::nullopt, 8);

  // ...and equals a scan of the new state.
  cli::table_fingerprint rescanned;
  rescanned.add(event_row("a", 3, 7));
  rescanned.add(event_row("b", 0, 8));
  rescanned.add(counter_row(8));
  EXPECT_EQ(moved, rescanned);
}

TEST(table_fingerprint, notices_a_new_row_and_a_changed_counter) {
  cli::table_fingerprint before;
  before.add(event_row("a", 0, std::nullopt));
  cli::table_fingerprint more = before;
  more.add(event_row("a", 1, std::nullopt));
  EXPECT_FALSE(more == before);

  cli::table_fingerprint counter_a;
  counter_a.add(counter_row(1));
  cli::table_fingerprint counter_b;
  counter_b.add(counter_row(2));
  EXPECT_FALSE(counter_a == counter_b);
}

}  // namespace
}  // namespace dynamo_es::testing
