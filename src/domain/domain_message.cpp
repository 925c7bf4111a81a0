#include "dynamo_es/domain_message.hpp"

#include <algorithm>

namespace dynamo_es {

std::string domain_message::type() const {
  std::string type = payload_.class_name;
  std::replace(type.begin(), type.end(), '\\', '.');
  return type;
}

domain_message domain_message::and_metadata(const ::dynamo_es::metadata& extra) const {
  domain_message result = *this;
  result.metadata_ = metadata_.merge(extra);
  return result;
}

}  // namespace dynamo_es
