#include "cli/event_line.hpp"

#include <algorithm>
#include <array>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

#include "cli/json_span.hpp"
#include "domain/append_validation.hpp"
#include "dynamo_es/date_time.hpp"
#include "dynamo_es/error.hpp"
#include "dynamo_es/metadata.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::cli {
namespace {

namespace layout = detail::table_layout;
using dynamodb::attribute_map;
using dynamodb::attribute_value;
using json = nlohmann::ordered_json;

[[noreturn]] void invalid(std::string_view where, const std::string& what) {
  throw validation_error(std::string(where) + ": " + what);
}

std::string json_string(std::string_view text) {
  return json(std::string(text)).dump(-1, ' ', false, json::error_handler_t::strict);
}

const attribute_value* find(const attribute_map& map, std::string_view name) {
  const auto it = map.find(std::string(name));
  return it == map.end() ? nullptr : &it->second;
}

// A stored JSON text as it goes into a line. The texts are embedded verbatim, so they must be
// valid JSON (the library decodes metadata but never the payload).
std::string embedded_json(const attribute_map& row, std::string_view table, std::string_view path,
                          const std::string& text) {
  if (!json::accept(text)) {
    throw serialization_error("Unexpected event row in " + detail::describe_row(row, table) +
                              ": attribute \"" + std::string(path) + "\" is not valid JSON");
  }
  return compact_json_text(text);
}

std::int64_t integer_member(const json& value, std::string_view where, std::string_view name) {
  if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<std::int64_t>();
  if (value.is_number_unsigned() &&
      value.get<std::uint64_t>() <=
          static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return static_cast<std::int64_t>(value.get<std::uint64_t>());
  }
  invalid(where, "\"" + std::string(name) + "\" must be an integer (int64), not " + value.dump());
}

std::string string_member(const json& value, std::string_view where, std::string_view name) {
  if (!value.is_string()) {
    invalid(where, "\"" + std::string(name) + "\" must be a string, not " + value.dump());
  }
  return value.get<std::string>();
}

void check_members(const json& object, std::string_view where, std::string_view path,
                   std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : object.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      invalid(where, "unknown member \"" + std::string(path) + key + "\"");
    }
  }
}

// {"class":…,"payload":…}: the class and the compact text of the payload.
std::pair<std::optional<std::string>, std::optional<std::string>> class_and_payload(
    const json& value, std::string_view line_text, std::string_view where, std::string_view name) {
  if (!value.is_object()) {
    invalid(where, "\"" + std::string(name) + "\" must be an object {\"class\":…,\"payload\":…}");
  }
  check_members(value, where, std::string(name) + ".", {"class", "payload"});
  std::pair<std::optional<std::string>, std::optional<std::string>> out;
  if (value.contains("class")) {
    out.first = string_member(value["class"], where, std::string(name) + ".class");
  }
  if (value.contains("payload")) {
    // The scanner finds the raw text of the member the parser already validated.
    const auto outer = json_member_text(line_text, name);
    const auto inner = outer ? json_member_text(*outer, "payload") : std::nullopt;
    if (!inner) invalid(where, "cannot locate \"" + std::string(name) + ".payload\"");
    out.second = compact_json_text(*inner);
  }
  return out;
}

}  // namespace

std::string type_of_class(std::string_view class_name) {
  std::string type(class_name);
  std::replace(type.begin(), type.end(), '\\', '.');
  return type;
}

event_line parse_event_line(std::string_view text, std::string_view where) {
  json parsed;
  try {
    parsed = json::parse(text);
  } catch (const json::exception& e) {
    invalid(where, std::string("not valid JSON (") + e.what() + ")");
  }
  if (!parsed.is_object()) invalid(where, "an event line must be a JSON object");
  check_members(parsed, where, "",
                {"id", "playhead", "globalPosition", "type", "recordedOn", "metadata", "payload"});

  event_line line;
  const auto present = [&](const char* name) {
    return parsed.contains(name) && !parsed[name].is_null();
  };
  if (present("id")) line.id = string_member(parsed["id"], where, "id");
  if (present("playhead")) line.playhead = integer_member(parsed["playhead"], where, "playhead");
  if (present("globalPosition")) {
    line.global_position = integer_member(parsed["globalPosition"], where, "globalPosition");
  }
  if (present("type")) line.type = string_member(parsed["type"], where, "type");
  if (present("recordedOn")) {
    line.recorded_on = string_member(parsed["recordedOn"], where, "recordedOn");
  }
  if (present("metadata")) {
    auto [class_name, payload] = class_and_payload(parsed["metadata"], text, where, "metadata");
    line.metadata_class = std::move(class_name);
    line.metadata_json = std::move(payload);
  }
  if (!present("payload")) invalid(where, "\"payload\" is missing");
  auto [class_name, payload] = class_and_payload(parsed["payload"], text, where, "payload");
  if (!class_name || class_name->empty()) invalid(where, "\"payload.class\" is missing or empty");
  if (!payload) invalid(where, "\"payload.payload\" is missing");
  line.payload_class = std::move(*class_name);
  line.payload_json = std::move(*payload);
  return line;
}

std::string format_event_line(const attribute_map& row, std::string_view table) {
  // Decoding checks every attribute the library reads, with its error messages.
  const domain_message message = detail::decode_event(row, table);
  const auto& metadata = row.at(std::string(layout::metadata)).as_map();
  const auto* position = find(row, layout::global_position);
  const auto* type = find(row, layout::type);

  std::string line;
  line.reserve(256);
  line += "{\"id\":" + json_string(message.id());
  line += ",\"playhead\":" + std::to_string(message.playhead());
  line += ",\"globalPosition\":";
  line += position != nullptr ? std::to_string(detail::decode_global_position(row, table)) : "null";
  line += ",\"type\":" + json_string(type != nullptr && type->is_string()
                                         ? type->as_string()
                                         : type_of_class(message.payload().class_name));
  line += ",\"recordedOn\":" + json_string(row.at(std::string(layout::recorded_on)).as_string());
  line += ",\"metadata\":{\"class\":" +
          json_string(metadata.at(std::string(layout::class_attribute)).as_string());
  line += ",\"payload\":" +
          embedded_json(row, table, "Metadata.Payload",
                        metadata.at(std::string(layout::payload_attribute)).as_string());
  line += "},\"payload\":{\"class\":" + json_string(message.payload().class_name);
  line += ",\"payload\":" + embedded_json(row, table, "Payload.Payload", message.payload().json);
  line += "}}";
  return line;
}

attribute_map row_from_line(const event_line& line, std::string_view where) {
  if (!line.id) invalid(where, "\"id\" is missing");
  if (!line.playhead) invalid(where, "\"playhead\" is missing");
  if (!line.global_position) invalid(where, "\"globalPosition\" is missing");
  if (*line.global_position < 1) invalid(where, "\"globalPosition\" must be at least 1");
  if (!line.recorded_on || line.recorded_on->empty()) invalid(where, "\"recordedOn\" is missing");
  try {
    detail::validate_aggregate_id(*line.id);
    (void)date_time::from_string(*line.recorded_on);
    if (line.metadata_json) (void)metadata::from_json_text(*line.metadata_json);
  } catch (const error& e) {
    invalid(where, e.what());
  }
  const std::string metadata_class =
      line.metadata_class.value_or(std::string(layout::metadata_class));
  if (metadata_class != layout::metadata_class) {
    invalid(where, "\"metadata.class\" must be " + json_string(layout::metadata_class));
  }

  const auto class_and_text = [](std::string class_name, std::string text) {
    attribute_map map;
    map.emplace(std::string(layout::class_attribute),
                attribute_value::string(std::move(class_name)));
    map.emplace(std::string(layout::payload_attribute), attribute_value::string(std::move(text)));
    return attribute_value::map(std::move(map));
  };
  attribute_map row;
  row.emplace(std::string(layout::id), attribute_value::string(*line.id));
  row.emplace(std::string(layout::playhead), attribute_value::number(*line.playhead));
  row.emplace(std::string(layout::feed), attribute_value::string(std::string(layout::feed_value)));
  row.emplace(std::string(layout::global_position), attribute_value::number(*line.global_position));
  row.emplace(std::string(layout::metadata),
              class_and_text(metadata_class, line.metadata_json.value_or("[]")));
  row.emplace(std::string(layout::payload), class_and_text(line.payload_class, line.payload_json));
  row.emplace(std::string(layout::recorded_on), attribute_value::string(*line.recorded_on));
  row.emplace(std::string(layout::type),
              attribute_value::string(line.type.value_or(type_of_class(line.payload_class))));
  return row;
}

}  // namespace dynamo_es::cli
