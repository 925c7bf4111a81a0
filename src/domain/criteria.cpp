#include "dynamo_es/criteria.hpp"

#include <algorithm>

#include "dynamo_es/event_store_errors.hpp"

namespace dynamo_es {
namespace {

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

criteria criteria::with_aggregate_root_types(std::vector<std::string> types) const {
  criteria copy = *this;
  copy.aggregate_root_types_ = std::move(types);
  return copy;
}

criteria criteria::with_aggregate_root_ids(std::vector<std::string> ids) const {
  criteria copy = *this;
  copy.aggregate_root_ids_ = std::move(ids);
  return copy;
}

criteria criteria::with_event_types(std::vector<std::string> types) const {
  criteria copy = *this;
  copy.event_types_ = std::move(types);
  return copy;
}

bool criteria::is_matched_by(const domain_message& message) const {
  if (!aggregate_root_types_.empty()) {
    throw criteria_not_supported("Cannot match criteria based on aggregate root types.");
  }
  if (!aggregate_root_ids_.empty() && !contains(aggregate_root_ids_, message.id())) return false;
  if (!event_types_.empty() && !contains(event_types_, message.type())) return false;
  return true;
}

}  // namespace dynamo_es
