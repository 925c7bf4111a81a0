#pragma once

/// \file
/// An event payload in its stored form: the PHP class name and the JSON of the event's fields
/// (`Payload.Class` and `Payload.Payload` in the table).

#include <string>

namespace dynamo_es {

/// A serialized event payload, as Broadway's `SimpleInterfaceSerializer` writes it.
///
/// - `class_name`: the PHP fully-qualified class name with backslashes, e.g.
///   `Broadway\EventStore\Management\Testing\Middle`. Case-sensitive.
/// - `json`: the JSON text of the payload. PHP requires it to decode to an array, so it must be
///   a JSON object or list (`[]` for an event without fields); stores reject anything else on
///   append (`validation_error`).
///
/// Thread-safety: a plain value type.
struct serialized_payload {
  std::string class_name;
  std::string json;

  /// Same class name, and JSON equal as PHP sees it: `{"a":1}` equals `{ "a" : 1 }`, `[]` equals
  /// `{}`, key order does not matter.
  friend bool operator==(const serialized_payload& a, const serialized_payload& b);
};

}  // namespace dynamo_es
