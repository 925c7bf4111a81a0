#pragma once

/// \file
/// Broadway's `Metadata`: a small ordered map from string keys to JSON values, stored next to
/// each event (`Metadata.Payload` in the table, as JSON text).

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dynamo_es {

/// An immutable, insertion-ordered map of string keys to JSON values.
///
/// Each value is kept as compact JSON text (validated on the way in), so this header needs no JSON
/// library: `kv("foo", "42")` stores the number 42, `kv_string("user", "u/1")` the string "u/1".
///
/// Differences from PHP (MD-7): keys are always strings. PHP's `array_merge` renumbers integer
/// keys and appends them instead of overriding; here every key, numeric-looking or not, is
/// overridden by `other` in `merge`. A metadata whose keys are exactly "0".."n-1" in order is
/// written as a JSON list, as PHP writes such arrays.
///
/// Thread-safety: a value type; concurrent reads of one object are safe.
class metadata {
 public:
  /// A key and its value as compact JSON text.
  using entry = std::pair<std::string, std::string>;

  /// Empty metadata (written as `[]`, like PHP's empty array).
  metadata() = default;

  /// Entries in order; a repeated key keeps its first position and its last value. Throws
  /// `serialization_error` when a value is not valid JSON.
  explicit metadata(std::vector<entry> entries);

  /// `metadata{{"foo", "42"}, {"bar", "\"x\""}}`: entries as above.
  metadata(std::initializer_list<entry> entries) : metadata(std::vector<entry>(entries)) {}

  /// One entry whose value is the JSON text `json_value` (e.g. `"42"`, `"\"bar\""`, `"[1,2]"`).
  /// Throws `serialization_error` when `json_value` is not valid JSON.
  [[nodiscard]] static metadata kv(std::string key, std::string_view json_value);

  /// One entry whose value is the JSON string `value` (quoted and escaped for you).
  [[nodiscard]] static metadata kv_string(std::string key, std::string_view value);

  /// Reads the stored form: a JSON object, or a list (keys become "0".."n-1"); `{}` and `[]` are
  /// both empty. Accepts PHP's escapes (`\/`, `\uXXXX` surrogate pairs) and number spellings
  /// (`1.0e+20`). Anything else throws `serialization_error`, with PHP's wording for non-arrays:
  /// `Expected json "1" to decode to array, instead got integer`.
  [[nodiscard]] static metadata from_json_text(std::string_view json);

  /// The stored form: `[]` when empty, a JSON list when the keys are "0".."n-1" in order,
  /// otherwise a JSON object in insertion order.
  [[nodiscard]] std::string to_json_text() const;

  /// A new metadata with the entries of `*this` then those of `other`; `other` wins on equal keys
  /// (the entry keeps its original position).
  [[nodiscard]] metadata merge(const metadata& other) const;

  /// Every entry, in insertion order.
  [[nodiscard]] const std::vector<entry>& all() const noexcept { return entries_; }

  /// The value of `key` as compact JSON text; nullopt when absent (PHP's null).
  [[nodiscard]] std::optional<std::string> get(std::string_view key) const;

  [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
  [[nodiscard]] bool empty() const noexcept { return entries_.empty(); }

  /// Same keys with equal JSON values; key order does not matter (like PHPUnit's assertEquals).
  friend bool operator==(const metadata& a, const metadata& b);

 private:
  void set(std::string key, std::string json_text);

  std::vector<entry> entries_;
};

}  // namespace dynamo_es
