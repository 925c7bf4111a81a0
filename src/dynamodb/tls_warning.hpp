#pragma once

// The loud side of turning TLS peer verification off: an https endpoint whose certificate is not
// checked can be impersonated by anyone on the network path, so stderr gets one line naming it —
// from a `client` at construction (`client_options::verify_tls = false`), or from a user-built
// curl transport on its first request to each such endpoint
// (`curl_transport_options::verify_tls = false`). (Implemented in endpoint.cpp, next to the
// endpoint rules, and curl_transport.cpp.)

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "dynamo_es/dynamodb/http_transport.hpp"

namespace dynamo_es::dynamodb::detail {

/// The warning line (with its trailing newline) for `url`; `setting` names the option that turned
/// verification off.
[[nodiscard]] std::string unverified_tls_warning_text(
    std::string_view url, std::string_view setting = "curl_transport_options::verify_tls");

/// True for an `https://` URL (any case): the only kind with a peer to verify.
[[nodiscard]] bool is_https_url(std::string_view url) noexcept;

/// Writes `unverified_tls_warning_text(url, setting)` on stderr in one write.
void write_unverified_tls_warning(std::string_view url, std::string_view setting);

/// Remembers which endpoints were warned about. One per transport; thread-safe.
class unverified_tls_warning {
 public:
  /// Writes the warning to stderr the first time it sees an https `url`; http URLs (no TLS) and
  /// URLs already warned about write nothing.
  void before_request(std::string_view url);
  /// Counts `url` as warned about (by someone else) without writing anything.
  void already_warned(std::string_view url);

 private:
  std::mutex mutex_;
  std::set<std::string, std::less<>> warned_;
};

/// `make_curl_transport(options)` for a `client` that has just warned about `url` itself at
/// construction: the transport's first request to `url` stays quiet, so the line appears once.
[[nodiscard]] std::shared_ptr<http_transport> make_curl_transport_warned_about(
    const curl_transport_options& options, std::string_view url);

}  // namespace dynamo_es::dynamodb::detail
