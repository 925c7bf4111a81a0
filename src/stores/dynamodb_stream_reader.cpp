#include "stores/dynamodb_stream_reader.hpp"

#include <string>

#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {

std::vector<domain_message> read_aggregate_events(const dynamodb::client& client,
                                                  std::string_view table,
                                                  std::string_view aggregate_id,
                                                  std::optional<std::int64_t> from_playhead,
                                                  bool consistent_read) {
  std::vector<domain_message> events;
  if (aggregate_id.empty() || aggregate_id.size() > table_layout::max_hash_key_bytes) {
    // DynamoDB would answer with a ValidationException (W15); no row can have such a key.
    return events;
  }
  if (aggregate_id == table_layout::claim_id) {
    // Reserved (append refuses it): its rows are claims, never events of an aggregate, so there
    // is nothing to ask DynamoDB. (They hold no event attribute either, so a Query would find no
    // event row; this just saves the request.)
    return events;
  }
  dynamodb::query_request request;
  request.table_name = std::string(table);
  request.key_condition_expression =
      from_playhead ? "Id = :id AND Playhead >= :playhead" : "Id = :id";
  request.expression_attribute_values.emplace(
      ":id", dynamodb::attribute_value::string(std::string(aggregate_id)));
  if (from_playhead) {
    request.expression_attribute_values.emplace(":playhead",
                                                dynamodb::attribute_value::number(*from_playhead));
  }
  request.consistent_read = consistent_read;
  client.for_each_query_page(std::move(request), [&](dynamodb::query_response& page) {
    for (const auto& item : page.items) {
      if (is_event_row(item)) events.push_back(decode_event(item, table));
    }
    return true;
  });
  return events;
}

}  // namespace dynamo_es::detail
