// Endpoint URL parsing and the endpoint chain (explicit, AWS_ENDPOINT_URL_DYNAMODB,
// AWS_ENDPOINT_URL, the regional AWS endpoint).

#include <charconv>
#include <cstdio>
#include <optional>

#include "dynamo_es/dynamodb/credentials.hpp"
#include "dynamo_es/error.hpp"
#include "dynamodb/tls_warning.hpp"

namespace dynamo_es::dynamodb {
namespace {

std::string to_lower(std::string_view in) {
  std::string out(in);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_host_char(char c) {
  return is_alnum(c) || c == '-' || c == '.' || c == '_';
}

bool is_ipv6_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

// The URL as an error message may show it. User info (`https://AKID:secret@host`) and a query or
// fragment (a presigned URL's `X-Amz-Security-Token=...`) are where credentials get pasted, so
// they are replaced by `***`. Secret keys may contain '/', so everything up to the last '@'
// before any query counts as user info.
std::string redacted(std::string_view url) {
  std::string out;
  if (const auto separator = url.find("://"); separator != std::string_view::npos) {
    out = std::string(url.substr(0, separator + 3));
    url.remove_prefix(separator + 3);
  }
  const auto query = url.find_first_of("?#");
  const auto at = url.substr(0, query).rfind('@');
  if (at != std::string_view::npos) {
    out += "***@";
    url.remove_prefix(at + 1);
  }
  const auto tail = url.find_first_of("?#");
  out += std::string(url.substr(0, tail));
  if (tail != std::string_view::npos) {
    out += url[tail];
    out += "***";
  }
  return out;
}

// `http(s)://host[:port][/]`, host being a name, an IPv4 address or a bracketed IPv6 address.
// Anything else — user info, a path, a query, a fragment — is refused: the client always posts
// to `/`, and a silently dropped path would send requests somewhere the user did not intend.
endpoint parse_endpoint(const std::string& url, const std::string& origin) {
  const auto fail = [&](const std::string& why) -> endpoint {
    throw configuration_error(origin + " '" + redacted(url) + "' is not an endpoint URL of the " +
                              "form http(s)://host[:port][/]: " + why);
  };
  const auto separator = url.find("://");
  if (separator == std::string::npos) return fail("no scheme");
  endpoint result;
  result.scheme = to_lower(std::string_view(url).substr(0, separator));
  if (result.scheme != "http" && result.scheme != "https") {
    return fail("the scheme must be http or https");
  }
  std::string_view rest = std::string_view(url).substr(separator + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return fail("a query or fragment is not allowed");
  }
  const auto slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos && rest.substr(slash) != "/") {
    return fail("a path other than '/' is not allowed");
  }
  if (authority.find('@') != std::string_view::npos) return fail("user info is not allowed");

  std::string_view host;
  std::string_view after_host;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("unterminated IPv6 address");
    host = authority.substr(0, close + 1);
    after_host = authority.substr(close + 1);
    const std::string_view address = host.substr(1, host.size() - 2);
    if (address.find(':') == std::string_view::npos) return fail("invalid IPv6 address");
    for (const char c : address) {
      if (!is_ipv6_char(c)) return fail("invalid IPv6 address");
    }
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    after_host = colon == std::string_view::npos ? std::string_view{} : authority.substr(colon);
    for (const char c : host) {
      if (!is_host_char(c)) return fail("invalid character in the host");
    }
  }
  if (host.empty()) return fail("no host");

  const int default_port = result.scheme == "https" ? 443 : 80;
  result.port = default_port;
  if (!after_host.empty()) {
    if (after_host.front() != ':') return fail("unexpected text after the host");
    const std::string_view digits = after_host.substr(1);
    int port = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || port < 1 ||
        port > 65535) {
      return fail("the port must be a number from 1 to 65535");
    }
    result.port = port;
  }
  result.host = to_lower(host);
  result.host_header = result.host;
  if (result.port != default_port) result.host_header += ':' + std::to_string(result.port);
  result.verify_tls = true;
  return result;
}

std::optional<std::string> non_empty(const environment_lookup& env, const std::string& name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

}  // namespace

std::string endpoint::url() const {
  return scheme + "://" + host_header + "/";
}

endpoint resolve_endpoint(const std::string& explicit_url, const std::string& region,
                          const environment_lookup& env) {
  if (!explicit_url.empty()) return parse_endpoint(explicit_url, "the explicit endpoint");
  for (const char* name : {"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL"}) {
    if (const auto value = non_empty(env, name)) return parse_endpoint(*value, name);
  }
  if (region.empty()) {
    throw configuration_error(
        "no DynamoDB endpoint: no endpoint URL is configured and the region "
        "is empty");
  }
  // The China partition has its own domain; every other region lives under amazonaws.com.
  const std::string domain = region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
  return parse_endpoint("https://dynamodb." + region + "." + domain,
                        "the default endpoint for region '" + region + "'");
}

namespace detail {

std::string unverified_tls_warning_text(std::string_view url, std::string_view setting) {
  return "dynamo-es: WARNING: TLS peer verification is OFF for " + redacted(url) + " (" +
         std::string(setting) +
         " = false): its certificate and host name are not checked, so anyone on the network "
         "path can impersonate it and read or change every request and response\n";
}

bool is_https_url(std::string_view url) noexcept {
  constexpr std::string_view scheme = "https://";
  if (url.size() < scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i) {
    const char c = url[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != scheme[i]) return false;
  }
  return true;
}

void write_unverified_tls_warning(std::string_view url, std::string_view setting) {
  // One write of the whole line, so that concurrent output cannot split it.
  const std::string line = unverified_tls_warning_text(url, setting);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void unverified_tls_warning::before_request(std::string_view url) {
  if (!is_https_url(url)) return;
  {
    std::scoped_lock lock(mutex_);
    if (!warned_.emplace(url).second) return;
  }
  write_unverified_tls_warning(url, "curl_transport_options::verify_tls");
}

void unverified_tls_warning::already_warned(std::string_view url) {
  std::scoped_lock lock(mutex_);
  warned_.emplace(url);
}

}  // namespace detail
}  // namespace dynamo_es::dynamodb
