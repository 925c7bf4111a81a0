#pragma once

/// \file
/// Reading DynamoDB JSON with simdjson's On-Demand API (chosen by measurement, see
/// bench/json/RESULTS.md). Internal to the library's .cpp files: this header includes simdjson.

#include <simdjson.h>

#include <string>
#include <string_view>

#include "dynamo_es/dynamodb/attribute_value.hpp"
#include "dynamo_es/error.hpp"

namespace dynamo_es::dynamodb::detail {

namespace ondemand = simdjson::ondemand;

/// `{"S":"x"}` -> attribute_value. Throws `serialization_error` for an unknown or missing tag,
/// simdjson errors for malformed JSON.
[[nodiscard]] attribute_value read_attribute_value(ondemand::value value);
/// `{"Id":{"S":"x"},...}` -> attribute_map.
[[nodiscard]] attribute_map read_attribute_map(ondemand::object object);
/// A JSON string as an owned, unescaped std::string.
[[nodiscard]] std::string read_string(ondemand::value value);

/// This thread's On-Demand parser (parsers are not thread-safe; one per thread is reused so its
/// buffers are allocated once).
[[nodiscard]] ondemand::parser& thread_parser();

/// Parses `json` as an object and calls `read(ondemand::object&)` with it, turning every simdjson
/// error into `serialization_error` that names `what`. Uses the string's spare capacity as
/// simdjson's padding when there is enough, otherwise copies it once.
template <typename Read>
auto read_json_object(std::string_view json, std::size_t capacity, std::string_view what,
                      Read&& read) {
  try {
    auto parse = [&](simdjson::padded_string_view padded) {
      ondemand::document doc = thread_parser().iterate(padded);
      ondemand::object root = doc.get_object();
      return read(root);
    };
    if (capacity >= json.size() + simdjson::SIMDJSON_PADDING) {
      return parse(simdjson::padded_string_view(json.data(), json.size(), capacity));
    }
    const simdjson::padded_string copy(json);
    return parse(simdjson::padded_string_view(copy));
  } catch (const simdjson::simdjson_error& e) {
    throw serialization_error(std::string(what) +
                              " is not valid JSON of the expected shape: " + e.what());
  }
}

/// `read_json_object` for a std::string whose capacity may already hold the padding.
template <typename Read>
auto read_json_object(const std::string& json, std::string_view what, Read&& read) {
  return read_json_object(std::string_view(json), json.capacity(), what, std::forward<Read>(read));
}

}  // namespace dynamo_es::dynamodb::detail
