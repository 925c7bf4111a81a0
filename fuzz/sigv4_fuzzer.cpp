// Fuzz target: the SigV4 canonicaliser and signer (src/dynamodb/sigv4*.cpp).
//
// The input is a request in the layout of the AWS vectors' request.txt (so the official vectors
// are the seeds): "METHOD target HTTP/1.1", `Name:value` header lines (indented lines continue a
// folded header), a blank line, the body. It is signed with and without a session token and with
// and without path normalisation. Checked properties: signing is deterministic; the canonical
// URI and query string hold only unreserved characters, `/`, `&`, `=` and %XX escapes; and the
// canonical query string is a fixed point (canonicalising it again changes nothing).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dynamodb/sigv4.hpp"
#include "fuzz_support.hpp"

namespace {

namespace detail = dynamo_es::dynamodb::detail;
using dynamo_es::fuzz::expect_only_library_errors;
using dynamo_es::fuzz::require;

struct parsed_request {
  std::string method;
  std::string target;
  std::vector<detail::http_header> headers;
  std::string body;
};

// The same reading as tests/unit/dynamodb/sigv4_test.cpp, tolerant of any bytes.
parsed_request parse_request(std::string_view text) {
  parsed_request out;
  const std::size_t head_end = text.find("\n\n");
  const std::string_view head = text.substr(0, head_end);
  if (head_end != std::string_view::npos) out.body = std::string(text.substr(head_end + 2));

  std::size_t start = 0;
  bool first = true;
  while (start <= head.size()) {
    const std::size_t end = std::min(head.find('\n', start), head.size());
    const std::string_view line = head.substr(start, end - start);
    start = end + 1;
    if (first) {
      first = false;
      const std::size_t space = line.find(' ');
      const std::size_t version = line.rfind(" HTTP/");
      out.method = std::string(line.substr(0, space));
      if (space != std::string_view::npos) {
        const std::size_t target_end =
            (version == std::string_view::npos || version <= space) ? line.size() : version;
        out.target = std::string(line.substr(space + 1, target_end - space - 1));
      }
      continue;
    }
    if (line.empty()) continue;
    if ((line.front() == ' ' || line.front() == '\t') && !out.headers.empty()) {
      out.headers.back().value += "\n" + std::string(line);
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      out.headers.push_back({std::string(line), ""});
    } else {
      out.headers.push_back(
          {std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
    }
  }
  return out;
}

bool canonical_characters_only(std::string_view text, bool query) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) continue;
    if (c == '%') {
      auto upper_hex = [](char h) { return (h >= '0' && h <= '9') || (h >= 'A' && h <= 'F'); };
      if (i + 2 >= text.size() || !upper_hex(text[i + 1]) || !upper_hex(text[i + 2])) return false;
      i += 2;
      continue;
    }
    if (query ? (c == '&' || c == '=') : c == '/') continue;
    return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const parsed_request parsed =
      parse_request(std::string_view(reinterpret_cast<const char*>(data), size));

  const std::size_t question = parsed.target.find('?');
  const std::string_view target(parsed.target);
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);

  for (const bool normalize : {true, false}) {
    std::string uri;
    if (expect_only_library_errors("canonical_uri",
                                   [&] { uri = detail::canonical_uri(path, normalize); })) {
      require(canonical_characters_only(uri, false), "canonical URI with a raw character: " + uri);
    }
  }
  std::string canonical_query;
  if (expect_only_library_errors("canonical_query_string", [&] {
        canonical_query = detail::canonical_query_string(query);
      })) {
    require(canonical_characters_only(canonical_query, true),
            "canonical query string with a raw character: " + canonical_query);
    std::string twice;
    require(expect_only_library_errors(
                "canonical_query_string(canonical)",
                [&] { twice = detail::canonical_query_string(canonical_query); }),
            "canonicalising a canonical query string failed");
    require(twice == canonical_query,
            "canonical query string is not a fixed point: " + canonical_query + " -> " + twice);
  }

  detail::signing_request request{parsed.method, parsed.target, parsed.headers, parsed.body};
  detail::signing_params params;
  params.creds.access_key_id = "AKIDEXAMPLE";
  params.creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  params.region = "us-east-1";
  params.service = "service";
  params.time = std::chrono::sys_days{std::chrono::year{2015} / 8 / 30} + std::chrono::hours{12} +
                std::chrono::minutes{36};
  for (int variant = 0; variant < 4; ++variant) {
    params.normalize_path = (variant & 1) == 0;
    params.creds.session_token = (variant & 2) != 0 ? "session-token" : "";
    params.sign_body = variant == 3;
    detail::signature first;
    if (!expect_only_library_errors("sign", [&] { first = detail::sign(request, params); })) {
      continue;
    }
    detail::signature second;
    require(
        expect_only_library_errors("sign (again)", [&] { second = detail::sign(request, params); }),
        "signing the same request twice: the second attempt failed");
    require(first.signature_hex == second.signature_hex &&
                first.canonical_request == second.canonical_request,
            "signing the same request twice gave two signatures");
    require(first.signature_hex.size() == 64, "signature is not 64 hex digits");
  }
  return 0;
}
