#include "stores/dynamodb_item_codec.hpp"

#include <string>
#include <utility>

#include "dynamo_es/error.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

using dynamodb::attribute_map;
using dynamodb::attribute_value;
namespace layout = table_layout;

// Ids can be 2 KB long: messages quote at most the first 64 bytes.
std::string quote(std::string_view text) {
  constexpr std::size_t shown = 64;
  if (text.size() <= shown) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, shown)) + "...\"";
}

const attribute_value* find(const attribute_map& item, std::string_view name) {
  const auto it = item.find(std::string(name));
  return it == item.end() ? nullptr : &it->second;
}

// A scalar for a message, whatever its type ("?" when absent).
std::string lenient_text(const attribute_value* value) {
  if (value == nullptr) return "?";
  if (value->is_string()) return quote(value->as_string());
  if (value->is_number()) return value->as_number();
  return "<" + std::string(dynamodb::to_string(value->type())) + ">";
}

[[noreturn]] void fail(const attribute_map& item, std::string_view table, std::string_view what) {
  throw serialization_error("Unexpected event row in " + describe_row(item, table) + ": " +
                            std::string(what));
}

const attribute_value& require(const attribute_map& item, std::string_view table,
                               const attribute_map& holder, std::string_view name,
                               std::string_view path, dynamodb::attribute_type type) {
  const attribute_value* value = find(holder, name);
  if (value == nullptr) {
    fail(item, table, "attribute \"" + std::string(path) + "\" is missing");
  }
  if (value->type() != type) {
    fail(item, table,
         "attribute \"" + std::string(path) + "\" should be of type " +
             std::string(dynamodb::to_string(type)) + ", not " +
             std::string(dynamodb::to_string(value->type())));
  }
  return *value;
}

std::int64_t require_int64(const attribute_map& item, std::string_view table,
                           std::string_view name) {
  const auto& value = require(item, table, item, name, name, dynamodb::attribute_type::number);
  try {
    return value.as_int64();
  } catch (const error&) {
    // W20: DynamoDB accepts 38 digits; PHP would silently saturate. Say which number.
    fail(item, table,
         "attribute \"" + std::string(name) + "\" value " + value.as_number() +
             " is not an integer in the range of int64");
  }
}

attribute_value class_and_payload(std::string class_name, std::string json) {
  attribute_map map;
  map.emplace(std::string(layout::class_attribute), attribute_value::string(std::move(class_name)));
  map.emplace(std::string(layout::payload_attribute), attribute_value::string(std::move(json)));
  return attribute_value::map(std::move(map));
}

}  // namespace

attribute_map encode_event(const domain_message& message, std::int64_t global_position) {
  attribute_map item;
  item.emplace(std::string(layout::id), attribute_value::string(message.id()));
  item.emplace(std::string(layout::playhead), attribute_value::number(message.playhead()));
  item.emplace(std::string(layout::feed), attribute_value::string(std::string(layout::feed_value)));
  item.emplace(std::string(layout::global_position), attribute_value::number(global_position));
  item.emplace(std::string(layout::metadata), class_and_payload(std::string(layout::metadata_class),
                                                                message.metadata().to_json_text()));
  item.emplace(std::string(layout::payload),
               class_and_payload(message.payload().class_name, message.payload().json));
  item.emplace(std::string(layout::recorded_on),
               attribute_value::string(message.recorded_on().to_string()));
  item.emplace(std::string(layout::type), attribute_value::string(message.type()));
  return item;
}

void set_global_position(attribute_map& item, std::int64_t global_position) {
  item.insert_or_assign(std::string(layout::global_position),
                        attribute_value::number(global_position));
}

attribute_map event_key(std::string_view aggregate_id, std::int64_t playhead) {
  attribute_map key;
  key.emplace(std::string(layout::id), attribute_value::string(std::string(aggregate_id)));
  key.emplace(std::string(layout::playhead), attribute_value::number(playhead));
  return key;
}

bool is_event_row(const attribute_map& item) {
  return find(item, layout::metadata) != nullptr;
}

domain_message decode_event(const attribute_map& item, std::string_view table) {
  using dynamodb::attribute_type;
  const auto& id = require(item, table, item, layout::id, layout::id, attribute_type::string);
  const auto playhead = require_int64(item, table, layout::playhead);

  const auto& metadata_map =
      require(item, table, item, layout::metadata, layout::metadata, attribute_type::map).as_map();
  const auto& metadata_class = require(item, table, metadata_map, layout::class_attribute,
                                       "Metadata.Class", attribute_type::string);
  if (metadata_class.as_string() != layout::metadata_class) {
    fail(item, table,
         "attribute \"Metadata.Class\" should be " + quote(layout::metadata_class) + ", not " +
             quote(metadata_class.as_string()));
  }
  const auto& metadata_json = require(item, table, metadata_map, layout::payload_attribute,
                                      "Metadata.Payload", attribute_type::string);

  const auto& payload_map =
      require(item, table, item, layout::payload, layout::payload, attribute_type::map).as_map();
  const auto& payload_class = require(item, table, payload_map, layout::class_attribute,
                                      "Payload.Class", attribute_type::string);
  const auto& payload_json = require(item, table, payload_map, layout::payload_attribute,
                                     "Payload.Payload", attribute_type::string);
  const auto& recorded_on =
      require(item, table, item, layout::recorded_on, layout::recorded_on, attribute_type::string);

  auto metadata = [&] {
    try {
      return ::dynamo_es::metadata::from_json_text(metadata_json.as_string());
    } catch (const error& e) {
      fail(item, table, std::string("attribute \"Metadata.Payload\": ") + e.what());
    }
  }();
  auto recorded = [&] {
    try {
      return date_time::from_string(recorded_on.as_string());
    } catch (const error& e) {
      fail(item, table, std::string("attribute \"RecordedOn\": ") + e.what());
    }
  }();
  return domain_message(id.as_string(), playhead, std::move(metadata),
                        serialized_payload{payload_class.as_string(), payload_json.as_string()},
                        std::move(recorded));
}

std::int64_t decode_global_position(const attribute_map& item, std::string_view table) {
  return require_int64(item, table, layout::global_position);
}

std::string describe_row(const attribute_map& item, std::string_view table) {
  std::string text = "table " + quote(table) + ", aggregate " +
                     lenient_text(find(item, layout::id)) + ", playhead " +
                     lenient_text(find(item, layout::playhead));
  if (const auto* position = find(item, layout::global_position)) {
    text += ", global position " + lenient_text(position);
  }
  return text;
}

}  // namespace dynamo_es::detail
