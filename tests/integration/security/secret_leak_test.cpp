// Issue 4 item 8(a): no secret access key and no session token in any exception message or any
// line the library writes (stderr, loggers). A client with a distinctive secret and token is
// driven into every error path we can provoke: DynamoDB errors from Local, store errors, bad rows
// and gaps reported on stderr, transport failures (from a scripted loopback server where Local
// cannot produce them), credential-resolution and configuration errors. Every message, AWS
// message and stderr byte is then searched for the secret, the token and telltale pieces of them.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb/errors.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"
#include "dynamo_es/event_store_errors.hpp"
#include "integration/security/loopback_server.hpp"
#include "integration/security/stderr_capture.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es::security_testing {
namespace {

using dynamodb::attribute_value;
using namespace std::chrono_literals;

// Shaped like real ones: AWS secrets hold '/' and '+', session tokens are long base64.
const std::string secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzSECRETKEY";
const std::string token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHSESSIONTOKEN+Zz==";

// Pieces that would give the secret or the token away even when cut around them. (Every STS token
// starts with the same public bytes, "IQoJb3JpZ2luX2Vj", so that prefix proves nothing.)
const std::vector<std::string> telltales = {secret, token, "SECRETKEY", "SESSIONTOKEN",
                                            "wJalrXUtnFEMI"};

class secret_leak : public ::testing::Test {
 protected:
  void TearDown() override {
    seen_.push_back({"stderr", capture_.text()});
    for (const auto& [where, text] : seen_) {
      for (const auto& piece : telltales) {
        EXPECT_EQ(text.find(piece), std::string::npos)
            << where << " contains a piece of a credential (\"" << piece << "\"):\n"
            << text;
      }
    }
    EXPECT_GE(errors_, minimum_errors_) << "the test provoked fewer errors than it meant to";
  }

  /// A client whose credentials carry the secret and the token.
  static dynamodb::client_options secret_options(dynamodb::client_options base) {
    base.credentials->secret_access_key = secret;
    base.credentials->session_token = token;
    base.retry.max_attempts = 2;
    base.retry.base_backoff = 1ms;
    return base;
  }
  static dynamodb::client_options local_options() {
    return secret_options(testing::dynamodb_local::shared().options("security-secrets"));
  }
  static dynamodb::client_options options_for(const std::string& endpoint_url) {
    auto options = local_options();
    options.endpoint_url = endpoint_url;
    options.connect_timeout = 500ms;
    options.request_timeout = 500ms;
    return options;
  }

  /// Runs `action`, which must throw; records what the exception says.
  void expect_error(const std::string& label, const std::function<void()>& action) {
    try {
      action();
      ADD_FAILURE() << label << ": expected an exception";
    } catch (const dynamodb::dynamodb_error& e) {
      record(label, e.what());
      record(label + " (aws_message)", e.aws_message());
    } catch (const corrupt_event_row& e) {
      record(label, e.what());
      record(label + " (report)", e.report().problem);
    } catch (const std::exception& e) {
      record(label, e.what());
    }
  }

  void record(const std::string& label, std::string text) {
    ++errors_;
    seen_.emplace_back(label, std::move(text));
  }

  stderr_capture capture_;
  std::vector<std::pair<std::string, std::string>> seen_;
  int errors_ = 0;
  int minimum_errors_ = 1;
};

TEST_F(secret_leak, dynamodb_errors_from_local) {
  const dynamodb::client client(local_options());
  const auto table = testing::unique_table_name("secrets");
  expect_error("DescribeTable of a missing table",
               [&] { static_cast<void>(client.describe_table(table)); });
  const testing::temporary_table created(client, testing::event_table_request(table));
  expect_error("CreateTable of an existing table",
               [&] { client.create_table(testing::event_table_request(table)); });

  dynamodb::put_item_request put;
  put.table_name = table;
  put.item = {{"Id", attribute_value::string("a")}, {"Playhead", attribute_value::number(0)}};
  client.put_item(put);
  put.condition_expression = "attribute_not_exists(Id)";
  expect_error("PutItem with a failing condition", [&] { client.put_item(put); });

  dynamodb::query_request query;
  query.table_name = table;
  query.key_condition_expression = "Id = :missing";
  expect_error("Query with an undefined placeholder",
               [&] { static_cast<void>(client.query(query)); });
  query.key_condition_expression = "Id = :id";
  query.expression_attribute_values = {{":id", attribute_value::number(1)}};
  expect_error("Query with a mistyped key", [&] { static_cast<void>(client.query(query)); });

  dynamodb::transact_write_items_request transaction;
  dynamodb::transact_put action;
  action.table_name = table;
  action.item = put.item;
  action.condition_expression = "attribute_not_exists(Id)";
  transaction.transact_items.emplace_back(action);
  expect_error("TransactWriteItems cancelled", [&] { client.transact_write_items(transaction); });
  transaction.client_request_token = "token-used-twice";
  action.item["Playhead"] = attribute_value::number(1);
  transaction.transact_items = {action};
  client.transact_write_items(transaction);
  action.item["Playhead"] = attribute_value::number(2);
  transaction.transact_items = {action};
  expect_error("TransactWriteItems with a reused token",
               [&] { client.transact_write_items(transaction); });
  expect_error("a raw call of an unknown operation",
               [&] { static_cast<void>(client.call("NoSuchOperation", "{}")); });
  expect_error("a raw call with a body that is not JSON",
               [&] { static_cast<void>(client.call("ListTables", "{not json")); });
  minimum_errors_ = 9;
}

TEST_F(secret_leak, store_errors_and_store_log_lines) {
  auto client = std::make_shared<const dynamodb::client>(local_options());
  dynamodb_event_store_options options;
  options.table_name = testing::unique_table_name("secrets-store");
  options.gap_timeout = 0ms;  // the burned position below is passed at once, with a log line
  options.bad_rows = bad_row_policy::skip;  // the bad row below is reported on stderr
  dynamodb_event_store store(client, options);
  expect_error("load from a missing table", [&] { static_cast<void>(store.load("a")); });
  expect_error("verify a missing table", [&] { store.verify_table_schema(); });
  store.create_table();

  const auto event = [](const std::string& id, std::int64_t playhead, std::string json = "[]") {
    return domain_message(id, playhead, metadata{}, serialized_payload{"App\\E", std::move(json)},
                          date_time::from_string("2026-05-01T00:00:00.000000+00:00"));
  };
  store.append("a", domain_event_stream{event("a", 0)});
  expect_error("duplicate playhead",
               [&] { store.append("a", domain_event_stream{event("a", 0)}); });
  expect_error("unknown stream", [&] { static_cast<void>(store.load("nobody")); });
  expect_error("invalid append",
               [&] { store.append("b", domain_event_stream{event("b", 0, "not json")}); });
  expect_error("reserved id", [&] { store.append("_counter", domain_event_stream{}); });
  expect_error("invalid table name", [&] {
    auto bad = options;
    bad.table_name = "no:such#table";
    dynamodb_event_store other(client, bad);
  });

  // A burned position (the PHP package's reservation without a commit) and a broken row: both
  // are passed over with one stderr line each.
  dynamodb::update_item_request reserve;
  reserve.table_name = options.table_name;
  reserve.key = detail::event_key("_counter", 0);
  reserve.update_expression = "ADD #v :inc";
  reserve.expression_attribute_names = {{"#v", "Value"}};
  reserve.expression_attribute_values = {{":inc", attribute_value::number(2)}};
  client->update_item(reserve);
  auto broken = detail::encode_event(event("broken", 0), 3);
  broken.erase("RecordedOn");
  dynamodb::put_item_request put;
  put.table_name = options.table_name;
  put.item = broken;
  client->put_item(put);
  store.append("c", domain_event_stream{event("c", 0)});
  std::vector<std::string> ids;
  store.visit_events(criteria::create(), [&](const domain_message& m) { ids.push_back(m.id()); });
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(store.statistics().skipped_gaps, 1u);
  EXPECT_EQ(store.statistics().bad_rows_skipped, 1u);
  expect_error("load of a broken row", [&] { static_cast<void>(store.load("broken")); });
  const auto err = capture_.text();
  EXPECT_THAT(err, ::testing::HasSubstr("missing global position"));
  EXPECT_THAT(err, ::testing::HasSubstr("holds no valid event"));
  store.delete_table();
  minimum_errors_ = 8;
}

TEST_F(secret_leak, transport_failures) {
  // Local always answers well-formed HTTP: these endpoints misbehave on purpose.
  expect_error("connection refused", [&] {
    const dynamodb::client client(options_for("http://127.0.0.1:" + std::to_string(closed_port())));
    static_cast<void>(client.call("ListTables", "{}"));
  });
  const std::map<std::string, std::function<reply(const std::string&)>> servers = {
      {"no answer (timeout)",
       [](const std::string&) {
         return reply{reply::action::hang, {}};
       }},
      {"closed without answer",
       [](const std::string&) {
         return reply{reply::action::close, {}};
       }},
      // A front end that echoes the request (headers included) in its error page: the client
      // quotes at most 200 bytes of a body that is not a DynamoDB error, which ends before the
      // secret part of the token.
      {"request reflected in a 400", [](const std::string& r) { return reply::http(400, r); }},
      {"request reflected in a 502", [](const std::string& r) { return reply::http(502, r); }},
      {"request reflected in an error document",
       [](const std::string& r) {
         return reply::http(
             400,
             R"({"__type":"com.amazon.coral.service#UnrecognizedClientException","message":")" +
                 std::to_string(r.size()) + R"( bytes"})");
       }},
      {"bad checksum",
       [](const std::string&) {
         return reply::http(200, R"({"TableNames":[]})", "x-amz-crc32: 1\r\n");
       }},
      {"throttling",
       [](const std::string&) {
         return reply::http(400, R"({"__type":"x#ThrottlingException","message":"slow down"})");
       }},
      {"not JSON", [](const std::string&) { return reply::http(200, "<html>hello</html>"); }},
  };
  for (const auto& [name, behaviour] : servers) {
    loopback_server server(behaviour);
    expect_error(name, [&] {
      const dynamodb::client client(options_for(server.url(false)));
      static_cast<void>(client.describe_table("events"));  // decodes the answer
    });
    EXPECT_GE(server.requests(), 1) << name;
  }
  // TLS: a plain HTTP server behind an https URL fails the handshake.
  loopback_server plain([](const std::string&) { return reply::http(200, "{}"); });
  expect_error("TLS handshake with a plain server", [&] {
    const dynamodb::client client(options_for(plain.url(true)));
    static_cast<void>(client.call("ListTables", "{}"));
  });
  minimum_errors_ = 10;
}

// An endpoint (a proxy, a misconfigured front end) that repeats the session token in its error
// body: the client masks it before it quotes the body, in a plain error page and in an error
// document alike.
TEST_F(secret_leak, a_token_repeated_by_the_server_is_not_quoted) {
  const auto token_of = [](const std::string& request) {
    const std::string header = "X-Amz-Security-Token: ";
    const auto start = request.find(header);
    if (start == std::string::npos) return std::string("<none>");
    const auto end = request.find("\r\n", start);
    return request.substr(start + header.size(), end - start - header.size());
  };
  for (const bool typed : {false, true}) {
    loopback_server server([&](const std::string& request) {
      const auto message = "The security token " + token_of(request) + " is invalid";
      return typed ? reply::http(400, R"({"__type":"x#UnrecognizedClientException","message":")" +
                                          message + "\"}")
                   : reply::http(403, message);
    });
    expect_error(typed ? "token in an error document" : "token in an error page", [&] {
      const dynamodb::client client(options_for(server.url(false)));
      static_cast<void>(client.describe_table("events"));
    });
  }
  minimum_errors_ = 4;
}

TEST_F(secret_leak, credential_resolution_errors) {
  using env_map = std::map<std::string, std::string>;
  const auto lookup = [](env_map variables) {
    return
        [variables = std::move(variables)](const std::string& name) -> std::optional<std::string> {
          const auto it = variables.find(name);
          if (it == variables.end()) return std::nullopt;
          return it->second;
        };
  };
  const auto folder = std::filesystem::temp_directory_path() /
                      ("dynamo-es-secrets-" + testing::unique_table_name("f"));
  std::filesystem::create_directories(folder);
  const auto write = [&](const std::string& name, const std::string& text) {
    const auto path = folder / name;
    std::ofstream(path) << text;
    return path.string();
  };

  expect_error("explicit credentials without a key id", [&] {
    static_cast<void>(dynamodb::resolve_credentials(dynamodb::credentials{"", secret, token}));
  });
  expect_error("only the secret in the environment", [&] {
    static_cast<void>(dynamodb::resolve_credentials(
        std::nullopt, {},
        lookup({{"AWS_SECRET_ACCESS_KEY", secret}, {"AWS_SESSION_TOKEN", token}})));
  });
  const std::vector<std::pair<std::string, std::string>> files = {
      {"a line without '='", "[default]\naws_access_key_id = AKID\naws_secret_access_key " +
                                 secret + "\naws_session_token = " + token + "\n"},
      {"a broken section header", "[" + secret + "\naws_session_token = " + token + "\n"},
      {"a setting before any section", "aws_secret_access_key = " + secret + "\n"},
      {"a profile without a key id",
       "[default]\naws_secret_access_key = " + secret + "\naws_session_token = " + token + "\n"},
      {"a profile without a secret",
       "[default]\naws_access_key_id = AKID\naws_session_token = " + token + "\n"},
  };
  int n = 0;
  for (const auto& [name, text] : files) {
    const auto path = write("credentials-" + std::to_string(n++), text);
    expect_error("credentials file with " + name, [&] {
      static_cast<void>(dynamodb::resolve_credentials(
          std::nullopt, {},
          lookup({{"AWS_SHARED_CREDENTIALS_FILE", path}, {"HOME", "/nonexistent"}})));
    });
  }
  expect_error("a missing profile", [&] {
    const auto path = write("credentials-profile",
                            "[default]\naws_access_key_id = AKID\n"
                            "aws_secret_access_key = " +
                                secret + "\n");
    static_cast<void>(dynamodb::resolve_credentials(
        std::nullopt, "other", lookup({{"AWS_SHARED_CREDENTIALS_FILE", path}})));
  });
  std::filesystem::remove_all(folder);
  minimum_errors_ = 8;
}

TEST_F(secret_leak, configuration_errors) {
  // Credentials pasted into an endpoint URL (user info, a presigned query) are refused, and the
  // refusal must not repeat them.
  const std::vector<std::string> urls = {
      "http://AKIDEXAMPLE:" + secret + "@127.0.0.1:8000",
      "https://AKIDEXAMPLE:" + secret + "@dynamodb.us-east-1.amazonaws.com/",
      "http://127.0.0.1:8000/?X-Amz-Security-Token=" + token,
      "http://127.0.0.1:8000/#" + token,
      "AKIDEXAMPLE:" + secret + "@127.0.0.1:8000",
      "ftp://AKIDEXAMPLE:" + secret + "@127.0.0.1",
  };
  for (const auto& url : urls) {
    expect_error("endpoint " + std::to_string(errors_),
                 [&] { const dynamodb::client client(options_for(url)); });
    expect_error("AWS_ENDPOINT_URL " + std::to_string(errors_), [&] {
      static_cast<void>(dynamodb::resolve_endpoint(
          {}, "us-east-1", [&](const std::string& name) -> std::optional<std::string> {
            if (name == "AWS_ENDPOINT_URL") return url;
            return std::nullopt;
          }));
    });
  }
  expect_error("bad region", [&] {
    auto options = options_for("");
    options.endpoint_url = "https://dynamodb.example.invalid";
    options.region = "us east 1";
    const dynamodb::client client(options);
  });
  minimum_errors_ = 13;
}

}  // namespace
}  // namespace dynamo_es::security_testing
