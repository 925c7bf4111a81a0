// The canonical forms SigV4 hashes: date, URI and query string. Header canonicalisation lives in
// sigv4.cpp beside the signing, because it also decides which headers get signed.

#include <algorithm>
#include <cstdio>
#include <utility>
#include <vector>

#include "dynamo_es/error.hpp"
#include "dynamodb/sigv4.hpp"

namespace dynamo_es::dynamodb::detail {
namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// RFC 3986 encoding as SigV4 wants it: unreserved bytes kept, everything else %XX in upper case,
// and `/` kept only when encoding a path.
void percent_encode(std::string_view in, bool keep_slash, std::string& out) {
  static constexpr char digits[] = "0123456789ABCDEF";
  for (const char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0x0f];
    }
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// A `%` not followed by two hex digits is kept as a literal `%` (and so re-encoded as `%25`).
std::string percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += in[i];
  }
  return out;
}

// Removes `.` and `..` segments and empty segments (`//`), keeping a trailing slash: the same
// result as botocore's posixpath.normpath plus its trailing-slash rule, and aws-c-auth's.
std::string normalize_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = end + 1;
  }
  std::string out;
  for (const auto segment : segments) {
    out += '/';
    out += segment;
  }
  if (out.empty() || path.ends_with('/')) out += '/';
  return out;
}

}  // namespace

std::string amz_date(std::chrono::system_clock::time_point time) {
  using namespace std::chrono;
  const auto seconds_since_epoch = floor<seconds>(time);
  const auto day = floor<days>(seconds_since_epoch);
  const year_month_day date{day};
  const hh_mm_ss clock{seconds_since_epoch - day};
  const int year = static_cast<int>(date.year());
  if (year < 0 || year > 9999) {
    throw error("SigV4: the signing time is outside years 0000-9999");
  }
  // Sized for the widest values the types allow (the compiler cannot see the 0-9999 check), so
  // -Wformat-truncation stays quiet; the result is always 16 characters.
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d%02u%02uT%02d%02d%02dZ", year,
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                static_cast<int>(clock.hours().count()), static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return buffer;
}

std::string canonical_uri(std::string_view path, bool normalize) {
  if (path.empty()) return "/";
  const std::string effective = normalize ? normalize_path(path) : std::string(path);
  std::string out;
  out.reserve(effective.size());
  percent_encode(effective, /*keep_slash=*/true, out);
  return out;
}

std::string canonical_query_string(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> parameters;
  std::size_t start = 0;
  while (start <= query.size()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string_view parameter = query.substr(start, end - start);
    start = end + 1;
    if (parameter.empty()) continue;
    const std::size_t equals = parameter.find('=');
    const std::string_view key = parameter.substr(0, equals);
    const std::string_view value =
        equals == std::string_view::npos ? std::string_view{} : parameter.substr(equals + 1);
    std::pair<std::string, std::string> encoded;
    percent_encode(percent_decode(key), /*keep_slash=*/false, encoded.first);
    percent_encode(percent_decode(value), /*keep_slash=*/false, encoded.second);
    parameters.push_back(std::move(encoded));
  }
  // Sorted by encoded key, then encoded value, byte by byte.
  std::sort(parameters.begin(), parameters.end());
  std::string out;
  for (const auto& [key, value] : parameters) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += value;
  }
  return out;
}

}  // namespace dynamo_es::dynamodb::detail
