// How the store recognises its own commit among the rows it reads back after an ambiguous
// failure (src/stores/dynamodb_commit_id.hpp). Pure; no DynamoDB.

#include <gtest/gtest.h>

#include "stores/dynamodb_commit_id.hpp"

namespace dynamo_es::detail {
namespace {

using dynamodb::attribute_map;
using dynamodb::attribute_value;

attribute_map row(std::int64_t playhead, std::int64_t position, const char* commit_id) {
  attribute_map item{{"Playhead", attribute_value::number(playhead)},
                     {"GlobalPosition", attribute_value::number(position)}};
  if (commit_id != nullptr) item.emplace("CommitId", attribute_value::string(commit_id));
  return item;
}

const std::vector<std::string> ours = {"tok-1", "tok-2"};

TEST(commit_verdict, all_rows_with_one_of_our_ids_are_ours) {
  const auto verdict =
      judge_commit({row(5, 12, "tok-2"), row(4, 11, "tok-2"), row(3, 7, "x")}, {4, 5}, ours);
  EXPECT_EQ(verdict.outcome, commit_verdict::kind::ours);
  EXPECT_EQ(verdict.commit_id, "tok-2");
  EXPECT_EQ(verdict.first_position, std::optional<std::int64_t>(11));
  EXPECT_EQ(verdict.last_position, std::optional<std::int64_t>(12));
}

TEST(commit_verdict, rows_of_another_writer_are_theirs) {
  const auto verdict = judge_commit({row(4, 11, "other"), row(5, 12, "other")}, {4, 5, 6}, ours);
  EXPECT_EQ(verdict.outcome, commit_verdict::kind::theirs);
  EXPECT_EQ(verdict.foreign_playheads, (std::vector<std::int64_t>{4, 5}));
}

TEST(commit_verdict, rows_without_a_commit_id_are_theirs) {
  // A PHP writer, or an older dynamo-es, writes no CommitId.
  const auto verdict = judge_commit({row(0, 1, nullptr)}, {0}, ours);
  EXPECT_EQ(verdict.outcome, commit_verdict::kind::theirs);
  EXPECT_EQ(verdict.foreign_playheads, (std::vector<std::int64_t>{0}));
}

TEST(commit_verdict, a_commit_id_that_is_not_a_string_is_not_ours) {
  auto odd = row(0, 1, nullptr);
  odd.emplace("CommitId", attribute_value::number(1));
  EXPECT_EQ(judge_commit({odd}, {0}, {"1"}).outcome, commit_verdict::kind::theirs);
}

TEST(commit_verdict, no_row_is_absent) {
  EXPECT_EQ(judge_commit({}, {0, 1}, ours).outcome, commit_verdict::kind::absent);
  EXPECT_EQ(judge_commit({row(7, 3, "x")}, {0, 1}, ours).outcome, commit_verdict::kind::absent);
}

TEST(commit_verdict, a_partial_or_mixed_picture_is_inconsistent) {
  // A transaction writes all rows or none: these cannot be told apart honestly.
  EXPECT_EQ(judge_commit({row(0, 1, "tok-1")}, {0, 1}, ours).outcome,
            commit_verdict::kind::inconsistent);
  EXPECT_EQ(judge_commit({row(0, 1, "tok-1"), row(1, 2, "tok-2")}, {0, 1}, ours).outcome,
            commit_verdict::kind::inconsistent);
  const auto mixed = judge_commit({row(0, 1, "tok-1"), row(1, 2, "other")}, {0, 1}, ours);
  EXPECT_EQ(mixed.outcome, commit_verdict::kind::inconsistent);
  EXPECT_TRUE(mixed.foreign_playheads.empty());
}

TEST(commit_verdict, our_rows_without_positions_have_no_first_position) {
  attribute_map bare{{"Playhead", attribute_value::number(0)},
                     {"CommitId", attribute_value::string("tok-1")}};
  const auto verdict = judge_commit({bare}, {0}, ours);
  EXPECT_EQ(verdict.outcome, commit_verdict::kind::ours);
  EXPECT_FALSE(verdict.first_position);
}

}  // namespace
}  // namespace dynamo_es::detail
