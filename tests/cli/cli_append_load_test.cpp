// append and load through the real binary: playheads, positions, optimistic concurrency, the
// event line format and its errors.

#include "cli/cli_fixture.hpp"

namespace dynamo_es::testing {
namespace {

using dynamodb::attribute_value;
using ::testing::HasSubstr;

class cli_append_load : public cli_test {
 protected:
  void SetUp() override { create_table(); }

  // A row as the PHP package writes it, with its JSON texts exactly as given.
  void put_row(const std::string& id, std::int64_t playhead, std::optional<std::int64_t> position,
               const std::string& payload_json, const std::string& metadata_json = "[]") {
    dynamodb::attribute_map item{
        {"Id", attribute_value::string(id)},
        {"Playhead", attribute_value::number(playhead)},
        {"Metadata",
         attribute_value::map({{"Class", attribute_value::string("Broadway\\Domain\\Metadata")},
                               {"Payload", attribute_value::string(metadata_json)}})},
        {"Payload", attribute_value::map({{"Class", attribute_value::string("App\\Legacy")},
                                          {"Payload", attribute_value::string(payload_json)}})},
        {"RecordedOn", attribute_value::string("2019-01-02T03:04:05.000006+00:00")},
        {"Type", attribute_value::string("App.Legacy")}};
    if (position) {
      item.emplace("Feed", attribute_value::string("all"));
      item.emplace("GlobalPosition", attribute_value::number(*position));
    }
    dynamodb::put_item_request request;
    request.table_name = table();
    request.item = std::move(item);
    (void)db().put_item(request);
  }
};

TEST_F(cli_append_load, append_assigns_the_next_playheads_and_prints_positions) {
  const auto first = cli({"append", "acc-1"}, event("App\\Opened", R"({"owner":"ada"})") +
                                                  event("App\\Deposited", R"({"amount":10})"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto lines = first.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(parse(lines[0])["id"], "acc-1");
  EXPECT_EQ(parse(lines[0])["playhead"], 0);
  EXPECT_EQ(parse(lines[0])["globalPosition"], 1);
  EXPECT_EQ(parse(lines[0])["type"], "App.Opened");
  EXPECT_EQ(parse(lines[0])["payload"]["payload"]["owner"], "ada");
  EXPECT_EQ(parse(lines[1])["playhead"], 1);
  EXPECT_EQ(parse(lines[1])["globalPosition"], 2);

  const auto other = cli({"append", "acc-2"}, event("App\\Opened", "{}"));
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(parse(other.lines().at(0))["playhead"], 0);
  EXPECT_EQ(parse(other.lines().at(0))["globalPosition"], 3);

  const auto again = cli({"append", "acc-1"}, event("App\\Withdrawn", R"({"amount":3})"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(parse(again.lines().at(0))["playhead"], 2);
  EXPECT_EQ(parse(again.lines().at(0))["globalPosition"], 4);
}

TEST_F(cli_append_load, append_keeps_the_given_fields_and_payload_text) {
  const std::string line =
      R"({"playhead":5,"recordedOn":"2014-03-12T14:17:19.176169+00:00",)"
      R"("metadata":{"class":"Broadway\\Domain\\Metadata","payload":{"user":"ada"}},)"
      R"("payload":{"class":"App\\Moved","payload":{"to": "a\/b \u00e9", "n": 1.50}}})";
  const auto appended = cli({"append", "acc-1"}, line + "\n");
  ASSERT_EQ(appended.exit_code, 0) << appended.err;
  const auto stored = appended.lines().at(0);
  const auto json = parse(stored);
  EXPECT_EQ(json["playhead"], 5);
  EXPECT_EQ(json["recordedOn"], "2014-03-12T14:17:19.176169+00:00");
  EXPECT_EQ(json["metadata"]["payload"]["user"], "ada");
  // The payload text is stored as written, minus the spaces between tokens.
  EXPECT_THAT(stored, HasSubstr(R"("payload":{"to":"a\/b \u00e9","n":1.50})"));

  const auto loaded = cli({"load", "acc-1"});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_EQ(loaded.lines(), appended.lines());
}

TEST_F(cli_append_load, expect_playhead_guards_the_streams_head) {
  const auto fresh = cli({"append", "acc-1", "--expect-playhead", "0"}, event("App\\Opened", "{}"));
  ASSERT_EQ(fresh.exit_code, 0) << fresh.err;

  const auto stale = cli({"append", "acc-1", "--expect-playhead", "0"}, event("App\\Opened", "{}"));
  EXPECT_EQ(stale.exit_code, 3);
  EXPECT_THAT(stale.err, HasSubstr("is at playhead 0"));

  const auto next =
      cli({"append", "acc-1", "--expect-playhead", "1"},
          event("App\\Deposited", R"({"amount":1})") + event("App\\Deposited", R"({"amount":2})"));
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(parse(next.lines().at(0))["playhead"], 1);
  EXPECT_EQ(parse(next.lines().at(1))["playhead"], 2);

  const auto contradiction = cli({"append", "acc-1", "--expect-playhead", "3"},
                                 R"({"playhead":7,"payload":{"class":"A","payload":[]}})"
                                 "\n");
  EXPECT_EQ(contradiction.exit_code, 1);
  EXPECT_EQ(cli({"load", "acc-1"}).lines().size(), 3u);
}

TEST_F(cli_append_load, a_taken_playhead_exits_3_and_writes_nothing) {
  ASSERT_EQ(cli({"append", "acc-1"}, event("App\\Opened", "{}")).exit_code, 0);
  const auto duplicate =
      cli({"append", "acc-1"}, R"({"playhead":1,"payload":{"class":"A","payload":[]}})"
                               "\n"
                               R"({"playhead":0,"payload":{"class":"A","payload":[]}})"
                               "\n");
  EXPECT_EQ(duplicate.exit_code, 4) << "playheads must increase: " << duplicate.err;
  const auto taken =
      cli({"append", "acc-1"}, R"({"playhead":0,"payload":{"class":"A","payload":[]}})"
                               "\n"
                               R"({"playhead":1,"payload":{"class":"A","payload":[]}})"
                               "\n");
  EXPECT_EQ(taken.exit_code, 3);
  EXPECT_THAT(taken.err, HasSubstr("playhead 0"));
  EXPECT_EQ(cli({"load", "acc-1"}).lines().size(), 1u);
}

TEST_F(cli_append_load, invalid_lines_exit_4_naming_the_line_and_write_nothing) {
  const std::string good = event("App\\Opened", "{}");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json\n", "not valid JSON"},
      {R"({"payload":{"class":"A"}})"
       "\n",
       "payload.payload"},
      {R"({"payload":{"payload":{}}})"
       "\n",
       "payload.class"},
      {R"({"payload":{"class":"A","payload":1}})"
       "\n",
       "JSON object or list"},
      {R"({"playHead":1,"payload":{"class":"A","payload":[]}})"
       "\n",
       "unknown member \"playHead\""},
      {R"({"playhead":"1","payload":{"class":"A","payload":[]}})"
       "\n",
       "\"playhead\" must be an integer"},
      {R"({"id":"acc-2","payload":{"class":"A","payload":[]}})"
       "\n",
       "\"id\" is \"acc-2\""},
      {R"({"recordedOn":"yesterday","payload":{"class":"A","payload":[]}})"
       "\n",
       "yesterday"},
  };
  for (const auto& [bad, message] : cases) {
    SCOPED_TRACE(bad);
    const auto result = cli({"append", "acc-1"}, good + bad);
    EXPECT_EQ(result.exit_code, 4);
    EXPECT_THAT(result.err, HasSubstr(message));
  }
  const auto typed =
      cli({"append", "acc-1"}, good + R"({"type":"Other","payload":{"class":"A","payload":[]}})"
                                      "\n");
  EXPECT_EQ(typed.exit_code, 4);
  EXPECT_THAT(typed.err, HasSubstr("stdin line 2"));

  std::string too_many;
  for (int i = 0; i < 100; ++i) too_many += good;
  const auto oversized = cli({"append", "acc-1"}, too_many);
  EXPECT_EQ(oversized.exit_code, 4);

  EXPECT_EQ(cli({"load", "acc-1"}).exit_code, 2);
}

TEST_F(cli_append_load, an_empty_stdin_is_a_usage_error) {
  EXPECT_EQ(cli({"append", "acc-1"}, "\n  \n").exit_code, 1);
  EXPECT_EQ(cli({"append", "_counter"}, event("A", "[]")).exit_code, 4);
}

TEST_F(cli_append_load, load_prints_the_stream_in_playhead_order) {
  std::string lines;
  for (int i = 0; i < 12; ++i) lines += event("App\\Counted", "{\"n\":" + std::to_string(i) + "}");
  ASSERT_EQ(cli({"append", "acc-1"}, lines).exit_code, 0);
  ASSERT_EQ(cli({"append", "acc-2"}, event("App\\Other", "{}")).exit_code, 0);

  const auto loaded = cli({"load", "acc-1"});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  ASSERT_EQ(loaded.lines().size(), 12u);
  for (std::size_t i = 0; i < 12; ++i) {
    const auto json = parse(loaded.lines()[i]);
    EXPECT_EQ(json["playhead"], i);
    EXPECT_EQ(json["payload"]["payload"]["n"], i);
  }

  const auto tail = cli({"--consistent-reads", "load", "acc-1", "--from-playhead", "10"});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  ASSERT_EQ(tail.lines().size(), 2u);
  EXPECT_EQ(parse(tail.lines()[0])["playhead"], 10);
}

TEST_F(cli_append_load, load_of_an_unknown_aggregate_exits_2_unless_from_playhead) {
  const auto missing = cli({"load", "nobody"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("nobody"));
  const auto empty = cli({"load", "nobody", "--from-playhead", "0"});
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_TRUE(empty.out.empty());
}

TEST_F(cli_append_load, load_shows_rows_of_the_php_package_verbatim) {
  // Spaces and PHP's escapes in the stored texts; a legacy row without a global position.
  put_row("legacy", 0, std::nullopt, R"({"path": "a\/b", "name": "\u00e9", "n": 1.0e+2})",
          R"({"user": "u\/1"})");
  put_row("legacy", 1, 7, R"([1, 2])");

  const auto loaded = cli({"load", "legacy"});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  ASSERT_EQ(loaded.lines().size(), 2u);
  EXPECT_EQ(
      loaded.lines()[0],
      R"({"id":"legacy","playhead":0,"globalPosition":null,"type":"App.Legacy",)"
      R"("recordedOn":"2019-01-02T03:04:05.000006+00:00",)"
      R"("metadata":{"class":"Broadway\\Domain\\Metadata","payload":{"user":"u\/1"}},)"
      R"("payload":{"class":"App\\Legacy","payload":{"path":"a\/b","name":"\u00e9","n":1.0e+2}}})");
  EXPECT_EQ(parse(loaded.lines()[1])["globalPosition"], 7);
  EXPECT_EQ(parse(loaded.lines()[1])["payload"]["payload"], nlohmann::json::parse("[1,2]"));
}

TEST_F(cli_append_load, a_row_that_is_not_an_event_exits_4_naming_it) {
  put_row("broken", 0, 1, "{not json");
  const auto result = cli({"load", "broken"});
  EXPECT_EQ(result.exit_code, 4);
  EXPECT_THAT(result.err, HasSubstr("aggregate \"broken\""));
  EXPECT_THAT(result.err, HasSubstr("Payload.Payload"));
}

}  // namespace
}  // namespace dynamo_es::testing
