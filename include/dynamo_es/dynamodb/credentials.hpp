#pragma once

/// \file
/// Where the client gets its credentials, region and endpoint: the same places, in the same order,
/// as every AWS tool, so one configuration serves DynamoDB Local on a laptop and real AWS.

#include <functional>
#include <optional>
#include <string>

namespace dynamo_es::dynamodb {

/// An AWS key pair, with the session token of temporary credentials (empty when there is none).
struct credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;

  friend bool operator==(const credentials&, const credentials&) = default;
};

/// Reads one environment variable; returns nullopt when it is unset. Tests pass their own.
using environment_lookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (`std::getenv`).
[[nodiscard]] environment_lookup process_environment();

/// Resolves credentials in this order:
///  1. `explicit_credentials` when given;
///  2. `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`), skipped when
///     `profile` is non-empty (as the AWS CLI's `--profile` beats environment keys);
///  3. the shared credentials file `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`),
///     profile `profile` when non-empty, else `AWS_PROFILE`, else `default`.
/// Empty variables count as unset. Throws `configuration_error` naming every place it looked when
/// none yields a key pair, and also when explicit credentials lack a key, when only one of the two
/// key variables is set, when a profile chosen by argument or `AWS_PROFILE` is missing (naming
/// the profile and the file), when the profile lacks `aws_access_key_id` or
/// `aws_secret_access_key`, or when the file cannot be read or parsed (naming file and line).
/// The file is INI: `[name]` sections, `key = value`, whole-line `#`/`;` comments; `~` means
/// `HOME`. Thread-safe as long as `env` is.
[[nodiscard]] credentials resolve_credentials(
    const std::optional<credentials>& explicit_credentials, const std::string& profile = {},
    const environment_lookup& env = process_environment());

/// Region: `explicit_region` when non-empty, then `AWS_REGION`, then `AWS_DEFAULT_REGION` (empty
/// variables count as unset). Throws `configuration_error` when none is set, or when the value
/// holds anything but letters, digits and `-` (it becomes part of a host name).
[[nodiscard]] std::string resolve_region(const std::string& explicit_region,
                                         const environment_lookup& env = process_environment());

/// A parsed endpoint. `host_header` is what goes into `Host` (and so into the signature): the
/// host, plus `:port` when the port is not the scheme's default.
struct endpoint {
  std::string scheme;  ///< "http" or "https" (lower-cased)
  std::string host;    ///< lower-cased; an IPv6 address keeps its brackets: "[::1]"
  int port = 0;
  std::string host_header;
  bool verify_tls = true;  ///< true unless `client_options::verify_tls` turned it off (https only)

  /// `scheme://host_header/`
  [[nodiscard]] std::string url() const;
};

/// Endpoint: `explicit_url` when non-empty, then `AWS_ENDPOINT_URL_DYNAMODB`, then
/// `AWS_ENDPOINT_URL`, else `https://dynamodb.<region>.amazonaws.com` (TLS peer verification on;
/// `amazonaws.com.cn` for the `cn-*` regions). Empty variables count as unset.
/// Throws `configuration_error` for a URL that is not `http(s)://host[:port][/]` (user info, a
/// path, a query or a fragment are refused), naming where the URL came from, and when no URL is
/// configured and `region` is empty.
[[nodiscard]] endpoint resolve_endpoint(const std::string& explicit_url, const std::string& region,
                                        const environment_lookup& env = process_environment());

}  // namespace dynamo_es::dynamodb
