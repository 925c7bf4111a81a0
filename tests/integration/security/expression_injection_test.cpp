// Issue 4 item 8(c): no user value is ever concatenated into an expression. The same workload —
// table admin, appends (counter discovery, a counter race, a duplicate, an append whose answers
// are lost so the store reads its rows back), load, load_from_playhead, try_load, replay pages and
// visit_events — runs twice against DynamoDB Local through a recording transport: once with plain
// values and once with hostile aggregate ids, event class, metadata and table name (`:`, `#`,
// `"`, `)`, placeholder look-alikes). Every request body is then taken apart:
//  - every string outside Item / Key / ExpressionAttributeValues / ExclusiveStartKey (and the
//    TableName and ClientRequestToken values), every object key, and so every *Expression and
//    every ExpressionAttributeNames entry, is the same set in both runs: user input changes none
//    of them;
//  - no such string contains a hostile marker;
//  - each hostile value does reach DynamoDB, inside those containers.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"
#include "dynamo_es/event_store_errors.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es::security_testing {
namespace {

using namespace std::chrono_literals;

std::string operation_of(const dynamodb::http_request& request) {
  for (const auto& header : request.headers) {
    if (header.name == "X-Amz-Target") return header.value.substr(header.value.find('.') + 1);
  }
  return {};
}

struct recorded {
  std::string operation;
  std::string body;
};

// Forwards to Local and records every request. When armed, it forwards the next
// TransactWriteItems requests but reports their answers lost (receive_failed): the only way to
// make the store read an append back, which Local alone never provokes.
class recording_transport final : public dynamodb::http_transport {
 public:
  explicit recording_transport(std::shared_ptr<dynamodb::http_transport> inner)
      : inner_(std::move(inner)) {}

  dynamodb::http_result send(const dynamodb::http_request& request) override {
    const auto operation = operation_of(request);
    bool lose = false;
    {
      std::scoped_lock lock(mutex_);
      requests_.push_back({operation, request.body});
      if (operation == "TransactWriteItems" && lose_ > 0) {
        --lose_;
        lose = true;
      }
    }
    auto result = inner_->send(request);
    if (lose) {
      result = dynamodb::http_result{};
      result.status = dynamodb::transport_status::receive_failed;
      result.error_message = "answer lost on purpose";
    }
    return result;
  }

  void lose_transaction_answers(int count) {
    std::scoped_lock lock(mutex_);
    lose_ = count;
  }
  std::vector<recorded> requests() const {
    std::scoped_lock lock(mutex_);
    return requests_;
  }

 private:
  std::shared_ptr<dynamodb::http_transport> inner_;
  mutable std::mutex mutex_;
  std::vector<recorded> requests_;
  int lose_ = 0;
};

struct workload_values {
  std::string table_prefix;
  std::vector<std::string> ids;  // at least 3; each ends up with 3 events
  std::string event_class;
  std::string metadata_key;
  std::string metadata_value;  // a JSON string literal
};

constexpr int client_attempts = 2;

// Runs every kind of request the store sends; returns what went over the wire.
std::vector<recorded> run_workload(const workload_values& values) {
  auto options = testing::dynamodb_local::shared().options("security-expressions");
  auto transport = std::make_shared<recording_transport>(dynamodb::make_curl_transport());
  options.transport = transport;
  options.retry.max_attempts = client_attempts;
  options.retry.base_backoff = 1ms;
  const auto client = std::make_shared<const dynamodb::client>(options);

  dynamodb_event_store_options store_options;
  store_options.table_name = testing::unique_table_name(values.table_prefix);
  store_options.append_retry.initial_backoff = 0ms;
  dynamodb_event_store store(client, store_options);
  dynamodb_event_store other(client, store_options);  // a second writer

  const auto event = [&](const std::string& id, std::int64_t playhead) {
    return domain_message(id, playhead, metadata({{values.metadata_key, values.metadata_value}}),
                          serialized_payload{values.event_class, R"({"id":1})"},
                          date_time::from_string("2026-05-01T00:00:00.000000+00:00"));
  };
  const auto stream = [&](const std::string& id, std::int64_t first, std::int64_t count) {
    std::vector<domain_message> messages;
    for (std::int64_t p = first; p < first + count; ++p) messages.push_back(event(id, p));
    return domain_event_stream(std::move(messages));
  };
  const auto& ids = values.ids;

  // Table administration.
  store.create_table();
  EXPECT_FALSE(store.create_table_if_not_exists());
  store.verify_table_schema();
  // Appends: the first one discovers the counter (GetItem, then the feed's top row).
  for (const auto& id : ids) store.append(id, stream(id, 0, 2));
  // Another writer moves the counter; the first store then loses a race and retries.
  other.append(ids[0], stream(ids[0], 2, 1));
  store.append(ids[1], stream(ids[1], 2, 1));
  EXPECT_THROW(store.append(ids[0], stream(ids[0], 0, 1)), duplicate_playhead);
  // Every answer of one append lost (each request still applied by Local): the store cannot know
  // from the answers and reads its rows back.
  transport->lose_transaction_answers(1000);
  try {
    store.append(ids[2], stream(ids[2], 2, 1));
  } catch (const error& e) {
    ADD_FAILURE() << "the read-back should recognise the commit: " << e.what();
  }
  transport->lose_transaction_answers(0);
  EXPECT_EQ(store.statistics().recognised_commits, 1u);
  for (std::size_t i = 3; i < ids.size(); ++i) store.append(ids[i], stream(ids[i], 2, 1));
  // Reads.
  for (const auto& id : ids) {
    EXPECT_EQ(store.load(id).size(), 3u);
    EXPECT_EQ(store.load_from_playhead(id, 1).size(), 2u);
    EXPECT_TRUE(store.try_load(id).has_value());
  }
  EXPECT_FALSE(store.try_load(ids[0] + "-none").has_value());
  const auto filter = criteria::create().with_event_types({event(ids[0], 0).type()});
  EXPECT_EQ(store.load_replay_page_after_global_position(filter, 0, 4).events().size(), 4u);
  std::size_t visited = 0;
  store.visit_events(criteria::create(), [&](const domain_message&) { ++visited; });
  EXPECT_EQ(visited, 3 * ids.size());
  store.delete_table();
  return transport->requests();
}

struct request_parts {
  std::set<std::string> outside;      // "path=value" of strings outside the value containers
  std::set<std::string> expressions;  // "*Expression" strings
  std::vector<std::string> inside;    // string leaves inside the value containers
  std::set<std::string> operations;
};

bool is_value_container(const std::string& key) {
  return key == "Item" || key == "Key" || key == "ExpressionAttributeValues" ||
         key == "ExclusiveStartKey";
}

void take_apart(const nlohmann::json& node, const std::string& path, bool inside,
                request_parts& parts) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      // Keys are attribute names and placeholders: always compared, never user values.
      parts.outside.insert(path + "/{" + key + "}");
      const auto child = path + "/" + key;
      if (!inside && (key == "TableName" || key == "ClientRequestToken") && value.is_string()) {
        parts.inside.push_back(value.get<std::string>());  // differs per run by design
        continue;
      }
      if (!inside && key.ends_with("Expression") && value.is_string()) {
        parts.expressions.insert(key + ": " + value.get<std::string>());
      }
      take_apart(value, child, inside || is_value_container(key), parts);
    }
  } else if (node.is_array()) {
    for (const auto& element : node) take_apart(element, path + "[]", inside, parts);
  } else if (node.is_string()) {
    if (inside) {
      parts.inside.push_back(node.get<std::string>());
    } else {
      parts.outside.insert(path + "=" + node.get<std::string>());
    }
  } else if (!inside) {
    parts.outside.insert(path + "=" + node.dump());
  }
}

request_parts take_apart(const std::vector<recorded>& requests) {
  request_parts parts;
  for (const auto& request : requests) {
    parts.operations.insert(request.operation);
    take_apart(nlohmann::json::parse(request.body), request.operation, false, parts);
  }
  return parts;
}

bool any_contains(const std::vector<std::string>& texts, const std::string& piece) {
  return std::any_of(texts.begin(), texts.end(),
                     [&](const std::string& t) { return t.find(piece) != std::string::npos; });
}

TEST(expression_injection, user_values_never_reach_an_expression) {
  const workload_values plain{
      "inj", {"alpha", "beta", "gamma", "delta"}, "App\\Event", "user", R"("u1")"};
  // Markers (EVIL*) find any copy; look-alikes of our own placeholders (:id, #v, :after) would
  // hide among the expressions, so those are caught by comparing with the plain run instead.
  const workload_values hostile{"inj.EVILT-x_",
                                {R"(EVIL1") OR attribute_exists(#Id) OR (:id = ")", ":id", "#v",
                                 "EVIL2 = :feed AND GlobalPosition > :after)"},
                                R"(App\EVIL3") #Type :class ()",
                                R"x(EVIL4 #k :v )")x",
                                R"("EVIL5 ) :after #v = :feed")"};

  const auto plain_parts = take_apart(run_workload(plain));
  const auto hostile_parts = take_apart(run_workload(hostile));

  // Every request kind of the store was exercised.
  for (const char* operation :
       {"CreateTable", "DescribeTable", "DeleteTable", "GetItem", "Query", "TransactWriteItems"}) {
    EXPECT_TRUE(hostile_parts.operations.count(operation)) << operation << " was not sent";
  }
  EXPECT_EQ(hostile_parts.operations, plain_parts.operations);

  // Nothing outside the value containers depends on user input...
  EXPECT_EQ(hostile_parts.outside, plain_parts.outside);
  EXPECT_EQ(hostile_parts.expressions, plain_parts.expressions);
  // ...and no marker made it there.
  for (const auto& text : hostile_parts.outside) {
    EXPECT_EQ(text.find("EVIL"), std::string::npos) << text;
  }
  for (const auto& expression : hostile_parts.expressions) {
    EXPECT_EQ(expression.find("EVIL"), std::string::npos) << expression;
  }

  // The hostile values were really sent, as values.
  for (const auto& id : hostile.ids) {
    EXPECT_TRUE(std::count(hostile_parts.inside.begin(), hostile_parts.inside.end(), id)) << id;
  }
  for (const char* marker : {"EVILT", "EVIL3", "EVIL4", "EVIL5"}) {
    EXPECT_TRUE(any_contains(hostile_parts.inside, marker)) << marker << " was never sent";
  }

  std::cout << "[ figure ] expressions the store sends (" << hostile_parts.expressions.size()
            << "):\n";
  for (const auto& expression : hostile_parts.expressions) std::cout << "  " << expression << "\n";
}

TEST(expression_injection, a_table_name_with_expression_characters_is_refused_before_sending) {
  auto options = testing::dynamodb_local::shared().options("security-expressions");
  auto transport = std::make_shared<recording_transport>(dynamodb::make_curl_transport());
  options.transport = transport;
  const auto client = std::make_shared<const dynamodb::client>(options);
  for (const char* name : {"events:x", "events#x", "events\"x", "events)x", "a b"}) {
    dynamodb_event_store_options store_options;
    store_options.table_name = name;
    EXPECT_THROW(dynamodb_event_store(client, store_options), validation_error) << name;
  }
  EXPECT_TRUE(transport->requests().empty());
}

}  // namespace
}  // namespace dynamo_es::security_testing
