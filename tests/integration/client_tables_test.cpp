// CreateTable / DescribeTable / DeleteTable with the event table of broadway-contract.md §4.2.

#include <gtest/gtest.h>

#include "integration/client_fixture.hpp"

namespace dynamo_es::dynamodb {
namespace {

using client_tables = client_integration;

TEST_F(client_tables, create_describe_and_delete_the_event_table) {
  const std::string name = testing::unique_table_name("Events");
  const table_description created = db().create_table(testing::event_table_request(name));
  EXPECT_EQ(created.table_name, name);

  const table_description described = db().describe_table(name);
  EXPECT_EQ(described.table_name, name);
  EXPECT_EQ(described.status, table_status::active);  // Local: ACTIVE at once
  EXPECT_EQ(described.billing_mode, billing_mode::pay_per_request);
  EXPECT_EQ(described.item_count, 0);
  EXPECT_NE(described.table_arn.find(name), std::string::npos);
  EXPECT_EQ(described.key_schema, (std::vector<key_schema_element>{{"Id", key_type::hash},
                                                                   {"Playhead", key_type::range}}));
  EXPECT_EQ(described.attribute_definitions,
            (std::vector<attribute_definition>{{"Id", scalar_type::string},
                                               {"Playhead", scalar_type::number},
                                               {"Feed", scalar_type::string},
                                               {"GlobalPosition", scalar_type::number}}));
  ASSERT_EQ(described.global_secondary_indexes.size(), 1U);
  const auto& index = described.global_secondary_indexes[0];
  EXPECT_EQ(index.index_name, "Feed-GlobalPosition-index");
  EXPECT_EQ(index.status, index_status::active);
  EXPECT_EQ(index.projection.type, projection_type::all);
  EXPECT_EQ(index.key_schema, (std::vector<key_schema_element>{
                                  {"Feed", key_type::hash}, {"GlobalPosition", key_type::range}}));

  const table_description deleted = db().delete_table(name);
  EXPECT_EQ(deleted.table_name, name);
  EXPECT_THROW(static_cast<void>(db().describe_table(name)), resource_not_found);
}

TEST_F(client_tables, item_count_reflects_writes) {
  put(event("s", 1, 1));
  put(event("s", 2, 2));
  // Local updates ItemCount at once (AWS every ~6 hours).
  EXPECT_EQ(db().describe_table(events()).item_count, 2);
}

TEST_F(client_tables, creating_an_existing_table_is_resource_in_use) {
  const std::string& name = events();
  try {
    static_cast<void>(db().create_table(testing::event_table_request(name)));
    FAIL() << "no exception";
  } catch (const resource_in_use& e) {
    EXPECT_EQ(e.error_name(), "ResourceInUseException");
    EXPECT_EQ(e.http_status(), 400);
    EXPECT_FALSE(e.request_id().empty());
    EXPECT_EQ(e.operation(), "CreateTable");
  }
}

TEST_F(client_tables, a_missing_table_is_resource_not_found) {
  const std::string name = testing::unique_table_name("Missing");
  EXPECT_THROW(static_cast<void>(db().describe_table(name)), resource_not_found);
  EXPECT_THROW(static_cast<void>(db().delete_table(name)), resource_not_found);
  put_item_request put_request;
  put_request.table_name = name;
  put_request.item = key("a", 1);
  EXPECT_THROW(static_cast<void>(db().put_item(put_request)), resource_not_found);
}

TEST_F(client_tables, access_keys_are_separate_databases) {
  const std::string& name = events();
  const client other(testing::dynamodb_local::shared().options(test_name() + "Other"));
  EXPECT_THROW(static_cast<void>(other.describe_table(name)), resource_not_found);
  EXPECT_NO_THROW(static_cast<void>(db().describe_table(name)));
}

TEST_F(client_tables, an_invalid_table_name_is_a_validation_error) {
  try {
    static_cast<void>(db().create_table(testing::event_table_request("Q")));
    FAIL() << "no exception";
  } catch (const dynamodb_validation_error& e) {
    EXPECT_EQ(e.error_name(), "ValidationException");
    EXPECT_NE(e.aws_message().find("between 3 and 255 characters"), std::string::npos)
        << e.aws_message();
  }
}

}  // namespace
}  // namespace dynamo_es::dynamodb
