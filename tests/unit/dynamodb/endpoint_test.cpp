// Endpoint resolution and URL parsing.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "dynamo_es/dynamodb/credentials.hpp"
#include "dynamo_es/error.hpp"

namespace {

using dynamo_es::configuration_error;
using dynamo_es::dynamodb::endpoint;
using dynamo_es::dynamodb::environment_lookup;
using dynamo_es::dynamodb::resolve_endpoint;
using testing::HasSubstr;

environment_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

endpoint parse(const std::string& url) {
  return resolve_endpoint(url, "us-east-1", fake_env({}));
}

TEST(resolve_endpoint, explicit_then_service_variable_then_global_variable_then_region) {
  const auto both = fake_env({{"AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8001"},
                              {"AWS_ENDPOINT_URL", "http://localhost:8002"}});
  EXPECT_EQ(resolve_endpoint("http://localhost:8000", "us-east-1", both).port, 8000);
  EXPECT_EQ(resolve_endpoint("", "us-east-1", both).port, 8001);
  EXPECT_EQ(resolve_endpoint("", "us-east-1",
                             fake_env({{"AWS_ENDPOINT_URL_DYNAMODB", ""},
                                       {"AWS_ENDPOINT_URL", "http://localhost:8002"}}))
                .port,
            8002);
  EXPECT_EQ(resolve_endpoint("", "eu-west-1", fake_env({})).url(),
            "https://dynamodb.eu-west-1.amazonaws.com/");
}

TEST(resolve_endpoint, default_aws_endpoint_uses_tls_on_443) {
  const auto e = resolve_endpoint("", "us-east-1", fake_env({}));
  EXPECT_EQ(e.scheme, "https");
  EXPECT_EQ(e.host, "dynamodb.us-east-1.amazonaws.com");
  EXPECT_EQ(e.port, 443);
  EXPECT_EQ(e.host_header, "dynamodb.us-east-1.amazonaws.com");
  EXPECT_TRUE(e.verify_tls);
}

TEST(resolve_endpoint, china_regions_use_their_own_domain) {
  EXPECT_EQ(resolve_endpoint("", "cn-north-1", fake_env({})).host,
            "dynamodb.cn-north-1.amazonaws.com.cn");
}

TEST(resolve_endpoint, default_endpoint_needs_a_region) {
  EXPECT_THROW((void)resolve_endpoint("", "", fake_env({})), configuration_error);
}

TEST(resolve_endpoint, non_default_port_goes_into_host_header) {
  const auto e = parse("http://localhost:8000");
  EXPECT_EQ(e.scheme, "http");
  EXPECT_EQ(e.host, "localhost");
  EXPECT_EQ(e.port, 8000);
  EXPECT_EQ(e.host_header, "localhost:8000");
  EXPECT_EQ(e.url(), "http://localhost:8000/");
}

TEST(resolve_endpoint, default_port_stays_out_of_host_header) {
  for (const auto& [url, port] : {std::pair<std::string, int>{"http://127.0.0.1", 80},
                                  {"http://127.0.0.1:80/", 80},
                                  {"https://127.0.0.1:443", 443},
                                  {"HTTPS://127.0.0.1/", 443}}) {
    const auto e = parse(url);
    EXPECT_EQ(e.port, port) << url;
    EXPECT_EQ(e.host_header, "127.0.0.1") << url;
  }
  EXPECT_EQ(parse("https://127.0.0.1:80").host_header, "127.0.0.1:80");
  EXPECT_EQ(parse("http://127.0.0.1:443").host_header, "127.0.0.1:443");
}

TEST(resolve_endpoint, ipv6_keeps_its_brackets) {
  const auto e = parse("http://[::1]:8000/");
  EXPECT_EQ(e.host, "[::1]");
  EXPECT_EQ(e.port, 8000);
  EXPECT_EQ(e.host_header, "[::1]:8000");
  EXPECT_EQ(e.url(), "http://[::1]:8000/");
  EXPECT_EQ(parse("http://[::1]").host_header, "[::1]");
}

TEST(resolve_endpoint, host_and_scheme_are_lower_cased) {
  const auto e = parse("HTTP://LocalHost:8000");
  EXPECT_EQ(e.scheme, "http");
  EXPECT_EQ(e.host_header, "localhost:8000");
}

TEST(resolve_endpoint, rejects_malformed_urls) {
  for (const std::string url : {"localhost:8000",
                                "ftp://localhost",
                                "http://",
                                "http://:8000",
                                "http://localhost:",
                                "http://localhost:0",
                                "http://localhost:65536",
                                "http://localhost:80a",
                                "http://localhost:-1",
                                "http://localhost/path",
                                "http://localhost//",
                                "http://localhost/?x=1",
                                "http://localhost?x=1",
                                "http://localhost#frag",
                                "http://user:pass@localhost",
                                "http://[::1",
                                "http://[::1]x",
                                "http://[zz]:80",
                                "http://local host",
                                "http://localhost:8000:9000"}) {
    EXPECT_THROW((void)parse(url), configuration_error) << url;
  }
}

TEST(resolve_endpoint, error_names_where_the_url_came_from) {
  EXPECT_THAT(
      [] {
        try {
          (void)resolve_endpoint("", "us-east-1",
                                 fake_env({{"AWS_ENDPOINT_URL_DYNAMODB", "http://h/p"}}));
        } catch (const configuration_error& e) {
          return std::string(e.what());
        }
        return std::string("no error");
      }(),
      HasSubstr("AWS_ENDPOINT_URL_DYNAMODB 'http://h/p'"));
}

}  // namespace
