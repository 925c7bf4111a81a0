// Error types provoked for real on DynamoDB Local through the low-level `call()` and the typed
// operations. Throttling and TransactionConflict cannot be provoked on Local (it serialises
// everything); their mapping is covered by tests/unit/dynamodb/error_mapping_test.cpp.

#include <gtest/gtest.h>

#include <typeinfo>

#include "integration/client_fixture.hpp"

namespace dynamo_es::dynamodb {
namespace {

using client_errors = client_integration;

TEST_F(client_errors, call_returns_the_raw_response) {
  const std::string& name = events();
  const std::string body = db().call("ListTables", "{}");
  EXPECT_NE(body.find("\"TableNames\""), std::string::npos) << body;
  EXPECT_NE(body.find(name), std::string::npos) << body;
}

TEST_F(client_errors, malformed_json_is_an_internal_server_error) {
  // Local answers 500 InternalFailure where AWS would send 400 SerializationException.
  try {
    static_cast<void>(db().call("PutItem", "{not json"));
    FAIL() << "no exception";
  } catch (const internal_server_error& e) {
    EXPECT_EQ(e.error_name(), "InternalFailure");
    EXPECT_EQ(e.http_status(), 500);
    EXPECT_TRUE(e.retryable());
    EXPECT_FALSE(e.request_id().empty());
  }
}

TEST_F(client_errors, an_unknown_operation_is_a_plain_dynamodb_error) {
  try {
    static_cast<void>(db().call("FooBar", "{}"));
    FAIL() << "no exception";
  } catch (const dynamodb_error& e) {
    EXPECT_EQ(typeid(e), typeid(dynamodb_error));
    EXPECT_EQ(e.error_name(), "UnknownOperationException");
    EXPECT_EQ(e.operation(), "FooBar");
    EXPECT_FALSE(e.retryable());
  }
}

TEST_F(client_errors, a_body_over_16_mib_is_an_http_error) {
  // About 16.1 MiB: Local refuses it with 413 and a body without __type (§c).
  std::string body = R"({"TableName":"x","Item":{"Id":{"S":")";
  body.append(16U * 1024U * 1024U + 100U * 1024U, 'a');
  body += R"("}}})";
  try {
    static_cast<void>(db().call("PutItem", std::move(body)));
    FAIL() << "no exception";
  } catch (const http_error& e) {
    EXPECT_EQ(e.http_status(), 413);
    EXPECT_TRUE(e.error_name().empty());
    EXPECT_FALSE(e.retryable());
  }
}

TEST_F(client_errors, limit_zero_is_a_validation_error) {
  query_request request;
  request.table_name = events();
  request.key_condition_expression = "Id = :id";
  request.expression_attribute_values = {{":id", attribute_value::string("a")}};
  request.limit = 0;
  try {
    static_cast<void>(db().query(request));
    FAIL() << "no exception";
  } catch (const dynamodb_validation_error& e) {
    EXPECT_EQ(e.aws_message(), "Limit must be greater than or equal to 1");
  }
}

TEST_F(client_errors, an_empty_key_string_is_a_validation_error) {
  put_item_request request;
  request.table_name = events();
  request.item = key("", 1);
  EXPECT_THROW(static_cast<void>(db().put_item(request)), dynamodb_validation_error);
}

}  // namespace
}  // namespace dynamo_es::dynamodb
