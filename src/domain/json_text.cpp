#include "domain/json_text.hpp"

#include <cstdint>
#include <limits>
#include <map>

#include "dynamo_es/error.hpp"

namespace dynamo_es::detail {
namespace {

constexpr std::size_t message_excerpt_bytes = 256;

bool is_php_array(const ordered_json& value) {
  return value.is_object() || value.is_array();
}

// The key => value view PHP has of a decoded object or list.
std::map<std::string, const ordered_json*> php_array_entries(const ordered_json& value) {
  std::map<std::string, const ordered_json*> entries;
  if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) entries.emplace(std::to_string(i), &value[i]);
  } else {
    for (const auto& [key, item] : value.items()) entries.insert_or_assign(key, &item);
  }
  return entries;
}

}  // namespace

std::string quote_for_message(std::string_view text) {
  if (text.size() <= message_excerpt_bytes) return std::string(text);
  return std::string(text.substr(0, message_excerpt_bytes)) + "...";
}

ordered_json parse_json(std::string_view text) {
  try {
    return ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw serialization_error("Syntax error in JSON \"" + quote_for_message(text) +
                              "\": " + e.what());
  }
}

ordered_json parse_json_array(std::string_view text) {
  ordered_json value = parse_json(text);
  if (!is_php_array(value)) {
    throw serialization_error("Expected json \"" + quote_for_message(text) +
                              "\" to decode to array, instead got " +
                              std::string(php_type_name(value)));
  }
  return value;
}

std::string_view php_type_name(const ordered_json& value) {
  switch (value.type()) {
    case ordered_json::value_t::number_integer:
      return "integer";
    case ordered_json::value_t::number_unsigned:
      return value.get<std::uint64_t>() >
                     static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                 ? "double"
                 : "integer";
    case ordered_json::value_t::number_float:
      return "double";
    case ordered_json::value_t::string:
      return "string";
    case ordered_json::value_t::boolean:
      return "boolean";
    case ordered_json::value_t::null:
      return "NULL";
    default:
      return "array";
  }
}

std::string dump_json(const ordered_json& value) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& e) {
    throw serialization_error(std::string("Cannot encode JSON: ") + e.what());
  }
}

bool php_equal(const ordered_json& a, const ordered_json& b) {
  if (!is_php_array(a) || !is_php_array(b)) return a == b;
  const auto left = php_array_entries(a);
  const auto right = php_array_entries(b);
  if (left.size() != right.size()) return false;
  for (const auto& [key, value] : left) {
    const auto other = right.find(key);
    if (other == right.end() || !php_equal(*value, *other->second)) return false;
  }
  return true;
}

bool php_json_text_equal(std::string_view a, std::string_view b) {
  if (a == b) return true;
  try {
    return php_equal(ordered_json::parse(a), ordered_json::parse(b));
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace dynamo_es::detail
