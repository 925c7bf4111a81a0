// The client against a recording transport double: what goes on the wire (target, headers,
// signature scope, bodies as in dynamodb-local.md / broadway-contract.md §4.3) and how responses
// are decoded. DynamoDB Local covers the real exchange (tests/integration); this double exists
// for what Local cannot show: exact request bytes, canned pages, corrupted and failed responses.

#include <gtest/gtest.h>

#include <cstdlib>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "dynamo_es/dynamodb/client.hpp"
#include "dynamodb/crc32.hpp"

namespace dynamo_es::dynamodb {
namespace {

using nlohmann::json;

class recording_transport final : public http_transport {
 public:
  http_result send(const http_request& request) override {
    std::lock_guard lock(mutex_);
    requests.push_back(request);
    if (responses.empty()) {
      return ok("{}");
    }
    http_result next = std::move(responses.front());
    responses.pop_front();
    return next;
  }

  static http_result ok(std::string body) {
    http_result result;
    result.status = transport_status::ok;
    result.http_status = 200;
    result.headers = {{"x-amzn-requestid", "req-1"}};
    result.body = std::move(body);
    return result;
  }

  std::vector<http_request> requests;
  std::deque<http_result> responses;

 private:
  std::mutex mutex_;
};

std::string header(const http_request& request, std::string_view name) {
  for (const auto& h : request.headers) {
    if (h.name == name) {
      return h.value;
    }
  }
  return "<absent>";
}

class client_request : public ::testing::Test {
 protected:
  client make_client(std::string session_token = {}) {
    client_options options;
    options.endpoint_url = "http://127.0.0.1:8000";
    options.region = "eu-west-1";
    options.credentials = credentials{"AKIDTEST", "secret", std::move(session_token)};
    options.transport = transport_;
    return client(std::move(options));
  }

  json body(std::size_t index = 0) const {
    return json::parse(transport_->requests.at(index).body);
  }

  std::shared_ptr<recording_transport> transport_ = std::make_shared<recording_transport>();
};

TEST_F(client_request, sends_a_signed_post_with_the_operation_target) {
  const client c = make_client();
  static_cast<void>(c.call("ListTables", "{}"));
  ASSERT_EQ(transport_->requests.size(), 1U);
  const http_request& request = transport_->requests[0];
  EXPECT_EQ(request.url, "http://127.0.0.1:8000/");
  EXPECT_EQ(request.body, "{}");
  EXPECT_EQ(header(request, "X-Amz-Target"), "DynamoDB_20120810.ListTables");
  EXPECT_EQ(header(request, "Content-Type"), "application/x-amz-json-1.0");
  EXPECT_EQ(header(request, "Host"), "127.0.0.1:8000");
  EXPECT_EQ(header(request, "X-Amz-Security-Token"), "<absent>");
  const std::string date = header(request, "X-Amz-Date");
  ASSERT_EQ(date.size(), 16U) << date;
  const std::string authorization = header(request, "Authorization");
  EXPECT_EQ(authorization.rfind("AWS4-HMAC-SHA256 Credential=AKIDTEST/" + date.substr(0, 8) +
                                    "/eu-west-1/dynamodb/aws4_request, "
                                    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                                    "Signature=",
                                0),
            0U)
      << authorization;
}

TEST_F(client_request, signs_the_session_token) {
  const client c = make_client("TOKEN123");
  static_cast<void>(c.call("ListTables", "{}"));
  const http_request& request = transport_->requests.at(0);
  EXPECT_EQ(header(request, "X-Amz-Security-Token"), "TOKEN123");
  EXPECT_NE(header(request, "Authorization")
                .find("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;"
                      "x-amz-target"),
            std::string::npos);
}

TEST_F(client_request, every_request_is_signed_anew) {
  const client c = make_client();
  static_cast<void>(c.call("ListTables", "{}"));
  static_cast<void>(c.call("ListTables", R"json({"Limit":1})json"));
  ASSERT_EQ(transport_->requests.size(), 2U);
  // Different bodies, so different signatures: neither is a cached header.
  EXPECT_NE(header(transport_->requests[0], "Authorization"),
            header(transport_->requests[1], "Authorization"));
}

TEST_F(client_request, create_table_body_matches_the_event_table) {
  transport_->responses.push_back(recording_transport::ok(
      R"json({"TableDescription":{"TableName":"Events","TableStatus":"ACTIVE","CreationDateTime":1795805054.557}})json"));
  const client c = make_client();
  create_table_request request;
  request.table_name = "Events";
  request.attribute_definitions = {{"Id", scalar_type::string},
                                   {"Playhead", scalar_type::number},
                                   {"Feed", scalar_type::string},
                                   {"GlobalPosition", scalar_type::number}};
  request.key_schema = {{"Id", key_type::hash}, {"Playhead", key_type::range}};
  request.global_secondary_indexes.push_back(
      {"Feed-GlobalPosition-index",
       {{"Feed", key_type::hash}, {"GlobalPosition", key_type::range}},
       {projection_type::all, {}},
       std::nullopt});
  const auto description = c.create_table(request);
  EXPECT_EQ(description.status, table_status::active);
  EXPECT_EQ(header(transport_->requests[0], "X-Amz-Target"), "DynamoDB_20120810.CreateTable");
  // dynamodb-local.md §2, create_events.json.
  EXPECT_EQ(body(), json::parse(R"json({"TableName":"Events",
 "AttributeDefinitions":[{"AttributeName":"Id","AttributeType":"S"},{"AttributeName":"Playhead","AttributeType":"N"},{"AttributeName":"Feed","AttributeType":"S"},{"AttributeName":"GlobalPosition","AttributeType":"N"}],
 "KeySchema":[{"AttributeName":"Id","KeyType":"HASH"},{"AttributeName":"Playhead","KeyType":"RANGE"}],
 "GlobalSecondaryIndexes":[{"IndexName":"Feed-GlobalPosition-index","KeySchema":[{"AttributeName":"Feed","KeyType":"HASH"},{"AttributeName":"GlobalPosition","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"}}],
 "BillingMode":"PAY_PER_REQUEST"})json"));
}

TEST_F(client_request, describe_table_decodes_local_s_description) {
  // dynamodb-local.md §2: the CreateTable response body, as DescribeTable's "Table".
  transport_->responses.push_back(recording_transport::ok(
      R"json({"Table":{"AttributeDefinitions":[{"AttributeName":"Id","AttributeType":"S"},{"AttributeName":"Playhead","AttributeType":"N"},{"AttributeName":"Feed","AttributeType":"S"},{"AttributeName":"GlobalPosition","AttributeType":"N"}],"TableName":"Events","KeySchema":[{"AttributeName":"Id","KeyType":"HASH"},{"AttributeName":"Playhead","KeyType":"RANGE"}],"TableStatus":"ACTIVE","CreationDateTime":1795805054.557,"ProvisionedThroughput":{"LastIncreaseDateTime":0.000,"LastDecreaseDateTime":0.000,"NumberOfDecreasesToday":0,"ReadCapacityUnits":0,"WriteCapacityUnits":0},"TableSizeBytes":0,"ItemCount":7,"TableArn":"arn:aws:dynamodb:ddblocal:000000000000:table/Events","BillingModeSummary":{"BillingMode":"PAY_PER_REQUEST","LastUpdateToPayPerRequestDateTime":1795805054.557},"GlobalSecondaryIndexes":[{"IndexName":"Feed-GlobalPosition-index","KeySchema":[{"AttributeName":"Feed","KeyType":"HASH"},{"AttributeName":"GlobalPosition","KeyType":"RANGE"}],"Projection":{"ProjectionType":"ALL"},"IndexStatus":"ACTIVE","IndexSizeBytes":0,"ItemCount":3,"IndexArn":"arn:aws:dynamodb:ddblocal:000000000000:table/Events/index/Feed-GlobalPosition-index"}],"DeletionProtectionEnabled":false,"Huge":123456789012345678901234567890}})json"));
  const client c = make_client();
  const table_description d = c.describe_table("Events");
  EXPECT_EQ(body(), json::parse(R"json({"TableName":"Events"})json"));
  EXPECT_EQ(d.table_name, "Events");
  EXPECT_EQ(d.table_arn, "arn:aws:dynamodb:ddblocal:000000000000:table/Events");
  EXPECT_EQ(d.status, table_status::active);
  EXPECT_EQ(d.billing_mode, billing_mode::pay_per_request);
  EXPECT_EQ(d.item_count, 7);
  ASSERT_EQ(d.key_schema.size(), 2U);
  EXPECT_EQ(d.key_schema[1], (key_schema_element{"Playhead", key_type::range}));
  ASSERT_EQ(d.attribute_definitions.size(), 4U);
  EXPECT_EQ(d.attribute_definitions[3],
            (attribute_definition{"GlobalPosition", scalar_type::number}));
  ASSERT_EQ(d.global_secondary_indexes.size(), 1U);
  const auto& index = d.global_secondary_indexes[0];
  EXPECT_EQ(index.index_name, "Feed-GlobalPosition-index");
  EXPECT_EQ(index.status, index_status::active);
  EXPECT_EQ(index.projection.type, projection_type::all);
  EXPECT_EQ(index.item_count, 3);
  ASSERT_EQ(index.key_schema.size(), 2U);
  EXPECT_EQ(index.key_schema[0].attribute_name, "Feed");
}

TEST_F(client_request, table_without_billing_summary_is_provisioned) {
  transport_->responses.push_back(
      recording_transport::ok(R"json({"Table":{"TableName":"T","TableStatus":"CREATING"}})json"));
  const auto d = make_client().describe_table("T");
  EXPECT_EQ(d.billing_mode, billing_mode::provisioned);
  EXPECT_EQ(d.status, table_status::creating);
}

TEST_F(client_request, put_item_body) {
  const client c = make_client();
  put_item_request request;
  request.table_name = "Events";
  request.item = {{"Id", attribute_value::string("stream-A")},
                  {"Playhead", attribute_value::number(1)}};
  request.condition_expression = "attribute_not_exists(Id)";
  request.return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::all_old;
  static_cast<void>(c.put_item(request));
  EXPECT_EQ(header(transport_->requests[0], "X-Amz-Target"), "DynamoDB_20120810.PutItem");
  EXPECT_EQ(body(), json::parse(R"json({"TableName":"Events",
    "Item":{"Id":{"S":"stream-A"},"Playhead":{"N":"1"}},
    "ConditionExpression":"attribute_not_exists(Id)",
    "ReturnValuesOnConditionCheckFailure":"ALL_OLD"
})json"));
}

TEST_F(client_request, update_item_body_and_attributes) {
  // broadway-contract.md §4.3, append step 1 (reserve).
  transport_->responses.push_back(
      recording_transport::ok(R"json({"Attributes":{"Value":{"N":"5"}}})json"));
  const client c = make_client();
  update_item_request request;
  request.table_name = "Events";
  request.key = {{"Id", attribute_value::string("_counter")},
                 {"Playhead", attribute_value::number(0)}};
  request.update_expression = "ADD #v :inc";
  request.expression_attribute_names = {{"#v", "Value"}};
  request.expression_attribute_values = {{":inc", attribute_value::number(5)}};
  request.return_values = return_value::updated_new;
  const auto response = c.update_item(request);
  EXPECT_EQ(response.attributes.at("Value").as_int64(), 5);
  EXPECT_EQ(body(), json::parse(R"json({"TableName":"Events",
    "Key":{"Id":{"S":"_counter"},"Playhead":{"N":"0"}},
    "UpdateExpression":"ADD #v :inc",
    "ExpressionAttributeNames":{"#v":"Value"},
    "ExpressionAttributeValues":{":inc":{"N":"5"}},
    "ReturnValues":"UPDATED_NEW"})json"));
}

TEST_F(client_request, delete_item_body) {
  const client c = make_client();
  delete_item_request request;
  request.table_name = "T";
  request.key = {{"Id", attribute_value::string("a")}};
  request.condition_expression = "attribute_exists(Id)";
  request.return_values = return_value::all_old;
  static_cast<void>(c.delete_item(request));
  EXPECT_EQ(body(), json::parse(R"json({"TableName":"T","Key":{"Id":{"S":"a"}},
    "ConditionExpression":"attribute_exists(Id)","ReturnValues":"ALL_OLD"
})json"));
}

TEST_F(client_request, get_item_body_and_missing_item) {
  transport_->responses.push_back(recording_transport::ok("{}"));
  transport_->responses.push_back(
      recording_transport::ok(R"json({"Item":{"Id":{"S":"a"},"Value":{"N":"3"}}})json"));
  const client c = make_client();
  get_item_request request;
  request.table_name = "T";
  request.key = {{"Id", attribute_value::string("a")}};
  request.consistent_read = true;
  EXPECT_FALSE(c.get_item(request).item.has_value());
  const auto found = c.get_item(request);
  ASSERT_TRUE(found.item.has_value());
  EXPECT_EQ(found.item->at("Value").as_int64(), 3);
  EXPECT_EQ(
      body(),
      json::parse(R"json({"TableName":"T","Key":{"Id":{"S":"a"}},"ConsistentRead":true})json"));
}

TEST_F(client_request, replay_query_body) {
  // broadway-contract.md §4.3, replay page.
  const client c = make_client();
  query_request request;
  request.table_name = "Events";
  request.index_name = "Feed-GlobalPosition-index";
  request.key_condition_expression = "Feed = :feed AND GlobalPosition > :globalPosition";
  request.expression_attribute_values = {{":feed", attribute_value::string("all")},
                                         {":globalPosition", attribute_value::number(10)}};
  request.limit = 100;
  static_cast<void>(c.query(request));
  EXPECT_EQ(body(),
            json::parse(R"json({"TableName":"Events","IndexName":"Feed-GlobalPosition-index",
    "ConsistentRead":false,
    "KeyConditionExpression":"Feed = :feed AND GlobalPosition > :globalPosition",
    "ExpressionAttributeValues":{":feed":{"S":"all"},":globalPosition":{"N":"10"}},
    "Limit":100})json"));
}

TEST_F(client_request, descending_filtered_query_body) {
  const client c = make_client();
  query_request request;
  request.table_name = "T";
  request.key_condition_expression = "Id = :id";
  request.filter_expression = "#t = :t";
  request.projection_expression = "GlobalPosition,#t";
  request.expression_attribute_names = {{"#t", "Type"}};
  request.expression_attribute_values = {{":id", attribute_value::string("a")},
                                         {":t", attribute_value::string("B")}};
  request.consistent_read = true;
  request.scan_index_forward = false;
  request.exclusive_start_key = {{"Id", attribute_value::string("a")},
                                 {"Playhead", attribute_value::number(3)}};
  static_cast<void>(c.query(request));
  EXPECT_EQ(body(), json::parse(R"json({"TableName":"T","ConsistentRead":true,
    "KeyConditionExpression":"Id = :id","FilterExpression":"#t = :t",
    "ProjectionExpression":"GlobalPosition,#t","ExpressionAttributeNames":{"#t":"Type"},
    "ExpressionAttributeValues":{":id":{"S":"a"},":t":{"S":"B"}},"ScanIndexForward":false,
    "ExclusiveStartKey":{"Id":{"S":"a"},"Playhead":{"N":"3"}}})json"));
}

TEST_F(client_request, query_pages_follow_last_evaluated_key_through_empty_pages) {
  // Pages as Local sends them (§d1, §d2): a full page with a key, an empty filtered page with a
  // key, then a last page without one.
  transport_->responses.push_back(recording_transport::ok(
      R"json({"Items":[{"P":{"N":"1"}},{"P":{"N":"2"}}],"Count":2,"ScannedCount":2,"LastEvaluatedKey":{"P":{"N":"2"}}})json"));
  transport_->responses.push_back(recording_transport::ok(
      R"json({"Items":[],"Count":0,"ScannedCount":2,"LastEvaluatedKey":{"P":{"N":"4"}}})json"));
  transport_->responses.push_back(
      recording_transport::ok(R"json({"Items":[{"P":{"N":"5"}}],"Count":1,"ScannedCount":1})json"));
  const client c = make_client();
  query_request request;
  request.table_name = "T";
  request.key_condition_expression = "Id = :id";
  request.expression_attribute_values = {{":id", attribute_value::string("a")}};
  request.limit = 2;
  std::vector<std::int64_t> counts;
  const std::size_t pages = c.for_each_query_page(request, [&](query_response& page) {
    counts.push_back(page.count);
    return true;
  });
  EXPECT_EQ(pages, 3U);
  EXPECT_EQ(counts, (std::vector<std::int64_t>{2, 0, 1}));
  ASSERT_EQ(transport_->requests.size(), 3U);
  EXPECT_FALSE(body(0).contains("ExclusiveStartKey"));
  EXPECT_EQ(body(1)["ExclusiveStartKey"], json::parse(R"json({"P":{"N":"2"}})json"));
  EXPECT_EQ(body(2)["ExclusiveStartKey"], json::parse(R"json({"P":{"N":"4"}})json"));
  EXPECT_EQ(body(2)["Limit"], 2);
}

TEST_F(client_request, query_all_collects_items_in_order) {
  transport_->responses.push_back(recording_transport::ok(
      R"json({"Items":[{"P":{"N":"1"}}],"Count":1,"ScannedCount":1,"LastEvaluatedKey":{"P":{"N":"1"}}})json"));
  transport_->responses.push_back(recording_transport::ok(
      R"json({"Items":[{"P":{"N":"2"}},{"P":{"N":"3"}}],"Count":2,"ScannedCount":2})json"));
  const auto items = make_client().query_all({.table_name = "T"});
  ASSERT_EQ(items.size(), 3U);
  for (std::size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].at("P").as_int64(), static_cast<std::int64_t>(i + 1));
  }
}

TEST_F(client_request, query_paging_stops_when_the_callback_says_so) {
  transport_->responses.push_back(recording_transport::ok(
      R"json({"Items":[],"Count":0,"ScannedCount":1,"LastEvaluatedKey":{"P":{"N":"1"}}})json"));
  const std::size_t pages =
      make_client().for_each_query_page({.table_name = "T"}, [](query_response&) { return false; });
  EXPECT_EQ(pages, 1U);
  EXPECT_EQ(transport_->requests.size(), 1U);
}

TEST_F(client_request, transact_write_items_body) {
  // dynamodb-local.md §a1 plus a token, ALL_OLD, a Delete and a ConditionCheck.
  const client c = make_client();
  transact_write_items_request request;
  request.transact_items.emplace_back(
      transact_update{.table_name = "Events",
                      .key = {{"Id", attribute_value::string("_counter")},
                              {"Playhead", attribute_value::number(0)}},
                      .update_expression = "SET #v = :new",
                      .condition_expression = "attribute_not_exists(Id)",
                      .expression_attribute_names = {{"#v", "Value"}},
                      .expression_attribute_values = {{":new", attribute_value::number(2)}},
                      .return_values_on_condition_check_failure =
                          return_value_on_condition_check_failure::all_old});
  request.transact_items.emplace_back(
      transact_put{.table_name = "Events",
                   .item = {{"Id", attribute_value::string("stream-A")},
                            {"Playhead", attribute_value::number(1)},
                            {"Payload", attribute_value::string(R"json({"a":1})json")}},
                   .condition_expression = "attribute_not_exists(Id)"});
  request.transact_items.emplace_back(
      transact_delete{.table_name = "Events", .key = {{"Id", attribute_value::string("x")}}});
  request.transact_items.emplace_back(
      transact_condition_check{.table_name = "Events",
                               .key = {{"Id", attribute_value::string("y")}},
                               .condition_expression = "attribute_exists(Id)"});
  request.client_request_token = "tok-0001";
  static_cast<void>(c.transact_write_items(request));
  EXPECT_EQ(header(transport_->requests[0], "X-Amz-Target"),
            "DynamoDB_20120810.TransactWriteItems");
  EXPECT_EQ(body(), json::parse(R"json({"TransactItems":[
 {"Update":{"TableName":"Events","Key":{"Id":{"S":"_counter"},"Playhead":{"N":"0"}},
   "UpdateExpression":"SET #v = :new","ConditionExpression":"attribute_not_exists(Id)",
   "ExpressionAttributeNames":{"#v":"Value"},"ExpressionAttributeValues":{":new":{"N":"2"}},
   "ReturnValuesOnConditionCheckFailure":"ALL_OLD"
}
},
 {"Put":{"TableName":"Events","Item":{"Id":{"S":"stream-A"},"Playhead":{"N":"1"},"Payload":{"S":"{\"a\":1}"}},
   "ConditionExpression":"attribute_not_exists(Id)"}},
 {"Delete":{"TableName":"Events","Key":{"Id":{"S":"x"}}}},
 {"ConditionCheck":{"TableName":"Events","Key":{"Id":{"S":"y"}},"ConditionExpression":"attribute_exists(Id)"}}
],"ClientRequestToken":"tok-0001"
})json"));
}

TEST_F(client_request, error_responses_throw_mapped_errors) {
  http_result rejected;
  rejected.status = transport_status::ok;
  rejected.http_status = 400;
  rejected.headers = {{"x-amzn-requestid", "rid"}};
  rejected.body =
      R"json({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","Message":"Cannot do operations on a non-existent table"})json";
  transport_->responses.push_back(rejected);
  try {
    static_cast<void>(make_client().describe_table("nope"));
    FAIL() << "no exception";
  } catch (const resource_not_found& e) {
    EXPECT_EQ(e.operation(), "DescribeTable");
    EXPECT_EQ(e.request_id(), "rid");
  }
}

TEST_F(client_request, transport_failures_throw_transport_errors) {
  // A double: Local cannot cut a connection after the request was sent.
  http_result cut;
  cut.status = transport_status::receive_failed;
  cut.error_message = "Connection reset by peer";
  transport_->responses.push_back(cut);
  try {
    static_cast<void>(make_client().transact_write_items({}));
    FAIL() << "no exception";
  } catch (const transport_error& e) {
    EXPECT_EQ(e.status(), transport_status::receive_failed);
    EXPECT_TRUE(e.ambiguous());
    EXPECT_EQ(e.operation(), "TransactWriteItems");
  }
}

TEST_F(client_request, corrupted_bodies_are_rejected_by_checksum) {
  // A double: Local never corrupts a body. A Query is a read, so the client retries it (three
  // attempts by default) before it gives up.
  auto corrupted = recording_transport::ok(R"json({"Items":[],"Count":0,"ScannedCount":0})json");
  corrupted.headers.push_back({"x-amz-crc32", "12345"});
  for (int i = 0; i < 3; ++i) transport_->responses.push_back(corrupted);
  try {
    static_cast<void>(make_client().query({.table_name = "T"}));
    FAIL() << "no exception";
  } catch (const transport_error& e) {
    EXPECT_EQ(e.status(), transport_status::checksum_mismatch);
    EXPECT_EQ(e.attempts(), 3);
  }
  EXPECT_EQ(transport_->requests.size(), 3U);
}

TEST_F(client_request, undecodable_success_body_is_a_serialization_error) {
  transport_->responses.push_back(recording_transport::ok("not json"));
  EXPECT_THROW(static_cast<void>(make_client().query({.table_name = "T"})), serialization_error);
}

// Doubles: Local never repeats a request's credentials in its answers; a proxy or front end that
// echoes the request (tests/integration/security does it over the wire) can.
class credential_masking : public client_request {
 protected:
  // Shaped like real ones: '/' and '+' in both, the token long.
  const std::string secret_ = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzSECRETKEY";
  const std::string token_ = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHSESSIONTOKEN+Zz==";

  client make_secret_client() {
    client_options options;
    options.endpoint_url = "http://127.0.0.1:8000";
    options.region = "eu-west-1";
    options.credentials = credentials{"AKIDTEST", secret_, token_};
    options.retry.max_attempts = 1;  // one canned response per call
    options.transport = transport_;
    return client(std::move(options));
  }

  static http_result answer(int status, std::string body) {
    auto result = recording_transport::ok(std::move(body));
    result.http_status = status;
    return result;
  }

  // What the client throws for `response` to a DescribeTable, checked for every credential.
  template <typename Expected>
  Expected thrown_for(const http_result& response) {
    transport_->responses.push_back(response);
    try {
      static_cast<void>(make_secret_client().describe_table("T"));
    } catch (const Expected& e) {
      for (const auto& piece : {secret_, token_, std::string("SECRETKEY"),
                                std::string("SESSIONTOKEN"), std::string("wJalrXUtnFEMI")}) {
        EXPECT_EQ(std::string(e.what()).find(piece), std::string::npos) << e.what();
        EXPECT_EQ(e.aws_message().find(piece), std::string::npos) << e.aws_message();
      }
      return e;
    }
    ADD_FAILURE() << "no exception of the expected type";
    throw std::logic_error("unreachable");
  }
};

TEST_F(credential_masking, a_token_in_an_error_page_is_masked_before_it_is_quoted) {
  const auto e =
      thrown_for<http_error>(answer(403, "The security token " + token_ + " is invalid"));
  EXPECT_EQ(e.http_status(), 403);
  EXPECT_EQ(e.aws_message(), "The security token *** is invalid");
}

TEST_F(credential_masking, credentials_in_an_error_document_are_masked_escaped_or_not) {
  // "\/" is how PHP's and several Java JSON encoders write '/'; decoded, it is the plain token.
  std::string escaped_token;
  for (const char c : token_) {
    if (c == '/') escaped_token += '\\';
    escaped_token += c;
  }
  const auto e = thrown_for<dynamodb_error>(
      answer(400, R"({"__type":"x#UnrecognizedClientException","message":"token )" + escaped_token +
                      " secret " + secret_ + R"("})"));
  EXPECT_EQ(e.error_name(), "UnrecognizedClientException");
  EXPECT_EQ(e.aws_message(), "token *** secret ***");
}

TEST_F(credential_masking, a_checksummed_error_keeps_its_type_after_masking) {
  // The masked body no longer matches the x-amz-crc32 header of the original, which was checked.
  const std::string body =
      R"({"__type":"x#ValidationException","message":"bad )" + token_ + R"("})";
  auto response = answer(400, body);
  response.headers.push_back({"x-amz-crc32", std::to_string(detail::crc32(body))});
  const auto e = thrown_for<dynamodb_validation_error>(response);
  EXPECT_EQ(e.aws_message(), "bad ***");
}

TEST_F(credential_masking, a_token_in_a_transport_message_or_request_id_is_masked) {
  http_result cut;
  cut.status = transport_status::connect_failed;
  cut.error_message = "proxy said " + token_;
  const auto e = thrown_for<transport_error>(cut);
  EXPECT_EQ(e.status(), transport_status::connect_failed);
  EXPECT_NE(std::string(e.what()).find("proxy said ***"), std::string::npos) << e.what();

  auto rejected = answer(400, R"({"__type":"x#ValidationException","message":"m"})");
  rejected.headers = {{"x-amzn-requestid", "id-" + secret_}};
  EXPECT_EQ(thrown_for<dynamodb_validation_error>(rejected).request_id(), "id-***");
}

TEST_F(credential_masking, successful_bodies_are_data_and_are_not_masked) {
  const std::string body = R"({"Item":{"Id":{"S":")" + token_ + R"("}}})";
  transport_->responses.push_back(recording_transport::ok(body));
  EXPECT_EQ(make_secret_client().call("GetItem", "{}"), body);
}

TEST_F(client_request, placeholder_secrets_too_short_for_aws_are_not_masked) {
  // make_client's secret is "secret": masking it would mangle messages and protect nothing.
  auto response = recording_transport::ok("a secret handshake failed");
  response.http_status = 403;
  transport_->responses.push_back(response);
  try {
    static_cast<void>(make_client().describe_table("T"));
    FAIL() << "no exception";
  } catch (const http_error& e) {
    EXPECT_EQ(e.aws_message(), "a secret handshake failed");
  }
}

TEST_F(client_request, strings_that_are_not_utf8_are_rejected_before_sending) {
  put_item_request request;
  request.table_name = "T";
  request.item = {{"Id", attribute_value::string("\xc3\x28")}};
  EXPECT_THROW(static_cast<void>(make_client().put_item(request)), validation_error);
  EXPECT_TRUE(transport_->requests.empty());
}

TEST_F(client_request, moved_from_client_throws) {
  client original = make_client();
  const client moved = std::move(original);
  static_cast<void>(moved.call("ListTables", "{}"));
  EXPECT_THROW(
      static_cast<void>(original.call("ListTables", "{}")),  // NOLINT(bugprone-use-after-move)
      error);
}

// Sets environment variables for one test and restores them afterwards.
class scoped_environment {
 public:
  scoped_environment(std::initializer_list<std::pair<const char*, const char*>> values) {
    for (const auto& [name, value] : values) {
      const char* old = std::getenv(name);
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      if (value == nullptr) {
        ::unsetenv(name);
      } else {
        ::setenv(name, value, 1);
      }
    }
  }
  ~scoped_environment() {
    for (const auto& [name, value] : saved_) {
      if (value) {
        ::setenv(name.c_str(), value->c_str(), 1);
      } else {
        ::unsetenv(name.c_str());
      }
    }
  }
  scoped_environment(const scoped_environment&) = delete;
  scoped_environment& operator=(const scoped_environment&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

const std::initializer_list<std::pair<const char*, const char*>> empty_aws_environment = {
    {"AWS_REGION", nullptr},
    {"AWS_DEFAULT_REGION", nullptr},
    {"AWS_ACCESS_KEY_ID", nullptr},
    {"AWS_SECRET_ACCESS_KEY", nullptr},
    {"AWS_SESSION_TOKEN", nullptr},
    {"AWS_PROFILE", nullptr},
    {"AWS_ENDPOINT_URL", nullptr},
    {"AWS_ENDPOINT_URL_DYNAMODB", nullptr},
    {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/dynamo-es-test-credentials"}};

TEST_F(client_request, loopback_endpoint_needs_no_region_or_credentials) {
  const scoped_environment env(empty_aws_environment);
  client_options options;
  options.endpoint_url = "http://localhost:8000";
  options.transport = transport_;
  const client c(std::move(options));
  EXPECT_EQ(c.region(), "us-east-1");
  EXPECT_EQ(c.endpoint().host_header, "localhost:8000");
  static_cast<void>(c.call("ListTables", "{}"));
  EXPECT_NE(header(transport_->requests.at(0), "Authorization").find("Credential=dynamoeslocal/"),
            std::string::npos);
}

TEST_F(client_request, remote_endpoint_without_region_is_a_configuration_error) {
  const scoped_environment env(empty_aws_environment);
  client_options options;
  options.endpoint_url = "https://dynamodb.example.com";
  options.credentials = credentials{"A", "B", ""};
  options.transport = transport_;
  EXPECT_THROW(client{std::move(options)}, configuration_error);
}

TEST_F(client_request, remote_endpoint_without_credentials_is_a_configuration_error) {
  const scoped_environment env(empty_aws_environment);
  client_options options;
  options.region = "eu-west-1";
  options.transport = transport_;
  EXPECT_THROW(client{std::move(options)}, configuration_error);
}

TEST_F(client_request, default_endpoint_follows_the_region) {
  const scoped_environment env(empty_aws_environment);
  client_options options;
  options.region = "eu-central-1";
  options.credentials = credentials{"A", "B", ""};
  options.transport = transport_;
  const client c(std::move(options));
  static_cast<void>(c.call("ListTables", "{}"));
  EXPECT_EQ(transport_->requests.at(0).url, "https://dynamodb.eu-central-1.amazonaws.com/");
  EXPECT_EQ(header(transport_->requests.at(0), "Host"), "dynamodb.eu-central-1.amazonaws.com");
}

}  // namespace
}  // namespace dynamo_es::dynamodb
