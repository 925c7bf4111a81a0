// `dynamo-es verify` through the real binary, on tables written by the binary itself and on
// tables laid out by hand the ways the PHP package leaves them.

#include "cli/tools/tools_fixture.hpp"
#include "stores/dynamodb_claims.hpp"

namespace dynamo_es::testing {
namespace {

using dynamodb::attribute_value;
using ::testing::HasSubstr;

class cli_verify : public tools_test {
 protected:
  void append(const std::string& id, int events = 1) {
    std::string lines;
    for (int i = 0; i < events; ++i) lines += event("App\\Deposited", R"({"amount":10})");
    const auto result = cli({"append", id}, lines);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  // What the PHP package does for an append that fails: reserve positions with `ADD`, then send
  // a transaction whose Put is refused (here: the row exists, an ordinary concurrency conflict).
  void php_append_that_fails(const std::string& existing_id, std::int64_t existing_playhead,
                             std::int64_t reserved) {
    dynamodb::update_item_request reserve;
    reserve.table_name = table();
    reserve.key = {{"Id", attribute_value::string("_counter")},
                   {"Playhead", attribute_value::number(0)}};
    reserve.update_expression = "ADD #v :inc";
    reserve.expression_attribute_names = {{"#v", "Value"}};
    reserve.expression_attribute_values = {{":inc", attribute_value::number(reserved)}};
    reserve.return_values = dynamodb::return_value::updated_new;
    const auto last = db().update_item(reserve).attributes.at("Value").as_int64();

    dynamodb::transact_write_items_request commit;
    dynamodb::transact_put put;
    put.table_name = table();
    put.condition_expression = "attribute_not_exists(Id)";
    put.item = event_row(existing_id, existing_playhead, last);
    commit.transact_items.emplace_back(put);
    EXPECT_THROW(static_cast<void>(db().transact_write_items(commit)),
                 dynamodb::transaction_canceled);
  }

  nlohmann::json verify_json(int expected_exit, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"--output", "json", "verify"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto result = cli(args);
    EXPECT_EQ(result.exit_code, expected_exit) << result.out << result.err;
    return parse(result.out);
  }
};

TEST_F(cli_verify, a_table_written_by_appends_is_clean) {
  create_table();
  append("acc-1", 2);
  append("acc-2", 1);
  append("acc-1", 3);

  const auto result = cli({"verify"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("6 events in 2 aggregates"));
  EXPECT_THAT(result.out, HasSubstr("counter 6"));
  EXPECT_THAT(result.out, HasSubstr("Clean."));

  const auto json = verify_json(0);
  EXPECT_EQ(json["clean"], true);
  EXPECT_EQ(json["problems"], 0);
  EXPECT_EQ(json["inFeed"], 6);
  EXPECT_EQ(json["maxPosition"], 6);
  EXPECT_EQ(json["counter"], 6);
}

TEST_F(cli_verify, an_empty_table_is_clean) {
  create_table();
  const auto json = verify_json(0);
  EXPECT_EQ(json["rows"], 0);
  EXPECT_EQ(json["counter"], nullptr);
}

TEST_F(cli_verify, a_failed_php_append_leaves_a_burned_position) {
  create_table();
  append("acc-1");                       // position 1
  php_append_that_fails("acc-1", 0, 2);  // reserves 2..3, commits nothing
  append("acc-2");                       // position 4

  const auto result = cli({"verify"});
  EXPECT_EQ(result.exit_code, 7) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("gap: positions 2..3 burned"));
  EXPECT_THAT(result.err, HasSubstr("verify found 1 problem"));

  const auto json = verify_json(7);
  ASSERT_EQ(json["gaps"].size(), 1u);
  EXPECT_EQ(json["gaps"][0]["first"], 2);
  EXPECT_EQ(json["gaps"][0]["last"], 3);
  EXPECT_EQ(json["gaps"][0]["kind"], "burned");
  EXPECT_EQ(json["burnedPositions"], 2);
  EXPECT_EQ(json["counter"], 4);

  // Tolerated on request: such holes are harmless to readers that wait them out.
  const auto allowed = cli({"verify", "--allow-burned"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.out << allowed.err;
  EXPECT_THAT(allowed.out, HasSubstr("2 burned positions allowed"));
}

TEST_F(cli_verify, positions_covered_by_a_void_claim_are_counted_not_gaps) {
  create_table();
  append("acc-1");                       // position 1
  php_append_that_fails("acc-1", 0, 3);  // reserves 2..4, commits nothing
  append("acc-2");                       // position 5
  // A replay fenced 2 and 3 (what it does after the gap timeout); 4 is still a burned hole.
  for (const std::int64_t position : {2, 3}) {
    put(detail::void_claim_item(position, 1, "reader"));
  }

  const auto result = cli({"verify"});
  EXPECT_EQ(result.exit_code, 7) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("void: 2 positions are covered by void claims"));
  EXPECT_THAT(result.out, HasSubstr("gap: position 4 burned"));
  EXPECT_THAT(result.out, ::testing::Not(HasSubstr("foreign row")));

  const auto json = verify_json(7);
  EXPECT_EQ(json["voidPositions"], 2);
  EXPECT_EQ(json["voidClaimRows"], 2);
  EXPECT_GE(json["claimRows"], 2);
  EXPECT_EQ(json["foreignRows"], 0);
  EXPECT_EQ(json["missingPositions"], 1);
  ASSERT_EQ(json["gaps"].size(), 1u);
  EXPECT_EQ(json["gaps"][0]["first"], 4);

  // Once 4 is voided too, the table is clean: every position up to the counter is an event or
  // covered by a void claim.
  put(detail::void_claim_item(4, 1, "reader"));
  const auto clean = verify_json(0);
  EXPECT_EQ(clean["clean"], true);
  EXPECT_EQ(clean["voidPositions"], 3);
  EXPECT_EQ(clean["gapCount"], 0);
}

TEST_F(cli_verify, a_failed_last_append_burns_the_top_positions) {
  create_table();
  append("acc-1", 2);
  php_append_that_fails("acc-1", 1, 1);
  const auto json = verify_json(7);
  ASSERT_EQ(json["gaps"].size(), 1u);
  EXPECT_EQ(json["gaps"][0]["first"], 3);
  EXPECT_EQ(json["gaps"][0]["last"], 3);
  EXPECT_EQ(json["gaps"][0]["kind"], "burned");
}

TEST_F(cli_verify, duplicate_positions_are_listed_with_their_rows) {
  create_table();
  put(event_row("a", 0, 1));
  put(event_row("b", 0, 2));
  put(event_row("c", 5, 2));
  put(counter_row(2));

  const auto result = cli({"verify"});
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_THAT(result.out, HasSubstr("duplicate: position 2 is held by aggregate \"b\" playhead 0, "
                                    "aggregate \"c\" playhead 5"));
  const auto json = verify_json(7);
  EXPECT_EQ(json["duplicatePositions"], 1);
  EXPECT_EQ(json["duplicates"][0]["rows"][1]["id"], "c");
  EXPECT_EQ(json["duplicates"][0]["rows"][1]["playhead"], 5);
}

TEST_F(cli_verify, an_undecodable_row_is_named_with_its_attribute) {
  create_table();
  put(event_row("a", 0, 1));
  auto broken = event_row("b", 7, 2);
  broken["RecordedOn"] = attribute_value::string("not a date");
  put(broken);
  put(counter_row(2));

  const auto result = cli({"verify"});
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_THAT(result.out, HasSubstr("undecodable: aggregate \"b\" playhead 7: attribute "
                                    "\"RecordedOn\""));
  const auto json = verify_json(7);
  EXPECT_EQ(json["undecodableRows"], 1);
  EXPECT_EQ(json["undecodable"][0]["id"], "b");
  EXPECT_EQ(json["undecodable"][0]["playhead"], 7);
  EXPECT_THAT(json["undecodable"][0]["problem"].get<std::string>(), HasSubstr("RecordedOn"));
  EXPECT_EQ(json["gapCount"], 0);
}

TEST_F(cli_verify, legacy_rows_are_counted) {
  create_table();
  append("acc-1", 2);
  put(event_row("old-1", 0, std::nullopt));
  put(event_row("old-1", 1, std::nullopt));
  put(event_row("old-2", 0, std::nullopt));

  const auto result = cli({"verify"});
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_THAT(result.out, HasSubstr("legacy: 3 event rows have no Feed/GlobalPosition"));
  const auto json = verify_json(7);
  EXPECT_EQ(json["legacyRows"], 3);
  EXPECT_EQ(json["inFeed"], 2);
  EXPECT_EQ(json["problems"], 3);
}

TEST_F(cli_verify, a_legacy_table_lacks_the_index) {
  create_legacy_table();
  put(event_row("old", 0, std::nullopt));
  const auto json = verify_json(7);
  EXPECT_EQ(json["legacyRows"], 1);
  ASSERT_FALSE(json["schemaProblems"].empty());
  EXPECT_THAT(json["schemaProblems"].dump(), HasSubstr("Feed-GlobalPosition-index"));
}

TEST_F(cli_verify, a_counter_below_the_highest_position_is_a_problem) {
  create_table();
  put(event_row("a", 0, 1));
  put(event_row("a", 1, 2));
  put(counter_row(1));
  const auto json = verify_json(7);
  ASSERT_EQ(json["counterProblems"].size(), 1u);
  EXPECT_THAT(json["counterProblems"][0].get<std::string>(), HasSubstr("below the highest"));
}

TEST_F(cli_verify, every_row_is_read_exactly_once_across_small_pages_and_segments) {
  create_table();
  for (int i = 0; i < 12; ++i) append("acc-" + std::to_string(i % 4), 2);
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--page-size", "2"}, {"--segments", "3"}, {"--segments", "4", "--page-size", "3"}}) {
    SCOPED_TRACE(args.front() + " " + args.at(1));
    const auto json = verify_json(0, args);
    // 24 events, the counter and one committed claim row per append transaction.
    EXPECT_EQ(json["claimRows"], 12);
    EXPECT_EQ(json["voidClaimRows"], 0);
    EXPECT_EQ(json["rows"], 37);
    EXPECT_EQ(json["events"], 24);
    EXPECT_EQ(json["duplicatePositions"], 0);
  }
}

TEST_F(cli_verify, a_missing_table_exits_2) {
  const auto result = cli({"verify"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("does not exist"));
}

TEST_F(cli_verify, help_shows_examples_and_exit_codes) {
  const auto result = cli({"verify", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("Examples:"));
  EXPECT_THAT(result.out, HasSubstr("dynamo-es --table events verify"));
  EXPECT_THAT(result.out, HasSubstr("7 problems found"));
}

}  // namespace
}  // namespace dynamo_es::testing
