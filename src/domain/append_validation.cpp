#include "domain/append_validation.hpp"

#include <set>
#include <string>

#include "domain/json_text.hpp"
#include "dynamo_es/error.hpp"

namespace dynamo_es::detail {
namespace {

// Ids can be 2 KB long: messages quote at most the first 64 bytes.
std::string quoted_id(std::string_view id) {
  constexpr std::size_t shown = 64;
  if (id.size() <= shown) return "\"" + std::string(id) + "\"";
  return "\"" + std::string(id.substr(0, shown)) + "...\"";
}

std::string where(std::string_view id, std::size_t index, const domain_message& message) {
  return "message " + std::to_string(index) + " (playhead " + std::to_string(message.playhead()) +
         ") of the append to aggregate " + quoted_id(id);
}

void validate_payload(std::string_view id, std::size_t index, const domain_message& message) {
  const serialized_payload& payload = message.payload();
  if (payload.class_name.empty()) {
    throw validation_error("Invalid " + where(id, index, message) +
                           ": attribute \"Payload.Class\" must not be empty");
  }
  try {
    static_cast<void>(parse_json_array(payload.json));
  } catch (const serialization_error& e) {
    throw validation_error("Invalid " + where(id, index, message) + " (class \"" +
                           payload.class_name + "\"): attribute \"Payload.Payload\" must be a " +
                           "JSON object or list: " + e.what());
  }
}

}  // namespace

void validate_aggregate_id(std::string_view id) {
  if (id.empty()) {
    throw validation_error(
        "Invalid aggregate id: attribute \"Id\" must not be empty (at least 1 byte)");
  }
  if (id == reserved_counter_id) {
    throw validation_error(
        "Invalid aggregate id \"_counter\": attribute \"Id\" value \"_counter\" is reserved for "
        "the global position counter");
  }
  if (id == reserved_claim_id) {
    throw validation_error(
        "Invalid aggregate id \"_position\": attribute \"Id\" value \"_position\" is reserved for "
        "the claim rows of global positions");
  }
  if (id.size() > max_aggregate_id_bytes) {
    throw validation_error("Invalid aggregate id " + quoted_id(id) + ": attribute \"Id\" is " +
                           std::to_string(id.size()) + " bytes long, the limit is " +
                           std::to_string(max_aggregate_id_bytes) + " bytes (UTF-8)");
  }
}

void validate_append(std::string_view append_id, const domain_event_stream& stream) {
  validate_aggregate_id(append_id);
  std::set<std::int64_t> seen;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    const domain_message& message = stream[i];
    if (message.id() != append_id) {
      throw validation_error("Invalid " + where(append_id, i, message) +
                             ": attribute \"Id\" of the message is " + quoted_id(message.id()) +
                             "; every message must carry the id it is appended under");
    }
    if (!seen.insert(message.playhead()).second) {
      throw validation_error("Invalid " + where(append_id, i, message) +
                             ": attribute \"Playhead\" " + std::to_string(message.playhead()) +
                             " appears twice in one append");
    }
    if (i > 0 && message.playhead() <= stream[i - 1].playhead()) {
      throw validation_error("Invalid " + where(append_id, i, message) +
                             ": attribute \"Playhead\" must strictly increase within one append, "
                             "but " +
                             std::to_string(message.playhead()) + " follows " +
                             std::to_string(stream[i - 1].playhead()));
    }
    validate_payload(append_id, i, message);
  }
}

}  // namespace dynamo_es::detail
