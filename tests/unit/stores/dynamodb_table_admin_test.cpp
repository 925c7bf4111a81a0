// The table schema: the CreateTable request is the PHP package's, and `schema_differences` names
// every way a described table departs from it.

#include "stores/dynamodb_table_admin.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace dynamo_es::detail {
namespace {

using namespace dynamodb;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(dynamodb_table_admin, the_create_table_request_is_the_php_packages) {
  const auto request = event_table_request("events");
  EXPECT_EQ(request.table_name, "events");
  EXPECT_THAT(request.attribute_definitions,
              ElementsAre(attribute_definition{"Id", scalar_type::string},
                          attribute_definition{"Playhead", scalar_type::number},
                          attribute_definition{"Feed", scalar_type::string},
                          attribute_definition{"GlobalPosition", scalar_type::number}));
  EXPECT_THAT(request.key_schema, ElementsAre(key_schema_element{"Id", key_type::hash},
                                              key_schema_element{"Playhead", key_type::range}));
  EXPECT_EQ(request.billing_mode, billing_mode::pay_per_request);
  ASSERT_EQ(request.global_secondary_indexes.size(), 1u);
  const auto& index = request.global_secondary_indexes[0];
  EXPECT_EQ(index.index_name, "Feed-GlobalPosition-index");
  EXPECT_THAT(index.key_schema, ElementsAre(key_schema_element{"Feed", key_type::hash},
                                            key_schema_element{"GlobalPosition", key_type::range}));
  EXPECT_EQ(index.projection.type, projection_type::all);
  EXPECT_FALSE(index.provisioned_throughput.has_value());
}

table_description matching() {
  const auto request = event_table_request("events");
  table_description d;
  d.table_name = "events";
  d.status = table_status::active;
  d.key_schema = request.key_schema;
  d.attribute_definitions = request.attribute_definitions;
  global_secondary_index_description index;
  index.index_name = "Feed-GlobalPosition-index";
  index.key_schema = request.global_secondary_indexes[0].key_schema;
  index.projection.type = projection_type::all;
  index.status = index_status::active;
  d.global_secondary_indexes.push_back(index);
  return d;
}

TEST(dynamodb_table_admin, the_created_schema_has_no_differences) {
  EXPECT_THAT(schema_differences(matching()), IsEmpty());
  auto provisioned = matching();
  provisioned.billing_mode = billing_mode::provisioned;  // capacity mode is the owner's choice
  EXPECT_THAT(schema_differences(provisioned), IsEmpty());
}

TEST(dynamodb_table_admin, differences_are_named) {
  auto d = matching();
  d.key_schema = {{"pk", key_type::hash}};
  d.attribute_definitions[1].attribute_type = scalar_type::string;
  d.global_secondary_indexes[0].projection.type = projection_type::keys_only;
  const auto differences = schema_differences(d);
  ASSERT_EQ(differences.size(), 3u);
  EXPECT_THAT(differences[0],
              HasSubstr("key schema is [pk HASH], expected [Id HASH, Playhead RANGE]"));
  EXPECT_THAT(differences[1], HasSubstr("\"Playhead\" has type S, expected N"));
  EXPECT_THAT(differences[2], HasSubstr("projects KEYS_ONLY, expected ALL"));
}

TEST(dynamodb_table_admin, a_missing_index_is_named) {
  auto d = matching();
  d.global_secondary_indexes.clear();
  d.attribute_definitions.resize(2);
  const auto differences = schema_differences(d);
  ASSERT_EQ(differences.size(), 3u);
  EXPECT_THAT(differences[0], HasSubstr("\"Feed\" is not defined"));
  EXPECT_THAT(differences[1], HasSubstr("\"GlobalPosition\" is not defined"));
  EXPECT_THAT(differences[2], HasSubstr("\"Feed-GlobalPosition-index\" is missing"));
}

}  // namespace
}  // namespace dynamo_es::detail
