#pragma once

/// \file
/// DynamoDB's typed values (`AttributeValue`) and items (`attribute_map`).
///
/// Numbers are kept as the exact decimal strings DynamoDB uses on the wire (up to 38 significant
/// digits, far beyond `double` or `int64_t`); convert with `as_int64()` / `as_uint64()` when the
/// value is known to be an integer. Binary values hold raw bytes in a `std::string`; the codec
/// base64-encodes them on the wire.

#include <compare>
#include <concepts>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace dynamo_es::dynamodb {

class attribute_value;

/// An item, a key, or the value of an `M` attribute: attribute name -> value, ordered by name.
using attribute_map = std::map<std::string, attribute_value>;

/// The ten DynamoDB data types, named after their wire tags in the comments.
enum class attribute_type {
  string,      ///< S
  number,      ///< N
  binary,      ///< B
  boolean,     ///< BOOL
  null,        ///< NULL
  map,         ///< M
  list,        ///< L
  string_set,  ///< SS
  number_set,  ///< NS
  binary_set,  ///< BS
};

/// The wire tag of a type: "S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS" or "BS".
[[nodiscard]] std::string_view to_string(attribute_type type) noexcept;

/// True when `text` is a DynamoDB number literal: optional `-`, digits with an optional fraction,
/// optional exponent (`1`, `-0.5`, `1.50E+2`). Precision (38 digits) is left to DynamoDB.
[[nodiscard]] bool is_number_literal(std::string_view text) noexcept;

/// One DynamoDB value. A regular value type: copyable (deep copy), movable, comparable with `==`.
/// Default-constructed it is `NULL`. Not synchronised: share across threads only as `const`.
class attribute_value {
 public:
  /// `NULL`.
  attribute_value() = default;
  attribute_value(const attribute_value& other);
  attribute_value(attribute_value&& other) noexcept = default;
  attribute_value& operator=(const attribute_value& other);
  attribute_value& operator=(attribute_value&& other) noexcept = default;
  ~attribute_value();

  /// `S`. DynamoDB requires valid UTF-8; the request codec rejects anything else.
  [[nodiscard]] static attribute_value string(std::string value);
  /// `N` from a decimal literal, kept verbatim. Throws `validation_error` unless
  /// `is_number_literal(literal)`.
  [[nodiscard]] static attribute_value number(std::string literal);
  /// `N` from any integer type (not `bool`).
  template <std::integral T>
  requires(!std::same_as<T, bool>) [[nodiscard]] static attribute_value number(T value) {
    if constexpr (std::is_signed_v<T>) {
      return from_int64(static_cast<std::int64_t>(value));
    } else {
      return from_uint64(static_cast<std::uint64_t>(value));
    }
  }
  /// `B`: raw bytes (any content, including NUL); base64 only on the wire.
  [[nodiscard]] static attribute_value binary(std::string bytes);
  /// `BOOL`.
  [[nodiscard]] static attribute_value boolean(bool value);
  /// `NULL`.
  [[nodiscard]] static attribute_value null();
  /// `M`.
  [[nodiscard]] static attribute_value map(attribute_map value);
  /// `L`.
  [[nodiscard]] static attribute_value list(std::vector<attribute_value> value);
  /// `SS`. DynamoDB rejects empty sets and duplicates; they are sent as given.
  [[nodiscard]] static attribute_value string_set(std::vector<std::string> value);
  /// `NS`. Throws `validation_error` for an element that is not a number literal.
  [[nodiscard]] static attribute_value number_set(std::vector<std::string> literals);
  /// `BS`: raw bytes per element.
  [[nodiscard]] static attribute_value binary_set(std::vector<std::string> value);

  [[nodiscard]] attribute_type type() const noexcept { return type_; }
  [[nodiscard]] bool is_string() const noexcept { return type_ == attribute_type::string; }
  [[nodiscard]] bool is_number() const noexcept { return type_ == attribute_type::number; }
  [[nodiscard]] bool is_binary() const noexcept { return type_ == attribute_type::binary; }
  [[nodiscard]] bool is_bool() const noexcept { return type_ == attribute_type::boolean; }
  [[nodiscard]] bool is_null() const noexcept { return type_ == attribute_type::null; }
  [[nodiscard]] bool is_map() const noexcept { return type_ == attribute_type::map; }
  [[nodiscard]] bool is_list() const noexcept { return type_ == attribute_type::list; }
  [[nodiscard]] bool is_string_set() const noexcept { return type_ == attribute_type::string_set; }
  [[nodiscard]] bool is_number_set() const noexcept { return type_ == attribute_type::number_set; }
  [[nodiscard]] bool is_binary_set() const noexcept { return type_ == attribute_type::binary_set; }

  // Accessors. Each throws `serialization_error` ("expected N, got S") on a type mismatch.

  [[nodiscard]] const std::string& as_string() const;
  /// The decimal literal, exactly as given or as DynamoDB returned it (Local normalises, e.g.
  /// "007" comes back as "7": compare parsed values, not literals, across a round trip).
  [[nodiscard]] const std::string& as_number() const;
  /// The number as `int64_t`. Throws `serialization_error` when it is not an integer literal
  /// (fraction or exponent) or is out of range.
  [[nodiscard]] std::int64_t as_int64() const;
  /// The number as `uint64_t`. Throws like `as_int64()`, also for negative numbers.
  [[nodiscard]] std::uint64_t as_uint64() const;
  [[nodiscard]] const std::string& as_binary() const;
  [[nodiscard]] bool as_bool() const;
  [[nodiscard]] const attribute_map& as_map() const;
  [[nodiscard]] const std::vector<attribute_value>& as_list() const;
  [[nodiscard]] const std::vector<std::string>& as_string_set() const;
  [[nodiscard]] const std::vector<std::string>& as_number_set() const;
  [[nodiscard]] const std::vector<std::string>& as_binary_set() const;

  /// Same type and same content. Numbers compare as literals ("1" != "1.0"); sets compare
  /// regardless of element order (DynamoDB does not keep set order); lists and maps compare
  /// element-wise.
  friend bool operator==(const attribute_value& lhs, const attribute_value& rhs);

 private:
  explicit attribute_value(attribute_type type) noexcept : type_(type) {}
  static attribute_value from_int64(std::int64_t value);
  static attribute_value from_uint64(std::uint64_t value);
  void expect(attribute_type wanted) const;

  attribute_type type_ = attribute_type::null;
  bool bool_ = false;
  std::string text_;                    // S, N (literal), B (bytes)
  std::vector<std::string> set_;        // SS, NS, BS
  std::vector<attribute_value> list_;   // L
  std::unique_ptr<attribute_map> map_;  // M (indirect: the map type is recursive)
};

/// Prints the value as DynamoDB JSON (`{"S":"x"}`, binary base64-encoded); for logs and tests.
std::ostream& operator<<(std::ostream& out, const attribute_value& value);
/// Prints the map as a DynamoDB JSON object.
std::ostream& operator<<(std::ostream& out, const attribute_map& item);

/// The value as DynamoDB JSON, e.g. `{"N":"42"}`.
[[nodiscard]] std::string to_json(const attribute_value& value);
/// An item as a DynamoDB JSON object, e.g. `{"Id":{"S":"a"}}`.
[[nodiscard]] std::string to_json(const attribute_map& item);
/// Parses DynamoDB JSON of one item (`{"Id":{"S":"a"}}`). Throws `serialization_error` for
/// invalid JSON or an unknown type tag.
[[nodiscard]] attribute_map item_from_json(std::string_view json);

}  // namespace dynamo_es::dynamodb
