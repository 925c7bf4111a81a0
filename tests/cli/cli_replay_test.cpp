// replay through the real binary: global order, filters, the gap rule and --follow.

#include <signal.h>

#include <set>

#include "cli/cli_fixture.hpp"

namespace dynamo_es::testing {
namespace {

using dynamodb::attribute_value;
using ::testing::HasSubstr;

class cli_replay : public cli_test {
 protected:
  void SetUp() override { create_table(); }

  void append(const std::string& id, const std::string& lines) {
    const auto result = cli({"append", id}, lines);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  // An event row at a chosen position, bypassing the store: the only way to leave a hole.
  void put_row(const std::string& id, std::int64_t playhead, std::int64_t position) {
    dynamodb::put_item_request request;
    request.table_name = table();
    request.item = {
        {"Id", attribute_value::string(id)},
        {"Playhead", attribute_value::number(playhead)},
        {"Feed", attribute_value::string("all")},
        {"GlobalPosition", attribute_value::number(position)},
        {"Metadata",
         attribute_value::map({{"Class", attribute_value::string("Broadway\\Domain\\Metadata")},
                               {"Payload", attribute_value::string("[]")}})},
        {"Payload", attribute_value::map({{"Class", attribute_value::string("App\\Raw")},
                                          {"Payload", attribute_value::string("{}")}})},
        {"RecordedOn", attribute_value::string("2020-01-01T00:00:00.000000+00:00")},
        {"Type", attribute_value::string("App.Raw")}};
    (void)db().put_item(request);
  }

  static std::vector<std::int64_t> positions(const std::vector<std::string>& lines) {
    std::vector<std::int64_t> out;
    for (const auto& line : lines) out.push_back(parse(line)["globalPosition"].get<std::int64_t>());
    return out;
  }
};

TEST_F(cli_replay, replay_prints_every_event_in_global_order) {
  append("acc-1", event("App\\Opened", "{}"));
  append("acc-2", event("App\\Opened", "{}") + event("App\\Deposited", R"({"amount":1})"));
  append("acc-1", event("App\\Deposited", R"({"amount":2})"));

  const auto result = cli({"replay"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lines = result.lines();
  EXPECT_EQ(positions(lines), (std::vector<std::int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(parse(lines[0])["id"], "acc-1");
  EXPECT_EQ(parse(lines[1])["id"], "acc-2");
  EXPECT_EQ(parse(lines[3])["id"], "acc-1");
  EXPECT_EQ(parse(lines[3])["playhead"], 1);
}

TEST_F(cli_replay, after_limit_and_small_pages) {
  std::string lines;
  for (int i = 0; i < 9; ++i) lines += event("App\\Counted", "{}");
  append("acc-1", lines);

  EXPECT_EQ(positions(cli({"replay", "--after", "4"}).lines()),
            (std::vector<std::int64_t>{5, 6, 7, 8, 9}));
  EXPECT_EQ(positions(cli({"replay", "--after", "2", "--limit", "3"}).lines()),
            (std::vector<std::int64_t>{3, 4, 5}));
  EXPECT_EQ(positions(cli({"replay", "--page-size", "2"}).lines()).size(), 9u);
  EXPECT_TRUE(cli({"replay", "--after", "9"}).out.empty());
}

TEST_F(cli_replay, filters_by_aggregate_and_event_type) {
  append("acc-1", event("App\\Opened", "{}") + event("App\\Deposited", "{}"));
  append("acc-2", event("App\\Opened", "{}") + event("App\\Deposited", "{}"));
  append("acc-3", event("App\\Opened", "{}") + event("App\\Deposited", "{}"));

  EXPECT_EQ(
      positions(cli({"replay", "--aggregate-id", "acc-1", "--aggregate-id", "acc-3"}).lines()),
      (std::vector<std::int64_t>{1, 2, 5, 6}));
  EXPECT_EQ(positions(cli({"replay", "--event-type", "App.Deposited"}).lines()),
            (std::vector<std::int64_t>{2, 4, 6}));
  EXPECT_EQ(
      positions(cli({"replay", "--aggregate-id", "acc-2", "--event-type", "App.Opened"}).lines()),
      (std::vector<std::int64_t>{3}));
  EXPECT_EQ(positions(cli({"replay", "--event-type", "App.Deposited", "--limit", "2"}).lines()),
            (std::vector<std::int64_t>{2, 4}));
}

TEST_F(cli_replay, a_burned_position_is_passed_over_after_the_gap_timeout) {
  put_row("acc-1", 0, 1);
  put_row("acc-1", 1, 3);  // position 2 burned

  const auto result = cli({"replay", "--gap-timeout", "300ms"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(positions(result.lines()), (std::vector<std::int64_t>{1, 3}));
  EXPECT_THAT(result.err, HasSubstr("missing global position 2"));
}

TEST_F(cli_replay, a_missing_position_is_waited_for_not_skipped) {
  put_row("acc-1", 0, 1);
  put_row("acc-2", 0, 3);
  running_cli follower(
      binary(), {"replay", "--follow", "--gap-timeout", "10m", "--poll-interval", "50ms"}, env());
  const auto first = follower.next_line(std::chrono::seconds(30));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(parse(*first)["globalPosition"], 1);

  put_row("acc-3", 0, 2);  // the hole fills, as a lagging index would
  const auto second = follower.next_line(std::chrono::seconds(30));
  const auto third = follower.next_line(std::chrono::seconds(30));
  ASSERT_TRUE(second.has_value() && third.has_value());
  EXPECT_EQ(parse(*second)["globalPosition"], 2);
  EXPECT_EQ(parse(*second)["id"], "acc-3");
  EXPECT_EQ(parse(*third)["globalPosition"], 3);

  follower.send(SIGTERM);
  const auto end = follower.wait(std::chrono::seconds(30));
  EXPECT_EQ(end.exit_code, 0) << end.err;
  EXPECT_TRUE(end.out.empty()) << end.out;
}

TEST_F(cli_replay, follow_delivers_every_event_appended_meanwhile_exactly_once) {
  append("acc-0", event("App\\Opened", "{}"));
  running_cli follower(binary(), {"replay", "--follow", "--poll-interval", "50ms"}, env());

  // Appends of several sizes to several aggregates while the follower polls.
  int expected = 1;
  for (int round = 0; round < 6; ++round) {
    std::string lines;
    for (int i = 0; i <= round % 3; ++i)
      lines += event("App\\Tick", "{\"round\":" + std::to_string(round) + "}");
    append("acc-" + std::to_string(round % 4), lines);
    expected += round % 3 + 1;
  }

  std::vector<std::int64_t> seen;
  std::set<std::pair<std::string, std::int64_t>> events;
  while (static_cast<int>(seen.size()) < expected) {
    const auto line = follower.next_line(std::chrono::seconds(30));
    ASSERT_TRUE(line.has_value()) << "got " << seen.size() << " of " << expected;
    const auto json = parse(*line);
    seen.push_back(json["globalPosition"].get<std::int64_t>());
    events.emplace(json["id"].get<std::string>(), json["playhead"].get<std::int64_t>());
  }
  std::vector<std::int64_t> dense(static_cast<std::size_t>(expected));
  for (int i = 0; i < expected; ++i) dense[static_cast<std::size_t>(i)] = i + 1;
  EXPECT_EQ(seen, dense);
  EXPECT_EQ(events.size(), static_cast<std::size_t>(expected));

  // Nothing more arrives, and an interrupt ends it cleanly.
  append("acc-9", event("App\\Last", "{}"));
  const auto last = follower.next_line(std::chrono::seconds(30));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(parse(*last)["globalPosition"], expected + 1);
  follower.send(SIGINT);
  const auto end = follower.wait(std::chrono::seconds(30));
  EXPECT_EQ(end.exit_code, 0) << end.err;
  EXPECT_TRUE(end.out.empty()) << "a line arrived twice or late: " << end.out;
}

TEST_F(cli_replay, bad_durations_are_usage_errors) {
  const auto result = cli({"replay", "--gap-timeout", "soon"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("--gap-timeout"));
  EXPECT_EQ(cli({"replay", "--follow", "--poll-interval", "0"}).exit_code, 1);
  EXPECT_EQ(cli({"replay", "--limit", "0"}).exit_code, 1);
}

TEST_F(cli_replay, replay_of_a_missing_table_exits_2) {
  EXPECT_EQ(cli({"--table", other_table(), "replay"}).exit_code, 2);
}

}  // namespace
}  // namespace dynamo_es::testing
