#pragma once

// Raw JSON text inside a JSON document. Event lines embed the stored payload and metadata texts
// verbatim (so a backup keeps PHP's `\/` and `\u00e9` escapes and number spellings byte for byte),
// which needs the exact text of a member's value rather than a re-serialised copy.

#include <optional>
#include <string>
#include <string_view>

namespace dynamo_es::cli {

/// The text of member `key` of the JSON object `object_text` (the last one when the key repeats,
/// as JSON parsers do); nullopt when absent. `object_text` must be valid JSON (callers parse it
/// first): the scanner trusts its structure.
[[nodiscard]] std::optional<std::string_view> json_member_text(std::string_view object_text,
                                                               std::string_view key);

/// `text` without the whitespace between tokens: a valid JSON value fits on one line and keeps
/// every byte of its strings, numbers and escapes. `text` must be valid JSON.
[[nodiscard]] std::string compact_json_text(std::string_view text);

}  // namespace dynamo_es::cli
