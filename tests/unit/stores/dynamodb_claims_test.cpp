// Claim rows: the codec (rows written and decoded), the claim Put action, and what a replay
// remembers from claims (claim_verdicts: committed wins over void). No DynamoDB needed; the
// claims Query and the fence are covered by tests/integration/claims.

#include "stores/dynamodb_claims.hpp"

#include <gtest/gtest.h>

#include "stores/dynamodb_commit_id.hpp"
#include "stores/dynamodb_gap_resolver.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

using dynamodb::attribute_map;
using dynamodb::attribute_value;
namespace layout = table_layout;

attribute_value s(std::string text) {
  return attribute_value::string(std::move(text));
}
attribute_value n(std::int64_t value) {
  return attribute_value::number(value);
}

TEST(dynamodb_claims, a_committed_claim_row_has_the_claim_key_length_state_and_commit_id) {
  const auto row = committed_claim_item(41, 3, "token-1");
  EXPECT_EQ(row.at("Id"), s("_position"));
  EXPECT_EQ(row.at("Playhead"), n(41));
  EXPECT_EQ(row.at("Length"), n(3));
  EXPECT_EQ(row.at("State"), s("committed"));
  EXPECT_EQ(row.at(std::string(commit_id_attribute)), s("token-1"));
  // No Feed: claim rows must never appear in the GSI (PHP readers would see them).
  EXPECT_EQ(row.count("Feed"), 0u);
  EXPECT_EQ(row.count("GlobalPosition"), 0u);
  EXPECT_EQ(row.count("VoidedBy"), 0u);
}

TEST(dynamodb_claims, a_void_claim_row_says_who_voided_it) {
  const auto row = void_claim_item(7, 1, layout::claim_voided_by_reader);
  EXPECT_EQ(row.at("Id"), s("_position"));
  EXPECT_EQ(row.at("Playhead"), n(7));
  EXPECT_EQ(row.at("Length"), n(1));
  EXPECT_EQ(row.at("State"), s("void"));
  EXPECT_EQ(row.at("VoidedBy"), s("reader"));
  EXPECT_EQ(row.count("Feed"), 0u);
  EXPECT_EQ(row.count(std::string(commit_id_attribute)), 0u);
}

TEST(dynamodb_claims, rows_written_decode_to_the_same_claim) {
  const auto committed = decode_claim(committed_claim_item(41, 3, "token-1"));
  ASSERT_TRUE(committed.has_value());
  EXPECT_EQ(committed->first, 41);
  EXPECT_EQ(committed->length, 3);
  EXPECT_EQ(committed->last(), 43);
  EXPECT_EQ(committed->status, position_claim::state::committed);
  EXPECT_EQ(committed->commit_id, "token-1");
  EXPECT_TRUE(committed->covers(41));
  EXPECT_TRUE(committed->covers(43));
  EXPECT_FALSE(committed->covers(40));
  EXPECT_FALSE(committed->covers(44));

  const auto voided = decode_claim(void_claim_item(9, 98, layout::claim_voided_by_writer));
  ASSERT_TRUE(voided.has_value());
  EXPECT_EQ(voided->status, position_claim::state::voided);
  EXPECT_EQ(voided->last(), 106);
  EXPECT_TRUE(voided->commit_id.empty());
}

TEST(dynamodb_claims, rows_that_are_not_well_formed_claims_are_ignored) {
  const auto good = committed_claim_item(5, 2, "t");
  auto with = [&](const std::string& name, attribute_value value) {
    auto row = good;
    row.insert_or_assign(name, std::move(value));
    return row;
  };
  auto without = [&](const std::string& name) {
    auto row = good;
    row.erase(name);
    return row;
  };
  ASSERT_TRUE(decode_claim(good).has_value());
  EXPECT_FALSE(decode_claim(with("Id", s("_counter"))).has_value());
  EXPECT_FALSE(decode_claim(with("Id", s("aggregate"))).has_value());
  EXPECT_FALSE(decode_claim(without("Length")).has_value());
  EXPECT_FALSE(decode_claim(with("Length", n(0))).has_value());
  EXPECT_FALSE(decode_claim(with("Length", n(layout::max_claim_length + 1))).has_value());
  EXPECT_TRUE(decode_claim(with("Length", n(layout::max_claim_length))).has_value());
  EXPECT_FALSE(decode_claim(with("Length", s("2"))).has_value());
  EXPECT_FALSE(decode_claim(with("Length", attribute_value::number("1.5"))).has_value());
  EXPECT_FALSE(decode_claim(without("State")).has_value());
  EXPECT_FALSE(decode_claim(with("State", s("pending"))).has_value());
  EXPECT_FALSE(decode_claim(with("State", n(1))).has_value());
  EXPECT_FALSE(decode_claim(without("Playhead")).has_value());
  // An event row of an aggregate the PHP package called "_position" is no claim either.
  const attribute_map event_like = {{"Id", s("_position")},
                                    {"Playhead", n(1)},
                                    {"Feed", s("all")},
                                    {"GlobalPosition", n(3)},
                                    {"Type", s("X")}};
  EXPECT_FALSE(decode_claim(event_like).has_value());
}

TEST(dynamodb_claims, the_claim_put_is_conditioned_on_the_key_being_free_and_returns_the_winner) {
  const auto put = claim_put("events", void_claim_item(3, 1, layout::claim_voided_by_reader));
  EXPECT_EQ(put.table_name, "events");
  EXPECT_EQ(put.condition_expression, "attribute_not_exists(Id)");
  EXPECT_EQ(put.return_values_on_condition_check_failure,
            dynamodb::return_value_on_condition_check_failure::all_old);
  EXPECT_EQ(put.item.at("Playhead"), n(3));
}

position_claim claim(std::int64_t first, std::int64_t length, position_claim::state status) {
  position_claim result;
  result.first = first;
  result.length = length;
  result.status = status;
  return result;
}

constexpr auto committed = position_claim::state::committed;
constexpr auto voided = position_claim::state::voided;

TEST(dynamodb_claim_verdicts, a_claim_covers_its_whole_range_and_nothing_else) {
  claim_verdicts verdicts;
  verdicts.learn(claim(10, 3, voided));
  EXPECT_FALSE(verdicts.at(9).has_value());
  EXPECT_EQ(verdicts.at(10), (gap_verdict{gap_verdict::kind::voided, 12}));
  EXPECT_EQ(verdicts.at(12), (gap_verdict{gap_verdict::kind::voided, 12}));
  EXPECT_FALSE(verdicts.at(13).has_value());
  EXPECT_TRUE(verdicts.passable(10, 12));
  EXPECT_FALSE(verdicts.passable(10, 13));
  EXPECT_FALSE(verdicts.passable(9, 12));
}

TEST(dynamodb_claim_verdicts, committed_positions_are_never_passable) {
  claim_verdicts verdicts;
  verdicts.learn(claim(10, 2, committed));
  EXPECT_EQ(verdicts.at(11), (gap_verdict{gap_verdict::kind::committed, 11}));
  EXPECT_FALSE(verdicts.passable(10, 10));
}

TEST(dynamodb_claim_verdicts, a_committed_claim_wins_over_void_claims_it_overlaps) {
  // A fence lost the race at the range's first position (10) but wrote void claims at 11 and
  // 12: the writer's transaction succeeded, so its events exist.
  claim_verdicts verdicts;
  verdicts.learn_fenced(11, 11);
  verdicts.learn(claim(12, 1, voided));
  verdicts.learn(claim(20, 1, voided));
  verdicts.learn(claim(10, 5, committed));
  for (std::int64_t position = 10; position <= 14; ++position) {
    ASSERT_TRUE(verdicts.at(position).has_value()) << position;
    EXPECT_EQ(verdicts.at(position)->what, gap_verdict::kind::committed) << position;
    EXPECT_EQ(verdicts.at(position)->last, 14) << position;
  }
  EXPECT_EQ(verdicts.at(20)->what, gap_verdict::kind::voided);
  // Learnt in the other order, the void claims do not overwrite the committed range.
  claim_verdicts other;
  other.learn(claim(10, 5, committed));
  other.learn(claim(12, 1, voided));
  other.learn_fenced(14, 15);
  EXPECT_EQ(other.at(12)->what, gap_verdict::kind::committed);
  EXPECT_EQ(other.at(14)->what, gap_verdict::kind::committed);
  EXPECT_EQ(other.at(15), (gap_verdict{gap_verdict::kind::fenced, 15}));
}

TEST(dynamodb_claim_verdicts, a_committed_claim_inside_a_void_interval_splits_it) {
  claim_verdicts verdicts;
  verdicts.learn(claim(1, 10, voided));
  verdicts.learn(claim(4, 2, committed));
  EXPECT_EQ(verdicts.at(1), (gap_verdict{gap_verdict::kind::voided, 3}));
  EXPECT_EQ(verdicts.at(4), (gap_verdict{gap_verdict::kind::committed, 5}));
  EXPECT_EQ(verdicts.at(6), (gap_verdict{gap_verdict::kind::voided, 10}));
  EXPECT_TRUE(verdicts.passable(1, 3));
  EXPECT_TRUE(verdicts.passable(6, 10));
  EXPECT_FALSE(verdicts.passable(1, 10));
}

TEST(dynamodb_claim_verdicts, the_first_void_verdict_learnt_stays) {
  claim_verdicts verdicts;
  verdicts.learn_fenced(5, 5);
  verdicts.learn(claim(4, 3, voided));
  EXPECT_EQ(verdicts.at(4), (gap_verdict{gap_verdict::kind::voided, 4}));
  EXPECT_EQ(verdicts.at(5), (gap_verdict{gap_verdict::kind::fenced, 5}));
  EXPECT_EQ(verdicts.at(6), (gap_verdict{gap_verdict::kind::voided, 6}));
  EXPECT_TRUE(verdicts.passable(4, 6));
}

}  // namespace
}  // namespace dynamo_es::detail
