#include "dynamo_es/event_type_registry.hpp"

#include "domain/json_text.hpp"
#include "dynamo_es/error.hpp"
#include "dynamo_es/event_store_errors.hpp"

namespace dynamo_es {
namespace {

std::string event_at(const domain_message& message) {
  return "for aggregate \"" + message.id() + "\" at playhead " + std::to_string(message.playhead());
}

}  // namespace

void event_type_registry::add_erased(std::string class_name, std::type_index type,
                                     to_json_function to_json, from_json_function from_json) {
  if (class_name.empty()) throw serialization_error("Event class name must not be empty");
  if (by_class_.contains(class_name)) {
    throw serialization_error("Event class \"" + class_name + "\" is already registered");
  }
  if (const auto found = by_type_.find(type); found != by_type_.end()) {
    throw serialization_error("C++ type " + std::string(type.name()) +
                              " is already registered as event class \"" + found->second + "\"");
  }
  by_type_.emplace(type, class_name);
  by_class_.emplace(std::move(class_name), entry{type, std::move(to_json), std::move(from_json)});
}

bool event_type_registry::contains(std::string_view class_name) const {
  return by_class_.find(class_name) != by_class_.end();
}

const std::string& event_type_registry::class_name_of(std::type_index type) const {
  const auto found = by_type_.find(type);
  if (found == by_type_.end()) {
    throw serialization_error("C++ type " + std::string(type.name()) +
                              " is not a registered event type; register it with "
                              "event_type_registry::add");
  }
  return found->second;
}

serialized_payload event_type_registry::serialize_erased(std::type_index type,
                                                         const void* event) const {
  const std::string& class_name = class_name_of(type);
  std::string json;
  try {
    json = by_class_.find(class_name)->second.to_json(event);
    static_cast<void>(detail::parse_json_array(json));
  } catch (const std::exception& e) {
    throw serialization_error("Event class \"" + class_name +
                              "\" must serialize to a JSON object or list: " + e.what());
  }
  return serialized_payload{class_name, std::move(json)};
}

std::any event_type_registry::deserialize(const domain_message& message) const {
  const serialized_payload& payload = message.payload();
  const auto found = by_class_.find(payload.class_name);
  if (found == by_class_.end()) {
    throw unknown_event_class(payload.class_name, message.id(), message.playhead());
  }
  try {
    return found->second.from_json(payload.json);
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw serialization_error("Cannot deserialize event class \"" + payload.class_name + "\" " +
                              event_at(message) + " from JSON \"" +
                              detail::quote_for_message(payload.json) + "\": " + e.what());
  }
}

void event_type_registry::check_registered_type(const domain_message& message,
                                                std::type_index expected) const {
  const auto found = by_class_.find(message.payload().class_name);
  if (found == by_class_.end()) {
    throw unknown_event_class(message.payload().class_name, message.id(), message.playhead());
  }
  if (found->second.type != expected) {
    throw serialization_error("Event class \"" + message.payload().class_name + "\" " +
                              event_at(message) + " is registered as C++ type " +
                              found->second.type.name() + ", not " + expected.name());
  }
}

}  // namespace dynamo_es
