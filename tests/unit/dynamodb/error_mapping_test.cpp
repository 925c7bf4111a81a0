// The mapping from DynamoDB responses to exceptions, fed with the exact bodies DynamoDB Local
// 3.3.0 sent (/work/shared/dynamodb-local.md §1, §a3, §a4, §b, §f). No network.

#include "dynamodb/error_mapping.hpp"

#include <gtest/gtest.h>

#include <string>
#include <typeinfo>

#include "dynamo_es/dynamodb/errors.hpp"

namespace dynamo_es::dynamodb {
namespace {

http_result response(int status, std::string body) {
  http_result result;
  result.status = transport_status::ok;
  result.http_status = status;
  result.headers = {{"content-type", "application/x-amz-json-1.0"},
                    {"x-amzn-requestid", "f10e6664-cf89-45e2-b414-8346fa5e6fc8"}};
  result.body = std::move(body);
  return result;
}

// Runs the mapping and returns the thrown exception as `Expected` (failing the test otherwise).
template <typename Expected>
Expected map_to(std::string_view operation, const http_result& result) {
  const std::exception_ptr error = detail::make_error(operation, result);
  if (!error) {
    ADD_FAILURE() << "no error for HTTP " << result.http_status;
    throw std::logic_error("no error");
  }
  try {
    std::rethrow_exception(error);
  } catch (const Expected& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type " << typeid(e).name() << ": " << e.what();
    throw;
  }
}

TEST(error_mapping, short_name_strips_either_namespace) {
  EXPECT_EQ(detail::short_error_name("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"),
            "ResourceNotFoundException");
  EXPECT_EQ(detail::short_error_name("com.amazon.coral.validate#ValidationException"),
            "ValidationException");
  EXPECT_EQ(detail::short_error_name("ThrottlingException"), "ThrottlingException");
}

TEST(error_mapping, success_is_no_error) {
  EXPECT_EQ(detail::make_error("ListTables", response(200, R"({"TableNames":[]})")), nullptr);
}

TEST(error_mapping, resource_not_found) {
  const auto e = map_to<resource_not_found>(
      "DescribeTable",
      response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","Message":"Cannot do operations on a non-existent table"})"));
  EXPECT_EQ(e.error_name(), "ResourceNotFoundException");
  EXPECT_EQ(e.aws_message(), "Cannot do operations on a non-existent table");
  EXPECT_EQ(e.http_status(), 400);
  EXPECT_EQ(e.request_id(), "f10e6664-cf89-45e2-b414-8346fa5e6fc8");
  EXPECT_EQ(e.operation(), "DescribeTable");
  EXPECT_FALSE(e.retryable());
  EXPECT_FALSE(e.ambiguous());
  const std::string what = e.what();
  for (const char* part : {"DescribeTable", "ResourceNotFoundException", "HTTP 400",
                           "non-existent table", "f10e6664-cf89-45e2-b414-8346fa5e6fc8"}) {
    EXPECT_NE(what.find(part), std::string::npos) << part << " missing from: " << what;
  }
}

TEST(error_mapping, resource_in_use) {
  const auto e = map_to<resource_in_use>(
      "CreateTable",
      response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceInUseException","Message":"Cannot create preexisting table"})"));
  EXPECT_EQ(e.aws_message(), "Cannot create preexisting table");
}

TEST(error_mapping, conditional_check_failed_without_item) {
  const auto e = map_to<conditional_check_failed>(
      "UpdateItem",
      response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","Message":"The conditional request failed"})"));
  EXPECT_FALSE(e.item().has_value());
  EXPECT_FALSE(e.retryable());
}

TEST(error_mapping, conditional_check_failed_carries_the_all_old_item) {
  const auto e = map_to<conditional_check_failed>(
      "UpdateItem",
      response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","Message":"The conditional request failed","Item":{"Value":{"N":"25"},"Id":{"S":"_counter"},"Playhead":{"N":"0"}}})"));
  ASSERT_TRUE(e.item().has_value());
  EXPECT_EQ(e.item()->at("Value").as_int64(), 25);
  EXPECT_EQ(e.item()->at("Id").as_string(), "_counter");
}

TEST(error_mapping, transaction_canceled_reasons_in_order) {
  const auto e = map_to<transaction_canceled>(
      "TransactWriteItems",
      response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","CancellationReasons":[{"Code":"ConditionalCheckFailed","Message":"The conditional request failed"},{"Code":"None"},{"Code":"None"}],"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, None]"})"));
  const auto& reasons = e.cancellation_reasons();
  ASSERT_EQ(reasons.size(), 3U);
  EXPECT_TRUE(reasons[0].is_conditional_check_failed());
  EXPECT_EQ(reasons[0].message, "The conditional request failed");
  EXPECT_TRUE(reasons[1].is_none());
  EXPECT_TRUE(reasons[1].message.empty());
  EXPECT_TRUE(reasons[2].is_none());
  EXPECT_FALSE(reasons[0].item.has_value());
  EXPECT_FALSE(e.retryable());
  EXPECT_NE(e.aws_message().find("[ConditionalCheckFailed, None, None]"), std::string::npos);
}

TEST(error_mapping, transaction_canceled_reasons_carry_all_old_items) {
  const auto e = map_to<transaction_canceled>(
      "TransactWriteItems",
      response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","CancellationReasons":[{"Item":{"Value":{"N":"4"},"Id":{"S":"_counter"},"Playhead":{"N":"0"}},"Code":"ConditionalCheckFailed","Message":"The conditional request failed"},{"Code":"None"},{"Item":{"GlobalPosition":{"N":"3"},"Type":{"S":"X"},"Id":{"S":"stream-A"},"Playhead":{"N":"3"},"Feed":{"S":"all"}},"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}],"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None, ConditionalCheckFailed]"})"));
  const auto& reasons = e.cancellation_reasons();
  ASSERT_EQ(reasons.size(), 3U);
  ASSERT_TRUE(reasons[0].item.has_value());
  EXPECT_EQ(reasons[0].item->at("Value").as_int64(), 4);
  EXPECT_FALSE(reasons[1].item.has_value());
  ASSERT_TRUE(reasons[2].item.has_value());
  EXPECT_EQ(reasons[2].item->at("GlobalPosition").as_int64(), 3);
  EXPECT_EQ(reasons[2].item->at("Id").as_string(), "stream-A");
}

TEST(error_mapping, transaction_canceled_by_a_validation_error) {
  const auto e = map_to<transaction_canceled>(
      "TransactWriteItems",
      response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","CancellationReasons":[{"Code":"ValidationError","Message":"One or more parameter values were invalid: Type mismatch for key"}],"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [ValidationError]"})"));
  ASSERT_EQ(e.cancellation_reasons().size(), 1U);
  EXPECT_EQ(e.cancellation_reasons()[0].code, "ValidationError");
}

TEST(error_mapping, transaction_canceled_is_retryable_only_for_transient_reasons) {
  const auto conflict_only = map_to<transaction_canceled>(
      "TransactWriteItems",
      response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","CancellationReasons":[{"Code":"None"},{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"}],"Message":"x"})"));
  EXPECT_TRUE(conflict_only.retryable());
  const auto with_condition = map_to<transaction_canceled>(
      "TransactWriteItems",
      response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException","CancellationReasons":[{"Code":"ConditionalCheckFailed","Message":"m"},{"Code":"ThrottlingError","Message":"t"}],"Message":"x"})"));
  EXPECT_FALSE(with_condition.retryable());
}

TEST(error_mapping, idempotent_parameter_mismatch_with_empty_message) {
  const auto e = map_to<idempotent_parameter_mismatch>(
      "TransactWriteItems",
      response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException","Message":""})"));
  EXPECT_EQ(e.error_name(), "IdempotentParameterMismatchException");
  EXPECT_TRUE(e.aws_message().empty());
}

TEST(error_mapping, validation_exception_has_the_coral_namespace) {
  const auto e = map_to<dynamodb_validation_error>(
      "Query",
      response(
          400,
          R"({"__type":"com.amazon.coral.validate#ValidationException","Message":"Consistent reads are not supported on global secondary indexes"})"));
  EXPECT_EQ(e.error_name(), "ValidationException");
  EXPECT_EQ(e.aws_message(), "Consistent reads are not supported on global secondary indexes");
  EXPECT_FALSE(e.retryable());
}

TEST(error_mapping, lower_case_message_key_is_accepted) {
  const auto e = map_to<dynamodb_validation_error>(
      "Query",
      response(400,
               R"({"__type":"com.amazon.coral.validate#ValidationException","message":"lower"})"));
  EXPECT_EQ(e.aws_message(), "lower");
}

TEST(error_mapping, internal_failure_is_a_retryable_server_error) {
  const auto e = map_to<internal_server_error>(
      "PutItem",
      response(
          500,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#InternalFailure","Message":"The request processing has failed because of an unknown error, exception or failure."})"));
  EXPECT_EQ(e.error_name(), "InternalFailure");
  EXPECT_TRUE(e.retryable());
}

TEST(error_mapping, service_unavailable_is_a_server_error) {
  EXPECT_TRUE(
      map_to<internal_server_error>(
          "PutItem",
          response(
              503,
              R"({"__type":"com.amazonaws.dynamodb.v20120810#ServiceUnavailable","Message":""})"))
          .retryable());
}

TEST(error_mapping, status_without_type_is_an_http_error) {
  const auto e = map_to<http_error>("PutItem", response(413, R"({"Message":""})"));
  EXPECT_EQ(e.http_status(), 413);
  EXPECT_TRUE(e.error_name().empty());
  EXPECT_FALSE(e.retryable());
  EXPECT_TRUE(map_to<http_error>("PutItem", response(429, "Too Many Requests")).retryable());
}

TEST(error_mapping, non_json_5xx_is_a_server_error_with_an_excerpt) {
  const auto e = map_to<internal_server_error>(
      "PutItem", response(502, "<html><body>Bad Gateway</body></html>"));
  EXPECT_TRUE(e.retryable());
  EXPECT_NE(e.aws_message().find("Bad Gateway"), std::string::npos);
}

TEST(error_mapping, throttling_codes_are_throttled) {
  for (const char* name :
       {"ThrottlingException", "ProvisionedThroughputExceededException", "RequestLimitExceeded",
        "TransactionInProgressException", "LimitExceededException"}) {
    const auto e = map_to<throttled>(
        "PutItem", response(400, std::string(R"({"__type":"com.amazonaws.dynamodb.v20120810#)") +
                                     name + R"(","Message":"slow down"})"));
    EXPECT_EQ(e.error_name(), name);
    EXPECT_TRUE(e.retryable()) << name;
  }
}

TEST(error_mapping, transaction_conflict_is_retryable) {
  const auto e = map_to<transaction_conflict>(
      "PutItem",
      response(
          400,
          R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionConflictException","Message":"Transaction is ongoing for the item"})"));
  EXPECT_TRUE(e.retryable());
}

TEST(error_mapping, unknown_type_is_a_plain_dynamodb_error) {
  for (
      const char* body :
      {R"({"__type":"com.amazonaws.dynamodb.v20120810#UnknownOperationException","Message":"An unknown operation was requested."})",
       R"({"__type":"com.amazonaws.dynamodb.v20120810#MissingAuthenticationToken","Message":"Request must contain either a valid (registered) AWS access key ID or X.509 certificate."})",
       R"({"__type":"com.amazonaws.dynamodb.v20120810#UnrecognizedClientException","Message":"The Access Key ID or security token is invalid."})"}) {
    try {
      std::rethrow_exception(detail::make_error("FooBar", response(400, body)));
    } catch (const dynamodb_error& e) {
      EXPECT_EQ(typeid(e), typeid(dynamodb_error)) << body;  // not a subclass
      EXPECT_FALSE(e.retryable());
    }
  }
}

TEST(error_mapping, transport_failures_become_transport_errors) {
  http_result refused;
  refused.status = transport_status::connect_failed;
  refused.error_message = "Connection refused";
  const auto e = map_to<transport_error>("PutItem", refused);
  EXPECT_EQ(e.status(), transport_status::connect_failed);
  EXPECT_EQ(e.http_status(), 0);
  EXPECT_TRUE(e.retryable());
  EXPECT_FALSE(e.ambiguous());
  EXPECT_NE(std::string(e.what()).find("Connection refused"), std::string::npos);

  http_result cut;
  cut.status = transport_status::receive_failed;
  EXPECT_TRUE(map_to<transport_error>("TransactWriteItems", cut).ambiguous());
  http_result late;
  late.status = transport_status::timeout;
  EXPECT_TRUE(map_to<transport_error>("TransactWriteItems", late).ambiguous());
}

TEST(error_mapping, checksum_is_verified_when_present) {
  auto good = response(200, R"({"TableNames":[]})");
  good.headers.push_back({"x-amz-crc32", "1315925753"});
  EXPECT_TRUE(detail::checksum_matches(good));
  EXPECT_EQ(detail::make_error("ListTables", good), nullptr);

  auto corrupted = good;
  corrupted.body = R"({"TableNames":[1]})";
  EXPECT_FALSE(detail::checksum_matches(corrupted));
  const auto e = map_to<transport_error>("ListTables", corrupted);
  EXPECT_EQ(e.status(), transport_status::checksum_mismatch);
  EXPECT_TRUE(e.ambiguous());
  EXPECT_TRUE(e.retryable());

  auto garbage_header = good;
  garbage_header.headers.back().value = "abc";
  EXPECT_FALSE(detail::checksum_matches(garbage_header));
}

TEST(transport_status, ambiguity) {
  EXPECT_FALSE(may_have_reached_server(transport_status::connect_failed));
  EXPECT_FALSE(may_have_reached_server(transport_status::send_failed));
  EXPECT_FALSE(may_have_reached_server(transport_status::tls_error));
  EXPECT_TRUE(may_have_reached_server(transport_status::timeout));
  EXPECT_TRUE(may_have_reached_server(transport_status::receive_failed));
  EXPECT_TRUE(may_have_reached_server(transport_status::checksum_mismatch));
  EXPECT_TRUE(may_have_reached_server(transport_status::other));
  EXPECT_EQ(to_string(transport_status::receive_failed), "receive_failed");
}

TEST(http_result, header_lookup_ignores_case) {
  const auto result = response(200, "{}");
  EXPECT_EQ(result.header("X-Amzn-RequestId"), "f10e6664-cf89-45e2-b414-8346fa5e6fc8");
  EXPECT_FALSE(result.header("x-amz-crc32").has_value());
}

}  // namespace
}  // namespace dynamo_es::dynamodb
