// SigV4 header signing: canonical headers, canonical request, string to sign, signing key and the
// Authorization header.

#include "dynamodb/sigv4.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "dynamo_es/error.hpp"
#include "dynamodb/crypto.hpp"

namespace dynamo_es::dynamodb::detail {
namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";

std::string to_lower(std::string_view in) {
  std::string out(in);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Outer whitespace trimmed, every inner run (including the line breaks of a folded value)
// collapsed to one space — also inside quotes, as the `get-header-value-trim` vector requires.
std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (const char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
    } else {
      if (pending_space) out += ' ';
      pending_space = false;
      out += c;
    }
  }
  return out;
}

// Hop-by-hop headers, and those an HTTP library or proxy may add, drop or rewrite: signing them
// would make the signature depend on what libcurl does on the wire (botocore skips the same).
bool is_unsigned_header(std::string_view lower_name) {
  static constexpr std::array<std::string_view, 12> names = {
      "connection", "expect",  "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
      "trailer",    "upgrade", "user-agent", "transfer-encoding",  "x-amzn-trace-id",     "via"};
  return std::find(names.begin(), names.end(), lower_name) != names.end();
}

void require(bool condition, const char* message) {
  if (!condition) throw configuration_error(message);
}

// HMAC chain from the secret to the key for one day, region and service. The last result is
// kept per thread: the client signs every request with the same four inputs for a whole day.
digest256 signing_key(const signing_params& params, std::string_view scope_date) {
  struct cache_entry {
    std::string secret;
    std::string date;
    std::string region;
    std::string service;
    digest256 key{};
    bool valid = false;
  };
  thread_local cache_entry cache;
  if (cache.valid && cache.secret == params.creds.secret_access_key && cache.date == scope_date &&
      cache.region == params.region && cache.service == params.service) {
    return cache.key;
  }
  const digest256 date_key = hmac_sha256("AWS4" + params.creds.secret_access_key, scope_date);
  const digest256 region_key = hmac_sha256(as_bytes(date_key), params.region);
  const digest256 service_key = hmac_sha256(as_bytes(region_key), params.service);
  const digest256 key = hmac_sha256(as_bytes(service_key), "aws4_request");
  cache.valid = false;  // stays invalid if an assignment below throws
  cache.secret = params.creds.secret_access_key;
  cache.date = std::string(scope_date);
  cache.region = params.region;
  cache.service = params.service;
  cache.key = key;
  cache.valid = true;
  return key;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  return to_hex(sha256(data));
}

signature sign(const signing_request& request, const signing_params& params) {
  require(!params.creds.access_key_id.empty(), "SigV4: the access key id is empty");
  require(!params.creds.secret_access_key.empty(), "SigV4: the secret access key is empty");
  require(!params.region.empty(), "SigV4: the region is empty");
  require(!params.service.empty(), "SigV4: the service name is empty");

  const std::string date = amz_date(params.time);
  const std::string_view scope_date = std::string_view(date).substr(0, 8);
  const std::string payload_hash = sha256_hex(request.body);
  const bool has_token = !params.creds.session_token.empty();

  signature result;
  result.headers_to_add.push_back({"X-Amz-Date", date});
  if (has_token)
    result.headers_to_add.push_back({"X-Amz-Security-Token", params.creds.session_token});
  if (params.sign_body) result.headers_to_add.push_back({"x-amz-content-sha256", payload_hash});

  // (lower-case name, canonical value) of every header that gets signed, in sending order.
  std::vector<std::pair<std::string, std::string>> signed_headers;
  signed_headers.reserve(request.headers.size() + result.headers_to_add.size());
  bool has_host = false;
  for (const auto& header : request.headers) {
    std::string name = to_lower(canonical_header_value(header.name));
    for (const auto& added : result.headers_to_add) {
      if (name == to_lower(added.name)) {
        throw error("SigV4: the request already has a " + added.name +
                    " header; the signer adds it");
      }
    }
    if (name == "authorization") throw error("SigV4: the request is already signed");
    if (is_unsigned_header(name)) continue;
    has_host = has_host || name == "host";
    signed_headers.emplace_back(std::move(name), canonical_header_value(header.value));
  }
  if (!has_host) throw error("SigV4: the request has no Host header");
  for (const auto& added : result.headers_to_add) {
    if (params.omit_session_token && added.name == "X-Amz-Security-Token") continue;
    signed_headers.emplace_back(to_lower(added.name), added.value);
  }
  // Stable: repeated names keep their order of appearance when their values are joined.
  std::stable_sort(signed_headers.begin(), signed_headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string canonical_headers;
  std::string signed_names;
  for (std::size_t i = 0; i < signed_headers.size(); ++i) {
    const auto& [name, value] = signed_headers[i];
    if (i > 0 && signed_headers[i - 1].first == name) {
      canonical_headers.back() = ',';  // replaces the previous line's '\n'
    } else {
      if (!signed_names.empty()) signed_names += ';';
      signed_names += name;
      canonical_headers += name;
      canonical_headers += ':';
    }
    canonical_headers += value;
    canonical_headers += '\n';
  }

  const std::string_view target = request.target;
  const std::size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

  result.canonical_request = request.method + '\n' + canonical_uri(path, params.normalize_path) +
                             '\n' + canonical_query_string(query) + '\n' + canonical_headers +
                             '\n' + signed_names + '\n' + payload_hash;

  const std::string scope =
      std::string(scope_date) + '/' + params.region + '/' + params.service + "/aws4_request";
  result.string_to_sign = std::string(algorithm) + '\n' + date + '\n' + scope + '\n' +
                          sha256_hex(result.canonical_request);

  result.signature_hex =
      to_hex(hmac_sha256(as_bytes(signing_key(params, scope_date)), result.string_to_sign));
  result.authorization = std::string(algorithm) + " Credential=" + params.creds.access_key_id +
                         '/' + scope + ", SignedHeaders=" + signed_names +
                         ", Signature=" + result.signature_hex;
  result.headers_to_add.push_back({"Authorization", result.authorization});
  return result;
}

}  // namespace dynamo_es::dynamodb::detail
