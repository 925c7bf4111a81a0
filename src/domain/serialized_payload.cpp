#include "dynamo_es/serialized_payload.hpp"

#include "domain/json_text.hpp"

namespace dynamo_es {

bool operator==(const serialized_payload& a, const serialized_payload& b) {
  return a.class_name == b.class_name && detail::php_json_text_equal(a.json, b.json);
}

}  // namespace dynamo_es
