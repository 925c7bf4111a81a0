#include "dynamo_es/dynamodb/requests.hpp"

namespace dynamo_es::dynamodb {

std::string_view to_string(scalar_type value) noexcept {
  switch (value) {
    case scalar_type::string:
      return "S";
    case scalar_type::number:
      return "N";
    case scalar_type::binary:
      return "B";
  }
  return "?";
}

std::string_view to_string(key_type value) noexcept {
  return value == key_type::hash ? "HASH" : "RANGE";
}

std::string_view to_string(projection_type value) noexcept {
  switch (value) {
    case projection_type::all:
      return "ALL";
    case projection_type::keys_only:
      return "KEYS_ONLY";
    case projection_type::include:
      return "INCLUDE";
  }
  return "?";
}

std::string_view to_string(billing_mode value) noexcept {
  return value == billing_mode::pay_per_request ? "PAY_PER_REQUEST" : "PROVISIONED";
}

std::string_view to_string(table_status value) noexcept {
  switch (value) {
    case table_status::creating:
      return "CREATING";
    case table_status::updating:
      return "UPDATING";
    case table_status::deleting:
      return "DELETING";
    case table_status::active:
      return "ACTIVE";
    case table_status::archiving:
      return "ARCHIVING";
    case table_status::archived:
      return "ARCHIVED";
    case table_status::unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::string_view to_string(index_status value) noexcept {
  switch (value) {
    case index_status::creating:
      return "CREATING";
    case index_status::updating:
      return "UPDATING";
    case index_status::deleting:
      return "DELETING";
    case index_status::active:
      return "ACTIVE";
    case index_status::unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

}  // namespace dynamo_es::dynamodb
