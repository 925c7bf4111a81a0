#include "cli/table_reads.hpp"

#include <nlohmann/json.hpp>

#include "stores/dynamodb_claims.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::cli {
namespace {

namespace layout = detail::table_layout;
using dynamodb::attribute_value;

}  // namespace

std::optional<std::int64_t> read_counter(const dynamodb::client& client, const std::string& table) {
  dynamodb::get_item_request request;
  request.table_name = table;
  request.key = detail::event_key(layout::counter_id, layout::counter_playhead);
  request.consistent_read = true;
  const auto response = client.get_item(request);
  if (!response.item) return std::nullopt;
  const auto value = response.item->find(std::string(layout::counter_value));
  if (value == response.item->end()) return std::nullopt;
  return value->second.as_int64();
}

std::int64_t read_head_playhead(const dynamodb::client& client, const std::string& table,
                                std::string_view aggregate_id) {
  dynamodb::query_request request;
  request.table_name = table;
  request.key_condition_expression = "Id = :id";
  request.expression_attribute_values.emplace(":id",
                                              attribute_value::string(std::string(aggregate_id)));
  request.scan_index_forward = false;
  request.limit = 1;
  request.consistent_read = true;
  const auto response = client.query(request);
  if (response.items.empty()) return -1;
  return response.items.front().at(std::string(layout::playhead)).as_int64();
}

std::optional<std::int64_t> read_last_position(const dynamodb::client& client,
                                               const std::string& table) {
  return detail::highest_feed_position(client, table);
}

bool table_has_items(const dynamodb::client& client, const std::string& table) {
  // The client has no Scan; one item is all this needs to see.
  const nlohmann::json request = {{"TableName", table}, {"Limit", 1}, {"Select", "COUNT"}};
  const auto response = nlohmann::json::parse(client.call("Scan", request.dump()));
  return response.value("Count", 0) > 0;
}

std::vector<dynamodb::attribute_map> read_stream_rows(
    const dynamodb::client& client, const std::string& table, std::string_view aggregate_id,
    std::optional<std::int64_t> from, std::optional<std::int64_t> to, bool consistent_read) {
  dynamodb::query_request request;
  request.table_name = table;
  request.key_condition_expression = "Id = :id";
  request.expression_attribute_values.emplace(":id",
                                              attribute_value::string(std::string(aggregate_id)));
  if (from && to) {
    request.key_condition_expression += " AND Playhead BETWEEN :from AND :to";
  } else if (from) {
    request.key_condition_expression += " AND Playhead >= :from";
  } else if (to) {
    request.key_condition_expression += " AND Playhead <= :to";
  }
  if (from) request.expression_attribute_values.emplace(":from", attribute_value::number(*from));
  if (to) request.expression_attribute_values.emplace(":to", attribute_value::number(*to));
  request.consistent_read = consistent_read;
  std::vector<dynamodb::attribute_map> rows;
  client.for_each_query_page(std::move(request), [&](dynamodb::query_response& page) {
    for (auto& item : page.items) {
      if (detail::is_event_row(item)) rows.push_back(std::move(item));
    }
    return true;
  });
  return rows;
}

}  // namespace dynamo_es::cli
