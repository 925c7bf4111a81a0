#pragma once

/// \file
/// The root of every exception dynamo-es throws, and the errors shared by all layers.
///
/// One hierarchy: everything derives from `dynamo_es::error`. Specific types exist only where a
/// caller branches on them (`duplicate_playhead`, `event_stream_not_found`, `throttled`, ...);
/// the layers add their own in `event_store_errors.hpp` and `dynamodb/errors.hpp`.

#include <stdexcept>
#include <string>

namespace dynamo_es {

/// Root of all dynamo-es exceptions.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad input detected before anything was sent or written: an empty or reserved aggregate id, a
/// value over a DynamoDB limit, an option out of range. The message names the aggregate (where
/// there is one), the attribute and the limit.
class validation_error : public error {
 public:
  using error::error;
};

/// A value could not be converted to or from its stored form: invalid JSON, a JSON document of
/// the wrong shape, a date that does not parse, a class name the registry does not know.
class serialization_error : public error {
 public:
  using error::error;
};

/// Configuration could not be resolved: no credentials, no region, a malformed endpoint or a
/// shared credentials file that cannot be read.
class configuration_error : public error {
 public:
  using error::error;
};

}  // namespace dynamo_es
