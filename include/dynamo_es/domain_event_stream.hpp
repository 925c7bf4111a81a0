#pragma once

/// \file
/// Broadway's `DomainEventStream`: the ordered events passed to `append` and returned by `load`.

#include <cstddef>
#include <initializer_list>
#include <utility>
#include <vector>

#include "dynamo_es/domain_message.hpp"

namespace dynamo_es {

/// An ordered sequence of messages; iteration yields them in the order they were given.
/// Thread-safety: a value type; concurrent reads of one object are safe.
class domain_event_stream {
 public:
  using value_type = domain_message;
  using const_iterator = std::vector<domain_message>::const_iterator;

  /// An empty stream (appending it is a no-op).
  domain_event_stream() = default;
  explicit domain_event_stream(std::vector<domain_message> messages)
      : messages_(std::move(messages)) {}
  domain_event_stream(std::initializer_list<domain_message> messages) : messages_(messages) {}

  [[nodiscard]] std::size_t size() const noexcept { return messages_.size(); }
  [[nodiscard]] bool empty() const noexcept { return messages_.empty(); }
  [[nodiscard]] const_iterator begin() const noexcept { return messages_.begin(); }
  [[nodiscard]] const_iterator end() const noexcept { return messages_.end(); }
  [[nodiscard]] const domain_message& operator[](std::size_t index) const {
    return messages_[index];
  }
  [[nodiscard]] const std::vector<domain_message>& messages() const noexcept { return messages_; }

  /// Element-wise equality, in order.
  friend bool operator==(const domain_event_stream&, const domain_event_stream&) = default;

 private:
  std::vector<domain_message> messages_;
};

}  // namespace dynamo_es
