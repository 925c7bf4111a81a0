#include "cli/json_span.hpp"

#include <cstddef>
#include <nlohmann/json.hpp>

namespace dynamo_es::cli {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::size_t skip_space(std::string_view text, std::size_t pos) {
  while (pos < text.size() && is_space(text[pos])) ++pos;
  return pos;
}

// `pos` at an opening quote; returns the index after the closing one.
std::size_t skip_string(std::string_view text, std::size_t pos) {
  for (++pos; pos < text.size(); ++pos) {
    if (text[pos] == '\\') {
      ++pos;
    } else if (text[pos] == '"') {
      return pos + 1;
    }
  }
  return text.size();
}

// `pos` at the first character of a value; returns the index after it.
std::size_t skip_value(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return pos;
  if (text[pos] == '"') return skip_string(text, pos);
  if (text[pos] == '{' || text[pos] == '[') {
    int depth = 0;
    while (pos < text.size()) {
      const char c = text[pos];
      if (c == '"') {
        pos = skip_string(text, pos);
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return pos + 1;
      }
      ++pos;
    }
    return pos;
  }
  // A number, true, false or null: runs until a delimiter.
  while (pos < text.size() && !is_space(text[pos]) && text[pos] != ',' && text[pos] != '}' &&
         text[pos] != ']') {
    ++pos;
  }
  return pos;
}

// A member name as written (with quotes) -> its value. Escapes are rare in names, so only then
// is the JSON library asked to decode it.
std::string decode_name(std::string_view quoted) {
  if (quoted.find('\\') == std::string_view::npos) {
    return std::string(quoted.substr(1, quoted.size() - 2));
  }
  return nlohmann::json::parse(quoted).get<std::string>();
}

}  // namespace

std::optional<std::string_view> json_member_text(std::string_view object_text,
                                                 std::string_view key) {
  std::size_t pos = skip_space(object_text, 0);
  if (pos >= object_text.size() || object_text[pos] != '{') return std::nullopt;
  std::optional<std::string_view> found;
  pos = skip_space(object_text, pos + 1);
  while (pos < object_text.size() && object_text[pos] == '"') {
    const std::size_t name_end = skip_string(object_text, pos);
    const std::string name = decode_name(object_text.substr(pos, name_end - pos));
    pos = skip_space(object_text, name_end);
    pos = skip_space(object_text, pos + 1);  // the ':'
    const std::size_t value_end = skip_value(object_text, pos);
    if (name == key) found = object_text.substr(pos, value_end - pos);
    pos = skip_space(object_text, value_end);
    if (pos < object_text.size() && object_text[pos] == ',') pos = skip_space(object_text, pos + 1);
  }
  return found;
}

std::string compact_json_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    if (text[pos] == '"') {
      const std::size_t end = skip_string(text, pos);
      out.append(text.substr(pos, end - pos));
      pos = end;
    } else {
      if (!is_space(text[pos])) out.push_back(text[pos]);
      ++pos;
    }
  }
  return out;
}

}  // namespace dynamo_es::cli
