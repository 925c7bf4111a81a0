#pragma once

// What every fuzz target shares: the rule that separates an expected rejection from a finding.
//
// A decoder fed garbage may only fail the way it documents: with an exception derived from
// `dynamo_es::error`. Anything else that escapes (std::out_of_range, a raw simdjson error, ...)
// is a finding, as are crashes and sanitizer reports. A finding is printed, then the process
// aborts so that libFuzzer saves the input as a crash file.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

#include "dynamo_es/error.hpp"

namespace dynamo_es::fuzz {

[[noreturn]] inline void finding(std::string_view what) {
  std::fprintf(stderr, "\n==fuzz finding== %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

/// Aborts with `what` unless `condition` holds: for properties (round trips) a target checks.
inline void require(bool condition, std::string_view what) {
  if (!condition) finding(what);
}

/// Runs `step`; returns true when it completed, false when it threw a `dynamo_es::error`.
/// Any other exception is a finding.
template <typename Step>
bool expect_only_library_errors(std::string_view name, Step&& step) {
  try {
    step();
    return true;
  } catch (const dynamo_es::error&) {
    return false;
  } catch (const std::exception& e) {
    finding(std::string(name) + " threw an undocumented " + typeid(e).name() + ": " + e.what());
  } catch (...) {
    finding(std::string(name) + " threw something that is not a std::exception");
  }
}

/// The fuzz input as text (any bytes, not necessarily UTF-8).
inline std::string as_string(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace dynamo_es::fuzz
