#pragma once

/// \file
/// Typed requests and responses of the DynamoDB operations the client offers. Names follow the
/// AWS API in snake_case (`KeyConditionExpression` -> `key_condition_expression`). An empty string,
/// an empty map or `std::nullopt` means "not sent" unless a field says otherwise.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dynamo_es/dynamodb/attribute_value.hpp"

namespace dynamo_es::dynamodb {

/// `ExpressionAttributeNames`: placeholder (`#v`) -> attribute name (`Value`).
using expression_names = std::map<std::string, std::string>;

// --- Tables ---------------------------------------------------------------------------------

/// Type of a key attribute: S, N or B.
enum class scalar_type { string, number, binary };
enum class key_type { hash, range };
enum class projection_type { all, keys_only, include };
enum class billing_mode { pay_per_request, provisioned };
/// `TableStatus`; `unknown` for a status this client does not know.
enum class table_status { creating, updating, deleting, active, archiving, archived, unknown };
/// `IndexStatus`; `unknown` for a status this client does not know.
enum class index_status { creating, updating, deleting, active, unknown };

/// "S", "N", "B" / "HASH", "RANGE" / "ALL", ... / "PAY_PER_REQUEST", ... / "ACTIVE", ...
[[nodiscard]] std::string_view to_string(scalar_type value) noexcept;
[[nodiscard]] std::string_view to_string(key_type value) noexcept;
[[nodiscard]] std::string_view to_string(projection_type value) noexcept;
[[nodiscard]] std::string_view to_string(billing_mode value) noexcept;
[[nodiscard]] std::string_view to_string(table_status value) noexcept;
[[nodiscard]] std::string_view to_string(index_status value) noexcept;

struct attribute_definition {
  std::string attribute_name{};
  scalar_type attribute_type = scalar_type::string;
  friend bool operator==(const attribute_definition&, const attribute_definition&) = default;
};

struct key_schema_element {
  std::string attribute_name{};
  key_type type = key_type::hash;
  friend bool operator==(const key_schema_element&, const key_schema_element&) = default;
};

struct projection {
  projection_type type = projection_type::all;
  std::vector<std::string> non_key_attributes{};  ///< only with `include`
  friend bool operator==(const projection&, const projection&) = default;
};

struct provisioned_throughput {
  std::int64_t read_capacity_units = 0;
  std::int64_t write_capacity_units = 0;
  friend bool operator==(const provisioned_throughput&, const provisioned_throughput&) = default;
};

struct global_secondary_index {
  std::string index_name{};
  std::vector<key_schema_element> key_schema{};
  dynamodb::projection projection{};
  /// Required for a `provisioned` table, not sent otherwise.
  std::optional<dynamodb::provisioned_throughput> provisioned_throughput{};
};

struct create_table_request {
  std::string table_name{};
  std::vector<attribute_definition> attribute_definitions{};
  std::vector<key_schema_element> key_schema{};
  std::vector<global_secondary_index> global_secondary_indexes{};
  dynamodb::billing_mode billing_mode = billing_mode::pay_per_request;
  /// Required with `billing_mode::provisioned`, not sent otherwise.
  std::optional<dynamodb::provisioned_throughput> provisioned_throughput{};
};

struct global_secondary_index_description {
  std::string index_name{};
  std::vector<key_schema_element> key_schema{};
  dynamodb::projection projection{};
  index_status status = index_status::unknown;
  std::int64_t item_count = 0;
  std::int64_t index_size_bytes = 0;
  std::string index_arn{};
};

/// `TableDescription` as returned by CreateTable, DescribeTable and DeleteTable.
struct table_description {
  std::string table_name{};
  std::string table_arn{};
  table_status status = table_status::unknown;
  std::vector<key_schema_element> key_schema{};
  std::vector<attribute_definition> attribute_definitions{};
  std::vector<global_secondary_index_description> global_secondary_indexes{};
  /// `provisioned` when the response has no `BillingModeSummary` (as AWS documents).
  dynamodb::billing_mode billing_mode = billing_mode::provisioned;
  std::int64_t item_count = 0;
  std::int64_t table_size_bytes = 0;
};

// --- Items ----------------------------------------------------------------------------------

/// `ReturnValues` of PutItem/UpdateItem/DeleteItem (PutItem and DeleteItem accept only `none` and
/// `all_old`).
enum class return_value { none, all_old, updated_old, all_new, updated_new };
/// `ReturnValuesOnConditionCheckFailure`: `all_old` puts the current item into the
/// `conditional_check_failed` error / the transaction's cancellation reason.
enum class return_value_on_condition_check_failure { none, all_old };

struct get_item_request {
  std::string table_name{};
  attribute_map key{};
  bool consistent_read = false;  ///< always sent
  std::string projection_expression{};
  expression_names expression_attribute_names{};
};

struct get_item_response {
  std::optional<attribute_map> item{};  ///< nullopt when there is no such item
};

struct put_item_request {
  std::string table_name{};
  attribute_map item{};
  std::string condition_expression{};
  expression_names expression_attribute_names{};
  attribute_map expression_attribute_values{};
  return_value return_values = return_value::none;
  return_value_on_condition_check_failure return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::none;
};

struct put_item_response {
  attribute_map attributes{};  ///< with `return_values = all_old`, the replaced item
};

struct update_item_request {
  std::string table_name{};
  attribute_map key{};
  std::string update_expression{};
  std::string condition_expression{};
  expression_names expression_attribute_names{};
  attribute_map expression_attribute_values{};
  return_value return_values = return_value::none;
  return_value_on_condition_check_failure return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::none;
};

struct update_item_response {
  attribute_map attributes{};  ///< as selected by `return_values`
};

struct delete_item_request {
  std::string table_name{};
  attribute_map key{};
  std::string condition_expression{};
  expression_names expression_attribute_names{};
  attribute_map expression_attribute_values{};
  return_value return_values = return_value::none;
  return_value_on_condition_check_failure return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::none;
};

struct delete_item_response {
  attribute_map attributes{};  ///< with `return_values = all_old`, the deleted item
};

// --- Query ----------------------------------------------------------------------------------

struct query_request {
  std::string table_name{};
  std::string index_name{};  ///< empty = the base table
  std::string key_condition_expression{};
  std::string filter_expression{};
  std::string projection_expression{};  ///< empty = all attributes
  expression_names expression_attribute_names{};
  attribute_map expression_attribute_values{};
  /// Items *examined* per page (before the filter); nullopt = up to 1 MB per page.
  std::optional<std::int32_t> limit{};
  bool consistent_read = false;         ///< always sent; must be false on a GSI
  bool scan_index_forward = true;       ///< sent only when false (descending)
  attribute_map exclusive_start_key{};  ///< a previous page's `last_evaluated_key`
};

struct query_response {
  std::vector<attribute_map> items{};
  /// Empty on the last page. A page may be empty and still have a key (filter or Limit): keep
  /// paging until this is empty.
  attribute_map last_evaluated_key{};
  std::int64_t count = 0;
  std::int64_t scanned_count = 0;
};

// --- Transactions ---------------------------------------------------------------------------

struct transact_put {
  std::string table_name{};
  attribute_map item{};
  std::string condition_expression{};
  expression_names expression_attribute_names{};
  attribute_map expression_attribute_values{};
  return_value_on_condition_check_failure return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::none;
};

struct transact_update {
  std::string table_name{};
  attribute_map key{};
  std::string update_expression{};
  std::string condition_expression{};
  expression_names expression_attribute_names{};
  attribute_map expression_attribute_values{};
  return_value_on_condition_check_failure return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::none;
};

struct transact_delete {
  std::string table_name{};
  attribute_map key{};
  std::string condition_expression{};
  expression_names expression_attribute_names{};
  attribute_map expression_attribute_values{};
  return_value_on_condition_check_failure return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::none;
};

struct transact_condition_check {
  std::string table_name{};
  attribute_map key{};
  std::string condition_expression{};  ///< required
  expression_names expression_attribute_names{};
  attribute_map expression_attribute_values{};
  return_value_on_condition_check_failure return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::none;
};

/// One action of a TransactWriteItems.
using transact_write_item =
    std::variant<transact_put, transact_update, transact_delete, transact_condition_check>;

struct transact_write_items_request {
  std::vector<transact_write_item> transact_items{};  ///< 1 to 100 actions, distinct items
  /// Idempotency token (1 to 36 characters); empty = none sent. Re-sending the same request with
  /// the same token within 10 minutes has no further effect, so a retry after an ambiguous failure
  /// never writes twice.
  std::string client_request_token{};
};

struct transact_write_items_response {};

}  // namespace dynamo_es::dynamodb
