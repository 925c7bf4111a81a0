#pragma once

/// \file
/// How to build a `dynamo_es::dynamodb::client`.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "dynamo_es/dynamodb/credentials.hpp"
#include "dynamo_es/dynamodb/http_transport.hpp"
#include "dynamo_es/dynamodb/retry_options.hpp"

namespace dynamo_es::dynamodb {

/// Options of a `client`; every field has a usable default, so `client{}` talks to the DynamoDB
/// that the environment (`AWS_*` variables, `~/.aws/credentials`) points at.
struct client_options {
  /// `http(s)://host[:port]`. Empty (default) = `AWS_ENDPOINT_URL_DYNAMODB`, then
  /// `AWS_ENDPOINT_URL`, else `https://dynamodb.<region>.amazonaws.com`.
  std::string endpoint_url{};
  /// Empty (default) = `AWS_REGION`, then `AWS_DEFAULT_REGION`. When none is set and the endpoint
  /// is a loopback address (DynamoDB Local), "us-east-1"; otherwise construction throws
  /// `configuration_error`. DynamoDB Local keeps one database per (access key id, region).
  std::string region{};
  /// Explicit credentials. nullopt (default) = `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`
  /// (+`AWS_SESSION_TOKEN`), then the shared credentials file. When none is found and the
  /// endpoint is a loopback address, the fixed key pair "dynamoeslocal"/"local" (Local checks
  /// no signature); otherwise construction throws `configuration_error`.
  std::optional<dynamodb::credentials> credentials{};
  /// Profile of the shared credentials file. Empty (default) = `AWS_PROFILE`, else "default".
  std::string profile{};
  /// Time to establish a connection. Default 2 s. Ignored when `transport` is set.
  std::chrono::milliseconds connect_timeout{2000};
  /// Deadline of one HTTP attempt, connection included. Default 10 s. Ignored when `transport`
  /// is set. `retry.total_timeout` bounds a whole call across its attempts.
  std::chrono::milliseconds request_timeout{10000};
  /// Stall detection: an attempt whose transfer moves fewer than `stall_min_bytes_per_second`
  /// bytes per second for `stall_timeout` is aborted as a timeout (curl's low-speed limit), long
  /// before `request_timeout` when a connection silently died. Default 5 s; 0 = off. Ignored
  /// when `transport` is set.
  std::chrono::milliseconds stall_timeout{5000};
  /// Default 1 byte per second, i.e. "nothing moved at all".
  std::size_t stall_min_bytes_per_second = 1;
  /// Verify the TLS peer (certificate and host name) of an https endpoint. Default on. Turn off
  /// only for a test endpoint with a self-signed certificate; the client then prints a warning
  /// naming the endpoint on stderr once at construction (`dynamo-es: WARNING: TLS peer
  /// verification is OFF for <url> ...`), and `client::endpoint().verify_tls` is false. Ignored
  /// when `transport` is set: that transport decides (see `curl_transport_options::verify_tls`,
  /// which warns on the first request instead).
  bool verify_tls = true;
  /// Concurrent requests (pooled keep-alive connections); more callers wait. Default 16.
  /// Ignored when `transport` is set.
  std::size_t max_connections = 16;
  /// Retries, backoff, retry quota, total deadline and clock-skew correction; see
  /// `retry_options`.
  retry_options retry{};
  /// The HTTP transport. Null (default) = a curl transport built from the timeouts, stall
  /// detection, `verify_tls` and `max_connections` above.
  /// Tests pass a double here.
  std::shared_ptr<http_transport> transport{};
};

}  // namespace dynamo_es::dynamodb
