#pragma once

/// \file
/// A minimal streaming JSON writer into one `std::string`: the request bodies are small, flat and
/// known in shape, and writing them directly is several times faster than building a DOM first
/// (see bench/json/RESULTS.md).

#include <cstdint>
#include <string>
#include <string_view>

namespace dynamo_es::dynamodb::detail {

/// Writes JSON tokens, inserting commas and colons. Strings are escaped and must be valid UTF-8
/// (`validation_error` otherwise: DynamoDB would reject them, and the error is clearer here).
/// The caller is responsible for balanced begin/end calls.
class json_writer {
 public:
  json_writer() { out_.reserve(256); }

  void begin_object() {
    separate();
    out_.push_back('{');
    need_comma_ = false;
  }
  void end_object() {
    out_.push_back('}');
    need_comma_ = true;
  }
  void begin_array() {
    separate();
    out_.push_back('[');
    need_comma_ = false;
  }
  void end_array() {
    out_.push_back(']');
    need_comma_ = true;
  }
  /// An object key; the next call writes its value.
  void key(std::string_view name) {
    separate();
    write_escaped(name);
    out_.push_back(':');
    need_comma_ = false;
  }
  void string(std::string_view value) {
    separate();
    write_escaped(value);
    need_comma_ = true;
  }
  /// A token written verbatim (a number literal, `true`, ...).
  void raw(std::string_view token) {
    separate();
    out_.append(token);
    need_comma_ = true;
  }
  void boolean(bool value) { raw(value ? "true" : "false"); }
  void integer(std::int64_t value);

  /// `"name": "value"`.
  void member(std::string_view name, std::string_view value) {
    key(name);
    string(value);
  }

  [[nodiscard]] const std::string& str() const& noexcept { return out_; }
  [[nodiscard]] std::string take() && noexcept { return std::move(out_); }

 private:
  void separate() {
    if (need_comma_) {
      out_.push_back(',');
    }
  }
  void write_escaped(std::string_view text);

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace dynamo_es::dynamodb::detail
