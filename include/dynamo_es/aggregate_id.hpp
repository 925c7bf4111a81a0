#pragma once

/// \file
/// What can identify an aggregate. Broadway converts every id to a string before use (`42` →
/// `"42"`, an identity object → its `__toString()`); C++ checks the same at compile time.

#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>

namespace dynamo_es {
namespace detail {

/// Anything a `std::string_view` can be made from: `std::string`, `const char*`, literals.
template <class T>
concept string_like_id = std::convertible_to<const T&, std::string_view>;

/// Integers (not `bool` and not character types, whose "number" is rarely what was meant).
template <class T>
concept integral_id =
    std::integral<T> && !std::same_as<std::remove_cv_t<T>, bool> &&
    !std::same_as<std::remove_cv_t<T>, char> && !std::same_as<std::remove_cv_t<T>, wchar_t> &&
    !std::same_as<std::remove_cv_t<T>, char8_t> && !std::same_as<std::remove_cv_t<T>, char16_t> &&
    !std::same_as<std::remove_cv_t<T>, char32_t>;

/// A type with a `to_string(x)` found by argument-dependent lookup.
template <class T>
concept adl_to_string_id = requires(const T& id) {
  { to_string(id) } -> std::convertible_to<std::string>;
};

/// A type explicitly or implicitly convertible to `std::string` (Broadway's `StringIdentity`).
template <class T>
concept string_convertible_id = requires(const T& id) {
  static_cast<std::string>(id);
};

}  // namespace detail

/// A type usable as an aggregate id: string-like, an integer, a type with an ADL `to_string`, or
/// a type convertible to `std::string`. Anything else is rejected at compile time (the C++ form of
/// Broadway's "could not be converted to string" error).
template <class T>
concept aggregate_id = detail::string_like_id<T> || detail::integral_id<T> ||
    detail::adl_to_string_id<T> || detail::string_convertible_id<T>;

/// The string form of `id`, the one stored in the `Id` attribute. The first matching rule wins:
/// string-like (copied as is), integer (decimal, `42` → `"42"`), ADL `to_string`, conversion to
/// `std::string`.
template <aggregate_id Id>
[[nodiscard]] std::string to_aggregate_id_string(const Id& id) {
  if constexpr (detail::string_like_id<Id>) {
    return std::string(std::string_view(id));
  } else if constexpr (detail::integral_id<Id>) {
    return std::to_string(id);
  } else if constexpr (detail::adl_to_string_id<Id>) {
    return std::string(to_string(id));
  } else {
    return static_cast<std::string>(id);
  }
}

}  // namespace dynamo_es
