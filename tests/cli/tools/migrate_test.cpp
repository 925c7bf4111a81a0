// `dynamo-es migrate` through the real binary on tables laid out the way versions of the PHP
// package before global positions left them (no index, rows without Feed/GlobalPosition, no
// counter), then `verify` and `replay` on the result.

#include <atomic>
#include <csignal>
#include <thread>

#include "cli/tools/tools_fixture.hpp"

namespace dynamo_es::testing {
namespace {

using dynamodb::attribute_value;
using ::testing::HasSubstr;

class cli_migrate : public tools_test {
 protected:
  cli_result migrate(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--output", "json", "migrate", "--quiet-time", "0s"};
    args.insert(args.end(), extra.begin(), extra.end());
    return cli(args);
  }

  nlohmann::json migrate_ok(std::vector<std::string> extra = {}) {
    const auto result = migrate(std::move(extra));
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
    return result.out.empty() ? nlohmann::json() : parse(result.out);
  }

  void expect_verify_clean() {
    const auto result = cli({"verify"});
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  }

  // Every item as DynamoDB JSON, sorted: two snapshots are equal when nothing changed.
  std::vector<std::string> snapshot(const std::string& name) {
    std::vector<std::string> all;
    for (const auto& item : items(name)) all.push_back(to_json(item));
    std::sort(all.begin(), all.end());
    return all;
  }

  // Positions 1..n, each once.
  static void expect_dense(const std::map<row_key, std::optional<std::int64_t>>& positions) {
    std::vector<std::int64_t> seen;
    for (const auto& [key, position] : positions) {
      ASSERT_TRUE(position.has_value()) << key.first << "@" << key.second << " has no position";
      seen.push_back(*position);
    }
    std::sort(seen.begin(), seen.end());
    for (std::size_t i = 0; i < seen.size(); ++i) {
      ASSERT_EQ(seen[i], static_cast<std::int64_t>(i + 1));
    }
  }

  // Within each aggregate, positions grow with the playhead.
  static void expect_aggregate_order(const std::vector<row_key>& feed) {
    std::map<std::string, std::int64_t> last_playhead;
    for (const auto& [id, playhead] : feed) {
      const auto it = last_playhead.find(id);
      if (it != last_playhead.end()) {
        EXPECT_LT(it->second, playhead) << "aggregate " << id << " out of order";
      }
      last_playhead[id] = playhead;
    }
  }
};

TEST_F(cli_migrate, a_legacy_table_gets_index_positions_and_counter_in_recorded_on_order) {
  create_legacy_table();
  put(event_row("b", 0, std::nullopt, "2019-05-01T10:00:01.000000+00:00"));
  // 12:00:00.5+02:00 is 10:00:00.5 UTC: first, although its text sorts last.
  put(event_row("a", 0, std::nullopt, "2019-05-01T12:00:00.500000+02:00"));
  // Recorded by a host whose clock ran late: still after a@0.
  put(event_row("a", 1, std::nullopt, "2019-05-01T09:59:00.000000+00:00"));
  put(event_row("c", 0, std::nullopt, "2019-05-01T10:00:01.000000+00:00"));  // ties with b@0
  put(event_row("c", 1, std::nullopt, "2019-05-01T10:00:05.000000+00:00"));
  put(event_row("a", 2, std::nullopt, "2019-05-01T10:00:03.000000+00:00"));
  EXPECT_EQ(cli({"verify"}).exit_code, 7);

  const auto json = migrate_ok();
  EXPECT_EQ(json["indexCreated"], true);
  EXPECT_EQ(json["assigned"], 6);
  EXPECT_EQ(json["firstPosition"], 1);
  EXPECT_EQ(json["lastPosition"], 6);
  EXPECT_EQ(json["counterAfter"], 6);
  EXPECT_EQ(json["complete"], true);

  EXPECT_EQ(feed_order(table()),
            (std::vector<row_key>{{"a", 0}, {"a", 1}, {"b", 0}, {"c", 0}, {"a", 2}, {"c", 1}}));
  EXPECT_EQ(counter(table()), 6);
  EXPECT_EQ(index_status(table()), dynamodb::index_status::active);
  expect_verify_clean();

  // The feed is readable: replay returns the events in that order.
  const auto replay = cli({"replay"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  std::vector<std::string> ids;
  for (const auto& line : replay.lines()) ids.push_back(parse(line)["id"]);
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "a", "b", "c", "a", "c"}));
}

TEST_F(cli_migrate, the_text_output_says_what_was_done) {
  create_legacy_table();
  put_all(table(), legacy_rows(2, 2));
  const auto result = cli({"migrate", "--quiet-time", "0s"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("Added the index Feed-GlobalPosition-index"));
  EXPECT_THAT(result.out, HasSubstr("Assigned positions 1..4 to 4 rows; counter none -> 4"));
  EXPECT_THAT(result.err, HasSubstr("migrate: scanning table"));
}

TEST_F(cli_migrate, a_rerun_changes_nothing) {
  create_legacy_table();
  put_all(table(), legacy_rows(5, 4));
  migrate_ok();
  const auto before = snapshot(table());

  const auto json = migrate_ok();
  EXPECT_EQ(json["indexCreated"], false);
  EXPECT_EQ(json["withoutPosition"], 0);
  EXPECT_EQ(json["assigned"], 0);
  EXPECT_EQ(json["alreadyPositioned"], 20);
  EXPECT_EQ(snapshot(table()), before);

  const auto text = cli({"migrate", "--quiet-time", "0s"});
  EXPECT_EQ(text.exit_code, 0);
  EXPECT_THAT(text.out, HasSubstr("Nothing to do"));
  EXPECT_EQ(snapshot(table()), before);
}

TEST_F(cli_migrate, many_rows_on_small_pages_and_segments_each_get_one_position) {
  create_legacy_table();
  put_all(table(), legacy_rows(8, 6));
  migrate_ok({"--page-size", "5", "--segments", "3", "--batch-size", "7"});
  const auto stored = positions();
  EXPECT_EQ(stored.size(), 48u);
  expect_dense(stored);
  expect_aggregate_order(feed_order(table()));
  EXPECT_EQ(counter(table()), 48);
  expect_verify_clean();
}

TEST_F(cli_migrate, a_table_larger_than_one_scan_page_migrates_each_row_once) {
  // W21: the PHP guide's scan re-read pages 2..N of a table over 1 MB. 300 rows of ~4 KB make
  // DynamoDB split the scan into pages by size.
  create_legacy_table();
  auto rows = legacy_rows(30, 10);
  const std::string padding(4000, 'x');
  for (auto& row : rows) {
    row["Payload"] = attribute_value::map(
        {{"Class", attribute_value::string("App\\Big")},
         {"Payload", attribute_value::string(R"({"padding":")" + padding + R"("})")}});
  }
  put_all(table(), rows);
  const auto json = migrate_ok();
  EXPECT_EQ(json["assigned"], 300);
  const auto stored = positions();
  EXPECT_EQ(stored.size(), 300u);
  expect_dense(stored);
  expect_aggregate_order(feed_order(table()));
}

TEST_F(cli_migrate, a_run_stopped_by_max_rows_resumes_to_the_same_positions) {
  const auto rows = legacy_rows(8, 6);
  const auto reference = other_table();
  create_legacy_table(reference);
  put_all(reference, rows);
  {
    const auto result = cli({"--table", reference, "migrate", "--quiet-time", "0s"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  const auto expected = positions(reference);

  create_legacy_table();
  put_all(table(), rows);
  const auto partial = migrate_ok({"--max-rows", "10", "--batch-size", "4"});
  EXPECT_EQ(partial["assigned"], 10);
  EXPECT_EQ(partial["complete"], false);
  EXPECT_EQ(partial["remaining"], 38);
  EXPECT_EQ(counter(table()), 10);
  // The rows written are the first ten of the uninterrupted plan, at the same positions.
  int placed = 0;
  for (const auto& [key, position] : positions()) {
    if (!position) continue;
    ++placed;
    EXPECT_EQ(position, expected.at(key)) << key.first << "@" << key.second;
    EXPECT_LE(*position, 10);
  }
  EXPECT_EQ(placed, 10);
  EXPECT_EQ(cli({"verify"}).exit_code, 7);  // 38 legacy rows left

  const auto rest = migrate_ok();
  EXPECT_EQ(rest["assigned"], 38);
  EXPECT_EQ(rest["firstPosition"], 11);
  EXPECT_EQ(positions(), expected);
  EXPECT_EQ(counter(table()), 48);
  expect_verify_clean();
}

TEST_F(cli_migrate, a_killed_run_resumes_to_the_same_positions) {
  const auto rows = legacy_rows(20, 20);
  const auto reference = other_table();
  create_legacy_table(reference);
  put_all(reference, rows);
  ASSERT_EQ(cli({"--table", reference, "migrate", "--quiet-time", "0s"}).exit_code, 0);
  const auto expected = positions(reference);

  create_legacy_table();
  put_all(table(), rows);
  running_cli run(binary(), {"migrate", "--quiet-time", "0s", "--batch-size", "2"}, env());
  // Kill it once the first batch is in (the counter exists); if it finished first, the rest of
  // the test still checks the outcome.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!counter(table()) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.send(SIGKILL);
  static_cast<void>(run.wait(std::chrono::seconds(30)));

  migrate_ok();
  EXPECT_EQ(positions(), expected);
  EXPECT_EQ(counter(table()), 400);
  expect_verify_clean();
}

TEST_F(cli_migrate, refuses_while_the_table_is_being_written_to) {
  create_legacy_table();
  put_all(table(), legacy_rows(4, 5));
  std::atomic<bool> stop{false};
  // An old PHP writer still running: one legacy PutItem after another.
  std::thread writer([&] {
    dynamodb::client client(options());
    for (int i = 0; !stop.load(); ++i) {
      dynamodb::put_item_request request;
      request.table_name = table();
      request.item = event_row("live", i, std::nullopt);
      try {
        static_cast<void>(client.put_item(request));
      } catch (const dynamodb::dynamodb_error&) {
        // a failed write is as good as none here: the run must refuse either way
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  const auto refused = cli({"migrate", "--quiet-time", "1s"});
  stop = true;
  writer.join();

  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("is being written to"));
  EXPECT_THAT(refused.err, HasSubstr("--force"));
  // Nothing was changed: no index, no position, no counter.
  EXPECT_EQ(index_status(table()), std::nullopt);
  EXPECT_EQ(counter(table()), std::nullopt);
  for (const auto& [key, position] : positions()) EXPECT_FALSE(position.has_value());

  // Once the writer has stopped, it goes through.
  migrate_ok();
  expect_dense(positions());
  expect_verify_clean();
}

TEST_F(cli_migrate, force_runs_while_written_to_and_a_later_run_places_the_rest) {
  create_legacy_table();
  put_all(table(), legacy_rows(4, 5));
  std::atomic<bool> stop{false};
  std::atomic<int> written{0};
  std::thread writer([&] {
    dynamodb::client client(options());
    for (int i = 0; !stop.load(); ++i) {
      dynamodb::put_item_request request;
      request.table_name = table();
      request.item = event_row("live", i, std::nullopt);
      try {
        static_cast<void>(client.put_item(request));
        ++written;
      } catch (const dynamodb::dynamodb_error&) {
        // DynamoDB Local answers InternalFailure to writes while UpdateTable adds the index.
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  const auto forced = migrate({"--force", "--batch-size", "3"});
  stop = true;
  writer.join();
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;

  migrate_ok();
  EXPECT_GT(written.load(), 0);
  const auto stored = positions();
  EXPECT_GE(stored.size(), static_cast<std::size_t>(20 + written.load()));
  expect_dense(stored);
  expect_verify_clean();
}

TEST_F(cli_migrate, a_partly_migrated_table_keeps_its_positions_and_continues_after_them) {
  // Upgraded writers already appended with positions (1..3, counter 3) while rows of the old
  // version are still without: these go after, in their own RecordedOn order.
  create_table();
  put(event_row("new", 0, 1, "2021-01-01T00:00:00.000000+00:00"));
  put(event_row("new", 1, 2, "2021-01-01T00:00:01.000000+00:00"));
  put(event_row("other", 0, 3, "2021-01-01T00:00:02.000000+00:00"));
  put(counter_row(3));
  put(event_row("old", 1, std::nullopt, "2019-01-01T00:00:02.000000+00:00"));
  put(event_row("old", 0, std::nullopt, "2019-01-01T00:00:01.000000+00:00"));
  put(event_row("older", 0, std::nullopt, "2018-01-01T00:00:00.000000+00:00"));

  const auto json = migrate_ok();
  EXPECT_EQ(json["indexCreated"], false);
  EXPECT_EQ(json["alreadyPositioned"], 3);
  EXPECT_EQ(json["assigned"], 3);
  EXPECT_EQ(json["firstPosition"], 4);
  EXPECT_EQ(feed_order(table()),
            (std::vector<row_key>{
                {"new", 0}, {"new", 1}, {"other", 0}, {"older", 0}, {"old", 0}, {"old", 1}}));
  EXPECT_EQ(counter(table()), 6);
  expect_verify_clean();
}

TEST_F(cli_migrate, warns_when_an_aggregate_has_old_rows_below_positioned_ones) {
  create_table();
  put(event_row("acc", 1, 1));
  put(counter_row(1));
  put(event_row("acc", 0, std::nullopt));
  const auto result = cli({"migrate", "--quiet-time", "0s"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("Warning: 1 aggregates have rows without a position below"));
  EXPECT_EQ(positions().at({"acc", 0}), 2);
  // The existing position is kept, so the aggregate replays out of order; verify says so.
  const auto verify = cli({"--output", "json", "verify"});
  EXPECT_EQ(verify.exit_code, 7);
  EXPECT_EQ(parse(verify.out)["orderViolations"], 1);
}

TEST_F(cli_migrate, a_missing_counter_is_created_from_the_highest_position) {
  create_table();
  put(event_row("a", 0, 1));
  put(event_row("a", 1, 2));
  EXPECT_EQ(cli({"verify"}).exit_code, 7);
  const auto json = migrate_ok();
  EXPECT_EQ(json["counterRaised"], true);
  EXPECT_EQ(json["counterAfter"], 2);
  EXPECT_EQ(counter(table()), 2);
  expect_verify_clean();
}

TEST_F(cli_migrate, rows_it_cannot_place_are_refused_before_anything_changes) {
  create_legacy_table();
  put(event_row("a", 0, std::nullopt));
  put(event_row("b", 4, std::nullopt, "sometime last week"));
  const auto result = migrate();
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_THAT(result.err, HasSubstr("aggregate \\\"b\\\" playhead 4"));
  EXPECT_EQ(index_status(table()), std::nullopt);
  EXPECT_EQ(positions().at({"a", 0}), std::nullopt);
}

TEST_F(cli_migrate, dry_run_changes_nothing) {
  create_legacy_table();
  put_all(table(), legacy_rows(3, 3));
  const auto before = snapshot(table());
  const auto result = cli({"migrate", "--dry-run", "--quiet-time", "0s"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("Would add the index"));
  EXPECT_THAT(result.out, HasSubstr("Would assign positions 1..9"));
  EXPECT_EQ(snapshot(table()), before);
  EXPECT_EQ(index_status(table()), std::nullopt);
}

TEST_F(cli_migrate, an_index_of_the_same_name_but_another_schema_is_refused) {
  dynamodb::create_table_request request;
  request.table_name = table();
  request.attribute_definitions = {{"Id", dynamodb::scalar_type::string},
                                   {"Playhead", dynamodb::scalar_type::number},
                                   {"Feed", dynamodb::scalar_type::string}};
  request.key_schema = {{"Id", dynamodb::key_type::hash}, {"Playhead", dynamodb::key_type::range}};
  dynamodb::global_secondary_index index;
  index.index_name = "Feed-GlobalPosition-index";
  index.key_schema = {{"Feed", dynamodb::key_type::hash}};
  request.global_secondary_indexes.push_back(index);
  static_cast<void>(db().create_table(request));
  put(event_row("a", 0, std::nullopt));

  const auto result = migrate();
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("not the PHP package's"));
}

TEST_F(cli_migrate, a_missing_table_exits_2) {
  EXPECT_EQ(migrate().exit_code, 2);
}

TEST_F(cli_migrate, help_shows_examples_and_exit_codes) {
  const auto result = cli({"migrate", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("Examples:"));
  EXPECT_THAT(result.out, HasSubstr("dynamo-es --table events migrate --dry-run"));
  EXPECT_THAT(result.out, HasSubstr("3 the table is being written to"));
}

}  // namespace
}  // namespace dynamo_es::testing
