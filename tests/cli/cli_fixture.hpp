#pragma once

// A fixture for end-to-end CLI tests: every test gets its own DynamoDB Local database and table
// name, an environment that points the binary at them, and helpers to run it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli_process.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "stores/dynamodb_table_admin.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es::testing {

class cli_test : public ::testing::Test {
 protected:
  static std::string binary() { return DYNAMO_ES_CLI_BINARY; }

  static std::string test_name() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->test_suite_name()) + info->name();
  }

  [[nodiscard]] dynamodb::client_options options() const {
    return dynamodb_local::shared().options(test_name());
  }

  // A client on the test's database, for setting up and checking what the binary cannot.
  const dynamodb::client& db() {
    if (!client_) client_ = std::make_unique<dynamodb::client>(options());
    return *client_;
  }

  // The test's table name (not created).
  const std::string& table() {
    if (table_.empty()) {
      table_ = unique_table_name("Cli");
      tables_.push_back(table_);
    }
    return table_;
  }

  // Another table name, deleted after the test too.
  std::string other_table() {
    tables_.push_back(unique_table_name("CliOther"));
    return tables_.back();
  }

  // The binary's environment: credentials of the test's database, its endpoint, the table.
  cli_environment env() {
    const auto opts = options();
    return {{"AWS_ACCESS_KEY_ID", opts.credentials->access_key_id},
            {"AWS_SECRET_ACCESS_KEY", opts.credentials->secret_access_key},
            {"AWS_REGION", opts.region},
            {"AWS_ENDPOINT_URL", opts.endpoint_url},
            {"DYNAMO_ES_TABLE", table()}};
  }

  cli_result cli(const std::vector<std::string>& args, const std::string& stdin_text = {}) {
    return run_cli(binary(), args, env(), stdin_text);
  }

  // create-table through the binary.
  void create_table(const std::string& name) {
    const auto result = cli({"--table", name, "create-table"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }
  void create_table() { create_table(table()); }

  // One event line with only what append requires.
  static std::string event(const std::string& class_name, const std::string& payload_json) {
    return R"({"payload":{"class":)" + nlohmann::json(class_name).dump() + R"(,"payload":)" +
           payload_json + "}}\n";
  }

  static nlohmann::json parse(const std::string& line) { return nlohmann::json::parse(line); }

  void TearDown() override {
    if (!tables_.empty()) {
      for (const auto& name : tables_) {
        try {
          (void)db().delete_table(name);
        } catch (const std::exception&) {
          // already gone, or never created
        }
      }
    }
    client_.reset();
  }

 private:
  std::unique_ptr<dynamodb::client> client_;
  std::string table_;
  std::vector<std::string> tables_;
};

}  // namespace dynamo_es::testing
