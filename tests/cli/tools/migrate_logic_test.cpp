// migrate_table called directly against DynamoDB Local, where a test must act between two
// batches: a writer that moves the counter or gives a row a position while the migration runs
// (the progress callback is the test's hook; every request goes to the real Local).

#include "cli/legacy_migration.hpp"
#include "cli/tools/tools_fixture.hpp"

namespace dynamo_es::testing {
namespace {

using dynamodb::attribute_value;
using ::testing::HasSubstr;

class migrate_logic : public tools_test {
 protected:
  void SetUp() override {
    create_legacy_table();
    // Ten rows one second apart: the plan's order is the order of `i`.
    for (int i = 0; i < 10; ++i) {
      char when[64];
      std::snprintf(when, sizeof when, "2019-05-01T10:00:%02d.000000+00:00", i);
      rows_.push_back(event_row("agg-" + std::to_string(i % 3), i / 3, std::nullopt, when));
    }
    put_all(table(), rows_);
  }

  cli::migration_options options_with(std::function<void(std::int64_t)> after_batch) {
    cli::migration_options migration;
    migration.quiet_time = std::chrono::milliseconds(0);
    migration.batch_size = 3;
    migration.on_progress = [after_batch](std::int64_t done, std::int64_t /*total*/) {
      after_batch(done);
    };
    return migration;
  }

  // What a PHP append does first: `ADD Value :n` on the counter.
  void php_reserve(std::int64_t n) {
    dynamodb::update_item_request request;
    request.table_name = table();
    request.key = {{"Id", attribute_value::string("_counter")},
                   {"Playhead", attribute_value::number(0)}};
    request.update_expression = "ADD #v :n";
    request.expression_attribute_names = {{"#v", "Value"}};
    request.expression_attribute_values = {{":n", attribute_value::number(n)}};
    static_cast<void>(db().update_item(request));
  }

  // Another process gives the last row of the plan a position of its own.
  void position_last_row(std::int64_t position) {
    dynamodb::update_item_request request;
    request.table_name = table();
    request.key = {{"Id", rows_.back().at("Id")}, {"Playhead", rows_.back().at("Playhead")}};
    request.update_expression = "SET Feed = :f, GlobalPosition = :p";
    request.expression_attribute_values = {{":f", attribute_value::string("all")},
                                           {":p", attribute_value::number(position)}};
    static_cast<void>(db().update_item(request));
  }

  cli::verify_report verify() { return cli::verify_table(db(), table()); }

  std::vector<dynamodb::attribute_map> rows_;
};

TEST_F(migrate_logic, a_counter_moved_by_another_writer_stops_the_run_and_a_rerun_continues) {
  bool reserved = false;
  auto options = options_with([&](std::int64_t) {
    if (!reserved) php_reserve(1);  // a PHP append reserves position 4 after the first batch
    reserved = true;
  });
  try {
    static_cast<void>(cli::migrate_table(db(), table(), options));
    FAIL() << "expected migration_conflict";
  } catch (const cli::migration_conflict& e) {
    EXPECT_THAT(e.what(), HasSubstr("the counter moved from 3 to 4"));
    EXPECT_THAT(e.what(), HasSubstr("3 rows got their positions"));
  }
  EXPECT_EQ(counter(table()), 4);
  int placed = 0;
  for (const auto& [key, position] : positions()) placed += position ? 1 : 0;
  EXPECT_EQ(placed, 3);

  // The writer is gone: the re-run continues above the counter; the PHP reservation that never
  // committed stays a burned position.
  const auto result = cli::migrate_table(db(), table(), options_with([](std::int64_t) {}));
  EXPECT_EQ(result.assigned, 7);
  EXPECT_EQ(result.first_position, 5);
  EXPECT_EQ(result.last_position, 11);
  const auto report = verify();
  EXPECT_EQ(report.legacy_rows, 0);
  EXPECT_EQ(report.burned_positions, 1);
  EXPECT_TRUE(report.clean(/*allow_burned=*/true));
}

TEST_F(migrate_logic, forced_it_continues_above_a_counter_that_moved) {
  bool reserved = false;
  auto options = options_with([&](std::int64_t) {
    if (!reserved) php_reserve(2);
    reserved = true;
  });
  options.force = true;
  const auto result = cli::migrate_table(db(), table(), options);
  EXPECT_EQ(result.assigned, 10);
  EXPECT_EQ(result.counter_after, 12);
  ASSERT_FALSE(result.warnings.empty());
  EXPECT_THAT(result.warnings.front(), HasSubstr("counter moved"));
  const auto report = verify();
  EXPECT_EQ(report.legacy_rows, 0);
  EXPECT_EQ(report.burned_positions, 2);
  EXPECT_EQ(report.duplicate_positions, 0);
}

TEST_F(migrate_logic, a_row_positioned_by_someone_else_meanwhile_is_a_conflict) {
  bool touched = false;
  auto options = options_with([&](std::int64_t) {
    if (!touched) position_last_row(100);
    touched = true;
  });
  EXPECT_THROW(static_cast<void>(cli::migrate_table(db(), table(), options)),
               cli::migration_conflict);
  // The batches before the one holding that row went in; that one, all or nothing, did not.
  EXPECT_EQ(counter(table()), 9);
  EXPECT_EQ(positions().at({"agg-0", 3}), 100);
}

TEST_F(migrate_logic, forced_it_skips_a_row_positioned_by_someone_else) {
  bool touched = false;
  auto options = options_with([&](std::int64_t) {
    if (!touched) position_last_row(100);
    touched = true;
  });
  options.force = true;
  const auto result = cli::migrate_table(db(), table(), options);
  EXPECT_EQ(result.assigned, 9);
  ASSERT_FALSE(result.warnings.empty());
  EXPECT_THAT(result.warnings.front(), HasSubstr("got a position from another writer"));
  EXPECT_EQ(positions().at({"agg-0", 3}), 100);
}

TEST_F(migrate_logic, a_stop_request_ends_the_run_between_batches) {
  auto options = options_with([](std::int64_t) {});
  std::int64_t batches = 0;
  options.on_progress = [&](std::int64_t, std::int64_t) { ++batches; };
  options.stop_requested = [&] { return batches >= 2; };
  const auto first = cli::migrate_table(db(), table(), options);
  EXPECT_TRUE(first.stopped_early);
  EXPECT_EQ(first.assigned, 6);
  EXPECT_EQ(counter(table()), 6);

  const auto rest = cli::migrate_table(db(), table(), options_with([](std::int64_t) {}));
  EXPECT_FALSE(rest.stopped_early);
  EXPECT_EQ(rest.assigned, 4);
  EXPECT_EQ(rest.first_position, 7);
  EXPECT_TRUE(verify().clean());
}

}  // namespace
}  // namespace dynamo_es::testing
