#pragma once

/// \file
/// Writing attribute values as DynamoDB JSON (`{"S":"x"}`, binary as base64).

#include "dynamo_es/dynamodb/attribute_value.hpp"
#include "dynamodb/json_writer.hpp"

namespace dynamo_es::dynamodb::detail {

void write_attribute_value(json_writer& out, const attribute_value& value);
/// `{"name":{...},...}`
void write_attribute_map(json_writer& out, const attribute_map& item);

}  // namespace dynamo_es::dynamodb::detail
