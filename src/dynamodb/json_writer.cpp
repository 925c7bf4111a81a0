#include "dynamodb/json_writer.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>

#include "dynamo_es/error.hpp"

namespace dynamo_es::dynamodb::detail {
namespace {

// 1 for the bytes JSON requires escaped: control characters, '"' and '\'.
constexpr std::array<bool, 256> needs_escape = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) {
    table[static_cast<std::size_t>(c)] = true;
  }
  table['"'] = true;
  table['\\'] = true;
  return table;
}();

}  // namespace

void json_writer::integer(std::int64_t value) {
  std::array<char, 24> buffer{};
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  raw(std::string_view(buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data())));
}

void json_writer::write_escaped(std::string_view text) {
  if (!simdjson::validate_utf8(text.data(), text.size())) {
    throw validation_error("string is not valid UTF-8 (DynamoDB requires UTF-8 strings)");
  }
  out_.reserve(out_.size() + text.size() + 2);
  out_.push_back('"');
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (!needs_escape[byte]) {
      continue;
    }
    out_.append(text.substr(run_start, i - run_start));
    run_start = i + 1;
    switch (byte) {
      case '"':
        out_.append("\\\"");
        break;
      case '\\':
        out_.append("\\\\");
        break;
      case '\n':
        out_.append("\\n");
        break;
      case '\r':
        out_.append("\\r");
        break;
      case '\t':
        out_.append("\\t");
        break;
      case '\b':
        out_.append("\\b");
        break;
      case '\f':
        out_.append("\\f");
        break;
      default: {
        constexpr std::string_view hex = "0123456789abcdef";
        out_.append("\\u00");
        out_.push_back(hex[byte >> 4]);
        out_.push_back(hex[byte & 0x0F]);
      }
    }
  }
  out_.append(text.substr(run_start));
  out_.push_back('"');
}

}  // namespace dynamo_es::dynamodb::detail
