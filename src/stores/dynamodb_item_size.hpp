#pragma once

// DynamoDB's item-size rules, so that an append over a limit is refused before any request (W9)
// instead of failing inside DynamoDB.
//
// The rules were measured on DynamoDB Local 3.3.0 at the exact 409,600-byte item boundary and
// agree with AWS's published description:
//  - a top-level attribute costs the UTF-8 bytes of its name plus the size of its value;
//  - S and B: their bytes; BOOL and NULL: 1;
//  - N: DynamoDB stores numbers in base 100 (two decimal digits per byte, aligned on the decimal
//    point, leading and trailing zero pairs dropped) plus one byte of exponent, plus one more for
//    a negative number; zero is 1 byte. So 1, 10, 100 and 1e20 are 2 bytes, 101 is 3, 1.5 is 3,
//    -1 is 3 and INT64_MAX is 11;
//  - M: 3 bytes, plus for each entry its name + its value + 1; L: 3, plus each element + 1;
//  - sets: the sum of their elements (each as a scalar above).

#include <cstddef>
#include <string_view>

#include "dynamo_es/dynamodb/attribute_value.hpp"

namespace dynamo_es::detail {

/// Bytes of the number literal `literal` (e.g. "12.5", "-1", "1.50E+2"). Throws
/// `validation_error` for a string that is not a number literal.
[[nodiscard]] std::size_t number_size(std::string_view literal);

/// Bytes of a value (without any attribute name).
[[nodiscard]] std::size_t value_size(const dynamodb::attribute_value& value);

/// Bytes of one top-level attribute: name + value.
[[nodiscard]] std::size_t attribute_size(std::string_view name,
                                         const dynamodb::attribute_value& value);

/// Bytes of an item as DynamoDB counts it against its 400 KB limit.
[[nodiscard]] std::size_t item_size(const dynamodb::attribute_map& item);

}  // namespace dynamo_es::detail
