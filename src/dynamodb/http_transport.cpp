#include "dynamo_es/dynamodb/http_transport.hpp"

#include <algorithm>
#include <cctype>

namespace dynamo_es::dynamodb {

std::string_view to_string(transport_status status) noexcept {
  switch (status) {
    case transport_status::ok:
      return "ok";
    case transport_status::connect_failed:
      return "connect_failed";
    case transport_status::timeout:
      return "timeout";
    case transport_status::send_failed:
      return "send_failed";
    case transport_status::receive_failed:
      return "receive_failed";
    case transport_status::tls_error:
      return "tls_error";
    case transport_status::checksum_mismatch:
      return "checksum_mismatch";
    case transport_status::other:
      return "other";
  }
  return "other";
}

bool may_have_reached_server(transport_status status) noexcept {
  switch (status) {
    case transport_status::ok:
    case transport_status::connect_failed:
    case transport_status::send_failed:
    case transport_status::tls_error:
      return false;
    case transport_status::timeout:
    case transport_status::receive_failed:
    case transport_status::checksum_mismatch:
    case transport_status::other:
      return true;
  }
  return true;
}

std::optional<std::string_view> http_result::header(std::string_view name) const {
  const auto same = [name](const http_header& h) {
    return std::equal(h.name.begin(), h.name.end(), name.begin(), name.end(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) ==
             std::tolower(static_cast<unsigned char>(b));
    });
  };
  const auto it = std::find_if(headers.begin(), headers.end(), same);
  if (it == headers.end()) {
    return std::nullopt;
  }
  return std::string_view(it->value);
}

}  // namespace dynamo_es::dynamodb
