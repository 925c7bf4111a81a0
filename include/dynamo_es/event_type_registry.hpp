#pragma once

/// \file
/// Maps C++ event types to PHP class names and JSON, in both directions: the C++ counterpart of
/// Broadway's `SimpleInterfaceSerializer` plus the class registry PHP gets from its autoloader.

#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <typeindex>
#include <typeinfo>
#include <utility>

#include "dynamo_es/aggregate_id.hpp"
#include "dynamo_es/domain_message.hpp"
#include "dynamo_es/metadata.hpp"
#include "dynamo_es/serialized_payload.hpp"

namespace dynamo_es {

/// Registry of event types. Each entry ties one C++ type to one PHP class name (exact,
/// case-sensitive, backslashes: `App\Domain\AccountOpened`) and to a pair of JSON functions.
///
/// Thread-safety: register every type before sharing the registry; after that, the const
/// functions (`serialize`, `deserialize`, ...) are safe to call from many threads at once.
/// `add` is not safe to call concurrently with anything else.
class event_type_registry {
 public:
  /// Registers `Event` with the nlohmann::json convention, without this header including it: pass
  /// `nlohmann::json` as `Json`, and provide `to_json`/`from_json` for `Event` as nlohmann expects.
  /// An event whose `to_json` leaves the value null (an event without fields) is written as `[]`,
  /// PHP's empty array. Throws `serialization_error` when the class name or the type is already
  /// registered, or the class name is empty.
  template <class Event, class Json>
  void add(std::string class_name) {
    add<Event>(
        std::move(class_name),
        [](const Event& event) {
          Json json = event;
          if (json.is_null()) json = Json::array();
          return json.dump();
        },
        [](std::string_view text) { return Json::parse(text).template get<Event>(); });
  }

  /// Registers `Event` with explicit JSON functions. `to_json_text` must return a JSON object or
  /// list (PHP decodes payloads to arrays).
  template <class Event>
  void add(std::string class_name, std::function<std::string(const Event&)> to_json_text,
           std::function<Event(std::string_view)> from_json_text) {
    to_json_function to = [to = std::move(to_json_text)](const void* event) {
      return to(*static_cast<const Event*>(event));
    };
    from_json_function from = [from = std::move(from_json_text)](std::string_view text) {
      return std::any(from(text));
    };
    add_erased(std::move(class_name), typeid(Event), std::move(to), std::move(from));
  }

  /// Whether `class_name` is registered.
  [[nodiscard]] bool contains(std::string_view class_name) const;

  /// The class name registered for `Event`; throws `serialization_error` when there is none.
  template <class Event>
  [[nodiscard]] const std::string& class_name_of() const {
    return class_name_of(std::type_index(typeid(Event)));
  }

  /// `{class name, JSON}` of `event`. Throws `serialization_error` when `Event` is not registered
  /// or its JSON is not an object or list.
  template <class Event>
  [[nodiscard]] serialized_payload serialize(const Event& event) const {
    return serialize_erased(std::type_index(typeid(Event)), &event);
  }

  /// The payload of `message` as the registered C++ type, in a `std::any`. Throws
  /// `unknown_event_class` (naming class, aggregate id and playhead) for an unregistered class,
  /// `serialization_error` when the JSON cannot be read.
  [[nodiscard]] std::any deserialize(const domain_message& message) const;

  /// The payload of `message` as `Event`. Throws like `deserialize`, and `serialization_error`
  /// when the message's class is registered for another type.
  template <class Event>
  [[nodiscard]] Event deserialize_as(const domain_message& message) const {
    check_registered_type(message, std::type_index(typeid(Event)));
    return std::any_cast<Event>(deserialize(message));
  }

  /// A message for `event`, recorded now.
  template <class Event, aggregate_id Id>
  [[nodiscard]] domain_message record_now(const Id& id, std::int64_t playhead, const Event& event,
                                          metadata extra = {}) const {
    return domain_message::record_now(id, playhead, std::move(extra), serialize(event));
  }

 private:
  using to_json_function = std::function<std::string(const void*)>;
  using from_json_function = std::function<std::any(std::string_view)>;

  struct entry {
    std::type_index type;
    to_json_function to_json;
    from_json_function from_json;
  };

  void add_erased(std::string class_name, std::type_index type, to_json_function to_json,
                  from_json_function from_json);
  [[nodiscard]] const std::string& class_name_of(std::type_index type) const;
  [[nodiscard]] serialized_payload serialize_erased(std::type_index type, const void* event) const;
  void check_registered_type(const domain_message& message, std::type_index expected) const;

  std::map<std::string, entry, std::less<>> by_class_;
  std::map<std::type_index, std::string> by_type_;
};

}  // namespace dynamo_es
