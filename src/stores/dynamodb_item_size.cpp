#include "stores/dynamodb_item_size.hpp"

#include <cstdint>
#include <string>

#include "dynamo_es/error.hpp"

namespace dynamo_es::detail {
namespace {

constexpr std::size_t container_overhead = 3;  // M and L
constexpr std::size_t element_overhead = 1;    // per entry of an M or element of an L

// Floor division, for digit places left of (>= 0) and right of (< 0) the decimal point.
constexpr std::int64_t floor_half(std::int64_t place) {
  return place >= 0 ? place / 2 : -((-place + 1) / 2);
}

}  // namespace

std::size_t number_size(std::string_view literal) {
  if (!dynamodb::is_number_literal(literal)) {
    throw validation_error("\"" + std::string(literal) + "\" is not a DynamoDB number");
  }
  std::size_t i = 0;
  const bool negative = literal[i] == '-';
  if (negative) ++i;
  // Significant digits and the count of digits before the decimal point (`point`), adjusted by
  // the exponent; then leading zeros are dropped (moving the point) and trailing zeros too.
  std::string digits;
  std::int64_t point = 0;
  bool in_fraction = false;
  for (; i < literal.size() && literal[i] != 'e' && literal[i] != 'E'; ++i) {
    if (literal[i] == '.') {
      in_fraction = true;
      continue;
    }
    digits.push_back(literal[i]);
    if (!in_fraction) ++point;
  }
  if (i < literal.size()) {
    // DynamoDB's exponents stay within +-130; the cap only keeps absurd input from overflowing.
    std::size_t j = i + 1;
    const bool negative_exponent = literal[j] == '-';
    if (literal[j] == '-' || literal[j] == '+') ++j;
    std::int64_t exponent = 0;
    for (; j < literal.size() && exponent < 1'000'000; ++j)
      exponent = exponent * 10 + (literal[j] - '0');
    point += negative_exponent ? -exponent : exponent;
  }
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    return 1;  // zero
  }
  point -= static_cast<std::int64_t>(first);
  const auto last = digits.find_last_not_of('0');
  const auto significant = static_cast<std::int64_t>(last - first + 1);
  // Digit k of the significant digits sits at decimal place point - 1 - k (0 = units); base-100
  // bytes are the distinct place pairs these digits touch.
  const auto pairs = floor_half(point - 1) - floor_half(point - significant) + 1;
  return 1 + static_cast<std::size_t>(pairs) + (negative ? 1 : 0);
}

std::size_t value_size(const dynamodb::attribute_value& value) {
  using dynamodb::attribute_type;
  switch (value.type()) {
    case attribute_type::string:
      return value.as_string().size();
    case attribute_type::number:
      return number_size(value.as_number());
    case attribute_type::binary:
      return value.as_binary().size();
    case attribute_type::boolean:
    case attribute_type::null:
      return 1;
    case attribute_type::map: {
      std::size_t size = container_overhead;
      for (const auto& [name, element] : value.as_map()) {
        size += name.size() + value_size(element) + element_overhead;
      }
      return size;
    }
    case attribute_type::list: {
      std::size_t size = container_overhead;
      for (const auto& element : value.as_list()) {
        size += value_size(element) + element_overhead;
      }
      return size;
    }
    case attribute_type::string_set: {
      std::size_t size = 0;
      for (const auto& element : value.as_string_set()) size += element.size();
      return size;
    }
    case attribute_type::number_set: {
      std::size_t size = 0;
      for (const auto& element : value.as_number_set()) size += number_size(element);
      return size;
    }
    case attribute_type::binary_set: {
      std::size_t size = 0;
      for (const auto& element : value.as_binary_set()) size += element.size();
      return size;
    }
  }
  return 0;
}

std::size_t attribute_size(std::string_view name, const dynamodb::attribute_value& value) {
  return name.size() + value_size(value);
}

std::size_t item_size(const dynamodb::attribute_map& item) {
  std::size_t size = 0;
  for (const auto& [name, value] : item) size += attribute_size(name, value);
  return size;
}

}  // namespace dynamo_es::detail
