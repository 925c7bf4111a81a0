#pragma once

/// \file
/// Request bodies and response decoding for each operation: the client's typed structs <->
/// DynamoDB JSON. Bodies are written with `json_writer`; responses are read with simdjson
/// On-Demand (see bench/json/RESULTS.md for why). Decoders throw `serialization_error` for a body
/// that is not JSON of the expected shape.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb/errors.hpp"
#include "dynamo_es/dynamodb/requests.hpp"

namespace dynamo_es::dynamodb::detail {

// --- Requests -------------------------------------------------------------------------------

[[nodiscard]] std::string encode_create_table(const create_table_request& request);
/// `{"TableName":"..."}` (DescribeTable, DeleteTable).
[[nodiscard]] std::string encode_table_name(const std::string& table_name);
[[nodiscard]] std::string encode_get_item(const get_item_request& request);
[[nodiscard]] std::string encode_put_item(const put_item_request& request);
[[nodiscard]] std::string encode_update_item(const update_item_request& request);
[[nodiscard]] std::string encode_delete_item(const delete_item_request& request);
[[nodiscard]] std::string encode_query(const query_request& request);
[[nodiscard]] std::string encode_transact_write_items(const transact_write_items_request& request);

// --- Responses ------------------------------------------------------------------------------

/// The table description under `member` ("TableDescription" for CreateTable/DeleteTable,
/// "Table" for DescribeTable).
[[nodiscard]] table_description decode_table_description(const std::string& body,
                                                         std::string_view member);
[[nodiscard]] get_item_response decode_get_item(const std::string& body);
/// The `Attributes` member of PutItem/UpdateItem/DeleteItem (empty when absent).
[[nodiscard]] attribute_map decode_attributes(const std::string& body);
[[nodiscard]] query_response decode_query(const std::string& body);

/// What an error response says. Decoding never throws: a body that is not a JSON object leaves
/// `json` false.
struct error_body {
  bool json = false;
  std::string type;  ///< `__type` verbatim (with its namespace), empty when absent
  std::string message;
  std::optional<std::vector<cancellation_reason>> cancellation_reasons;
  std::optional<attribute_map> item;
};
[[nodiscard]] error_body decode_error_body(const std::string& body) noexcept;

}  // namespace dynamo_es::dynamodb::detail
