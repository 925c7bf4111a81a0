#include "dynamo_es/dynamodb/attribute_value.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "dynamo_es/error.hpp"

namespace dynamo_es::dynamodb {
namespace {

bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Sets are unordered in DynamoDB: compare sorted copies.
bool same_set(const std::vector<std::string>& lhs, const std::vector<std::string>& rhs) {
  if (lhs.size() != rhs.size()) {
    return false;
  }
  std::vector<std::string_view> a(lhs.begin(), lhs.end());
  std::vector<std::string_view> b(rhs.begin(), rhs.end());
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

template <typename Int>
Int parse_integer(const std::string& literal, std::string_view type_name) {
  Int value{};
  const char* first = literal.data();
  const char* last = literal.data() + literal.size();
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec == std::errc::result_out_of_range) {
    throw serialization_error("number " + literal + " is out of the range of " +
                              std::string(type_name));
  }
  if (ec != std::errc{} || ptr != last) {
    throw serialization_error("number " + literal + " is not an integer literal (wanted " +
                              std::string(type_name) + ")");
  }
  return value;
}

// What a moved-from map value reads as (its storage went with the move).
const attribute_map& empty_map() {
  static const attribute_map empty;
  return empty;
}

void require_number(const std::string& literal) {
  if (!is_number_literal(literal)) {
    throw validation_error("\"" + literal + "\" is not a DynamoDB number");
  }
}

}  // namespace

std::string_view to_string(attribute_type type) noexcept {
  switch (type) {
    case attribute_type::string:
      return "S";
    case attribute_type::number:
      return "N";
    case attribute_type::binary:
      return "B";
    case attribute_type::boolean:
      return "BOOL";
    case attribute_type::null:
      return "NULL";
    case attribute_type::map:
      return "M";
    case attribute_type::list:
      return "L";
    case attribute_type::string_set:
      return "SS";
    case attribute_type::number_set:
      return "NS";
    case attribute_type::binary_set:
      return "BS";
  }
  return "?";
}

bool is_number_literal(std::string_view text) noexcept {
  std::size_t i = 0;
  const std::size_t n = text.size();
  if (i < n && text[i] == '-') {
    ++i;
  }
  std::size_t digits = 0;
  while (i < n && is_digit(text[i])) {
    ++i;
    ++digits;
  }
  if (i < n && text[i] == '.') {
    ++i;
    while (i < n && is_digit(text[i])) {
      ++i;
      ++digits;
    }
  }
  if (digits == 0) {
    return false;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '-' || text[i] == '+')) {
      ++i;
    }
    std::size_t exponent_digits = 0;
    while (i < n && is_digit(text[i])) {
      ++i;
      ++exponent_digits;
    }
    if (exponent_digits == 0) {
      return false;
    }
  }
  return i == n;
}

attribute_value::attribute_value(const attribute_value& other)
    : type_(other.type_),
      bool_(other.bool_),
      text_(other.text_),
      set_(other.set_),
      list_(other.list_),
      map_(other.map_ ? std::make_unique<attribute_map>(*other.map_) : nullptr) {}

attribute_value& attribute_value::operator=(const attribute_value& other) {
  if (this != &other) {
    attribute_value copy(other);
    *this = std::move(copy);
  }
  return *this;
}

attribute_value::~attribute_value() = default;

attribute_value attribute_value::string(std::string value) {
  attribute_value v(attribute_type::string);
  v.text_ = std::move(value);
  return v;
}

attribute_value attribute_value::number(std::string literal) {
  require_number(literal);
  attribute_value v(attribute_type::number);
  v.text_ = std::move(literal);
  return v;
}

attribute_value attribute_value::from_int64(std::int64_t value) {
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  attribute_value v(attribute_type::number);
  v.text_.assign(buffer.data(), result.ptr);
  return v;
}

attribute_value attribute_value::from_uint64(std::uint64_t value) {
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  attribute_value v(attribute_type::number);
  v.text_.assign(buffer.data(), result.ptr);
  return v;
}

attribute_value attribute_value::binary(std::string bytes) {
  attribute_value v(attribute_type::binary);
  v.text_ = std::move(bytes);
  return v;
}

attribute_value attribute_value::boolean(bool value) {
  attribute_value v(attribute_type::boolean);
  v.bool_ = value;
  return v;
}

attribute_value attribute_value::null() {
  return attribute_value(attribute_type::null);
}

attribute_value attribute_value::map(attribute_map value) {
  attribute_value v(attribute_type::map);
  v.map_ = std::make_unique<attribute_map>(std::move(value));
  return v;
}

attribute_value attribute_value::list(std::vector<attribute_value> value) {
  attribute_value v(attribute_type::list);
  v.list_ = std::move(value);
  return v;
}

attribute_value attribute_value::string_set(std::vector<std::string> value) {
  attribute_value v(attribute_type::string_set);
  v.set_ = std::move(value);
  return v;
}

attribute_value attribute_value::number_set(std::vector<std::string> literals) {
  for (const auto& literal : literals) {
    require_number(literal);
  }
  attribute_value v(attribute_type::number_set);
  v.set_ = std::move(literals);
  return v;
}

attribute_value attribute_value::binary_set(std::vector<std::string> value) {
  attribute_value v(attribute_type::binary_set);
  v.set_ = std::move(value);
  return v;
}

void attribute_value::expect(attribute_type wanted) const {
  if (type_ != wanted) {
    throw serialization_error("attribute value: expected " + std::string(to_string(wanted)) +
                              ", got " + std::string(to_string(type_)));
  }
}

const std::string& attribute_value::as_string() const {
  expect(attribute_type::string);
  return text_;
}

const std::string& attribute_value::as_number() const {
  expect(attribute_type::number);
  return text_;
}

std::int64_t attribute_value::as_int64() const {
  expect(attribute_type::number);
  return parse_integer<std::int64_t>(text_, "int64");
}

std::uint64_t attribute_value::as_uint64() const {
  expect(attribute_type::number);
  if (!text_.empty() && text_.front() == '-') {
    throw serialization_error("number " + text_ + " is out of the range of uint64");
  }
  return parse_integer<std::uint64_t>(text_, "uint64");
}

const std::string& attribute_value::as_binary() const {
  expect(attribute_type::binary);
  return text_;
}

bool attribute_value::as_bool() const {
  expect(attribute_type::boolean);
  return bool_;
}

const attribute_map& attribute_value::as_map() const {
  expect(attribute_type::map);
  return map_ ? *map_ : empty_map();
}

const std::vector<attribute_value>& attribute_value::as_list() const {
  expect(attribute_type::list);
  return list_;
}

const std::vector<std::string>& attribute_value::as_string_set() const {
  expect(attribute_type::string_set);
  return set_;
}

const std::vector<std::string>& attribute_value::as_number_set() const {
  expect(attribute_type::number_set);
  return set_;
}

const std::vector<std::string>& attribute_value::as_binary_set() const {
  expect(attribute_type::binary_set);
  return set_;
}

bool operator==(const attribute_value& lhs, const attribute_value& rhs) {
  if (lhs.type_ != rhs.type_) {
    return false;
  }
  switch (lhs.type_) {
    case attribute_type::string:
    case attribute_type::number:
    case attribute_type::binary:
      return lhs.text_ == rhs.text_;
    case attribute_type::boolean:
      return lhs.bool_ == rhs.bool_;
    case attribute_type::null:
      return true;
    case attribute_type::map:
      return lhs.as_map() == rhs.as_map();
    case attribute_type::list:
      return lhs.list_ == rhs.list_;
    case attribute_type::string_set:
    case attribute_type::number_set:
    case attribute_type::binary_set:
      return same_set(lhs.set_, rhs.set_);
  }
  return false;
}

}  // namespace dynamo_es::dynamodb
