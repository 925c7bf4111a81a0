#include "dynamodb/attribute_json.hpp"

#include <ostream>

#include "dynamodb/base64.hpp"
#include "dynamodb/json_reader.hpp"

namespace dynamo_es::dynamodb {
namespace detail {
namespace {

void write_string_array(json_writer& out, const std::vector<std::string>& values) {
  out.begin_array();
  for (const auto& v : values) {
    out.string(v);
  }
  out.end_array();
}

std::vector<std::string> read_string_array(ondemand::value value) {
  std::vector<std::string> out;
  for (auto element : value.get_array()) {
    out.push_back(read_string(element.value()));
  }
  return out;
}

std::vector<std::string> read_binary_array(ondemand::value value) {
  std::vector<std::string> out;
  for (auto element : value.get_array()) {
    out.push_back(base64_decode(element.get_string().value()));
  }
  return out;
}

// Type tags are compared raw (without unescaping: DynamoDB never escapes them), which saves a
// copy per value on the hot path of reading Query pages.
attribute_value read_tagged(ondemand::raw_json_string tag, ondemand::value value) {
  // Ordered by frequency in event items: S and N dominate.
  if (tag.unsafe_is_equal("S")) {
    return attribute_value::string(read_string(value));
  }
  if (tag.unsafe_is_equal("N")) {
    try {
      return attribute_value::number(read_string(value));  // validates the literal
    } catch (const validation_error& e) {
      throw serialization_error(std::string("DynamoDB JSON: ") + e.what());
    }
  }
  if (tag.unsafe_is_equal("M")) {
    return attribute_value::map(read_attribute_map(value.get_object()));
  }
  if (tag.unsafe_is_equal("B")) {
    return attribute_value::binary(base64_decode(value.get_string().value()));
  }
  if (tag.unsafe_is_equal("BOOL")) {
    return attribute_value::boolean(value.get_bool());
  }
  if (tag.unsafe_is_equal("NULL")) {
    return attribute_value::null();
  }
  if (tag.unsafe_is_equal("L")) {
    std::vector<attribute_value> list;
    for (auto element : value.get_array()) {
      list.push_back(read_attribute_value(element.value()));
    }
    return attribute_value::list(std::move(list));
  }
  if (tag.unsafe_is_equal("SS")) {
    return attribute_value::string_set(read_string_array(value));
  }
  if (tag.unsafe_is_equal("NS")) {
    return attribute_value::number_set(read_string_array(value));
  }
  if (tag.unsafe_is_equal("BS")) {
    return attribute_value::binary_set(read_binary_array(value));
  }
  // The raw key runs up to its closing quote; show a bounded prefix of it.
  const std::string_view raw(tag.raw(), 8);
  throw serialization_error("DynamoDB JSON: unknown attribute type tag \"" +
                            std::string(raw.substr(0, raw.find('"'))) + "\"");
}

}  // namespace

ondemand::parser& thread_parser() {
  thread_local ondemand::parser parser;
  return parser;
}

std::string read_string(ondemand::value value) {
  return std::string(value.get_string().value());
}

attribute_value read_attribute_value(ondemand::value value) {
  // Iterated by hand so that the value is constructed in place (no move-assignment per value):
  // this is the innermost loop of reading Query pages.
  ondemand::object object = value.get_object();
  ondemand::object_iterator it = object.begin();
  const ondemand::object_iterator end = object.end();
  if (it == end) {
    throw serialization_error("DynamoDB JSON: attribute value without a type tag");
  }
  ondemand::field field = *it;
  attribute_value result = read_tagged(field.key(), field.value());
  ++it;
  if (it != end) {
    throw serialization_error("DynamoDB JSON: attribute value with more than one type tag");
  }
  return result;
}

attribute_map read_attribute_map(ondemand::object object) {
  attribute_map item;
  for (auto field : object) {
    std::string name(field.unescaped_key().value());
    item.insert_or_assign(std::move(name), read_attribute_value(field.value()));
  }
  return item;
}

void write_attribute_value(json_writer& out, const attribute_value& value) {
  out.begin_object();
  out.key(to_string(value.type()));
  switch (value.type()) {
    case attribute_type::string:
      out.string(value.as_string());
      break;
    case attribute_type::number:
      out.string(value.as_number());
      break;
    case attribute_type::binary:
      out.string(base64_encode(value.as_binary()));
      break;
    case attribute_type::boolean:
      out.boolean(value.as_bool());
      break;
    case attribute_type::null:
      out.boolean(true);
      break;
    case attribute_type::map:
      write_attribute_map(out, value.as_map());
      break;
    case attribute_type::list:
      out.begin_array();
      for (const auto& element : value.as_list()) {
        write_attribute_value(out, element);
      }
      out.end_array();
      break;
    case attribute_type::string_set:
      write_string_array(out, value.as_string_set());
      break;
    case attribute_type::number_set:
      write_string_array(out, value.as_number_set());
      break;
    case attribute_type::binary_set:
      out.begin_array();
      for (const auto& bytes : value.as_binary_set()) {
        out.string(base64_encode(bytes));
      }
      out.end_array();
      break;
  }
  out.end_object();
}

void write_attribute_map(json_writer& out, const attribute_map& item) {
  out.begin_object();
  for (const auto& [name, value] : item) {
    out.key(name);
    write_attribute_value(out, value);
  }
  out.end_object();
}

}  // namespace detail

std::string to_json(const attribute_value& value) {
  detail::json_writer out;
  detail::write_attribute_value(out, value);
  return std::move(out).take();
}

std::string to_json(const attribute_map& item) {
  detail::json_writer out;
  detail::write_attribute_map(out, item);
  return std::move(out).take();
}

attribute_map item_from_json(std::string_view json) {
  return detail::read_json_object(
      json, 0, "DynamoDB JSON item",
      [](detail::ondemand::object& root) { return detail::read_attribute_map(root); });
}

// Printing must not throw for a string that is not UTF-8 (which to_json rejects).
std::ostream& operator<<(std::ostream& out, const attribute_value& value) {
  try {
    return out << to_json(value);
  } catch (const validation_error&) {
    return out << "<" << to_string(value.type()) << " value with invalid UTF-8>";
  }
}

std::ostream& operator<<(std::ostream& out, const attribute_map& item) {
  try {
    return out << to_json(item);
  } catch (const validation_error&) {
    return out << "<item with invalid UTF-8>";
  }
}

}  // namespace dynamo_es::dynamodb
