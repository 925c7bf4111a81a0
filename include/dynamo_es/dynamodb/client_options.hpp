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
  /// endpoint is a loopback address, the fixed key pair "dynamo-es-local"/"local" (Local checks
  /// no signature); otherwise construction throws `configuration_error`.
  std::optional<dynamodb::credentials> credentials{};
  /// Profile of the shared credentials file. Empty (default) = `AWS_PROFILE`, else "default".
  std::string profile{};
  /// Time to establish a connection. Default 2 s. Ignored when `transport` is set.
  std::chrono::milliseconds connect_timeout{2000};
  /// Deadline of one HTTP request, connection included. Default 10 s. Ignored when `transport`
  /// is set.
  std::chrono::milliseconds request_timeout{10000};
  /// Concurrent requests (pooled keep-alive connections); more callers wait. Default 16.
  /// Ignored when `transport` is set.
  std::size_t max_connections = 16;
  /// The HTTP transport. Null (default) = a curl transport built from the three fields above.
  /// Tests pass a double here.
  std::shared_ptr<http_transport> transport{};
};

}  // namespace dynamo_es::dynamodb
