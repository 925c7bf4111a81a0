#pragma once

// Rows as the PHP package writes them, for the verify/migrate tests: event rows with or without a
// position (legacy), the counter row.

#include <cstdint>
#include <optional>
#include <string>

#include "dynamo_es/dynamodb/attribute_value.hpp"

namespace dynamo_es::testing {

inline constexpr const char* default_recorded_on = "2020-01-01T00:00:00.000000+00:00";

/// An event row; without `position` it is a legacy row (no Feed, no GlobalPosition).
inline dynamodb::attribute_map event_row(const std::string& id, std::int64_t playhead,
                                         std::optional<std::int64_t> position,
                                         const std::string& recorded_on = default_recorded_on) {
  using dynamodb::attribute_value;
  dynamodb::attribute_map item{
      {"Id", attribute_value::string(id)},
      {"Playhead", attribute_value::number(playhead)},
      {"Metadata",
       attribute_value::map({{"Class", attribute_value::string("Broadway\\Domain\\Metadata")},
                             {"Payload", attribute_value::string("[]")}})},
      {"Payload", attribute_value::map({{"Class", attribute_value::string("App\\Legacy")},
                                        {"Payload", attribute_value::string(R"({"n":1})")}})},
      {"RecordedOn", attribute_value::string(recorded_on)},
      {"Type", attribute_value::string("App.Legacy")}};
  if (position) {
    item.emplace("Feed", attribute_value::string("all"));
    item.emplace("GlobalPosition", attribute_value::number(*position));
  }
  return item;
}

/// The counter row with `Value = value`.
inline dynamodb::attribute_map counter_row(std::int64_t value) {
  using dynamodb::attribute_value;
  return {{"Id", attribute_value::string("_counter")},
          {"Playhead", attribute_value::number(0)},
          {"Value", attribute_value::number(value)}};
}

}  // namespace dynamo_es::testing
