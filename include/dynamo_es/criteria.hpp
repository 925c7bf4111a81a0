#pragma once

/// \file
/// Broadway's `Criteria`: which events `visit_events` and replay pages deliver.

#include <initializer_list>
#include <ranges>
#include <string>
#include <vector>

#include "dynamo_es/aggregate_id.hpp"
#include "dynamo_es/domain_message.hpp"

namespace dynamo_es {

/// Three lists, all empty by default; an empty list means "no restriction", non-empty lists are
/// ANDed. The `with_*` functions return a modified copy and leave the receiver unchanged.
///
/// Ids are compared as strings after `to_aggregate_id_string`, so id `42` matches message id
/// `"42"`; PHP's loose comparison (`"042"` matching `42`) is deliberately not reproduced. Event
/// types are dotted class names (`Broadway.EventStore.Management.Testing.Start`), case-sensitive.
///
/// Thread-safety: a value type; concurrent reads of one object are safe.
class criteria {
 public:
  /// Matches every event.
  [[nodiscard]] static criteria create() { return criteria{}; }

  /// Aggregate root types cannot be matched by any store (messages do not carry them): a
  /// criteria with types throws `criteria_not_supported` when it examines a message.
  [[nodiscard]] criteria with_aggregate_root_types(std::vector<std::string> types) const;

  [[nodiscard]] criteria with_aggregate_root_ids(std::vector<std::string> ids) const;

  /// Any ids, e.g. `{1, 3}` or `{identity_a, identity_b}`.
  template <aggregate_id Id>
  [[nodiscard]] criteria with_aggregate_root_ids(std::initializer_list<Id> ids) const {
    return with_aggregate_root_ids(to_strings(ids));
  }

  /// Any range of ids, e.g. a `std::vector<int>`.
  template <std::ranges::input_range Range>
  requires aggregate_id<std::ranges::range_value_t<Range>>
  [[nodiscard]] criteria with_aggregate_root_ids(const Range& ids) const {
    return with_aggregate_root_ids(to_strings(ids));
  }

  [[nodiscard]] criteria with_event_types(std::vector<std::string> types) const;

  [[nodiscard]] const std::vector<std::string>& aggregate_root_types() const noexcept {
    return aggregate_root_types_;
  }
  [[nodiscard]] const std::vector<std::string>& aggregate_root_ids() const noexcept {
    return aggregate_root_ids_;
  }
  [[nodiscard]] const std::vector<std::string>& event_types() const noexcept {
    return event_types_;
  }

  /// Broadway's `isMatchedBy`: throws `criteria_not_supported` (`Cannot match criteria based on
  /// aggregate root types.`) when aggregate root types are set; otherwise true when the message's
  /// id and type pass the non-empty lists.
  [[nodiscard]] bool is_matched_by(const domain_message& message) const;

  friend bool operator==(const criteria&, const criteria&) = default;

 private:
  template <class Range>
  static std::vector<std::string> to_strings(const Range& ids) {
    std::vector<std::string> out;
    for (const auto& id : ids) out.push_back(to_aggregate_id_string(id));
    return out;
  }

  std::vector<std::string> aggregate_root_types_;
  std::vector<std::string> aggregate_root_ids_;
  std::vector<std::string> event_types_;
};

}  // namespace dynamo_es
