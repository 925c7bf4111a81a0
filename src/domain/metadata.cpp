#include "dynamo_es/metadata.hpp"

#include <algorithm>

#include "domain/json_text.hpp"

namespace dynamo_es {
namespace {

std::string normalise(std::string_view json_text) {
  return detail::dump_json(detail::parse_json(json_text));
}

// PHP writes an array whose keys are 0..n-1, in order, as a JSON list.
bool is_list(const std::vector<metadata::entry>& entries) {
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].first != std::to_string(i)) return false;
  }
  return true;
}

}  // namespace

metadata::metadata(std::vector<entry> entries) {
  for (entry& e : entries) set(std::move(e.first), normalise(e.second));
}

metadata metadata::kv(std::string key, std::string_view json_value) {
  metadata result;
  result.set(std::move(key), normalise(json_value));
  return result;
}

metadata metadata::kv_string(std::string key, std::string_view value) {
  metadata result;
  result.set(std::move(key), detail::dump_json(detail::ordered_json(std::string(value))));
  return result;
}

metadata metadata::from_json_text(std::string_view json) {
  const detail::ordered_json decoded = detail::parse_json_array(json);
  metadata result;
  if (decoded.is_array()) {
    for (std::size_t i = 0; i < decoded.size(); ++i) {
      result.set(std::to_string(i), detail::dump_json(decoded[i]));
    }
  } else {
    for (const auto& [key, value] : decoded.items()) result.set(key, detail::dump_json(value));
  }
  return result;
}

std::string metadata::to_json_text() const {
  if (entries_.empty()) return "[]";
  detail::ordered_json out =
      is_list(entries_) ? detail::ordered_json::array() : detail::ordered_json::object();
  for (const auto& [key, value] : entries_) {
    auto parsed = detail::ordered_json::parse(value);  // stored values are valid JSON
    if (out.is_array()) {
      out.push_back(std::move(parsed));
    } else {
      out[key] = std::move(parsed);
    }
  }
  return detail::dump_json(out);
}

metadata metadata::merge(const metadata& other) const {
  metadata result = *this;
  for (const auto& [key, value] : other.entries_) result.set(key, value);
  return result;
}

std::optional<std::string> metadata::get(std::string_view key) const {
  const auto found = std::find_if(entries_.begin(), entries_.end(),
                                  [&](const entry& e) { return e.first == key; });
  if (found == entries_.end()) return std::nullopt;
  return found->second;
}

void metadata::set(std::string key, std::string json_text) {
  const auto found = std::find_if(entries_.begin(), entries_.end(),
                                  [&](const entry& e) { return e.first == key; });
  if (found != entries_.end()) {
    found->second = std::move(json_text);
  } else {
    entries_.emplace_back(std::move(key), std::move(json_text));
  }
}

bool operator==(const metadata& a, const metadata& b) {
  if (a.size() != b.size()) return false;
  return std::all_of(a.entries_.begin(), a.entries_.end(), [&](const metadata::entry& e) {
    const auto other = b.get(e.first);
    return other && detail::php_json_text_equal(e.second, *other);
  });
}

}  // namespace dynamo_es
