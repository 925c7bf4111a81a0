#include <type_traits>

#include "dynamodb/attribute_json.hpp"
#include "dynamodb/codec.hpp"
#include "dynamodb/json_writer.hpp"

namespace dynamo_es::dynamodb::detail {
namespace {

void optional_string(json_writer& out, std::string_view name, const std::string& value) {
  if (!value.empty()) {
    out.member(name, value);
  }
}

void expression_parameters(json_writer& out, const expression_names& names,
                           const attribute_map& values) {
  if (!names.empty()) {
    out.key("ExpressionAttributeNames");
    out.begin_object();
    for (const auto& [placeholder, name] : names) {
      out.member(placeholder, name);
    }
    out.end_object();
  }
  if (!values.empty()) {
    out.key("ExpressionAttributeValues");
    write_attribute_map(out, values);
  }
}

void item_member(json_writer& out, std::string_view name, const attribute_map& item) {
  out.key(name);
  write_attribute_map(out, item);
}

std::string_view wire_name(return_value value) {
  switch (value) {
    case return_value::none:
      return "NONE";
    case return_value::all_old:
      return "ALL_OLD";
    case return_value::updated_old:
      return "UPDATED_OLD";
    case return_value::all_new:
      return "ALL_NEW";
    case return_value::updated_new:
      return "UPDATED_NEW";
  }
  return "NONE";
}

void return_values(json_writer& out, return_value value) {
  if (value != return_value::none) {
    out.member("ReturnValues", wire_name(value));
  }
}

void return_values_on_failure(json_writer& out, return_value_on_condition_check_failure value) {
  if (value == return_value_on_condition_check_failure::all_old) {
    out.member("ReturnValuesOnConditionCheckFailure", "ALL_OLD");
  }
}

void key_schema(json_writer& out, const std::vector<key_schema_element>& elements) {
  out.key("KeySchema");
  out.begin_array();
  for (const auto& element : elements) {
    out.begin_object();
    out.member("AttributeName", element.attribute_name);
    out.member("KeyType", to_string(element.type));
    out.end_object();
  }
  out.end_array();
}

void throughput(json_writer& out, const provisioned_throughput& value) {
  out.key("ProvisionedThroughput");
  out.begin_object();
  out.key("ReadCapacityUnits");
  out.integer(value.read_capacity_units);
  out.key("WriteCapacityUnits");
  out.integer(value.write_capacity_units);
  out.end_object();
}

void write_projection(json_writer& out, const projection& value) {
  out.key("Projection");
  out.begin_object();
  out.member("ProjectionType", to_string(value.type));
  if (!value.non_key_attributes.empty()) {
    out.key("NonKeyAttributes");
    out.begin_array();
    for (const auto& name : value.non_key_attributes) {
      out.string(name);
    }
    out.end_array();
  }
  out.end_object();
}

// The members shared by the four transaction actions, after their key or item.
template <typename Action>
void action_tail(json_writer& out, const Action& action) {
  optional_string(out, "ConditionExpression", action.condition_expression);
  expression_parameters(out, action.expression_attribute_names, action.expression_attribute_values);
  return_values_on_failure(out, action.return_values_on_condition_check_failure);
}

void transact_item(json_writer& out, const transact_write_item& item) {
  out.begin_object();
  std::visit(
      [&](const auto& action) {
        using action_type = std::decay_t<decltype(action)>;
        if constexpr (std::is_same_v<action_type, transact_put>) {
          out.key("Put");
          out.begin_object();
          out.member("TableName", action.table_name);
          item_member(out, "Item", action.item);
        } else if constexpr (std::is_same_v<action_type, transact_update>) {
          out.key("Update");
          out.begin_object();
          out.member("TableName", action.table_name);
          item_member(out, "Key", action.key);
          out.member("UpdateExpression", action.update_expression);
        } else if constexpr (std::is_same_v<action_type, transact_delete>) {
          out.key("Delete");
          out.begin_object();
          out.member("TableName", action.table_name);
          item_member(out, "Key", action.key);
        } else {
          static_assert(std::is_same_v<action_type, transact_condition_check>);
          out.key("ConditionCheck");
          out.begin_object();
          out.member("TableName", action.table_name);
          item_member(out, "Key", action.key);
        }
        action_tail(out, action);
        out.end_object();
      },
      item);
  out.end_object();
}

}  // namespace

std::string encode_create_table(const create_table_request& request) {
  json_writer out;
  out.begin_object();
  out.member("TableName", request.table_name);
  out.key("AttributeDefinitions");
  out.begin_array();
  for (const auto& definition : request.attribute_definitions) {
    out.begin_object();
    out.member("AttributeName", definition.attribute_name);
    out.member("AttributeType", to_string(definition.attribute_type));
    out.end_object();
  }
  out.end_array();
  key_schema(out, request.key_schema);
  if (!request.global_secondary_indexes.empty()) {
    out.key("GlobalSecondaryIndexes");
    out.begin_array();
    for (const auto& index : request.global_secondary_indexes) {
      out.begin_object();
      out.member("IndexName", index.index_name);
      key_schema(out, index.key_schema);
      write_projection(out, index.projection);
      if (index.provisioned_throughput) {
        throughput(out, *index.provisioned_throughput);
      }
      out.end_object();
    }
    out.end_array();
  }
  out.member("BillingMode", to_string(request.billing_mode));
  if (request.provisioned_throughput) {
    throughput(out, *request.provisioned_throughput);
  }
  out.end_object();
  return std::move(out).take();
}

std::string encode_table_name(const std::string& table_name) {
  json_writer out;
  out.begin_object();
  out.member("TableName", table_name);
  out.end_object();
  return std::move(out).take();
}

std::string encode_get_item(const get_item_request& request) {
  json_writer out;
  out.begin_object();
  out.member("TableName", request.table_name);
  item_member(out, "Key", request.key);
  out.key("ConsistentRead");
  out.boolean(request.consistent_read);
  optional_string(out, "ProjectionExpression", request.projection_expression);
  expression_parameters(out, request.expression_attribute_names, {});
  out.end_object();
  return std::move(out).take();
}

std::string encode_put_item(const put_item_request& request) {
  json_writer out;
  out.begin_object();
  out.member("TableName", request.table_name);
  item_member(out, "Item", request.item);
  optional_string(out, "ConditionExpression", request.condition_expression);
  expression_parameters(out, request.expression_attribute_names,
                        request.expression_attribute_values);
  return_values(out, request.return_values);
  return_values_on_failure(out, request.return_values_on_condition_check_failure);
  out.end_object();
  return std::move(out).take();
}

std::string encode_update_item(const update_item_request& request) {
  json_writer out;
  out.begin_object();
  out.member("TableName", request.table_name);
  item_member(out, "Key", request.key);
  optional_string(out, "UpdateExpression", request.update_expression);
  optional_string(out, "ConditionExpression", request.condition_expression);
  expression_parameters(out, request.expression_attribute_names,
                        request.expression_attribute_values);
  return_values(out, request.return_values);
  return_values_on_failure(out, request.return_values_on_condition_check_failure);
  out.end_object();
  return std::move(out).take();
}

std::string encode_delete_item(const delete_item_request& request) {
  json_writer out;
  out.begin_object();
  out.member("TableName", request.table_name);
  item_member(out, "Key", request.key);
  optional_string(out, "ConditionExpression", request.condition_expression);
  expression_parameters(out, request.expression_attribute_names,
                        request.expression_attribute_values);
  return_values(out, request.return_values);
  return_values_on_failure(out, request.return_values_on_condition_check_failure);
  out.end_object();
  return std::move(out).take();
}

std::string encode_query(const query_request& request) {
  json_writer out;
  out.begin_object();
  out.member("TableName", request.table_name);
  optional_string(out, "IndexName", request.index_name);
  out.key("ConsistentRead");
  out.boolean(request.consistent_read);
  optional_string(out, "KeyConditionExpression", request.key_condition_expression);
  optional_string(out, "FilterExpression", request.filter_expression);
  optional_string(out, "ProjectionExpression", request.projection_expression);
  expression_parameters(out, request.expression_attribute_names,
                        request.expression_attribute_values);
  if (request.limit) {
    out.key("Limit");
    out.integer(*request.limit);
  }
  if (!request.scan_index_forward) {
    out.key("ScanIndexForward");
    out.boolean(false);
  }
  if (!request.exclusive_start_key.empty()) {
    item_member(out, "ExclusiveStartKey", request.exclusive_start_key);
  }
  out.end_object();
  return std::move(out).take();
}

std::string encode_transact_write_items(const transact_write_items_request& request) {
  json_writer out;
  out.begin_object();
  out.key("TransactItems");
  out.begin_array();
  for (const auto& item : request.transact_items) {
    transact_item(out, item);
  }
  out.end_array();
  optional_string(out, "ClientRequestToken", request.client_request_token);
  out.end_object();
  return std::move(out).take();
}

}  // namespace dynamo_es::dynamodb::detail
