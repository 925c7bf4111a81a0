// SigV4 signer: every case of the AWS header-signing suite (v4/, official) and the locally
// generated DynamoDB-shaped cases (dynamodb-generated/), then the signer's own edge cases.

#include "dynamodb/sigv4.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dynamo_es/error.hpp"

namespace {

namespace fs = std::filesystem;
using dynamo_es::dynamodb::credentials;
using namespace dynamo_es::dynamodb::detail;

const fs::path vectors_dir = fs::path(DYNAMO_ES_SHARED_DIR) / "testdata" / "sigv4";

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

struct parsed_request {
  std::string method;
  std::string target;
  std::vector<http_header> headers;
  std::string body;
};

// request.txt / header-signed-request.txt: "METHOD TARGET HTTP/1.1", `Name:value` lines (value as
// written, untrimmed), indented continuation lines of a folded header, a blank line, the body.
// The target may itself contain spaces (`/example space/`), so the version is cut from the end.
parsed_request parse_request(const std::string& text) {
  parsed_request result;
  const auto header_end = text.find("\n\n");
  const std::string head = text.substr(0, header_end);
  if (header_end != std::string::npos) result.body = text.substr(header_end + 2);

  std::istringstream lines(head);
  std::string line;
  std::getline(lines, line);
  const auto first_space = line.find(' ');
  const auto version = line.rfind(" HTTP/");
  result.method = line.substr(0, first_space);
  result.target = line.substr(first_space + 1, version - first_space - 1);
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      // Folded: the line break stays in the value, as a parser of obsolete line folding sees it.
      result.headers.back().value += "\n" + line;
      continue;
    }
    const auto colon = line.find(':');
    result.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  return result;
}

std::chrono::system_clock::time_point parse_timestamp(const std::string& iso) {
  int year = 0;
  unsigned month = 0;
  unsigned day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (std::sscanf(iso.c_str(), "%d-%u-%uT%d:%d:%dZ", &year, &month, &day, &hour, &minute,
                  &second) != 6) {
    throw std::runtime_error("bad timestamp " + iso);
  }
  using namespace std::chrono;
  return sys_days{std::chrono::year{year} / month / day} + hours{hour} + minutes{minute} +
         seconds{second};
}

signing_params params_from_context(const fs::path& file) {
  const auto context = nlohmann::json::parse(read_text(file));
  signing_params params;
  params.creds.access_key_id = context.at("credentials").at("access_key_id").get<std::string>();
  params.creds.secret_access_key =
      context.at("credentials").at("secret_access_key").get<std::string>();
  params.creds.session_token = context.at("credentials").value("token", "");
  params.region = context.at("region").get<std::string>();
  params.service = context.at("service").get<std::string>();
  params.time = parse_timestamp(context.at("timestamp").get<std::string>());
  params.normalize_path = context.at("normalize").get<bool>();
  params.sign_body = context.at("sign_body").get<bool>();
  params.omit_session_token = context.value("omit_session_token", false);
  return params;
}

struct vector_case {
  std::string name;
  fs::path dir;
};

// Every case folder of both sets. A missing set yields fewer cases, which the count test reports
// (throwing here would abort test registration instead).
std::vector<vector_case> all_cases() {
  std::vector<vector_case> cases;
  for (const char* set : {"v4", "dynamodb-generated"}) {
    std::error_code ec;
    for (fs::directory_iterator it(vectors_dir / set, ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->is_directory()) cases.push_back({it->path().filename().string(), it->path()});
    }
  }
  std::sort(cases.begin(), cases.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return cases;
}

std::vector<std::pair<std::string, std::string>> sorted_pairs(
    const std::vector<http_header>& headers) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : headers) out.emplace_back(h.name, h.value);
  std::sort(out.begin(), out.end());
  return out;
}

signature sign_case(const fs::path& dir, const parsed_request& request) {
  const signing_request to_sign{request.method, request.target, request.headers, request.body};
  return sign(to_sign, params_from_context(dir / "context.json"));
}

class sigv4_vector_test : public testing::TestWithParam<vector_case> {};

TEST_P(sigv4_vector_test, matches_expected_signing_steps) {
  const fs::path& dir = GetParam().dir;
  const parsed_request request = parse_request(read_text(dir / "request.txt"));
  const signature result = sign_case(dir, request);

  EXPECT_EQ(result.canonical_request, read_text(dir / "header-canonical-request.txt"));
  EXPECT_EQ(result.string_to_sign, read_text(dir / "header-string-to-sign.txt"));
  EXPECT_EQ(result.signature_hex, read_text(dir / "header-signature.txt"));

  const parsed_request expected = parse_request(read_text(dir / "header-signed-request.txt"));
  const auto authorization =
      std::find_if(expected.headers.begin(), expected.headers.end(),
                   [](const http_header& h) { return h.name == "Authorization"; });
  ASSERT_NE(authorization, expected.headers.end());
  EXPECT_EQ(result.authorization, authorization->value);

  // The signed request is the original plus exactly the headers we add (order aside: the
  // vectors put X-Amz-Security-Token before or after X-Amz-Date).
  std::vector<http_header> ours = request.headers;
  ours.insert(ours.end(), result.headers_to_add.begin(), result.headers_to_add.end());
  EXPECT_EQ(sorted_pairs(ours), sorted_pairs(expected.headers));
  EXPECT_EQ(request.body, expected.body);
}

INSTANTIATE_TEST_SUITE_P(aws, sigv4_vector_test, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<vector_case>& case_info) {
                           std::string name = case_info.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(sigv4_vectors, every_case_folder_is_present) {
  // 38 official cases + 4 DynamoDB-shaped ones; a lost folder must not shrink the suite silently.
  EXPECT_EQ(all_cases().size(), 42U) << "looked in " << vectors_dir;
}

// ---- The signer's own behaviour, beyond what the vectors cover. ----

using std::chrono::system_clock;

signing_request dynamodb_request(std::string_view body) {
  return {"POST",
          "/",
          {{"Host", "dynamodb.us-east-1.amazonaws.com"},
           {"Content-Type", "application/x-amz-json-1.0"},
           {"X-Amz-Target", "DynamoDB_20120810.ListTables"}},
          body};
}

signing_params dynamodb_params() {
  signing_params params;
  params.creds = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  params.region = "us-east-1";
  params.time = parse_timestamp("2015-08-30T12:36:00Z");
  return params;
}

TEST(sigv4, sha256_hex_matches_fips_180_examples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(sigv4, amz_date_is_basic_iso8601_utc_truncated_to_seconds) {
  EXPECT_EQ(amz_date(system_clock::time_point{}), "19700101T000000Z");
  EXPECT_EQ(amz_date(parse_timestamp("2024-02-29T23:59:59Z") + std::chrono::milliseconds(999)),
            "20240229T235959Z");
}

TEST(sigv4, scope_date_comes_from_the_same_instant_as_x_amz_date) {
  auto params = dynamodb_params();
  params.time = parse_timestamp("2015-08-30T23:59:59Z") + std::chrono::microseconds(999'999);
  const auto result = sign(dynamodb_request("{}"), params);
  EXPECT_EQ(result.headers_to_add.front().value, "20150830T235959Z");
  EXPECT_NE(result.authorization.find("Credential=AKIDEXAMPLE/20150830/us-east-1/dynamodb/"),
            std::string::npos)
      << result.authorization;
}

TEST(sigv4, headers_to_add_come_in_documented_order) {
  auto params = dynamodb_params();
  params.creds.session_token = "token";
  params.sign_body = true;
  const auto result = sign(dynamodb_request("{}"), params);
  std::vector<std::string> names;
  for (const auto& h : result.headers_to_add) names.push_back(h.name);
  EXPECT_EQ(names, (std::vector<std::string>{"X-Amz-Date", "X-Amz-Security-Token",
                                             "x-amz-content-sha256", "Authorization"}));
  EXPECT_EQ(result.headers_to_add[2].value, sha256_hex("{}"));
  EXPECT_EQ(result.headers_to_add[3].value, result.authorization);
}

TEST(sigv4, path_is_encoded_again_so_percent_becomes_25) {
  EXPECT_EQ(canonical_uri("/a%2Fb", true), "/a%252Fb");
  EXPECT_EQ(canonical_uri("", true), "/");
  EXPECT_EQ(canonical_uri("/a b/c+d", false), "/a%20b/c%2Bd");
}

TEST(sigv4, normalisation_removes_dot_segments_and_keeps_trailing_slash) {
  EXPECT_EQ(canonical_uri("/a/b/../c/./d", true), "/a/c/d");
  EXPECT_EQ(canonical_uri("/../a", true), "/a");
  EXPECT_EQ(canonical_uri("/a//b/", true), "/a/b/");
  EXPECT_EQ(canonical_uri("/a/b/../c/./d", false), "/a/b/../c/./d");
}

TEST(sigv4, query_is_decoded_re_encoded_and_sorted) {
  EXPECT_EQ(canonical_query_string("b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(canonical_query_string("key"), "key=");
  EXPECT_EQ(canonical_query_string("a=x+y z"), "a=x%2By%20z");
  EXPECT_EQ(canonical_query_string("a=b=c/d"), "a=b%3Dc%2Fd");
  EXPECT_EQ(canonical_query_string("a=%e1%88%b4"), "a=%E1%88%B4");
  EXPECT_EQ(canonical_query_string("a=%zz&b=%4"), "a=%25zz&b=%254");
  EXPECT_EQ(canonical_query_string("a=1&&b=2&"), "a=1&b=2");
  EXPECT_EQ(canonical_query_string(""), "");
}

TEST(sigv4, hop_by_hop_and_rewritable_headers_are_sent_but_not_signed) {
  const auto params = dynamodb_params();
  auto with_extras = dynamodb_request("{}");
  with_extras.headers.push_back({"User-Agent", "dynamo-es/0.1"});
  with_extras.headers.push_back({"Connection", "keep-alive"});
  with_extras.headers.push_back({"Expect", ""});
  const auto plain = sign(dynamodb_request("{}"), params);
  const auto extras = sign(with_extras, params);
  EXPECT_EQ(extras.signature_hex, plain.signature_hex);
  EXPECT_EQ(extras.canonical_request, plain.canonical_request);
}

TEST(sigv4, body_enters_the_signature) {
  const auto params = dynamodb_params();
  EXPECT_NE(sign(dynamodb_request("{}"), params).signature_hex,
            sign(dynamodb_request("{ }"), params).signature_hex);
}

TEST(sigv4, rejects_requests_it_cannot_sign) {
  const auto params = dynamodb_params();
  auto no_host = dynamodb_request("{}");
  no_host.headers.erase(no_host.headers.begin());
  EXPECT_THROW((void)sign(no_host, params), dynamo_es::error);

  auto dated = dynamodb_request("{}");
  dated.headers.push_back({"x-amz-date", "20150830T123600Z"});
  EXPECT_THROW((void)sign(dated, params), dynamo_es::error);

  auto signed_already = dynamodb_request("{}");
  signed_already.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 ..."});
  EXPECT_THROW((void)sign(signed_already, params), dynamo_es::error);

  auto token_params = params;
  token_params.creds.session_token = "token";
  auto with_token = dynamodb_request("{}");
  with_token.headers.push_back({"X-Amz-Security-Token", "token"});
  EXPECT_THROW((void)sign(with_token, token_params), dynamo_es::error);
}

TEST(sigv4, rejects_incomplete_configuration) {
  for (const auto broken : std::initializer_list<void (*)(signing_params&)>{
           [](signing_params& p) { p.creds.access_key_id.clear(); },
           [](signing_params& p) { p.creds.secret_access_key.clear(); },
           [](signing_params& p) { p.region.clear(); },
           [](signing_params& p) { p.service.clear(); }}) {
    auto params = dynamodb_params();
    broken(params);
    EXPECT_THROW((void)sign(dynamodb_request("{}"), params), dynamo_es::configuration_error);
  }
}

// The per-thread signing-key cache must never serve a key derived from other inputs: each
// signature is compared with one computed on a fresh thread, whose cache is empty.
TEST(sigv4, signing_key_cache_follows_secret_date_region_and_service) {
  const auto fresh = [](const signing_params& params) {
    std::string out;
    std::thread([&] { out = sign(dynamodb_request("{}"), params).signature_hex; }).join();
    return out;
  };
  const auto base = dynamodb_params();
  auto other_secret = base;
  other_secret.creds.secret_access_key = "another-secret";
  auto next_day = base;
  next_day.time += std::chrono::hours(24);
  auto other_region = base;
  other_region.region = "eu-west-1";
  auto other_service = base;
  other_service.service = "service";

  std::vector<std::string> seen;
  for (const signing_params* params : std::initializer_list<const signing_params*>{
           &base, &other_secret, &next_day, &other_region, &other_service, &base}) {
    const std::string signature_hex = sign(dynamodb_request("{}"), *params).signature_hex;
    EXPECT_EQ(signature_hex, fresh(*params));
    seen.push_back(signature_hex);
  }
  EXPECT_EQ(seen.front(), seen.back());
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()) - seen.begin(), 5);
}

}  // namespace
