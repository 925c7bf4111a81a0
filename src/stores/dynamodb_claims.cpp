#include "stores/dynamodb_claims.hpp"

#include <algorithm>
#include <utility>

#include "dynamo_es/dynamodb/errors.hpp"
#include "stores/dynamodb_commit_id.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

namespace layout = table_layout;
using dynamodb::attribute_map;
using dynamodb::attribute_value;

attribute_map claim_row(std::int64_t first, std::int64_t length, std::string_view state) {
  auto row = event_key(layout::claim_id, first);
  row.emplace(std::string(layout::claim_length), attribute_value::number(length));
  row.emplace(std::string(layout::claim_state), attribute_value::string(std::string(state)));
  return row;
}

}  // namespace

attribute_map committed_claim_item(std::int64_t first, std::int64_t length,
                                   std::string_view commit_id) {
  auto row = claim_row(first, length, layout::claim_committed);
  row.emplace(std::string(commit_id_attribute), attribute_value::string(std::string(commit_id)));
  return row;
}

attribute_map void_claim_item(std::int64_t first, std::int64_t length, std::string_view voided_by) {
  auto row = claim_row(first, length, layout::claim_void);
  row.emplace(std::string(layout::claim_voided_by),
              attribute_value::string(std::string(voided_by)));
  return row;
}

dynamodb::transact_put claim_put(std::string_view table, attribute_map claim_row_item) {
  dynamodb::transact_put put;
  put.table_name = std::string(table);
  put.item = std::move(claim_row_item);
  put.condition_expression = std::string(layout::claim_put_condition);
  put.return_values_on_condition_check_failure =
      dynamodb::return_value_on_condition_check_failure::all_old;
  return put;
}

std::optional<position_claim> decode_claim(const attribute_map& row) {
  const auto* id = find_attribute(row, layout::id);
  if (id == nullptr || !id->is_string() || id->as_string() != layout::claim_id) return std::nullopt;
  const auto first = int64_of(find_attribute(row, layout::playhead));
  const auto length = int64_of(find_attribute(row, layout::claim_length));
  const auto* state = find_attribute(row, layout::claim_state);
  if (!first || !length || *length < 1 || *length > layout::max_claim_length || state == nullptr ||
      !state->is_string()) {
    return std::nullopt;
  }
  position_claim claim;
  claim.first = *first;
  claim.length = *length;
  if (state->as_string() == layout::claim_committed) {
    claim.status = position_claim::state::committed;
  } else if (state->as_string() == layout::claim_void) {
    claim.status = position_claim::state::voided;
  } else {
    return std::nullopt;
  }
  if (const auto* commit = find_attribute(row, commit_id_attribute);
      commit != nullptr && commit->is_string()) {
    claim.commit_id = commit->as_string();
  }
  return claim;
}

std::vector<position_claim> read_claims(const dynamodb::client& client, std::string_view table,
                                        std::int64_t first, std::int64_t last) {
  dynamodb::query_request query;
  query.table_name = std::string(table);
  query.key_condition_expression = "#id = :id AND #p BETWEEN :first AND :last";
  query.expression_attribute_names = {{"#id", std::string(layout::id)},
                                      {"#p", std::string(layout::playhead)}};
  query.expression_attribute_values = {
      {":id", attribute_value::string(std::string(layout::claim_id))},
      // A claim starting up to max_claim_length - 1 positions before `first` may cover it.
      {":first", attribute_value::number(std::max<std::int64_t>(
                     first - layout::max_claim_length + 1, std::int64_t{0}))},
      {":last", attribute_value::number(std::max(last, first))}};
  // Strongly consistent: a claim committed before this read started is seen, whatever the index
  // shows. This is what lets a reader tell "lagging index" from "nobody committed".
  query.consistent_read = true;
  std::vector<position_claim> claims;
  for (const auto& row : client.query_all(std::move(query))) {
    if (auto claim = decode_claim(row); claim && claim->last() >= first && claim->first <= last) {
      claims.push_back(std::move(*claim));
    }
  }
  std::sort(claims.begin(), claims.end(),
            [](const position_claim& a, const position_claim& b) { return a.first < b.first; });
  return claims;
}

bool put_void_claim(const dynamodb::client& client, std::string_view table, std::int64_t first,
                    std::int64_t length, std::string_view voided_by,
                    std::optional<position_claim>* existing) {
  dynamodb::put_item_request put;
  put.table_name = std::string(table);
  put.item = void_claim_item(first, length, voided_by);
  put.condition_expression = std::string(layout::claim_put_condition);
  put.return_values_on_condition_check_failure =
      dynamodb::return_value_on_condition_check_failure::all_old;
  try {
    static_cast<void>(client.put_item(put));
    return true;
  } catch (const dynamodb::conditional_check_failed& e) {
    if (existing != nullptr) {
      *existing = e.item() ? decode_claim(*e.item()) : std::nullopt;
    }
    return false;
  }
}

std::optional<std::int64_t> highest_feed_position(const dynamodb::client& client,
                                                  std::string_view table) {
  dynamodb::query_request feed;
  feed.table_name = std::string(table);
  feed.index_name = std::string(layout::index_name);
  feed.key_condition_expression = "Feed = :feed";
  feed.expression_attribute_values.emplace(
      ":feed", attribute_value::string(std::string(layout::feed_value)));
  feed.scan_index_forward = false;
  feed.limit = 1;
  const auto top = client.query(feed);
  if (top.items.empty()) return std::nullopt;
  return decode_global_position(top.items.front(), table);
}

std::int64_t highest_used_position(const dynamodb::client& client, std::string_view table) {
  std::int64_t highest = highest_feed_position(client, table).value_or(0);
  dynamodb::query_request claims;
  claims.table_name = std::string(table);
  claims.key_condition_expression = "#id = :id";
  claims.expression_attribute_names = {{"#id", std::string(layout::id)}};
  claims.expression_attribute_values = {
      {":id", attribute_value::string(std::string(layout::claim_id))}};
  claims.scan_index_forward = false;
  claims.limit = 1;
  claims.consistent_read = true;
  const auto last_claim = client.query(claims);
  if (!last_claim.items.empty()) {
    if (const auto claim = decode_claim(last_claim.items.front())) {
      highest = std::max(highest, claim->last());
    }
  }
  return highest;
}

}  // namespace dynamo_es::detail
