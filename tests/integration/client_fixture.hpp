#pragma once

// A fixture giving every test its own DynamoDB Local database (access key id derived from the
// test's name) and, on request, its own event table (broadway-contract.md §4.2).

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dynamo_es/dynamodb/client.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es::dynamodb {

class client_integration : public ::testing::Test {
 protected:
  static std::string test_name() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    return std::string(info->test_suite_name()) + info->name();
  }

  // One client per test, on the test's own database.
  const client& db() {
    if (!client_) {
      client_ = std::make_unique<client>(testing::dynamodb_local::shared().options(test_name()));
    }
    return *client_;
  }

  // The test's event table, created on first use and deleted after the test.
  const std::string& events() {
    if (!table_) {
      table_ = std::make_unique<testing::temporary_table>(
          db(), testing::event_table_request(testing::unique_table_name("Events")));
    }
    return table_->name();
  }

  void TearDown() override {
    table_.reset();
    client_.reset();
  }

  // An event row as the PHP package writes it (§4.2).
  static attribute_map event(const std::string& id, std::int64_t playhead,
                             std::int64_t global_position) {
    return {{"Id", attribute_value::string(id)},
            {"Playhead", attribute_value::number(playhead)},
            {"Feed", attribute_value::string("all")},
            {"GlobalPosition", attribute_value::number(global_position)},
            {"Metadata",
             attribute_value::map({{"Class", attribute_value::string("Broadway\\Domain\\Metadata")},
                                   {"Payload", attribute_value::string("[]")}})},
            {"Payload",
             attribute_value::map({{"Class", attribute_value::string("App\\Event")},
                                   {"Payload", attribute_value::string(R"({"position":"a"})")}})},
            {"RecordedOn", attribute_value::string("2014-03-12T14:17:19.176169+00:00")},
            {"Type", attribute_value::string("App.Event")}};
  }

  static attribute_map key(const std::string& id, std::int64_t playhead) {
    return {{"Id", attribute_value::string(id)}, {"Playhead", attribute_value::number(playhead)}};
  }

  void put(const attribute_map& item) {
    put_item_request request;
    request.table_name = events();
    request.item = item;
    static_cast<void>(db().put_item(request));
  }

  std::optional<attribute_map> get(const attribute_map& item_key) {
    get_item_request request;
    request.table_name = events();
    request.key = item_key;
    request.consistent_read = true;
    return db().get_item(request).item;
  }

 private:
  std::unique_ptr<client> client_;
  std::unique_ptr<testing::temporary_table> table_;
};

}  // namespace dynamo_es::dynamodb
