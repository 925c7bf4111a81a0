// Issue 4 item 8(b): TLS peer verification is on for https endpoints by default, and turning it
// off says so loudly. DynamoDB Local speaks plain HTTP, so the https endpoint here is a loopback
// TLS server with a self-signed certificate for 127.0.0.1 (only its issuer is untrusted) that
// answers every request with an empty ListTables result.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string>

#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb/errors.hpp"
#include "integration/security/loopback_server.hpp"
#include "integration/security/stderr_capture.hpp"

namespace dynamo_es::security_testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

reply list_tables(const std::string&) {
  return reply::http(200, R"({"TableNames":[]})", "Content-Type: application/x-amz-json-1.0\r\n");
}

dynamodb::client_options options_for(const std::string& url) {
  dynamodb::client_options options;
  options.endpoint_url = url;
  options.region = "us-east-1";
  options.credentials = dynamodb::credentials{"AKIDTLS", "secret", ""};
  options.connect_timeout = 2s;
  options.request_timeout = 5s;
  options.retry.max_attempts = 1;
  return options;
}

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

class tls_verification : public ::testing::Test {
 protected:
  tls_identity identity_;
  loopback_server server_{&list_tables, &identity_};
};

TEST_F(tls_verification, an_https_endpoint_is_verified_by_default) {
  stderr_capture err;
  const dynamodb::client client(options_for(server_.url(true)));
  EXPECT_TRUE(client.endpoint().verify_tls);
  try {
    static_cast<void>(client.call("ListTables", "{}"));
    FAIL() << "a self-signed certificate must be refused";
  } catch (const dynamodb::transport_error& e) {
    EXPECT_EQ(e.status(), dynamodb::transport_status::tls_error) << e.what();
  }
  EXPECT_GE(server_.await_failed_handshakes(1, 5s), 1);
  EXPECT_EQ(server_.requests(), 0) << "no request may reach an unverified server";
  EXPECT_EQ(err.text(), "") << "verification on is the quiet default";
}

TEST_F(tls_verification, the_curl_transport_verifies_by_default) {
  EXPECT_TRUE(dynamodb::curl_transport_options{}.verify_tls);
  auto options = options_for(server_.url(true));
  options.transport = dynamodb::make_curl_transport();
  const dynamodb::client client(options);
  EXPECT_THROW(static_cast<void>(client.call("ListTables", "{}")), dynamodb::transport_error);
  EXPECT_EQ(server_.requests(), 0);
}

TEST_F(tls_verification, turning_verification_off_works_and_warns_once_naming_the_endpoint) {
  stderr_capture err;
  dynamodb::curl_transport_options transport;
  transport.verify_tls = false;
  auto options = options_for(server_.url(true));
  options.transport = dynamodb::make_curl_transport(transport);
  const dynamodb::client client(options);
  EXPECT_EQ(client.call("ListTables", "{}"), R"({"TableNames":[]})");
  static_cast<void>(client.call("ListTables", "{}"));
  EXPECT_EQ(server_.requests(), 2);
  const auto text = err.text();
  EXPECT_EQ(lines(text), 1u) << text;
  EXPECT_THAT(text, HasSubstr("WARNING: TLS peer verification is OFF for " + server_.url(true)));
  EXPECT_THAT(text, HasSubstr("verify_tls = false"));
}

TEST_F(tls_verification, every_https_endpoint_of_an_unverified_transport_is_named) {
  stderr_capture err;
  tls_identity other_identity;
  loopback_server other(&list_tables, &other_identity);
  dynamodb::curl_transport_options transport;
  transport.verify_tls = false;
  const auto shared = dynamodb::make_curl_transport(transport);
  for (const auto* server : {&server_, &other}) {
    auto options = options_for(server->url(true));
    options.transport = shared;
    const dynamodb::client client(options);
    static_cast<void>(client.call("ListTables", "{}"));
  }
  const auto text = err.text();
  EXPECT_EQ(lines(text), 2u) << text;
  EXPECT_THAT(text, HasSubstr(server_.url(true)));
  EXPECT_THAT(text, HasSubstr(other.url(true)));
}

TEST_F(tls_verification, plain_http_has_nothing_to_verify_and_nothing_to_warn_about) {
  stderr_capture err;
  loopback_server plain(&list_tables);
  dynamodb::curl_transport_options transport;
  transport.verify_tls = false;
  auto options = options_for(plain.url(false));
  options.transport = dynamodb::make_curl_transport(transport);
  const dynamodb::client client(options);
  EXPECT_EQ(client.call("ListTables", "{}"), R"({"TableNames":[]})");
  EXPECT_EQ(err.text(), "");
}

TEST_F(tls_verification, a_client_with_verification_off_warns_once_at_construction) {
  EXPECT_TRUE(dynamodb::client_options{}.verify_tls);
  stderr_capture err;
  auto options = options_for(server_.url(true));
  options.verify_tls = false;
  const dynamodb::client client(options);
  const auto at_construction = err.text();
  EXPECT_EQ(lines(at_construction), 1u) << at_construction;
  EXPECT_THAT(at_construction,
              HasSubstr("WARNING: TLS peer verification is OFF for " + server_.url(true)));
  EXPECT_THAT(at_construction, HasSubstr("client_options::verify_tls = false"));
  EXPECT_FALSE(client.endpoint().verify_tls);

  // The option reaches the transport the client builds, which then stays quiet.
  EXPECT_EQ(client.call("ListTables", "{}"), R"({"TableNames":[]})");
  static_cast<void>(client.call("ListTables", "{}"));
  EXPECT_EQ(server_.requests(), 2);
  EXPECT_EQ(err.text(), at_construction);
}

TEST_F(tls_verification, a_client_with_verification_off_for_plain_http_warns_about_nothing) {
  stderr_capture err;
  loopback_server plain(&list_tables);
  auto options = options_for(plain.url(false));
  options.verify_tls = false;
  const dynamodb::client client(options);
  EXPECT_EQ(client.call("ListTables", "{}"), R"({"TableNames":[]})");
  EXPECT_EQ(err.text(), "");
}

TEST_F(tls_verification, a_user_built_transport_decides_and_warns_on_its_first_request) {
  stderr_capture err;
  dynamodb::curl_transport_options transport;
  transport.verify_tls = false;
  auto options = options_for(server_.url(true));
  options.verify_tls = false;  // ignored: the transport is the user's
  options.transport = dynamodb::make_curl_transport(transport);
  const dynamodb::client client(options);
  EXPECT_EQ(err.text(), "") << "the client built no transport, so it has nothing to say";
  static_cast<void>(client.call("ListTables", "{}"));
  const auto text = err.text();
  EXPECT_EQ(lines(text), 1u) << text;
  EXPECT_THAT(text, HasSubstr("curl_transport_options::verify_tls = false"));
}

TEST_F(tls_verification, client_options_verify_tls_does_not_loosen_a_verifying_user_transport) {
  stderr_capture err;
  auto options = options_for(server_.url(true));
  options.verify_tls = false;
  options.transport = dynamodb::make_curl_transport();
  const dynamodb::client client(options);
  EXPECT_THROW(static_cast<void>(client.call("ListTables", "{}")), dynamodb::transport_error);
  EXPECT_EQ(server_.requests(), 0);
  EXPECT_EQ(err.text(), "");
}

TEST_F(tls_verification, the_default_aws_endpoint_is_https_and_verified) {
  if (std::getenv("AWS_ENDPOINT_URL") != nullptr ||
      std::getenv("AWS_ENDPOINT_URL_DYNAMODB") != nullptr) {
    GTEST_SKIP() << "an endpoint URL in the environment replaces the default";
  }
  auto options = options_for("");
  options.endpoint_url.clear();
  const dynamodb::client client(options);
  EXPECT_EQ(client.endpoint().scheme, "https");
  EXPECT_TRUE(client.endpoint().verify_tls);
}

}  // namespace
}  // namespace dynamo_es::security_testing
