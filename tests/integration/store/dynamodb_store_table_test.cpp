// Table administration against DynamoDB Local (W18): exact schema, idempotent create and delete,
// clear errors for a missing table or a different schema.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dynamo_es/event_store_errors.hpp"
#include "integration/store/store_test_support.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es::store_testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

using dynamodb_store_table = store_fixture;

TEST_F(dynamodb_store_table, create_table_makes_the_php_packages_table) {
  const auto description = client_->describe_table(table_);
  EXPECT_EQ(description.status, dynamodb::table_status::active);
  EXPECT_EQ(description.billing_mode, dynamodb::billing_mode::pay_per_request);
  const auto expected = testing::event_table_request(table_);  // the harness's own copy of §4.2
  EXPECT_EQ(description.key_schema, expected.key_schema);
  EXPECT_EQ(description.attribute_definitions, expected.attribute_definitions);
  ASSERT_EQ(description.global_secondary_indexes.size(), 1u);
  const auto& index = description.global_secondary_indexes[0];
  EXPECT_EQ(index.index_name, "Feed-GlobalPosition-index");
  EXPECT_EQ(index.key_schema, expected.global_secondary_indexes[0].key_schema);
  EXPECT_EQ(index.projection.type, dynamodb::projection_type::all);
  EXPECT_EQ(index.status, dynamodb::index_status::active);
  EXPECT_NO_THROW(store_->verify_table_schema());
}

TEST_F(dynamodb_store_table, creating_an_existing_table_names_it) {
  try {
    store_->create_table();
    FAIL() << "expected resource_in_use";
  } catch (const dynamodb::resource_in_use& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(table_), HasSubstr("create_table_if_not_exists")));
  }
  EXPECT_FALSE(store_->create_table_if_not_exists());
}

TEST_F(dynamodb_store_table, delete_then_create_works_and_delete_is_idempotent) {
  store_->append("A", make_events("A", 0, 1));
  store_->delete_table();
  EXPECT_THROW(client_->describe_table(table_), dynamodb::resource_not_found);
  store_->delete_table();
  EXPECT_TRUE(store_->create_table_if_not_exists());
  EXPECT_THROW(static_cast<void>(store_->load("A")), event_stream_not_found);
}

TEST_F(dynamodb_store_table, verifying_a_missing_table_names_it) {
  store_->delete_table();
  try {
    store_->verify_table_schema();
    FAIL() << "expected configuration_error";
  } catch (const configuration_error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(table_), HasSubstr("does not exist")));
  }
}

TEST_F(dynamodb_store_table, verifying_a_table_of_another_schema_names_the_differences) {
  dynamodb::create_table_request other;
  other.table_name = testing::unique_table_name("other-schema");
  other.attribute_definitions = {{"pk", dynamodb::scalar_type::string}};
  other.key_schema = {{"pk", dynamodb::key_type::hash}};
  const testing::temporary_table table(*client_, other);
  auto other_options = options();
  other_options.table_name = table.name();
  const auto store = another_store(other_options);
  try {
    store->verify_table_schema();
    FAIL() << "expected configuration_error";
  } catch (const configuration_error& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(table.name()), HasSubstr("key schema is [pk HASH]"),
                                HasSubstr("\"Feed-GlobalPosition-index\" is missing")));
  }
  EXPECT_THROW(static_cast<void>(store->create_table_if_not_exists()), configuration_error);
}

TEST_F(dynamodb_store_table, options_out_of_range_are_refused) {
  auto bad = options();
  bad.table_name = "x";
  EXPECT_THROW(static_cast<void>(another_store(bad)), validation_error);
  bad = options();
  bad.table_name = "has space";
  EXPECT_THROW(static_cast<void>(another_store(bad)), validation_error);
  bad = options();
  bad.replay_page_size = 0;
  EXPECT_THROW(static_cast<void>(another_store(bad)), validation_error);
  bad = options();
  bad.append_retry.max_attempts = 0;
  EXPECT_THROW(static_cast<void>(another_store(bad)), validation_error);
  bad = options();
  bad.gap_timeout = std::chrono::milliseconds(-1);
  EXPECT_THROW(static_cast<void>(another_store(bad)), validation_error);
}

}  // namespace
}  // namespace dynamo_es::store_testing
