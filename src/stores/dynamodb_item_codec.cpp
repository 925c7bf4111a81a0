#include "stores/dynamodb_item_codec.hpp"

#include <charconv>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "domain/json_text.hpp"
#include "dynamo_es/error.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es {

corrupt_event_row::corrupt_event_row(corrupt_row_report report)
    : serialization_error(report.message),
      report_(std::make_shared<const corrupt_row_report>(std::move(report))) {}

namespace detail {
namespace {

using dynamodb::attribute_map;
using dynamodb::attribute_type;
using dynamodb::attribute_value;
namespace layout = table_layout;

// Ids can be 2 KB long: messages quote at most the first 64 bytes.
std::string quote(std::string_view text) {
  constexpr std::size_t shown = 64;
  if (text.size() <= shown) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, shown)) + "...\"";
}

// A scalar for a message, whatever its type ("?" when absent). Numbers are DynamoDB's literals,
// at most 38 digits plus sign and exponent, so they need no cut.
std::string lenient_text(const attribute_value* value) {
  if (value == nullptr) return "?";
  if (value->is_string()) return quote(value->as_string());
  if (value->is_number()) return value->as_number();
  return "<" + std::string(dynamodb::to_string(value->type())) + ">";
}

[[noreturn]] void fail(const attribute_map& item, std::string_view table,
                       std::string_view attribute, std::string_view problem) {
  throw corrupt_event_row(report_bad_row(item, table, attribute, problem));
}

const attribute_value& require(const attribute_map& item, std::string_view table,
                               const attribute_map& holder, std::string_view name,
                               std::string_view path, attribute_type type) {
  const attribute_value* value = find_attribute(holder, name);
  if (value == nullptr) fail(item, table, path, "is missing");
  if (value->type() != type) {
    fail(item, table, path,
         "should be of type " + std::string(dynamodb::to_string(type)) + ", not " +
             std::string(dynamodb::to_string(value->type())));
  }
  return *value;
}

std::int64_t require_int64(const attribute_map& item, std::string_view table,
                           std::string_view name) {
  const auto& value = require(item, table, item, name, name, attribute_type::number);
  try {
    return value.as_int64();
  } catch (const error&) {
    // W20: DynamoDB accepts 38 digits; PHP would silently saturate. Say which number.
    fail(item, table, name,
         "value " + value.as_number() + " is not an integer in the range of int64");
  }
}

// PHP's JsonDecoder requires every stored JSON document to decode to an array. The quick check
// (nlohmann's validating scan without building a document) passes valid rows; only a failure
// pays for the full parse that explains it in PHP's words.
void require_json_array(const attribute_map& item, std::string_view table, std::string_view path,
                        const std::string& json) {
  const auto first = json.find_first_not_of(" \t\r\n");
  const bool array_like = first != std::string::npos && (json[first] == '{' || json[first] == '[');
  if (array_like && nlohmann::json::accept(json)) return;
  try {
    static_cast<void>(parse_json_array(json));
  } catch (const error& e) {
    fail(item, table, path, std::string("is not a JSON object or list: ") + e.what());
  }
  // accept() and parse() disagree only on inputs nlohmann treats alike; stay on the safe side.
  fail(item, table, path, "is not a JSON object or list");
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
  // The counter row has none of these. A row with only some of them is a broken event: treating
  // it as "not an event" would drop an event from a load without a word.
  return find_attribute(item, layout::metadata) != nullptr ||
         find_attribute(item, layout::payload) != nullptr ||
         find_attribute(item, layout::recorded_on) != nullptr;
}

domain_message decode_event(const attribute_map& item, std::string_view table) {
  const auto& id = require(item, table, item, layout::id, layout::id, attribute_type::string);
  const auto playhead = require_int64(item, table, layout::playhead);

  const auto& metadata_map =
      require(item, table, item, layout::metadata, layout::metadata, attribute_type::map).as_map();
  const auto& metadata_class = require(item, table, metadata_map, layout::class_attribute,
                                       "Metadata.Class", attribute_type::string);
  if (metadata_class.as_string() != layout::metadata_class) {
    fail(item, table, "Metadata.Class",
         "should be " + quote(layout::metadata_class) + ", not " +
             quote(metadata_class.as_string()));
  }
  const auto& metadata_json = require(item, table, metadata_map, layout::payload_attribute,
                                      "Metadata.Payload", attribute_type::string);

  const auto& payload_map =
      require(item, table, item, layout::payload, layout::payload, attribute_type::map).as_map();
  const auto& payload_class = require(item, table, payload_map, layout::class_attribute,
                                      "Payload.Class", attribute_type::string);
  if (payload_class.as_string().empty()) {
    // Append refuses an empty class name; no registry could map one to an event type.
    fail(item, table, "Payload.Class", "is empty: no class name");
  }
  const auto& payload_json = require(item, table, payload_map, layout::payload_attribute,
                                     "Payload.Payload", attribute_type::string);
  require_json_array(item, table, "Payload.Payload", payload_json.as_string());
  const auto& recorded_on =
      require(item, table, item, layout::recorded_on, layout::recorded_on, attribute_type::string);

  auto metadata = [&] {
    try {
      return ::dynamo_es::metadata::from_json_text(metadata_json.as_string());
    } catch (const error& e) {
      fail(item, table, "Metadata.Payload",
           std::string("is not a JSON object or list: ") + e.what());
    }
  }();
  auto recorded = [&] {
    try {
      return date_time::from_string(recorded_on.as_string());
    } catch (const error& e) {
      fail(item, table, layout::recorded_on, std::string("is not a date: ") + e.what());
    }
  }();
  return domain_message(id.as_string(), playhead, std::move(metadata),
                        serialized_payload{payload_class.as_string(), payload_json.as_string()},
                        std::move(recorded));
}

std::int64_t decode_global_position(const attribute_map& item, std::string_view table) {
  const auto position = require_int64(item, table, layout::global_position);
  if (position < 0) {
    // Positions start at 1 in both writers; a negative one was written by hand.
    fail(item, table, layout::global_position,
         "value " + std::to_string(position) + " is negative");
  }
  return position;
}

feed_position read_feed_position(const attribute_map& item) {
  using kind = feed_position::kind;
  const attribute_value* value = find_attribute(item, layout::global_position);
  if (value == nullptr || !value->is_number()) return {kind::unusable, 0};
  if (const auto exact = int64_of(value)) {
    return {*exact < 0 ? kind::negative : kind::valid, *exact};
  }
  // Not an int64: is it above every int64 (then so is every later row of the index, which sorts
  // numerically), or between two of them (a fraction)? A long double holds 2^63 exactly.
  const std::string& literal = value->as_number();
  long double number = 0;
  const auto [end, ec] = std::from_chars(literal.data(), literal.data() + literal.size(), number);
  constexpr long double two_to_63 = 9223372036854775808.0L;
  if (ec == std::errc::result_out_of_range) {
    return {literal.starts_with('-') ? kind::unusable : kind::beyond_int64, 0};
  }
  if (ec == std::errc{} && number >= two_to_63) return {kind::beyond_int64, 0};
  return {kind::unusable, 0};
}

std::string describe_row(const attribute_map& item, std::string_view table) {
  std::string text = "table " + quote(table) + ", aggregate " +
                     lenient_text(find_attribute(item, layout::id)) + ", playhead " +
                     lenient_text(find_attribute(item, layout::playhead));
  if (const auto* position = find_attribute(item, layout::global_position)) {
    text += ", global position " + lenient_text(position);
  }
  return text;
}

corrupt_row_report report_bad_row(const attribute_map& item, std::string_view table,
                                  std::string_view attribute, std::string_view problem) {
  corrupt_row_report report;
  report.table_name = std::string(table);
  if (const auto* id = find_attribute(item, layout::id); id != nullptr && id->is_string()) {
    report.aggregate_id = id->as_string();
  }
  report.playhead = int64_of(find_attribute(item, layout::playhead));
  report.global_position = int64_of(find_attribute(item, layout::global_position));
  report.attribute = std::string(attribute);
  report.problem = std::string(problem);
  report.message = "Unexpected event row in " + describe_row(item, table) + ": attribute \"" +
                   report.attribute + "\" " + report.problem;
  return report;
}

const attribute_value* find_attribute(const attribute_map& item, std::string_view name) {
  const auto it = item.find(std::string(name));
  return it == item.end() ? nullptr : &it->second;
}

std::optional<std::int64_t> int64_of(const attribute_value* value) {
  if (value == nullptr || !value->is_number()) return std::nullopt;
  try {
    return value->as_int64();
  } catch (const error&) {
    return std::nullopt;
  }
}

}  // namespace detail
}  // namespace dynamo_es
