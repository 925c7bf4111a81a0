#pragma once

// JSON helpers shared by metadata, payloads and append validation. Private: this header includes
// nlohmann, which public headers must not.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace dynamo_es::detail {

// Insertion-ordered, so a value keeps the key order it was written with.
using ordered_json = nlohmann::ordered_json;

/// Any JSON value. Throws `serialization_error` ("Syntax error in JSON ...") on invalid JSON,
/// including invalid UTF-8 inside strings.
[[nodiscard]] ordered_json parse_json(std::string_view text);

/// A JSON value that must decode to a PHP array (an object or a list), as the PHP package's
/// `JsonDecoder` requires; otherwise `serialization_error` with PHP's wording:
/// `Expected json "1" to decode to array, instead got integer`.
[[nodiscard]] ordered_json parse_json_array(std::string_view text);

/// PHP's `gettype()` of the value `json_decode` would produce: integer, double, string, boolean,
/// NULL or array (integers beyond int64 become doubles in PHP).
[[nodiscard]] std::string_view php_type_name(const ordered_json& value);

/// Compact JSON text. Throws `serialization_error` when a string holds invalid UTF-8.
[[nodiscard]] std::string dump_json(const ordered_json& value);

/// Equality of two decoded values as PHP compares the arrays `json_decode` makes: `{}` equals
/// `[]`, a list equals the object with keys "0".."n-1", key order does not matter, 1 equals 1.0.
[[nodiscard]] bool php_equal(const ordered_json& a, const ordered_json& b);

/// `php_equal` of two JSON texts; texts that do not parse are compared byte for byte.
[[nodiscard]] bool php_json_text_equal(std::string_view a, std::string_view b);

/// `text` for an error message: cut after 256 bytes.
[[nodiscard]] std::string quote_for_message(std::string_view text);

}  // namespace dynamo_es::detail
