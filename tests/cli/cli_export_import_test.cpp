// export and import through the real binary: a whole-table backup that restores position for
// position, byte for byte.

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/cli_fixture.hpp"

namespace dynamo_es::testing {
namespace {

using dynamodb::attribute_value;
using ::testing::HasSubstr;
using ::testing::Not;

class cli_export_import : public cli_test {
 protected:
  void SetUp() override { create_table(); }

  void TearDown() override {
    for (const auto& path : files_) {
      std::remove(path.c_str());
      std::remove((path + ".partial").c_str());
    }
    cli_test::TearDown();
  }

  std::string temp_file(const std::string& name) {
    files_.push_back("/tmp/dynamo-es-cli-" + std::to_string(::getpid()) + "-" + test_name() + "-" +
                     name);
    return files_.back();
  }

  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void append(const std::string& table_name, const std::string& id, const std::string& lines) {
    const auto result = cli({"--table", table_name, "append", id}, lines);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  // A row as the PHP package writes it: JSON texts with spaces and PHP's escapes.
  void put_php_row(std::int64_t playhead, std::int64_t position) {
    dynamodb::put_item_request request;
    request.table_name = table();
    request.item = {
        {"Id", attribute_value::string("php-1")},
        {"Playhead", attribute_value::number(playhead)},
        {"Feed", attribute_value::string("all")},
        {"GlobalPosition", attribute_value::number(position)},
        {"Metadata", attribute_value::map(
                         {{"Class", attribute_value::string("Broadway\\Domain\\Metadata")},
                          {"Payload", attribute_value::string(R"({"user": "u\/1", "n": 1.0})")}})},
        {"Payload",
         attribute_value::map(
             {{"Class", attribute_value::string("Php\\Event\\Happened")},
              {"Payload",
               attribute_value::string(R"({"text": "caf\u00e9 \/ \"q\"", "list": [1, 2.50]})")}})},
        {"RecordedOn", attribute_value::string("2016-07-08T09:10:11.121314+02:00")},
        {"Type", attribute_value::string("Php.Event.Happened")}};
    (void)db().put_item(request);
  }

  // Events of several aggregates, PHP rows, and position 4 burned.
  void fill_source() {
    append(
        table(), "acc-1",
        event("App\\Opened", R"({"owner":"ada"})") + event("App\\Deposited", R"({"amount":10})"));
    append(table(), "acc-2", event("App\\Opened", R"({"owner":"bob"})"));
    put_php_row(0, 5);
    put_php_row(1, 6);
    dynamodb::update_item_request counter;
    counter.table_name = table();
    counter.key = {{"Id", attribute_value::string("_counter")},
                   {"Playhead", attribute_value::number(0)}};
    counter.update_expression = "SET #v = :v";
    counter.expression_attribute_names = {{"#v", "Value"}};
    counter.expression_attribute_values = {{":v", attribute_value::number(6)}};
    (void)db().update_item(counter);
    append(table(), "acc-1", event("App\\Withdrawn", R"({"amount":3})"));
  }

 private:
  std::vector<std::string> files_;
};

TEST_F(cli_export_import, export_import_export_is_byte_identical) {
  fill_source();
  const auto first_file = temp_file("first.jsonl");
  const auto exported = cli({"export", "--out", first_file, "--gap-timeout", "200ms"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.err, HasSubstr("exported 6 events (global positions 1..7)"));
  EXPECT_THAT(exported.err, HasSubstr("1 missing positions passed over"));
  const auto first = read(first_file);
  ASSERT_EQ(std::count(first.begin(), first.end(), '\n'), 6);
  EXPECT_THAT(first, HasSubstr(R"("payload":{"user":"u\/1","n":1.0})"));
  EXPECT_THAT(first, HasSubstr(R"("payload":{"text":"caf\u00e9 \/ \"q\"","list":[1,2.50]})"));
  EXPECT_THAT(first, HasSubstr(R"("recordedOn":"2016-07-08T09:10:11.121314+02:00")"));

  const std::string copy = other_table();
  create_table(copy);
  const auto imported = cli({"--table", copy, "import", "--in", first_file});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.err, HasSubstr("imported 6 events (global positions 1..7)"));
  EXPECT_THAT(imported.err, HasSubstr("1 void claims for the 1 positions it did not hold"));

  // Position 4 is covered by the import's void claim: the export passes it at once, without
  // waiting for its gap timeout (an hour) and without fencing it.
  const auto second_file = temp_file("second.jsonl");
  const auto again = cli({"--table", copy, "export", "--out", second_file, "--gap-timeout", "1h"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.err, Not(HasSubstr("passed over")));
  EXPECT_EQ(read(second_file), first);

  // The counter is after the highest position: the next append continues there.
  const auto next = cli({"--table", copy, "append", "acc-2"}, event("App\\Closed", "{}"));
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(parse(next.lines().at(0))["globalPosition"], 8);
  EXPECT_EQ(parse(next.lines().at(0))["playhead"], 1);
}

TEST_F(cli_export_import, export_to_stdout_and_import_from_stdin) {
  append(table(), "acc-1", event("App\\Opened", "{}") + event("App\\Deposited", "{}"));
  const auto exported = cli({"export"});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_EQ(exported.lines().size(), 2u);
  // Not a terminal: no progress bar, one summary line.
  EXPECT_EQ(std::count(exported.err.begin(), exported.err.end(), '\n'), 1) << exported.err;
  EXPECT_THAT(exported.err, HasSubstr("to stdout"));

  const std::string copy = other_table();
  create_table(copy);
  const auto imported = cli({"--table", copy, "import"}, exported.out);
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(std::count(imported.err.begin(), imported.err.end(), '\n'), 1) << imported.err;
  EXPECT_EQ(cli({"--table", copy, "replay"}).out, exported.out);
}

TEST_F(cli_export_import, export_leaves_only_the_finished_file) {
  append(table(), "acc-1", event("App\\Opened", "{}"));
  const auto path = temp_file("out.jsonl");
  ASSERT_EQ(cli({"export", "--out", path}).exit_code, 0);
  EXPECT_EQ(read(path), cli({"replay"}).out);
  EXPECT_NE(::access(path.c_str(), F_OK), -1);
  EXPECT_EQ(::access((path + ".partial").c_str(), F_OK), -1);

  const auto missing = cli({"--table", other_table(), "export", "--out", temp_file("none.jsonl")});
  EXPECT_EQ(missing.exit_code, 2);
}

TEST_F(cli_export_import, import_refuses_a_non_empty_table_unless_allowed) {
  append(table(), "acc-1", event("App\\Opened", "{}"));
  const std::string backup = cli({"export"}).out;

  const std::string target = other_table();
  create_table(target);
  append(target, "acc-9", event("App\\Opened", "{}"));  // position 1 taken by another event
  const auto refused = cli({"--table", target, "import"}, backup);
  EXPECT_EQ(refused.exit_code, 3);
  EXPECT_THAT(refused.err, HasSubstr("not empty"));

  // Allowed, rows go in where their (Id, Playhead) is free; the counter only moves up.
  const auto allowed = cli({"--table", target, "import", "--allow-non-empty"}, backup);
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  EXPECT_EQ(cli({"--table", target, "load", "acc-1"}).lines().size(), 1u);

  // The same rows again: they exist, nothing is overwritten.
  const auto existing = cli({"--table", target, "import", "--force"}, backup);
  EXPECT_EQ(existing.exit_code, 3);
  EXPECT_THAT(existing.err, HasSubstr("already exists"));
}

TEST_F(cli_export_import, import_rejects_lines_it_cannot_restore) {
  append(table(), "acc-1", event("App\\Opened", "{}") + event("App\\Deposited", "{}"));
  const auto lines = cli({"export"}).lines();
  ASSERT_EQ(lines.size(), 2u);

  const std::string target = other_table();
  create_table(target);
  const auto reversed = cli({"--table", target, "import"}, lines[1] + "\n" + lines[0] + "\n");
  EXPECT_EQ(reversed.exit_code, 4);
  EXPECT_THAT(reversed.err, HasSubstr("stdin line 2"));
  EXPECT_THAT(reversed.err, HasSubstr("global order"));

  const auto no_position = cli({"--table", target, "import"}, event("App\\Opened", "{}"));
  EXPECT_EQ(no_position.exit_code, 4);
  EXPECT_THAT(no_position.err, HasSubstr("\"id\" is missing"));

  EXPECT_EQ(cli({"--table", target, "import", "--in", "/nonexistent/backup.jsonl"}).exit_code, 1);
  EXPECT_EQ(cli({"--table", target, "replay"}).out, "");
}

TEST_F(cli_export_import, import_into_a_missing_table_exits_2) {
  EXPECT_EQ(cli({"--table", other_table(), "import"}, "").exit_code, 2);
}

}  // namespace
}  // namespace dynamo_es::testing
