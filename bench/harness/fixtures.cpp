#include "fixtures.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <utility>

#include "dynamodb/codec.hpp"
#include "stores/dynamodb_backoff.hpp"
#include "stores/dynamodb_claims.hpp"
#include "stores/dynamodb_commit_id.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::bench {
namespace {

namespace layout = detail::table_layout;
using dynamodb::attribute_map;
using dynamodb::attribute_value;

// A number no real position or checkpoint takes, split out of an encoded body.
constexpr std::int64_t sentinel = 918273645546372819;

commit_template split_at_sentinel(const std::string& body) {
  const auto literal = std::to_string(sentinel);
  const auto at = body.find(literal);
  if (at == std::string::npos || body.find(literal, at + 1) != std::string::npos) {
    throw std::logic_error("dynamo-es-bench: cannot split a body template");
  }
  return {body.substr(0, at), body.substr(at + literal.size())};
}

attribute_map counter_key() {
  return detail::event_key(layout::counter_id, layout::counter_playhead);
}

}  // namespace

domain_message bench_event(std::string_view aggregate_id, std::int64_t playhead) {
  // 200 bytes of JSON, escapes included, as a serializer would write an order line.
  std::string json = R"({"orderId":")" + std::string(aggregate_id) +
                     R"(","sku":"SKU-0042\/blue","quantity":3,"unitPrice":"19.99",)"
                     R"("note":"gift \"wrap\"","addedBy":"user-17","tags":["a","b"],"v":1})";
  return domain_message::record_now(std::string(aggregate_id), playhead, metadata{},
                                    serialized_payload{"Bench\\Event\\ItemAdded", std::move(json)});
}

std::string aggregate_id(std::int64_t n) {
  char text[48];
  std::snprintf(text, sizeof text, "b0000000-0000-4000-8000-%012lld", static_cast<long long>(n));
  return text;
}

std::int64_t aggregate_number(std::string_view id) {
  constexpr std::string_view prefix = "b0000000-0000-4000-8000-";
  if (!id.starts_with(prefix) || id.size() != prefix.size() + 12) return -1;
  std::int64_t n = 0;
  for (const char c : id.substr(prefix.size())) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

domain_event_stream single(domain_message message) {
  std::vector<domain_message> events;
  events.push_back(std::move(message));
  return domain_event_stream(std::move(events));
}

std::string append_transaction_body(std::string_view table, const domain_message& event,
                                    std::int64_t position, std::optional<std::int64_t> expected,
                                    bool conditioned) {
  // As detail::conditional_counter::build_request writes it.
  using dynamodb::return_value_on_condition_check_failure;
  dynamodb::transact_write_items_request request;
  dynamodb::transact_update counter;
  counter.table_name = std::string(table);
  counter.key = counter_key();
  counter.update_expression = "SET #v = :new";
  counter.expression_attribute_names.emplace("#v", layout::counter_value);
  counter.expression_attribute_values.emplace(":new", attribute_value::number(position));
  if (conditioned) {
    if (expected) {
      counter.condition_expression = "#v = :expected";
      counter.expression_attribute_values.emplace(":expected", attribute_value::number(*expected));
    } else {
      counter.condition_expression = "attribute_not_exists(#v)";
    }
  }
  counter.return_values_on_condition_check_failure =
      return_value_on_condition_check_failure::all_old;
  request.transact_items.emplace_back(std::move(counter));

  request.client_request_token = detail::random_token();
  request.transact_items.emplace_back(detail::claim_put(
      table, detail::committed_claim_item(position, 1, request.client_request_token)));
  dynamodb::transact_put put;
  put.table_name = std::string(table);
  put.item = detail::encode_event(event, position);
  // The store marks each row with the token of the transaction that wrote it.
  put.item.insert_or_assign(std::string(detail::commit_id_attribute),
                            attribute_value::string(request.client_request_token));
  put.condition_expression = std::string(layout::event_put_condition);
  put.return_values_on_condition_check_failure = return_value_on_condition_check_failure::all_old;
  request.transact_items.emplace_back(std::move(put));
  return dynamodb::detail::encode_transact_write_items(request);
}

std::string reserve_body(std::string_view table, std::int64_t count) {
  dynamodb::update_item_request request;
  request.table_name = std::string(table);
  request.key = counter_key();
  request.update_expression = "ADD #v :inc";
  request.expression_attribute_names.emplace("#v", layout::counter_value);
  request.expression_attribute_values.emplace(":inc", attribute_value::number(count));
  request.return_values = dynamodb::return_value::updated_new;
  return dynamodb::detail::encode_update_item(request);
}

std::int64_t reserved_position(const std::string& response_body) {
  const auto attributes = dynamodb::detail::decode_attributes(response_body);
  const auto it = attributes.find(std::string(layout::counter_value));
  if (it == attributes.end()) {
    throw std::runtime_error("dynamo-es-bench: UpdateItem ADD returned no Value: " + response_body);
  }
  return it->second.as_int64();
}

std::string commit_template::body(std::int64_t position) const {
  std::string out;
  const auto number = std::to_string(position);
  out.reserve(prefix.size() + number.size() + suffix.size());
  out.append(prefix).append(number).append(suffix);
  return out;
}

commit_template php_commit_template(std::string_view table, const domain_message& event) {
  dynamodb::transact_write_items_request request;
  dynamodb::transact_put put;
  put.table_name = std::string(table);
  put.item = detail::encode_event(event, sentinel);
  put.condition_expression = std::string(layout::event_put_condition);
  request.transact_items.emplace_back(std::move(put));
  request.client_request_token = detail::random_token();
  return split_at_sentinel(dynamodb::detail::encode_transact_write_items(request));
}

dynamodb::query_request feed_query(std::string_view table, std::int64_t after, std::int64_t limit) {
  // As detail::replay_reader::read_page writes it.
  dynamodb::query_request request;
  request.table_name = std::string(table);
  request.index_name = std::string(layout::index_name);
  request.key_condition_expression = "Feed = :feed AND GlobalPosition > :after";
  request.expression_attribute_values.emplace(
      ":feed", attribute_value::string(std::string(layout::feed_value)));
  request.expression_attribute_values.emplace(":after", attribute_value::number(after));
  request.limit = static_cast<std::int32_t>(limit);
  request.consistent_read = false;
  return request;
}

commit_template feed_query_template(std::string_view table, std::int64_t limit) {
  return split_at_sentinel(dynamodb::detail::encode_query(feed_query(table, sentinel, limit)));
}

std::optional<std::int64_t> counter_value(const dynamodb::client& client, std::string_view table) {
  dynamodb::get_item_request get;
  get.table_name = std::string(table);
  get.key = counter_key();
  get.consistent_read = true;
  const auto response = client.get_item(get);
  if (!response.item) return std::nullopt;
  const auto it = response.item->find(std::string(layout::counter_value));
  if (it == response.item->end()) return std::nullopt;
  return it->second.as_int64();
}

std::vector<std::int64_t> feed_positions(const dynamodb::client& client, std::string_view table) {
  dynamodb::query_request request;
  request.table_name = std::string(table);
  request.index_name = std::string(layout::index_name);
  request.key_condition_expression = "Feed = :feed";
  request.expression_attribute_values.emplace(
      ":feed", attribute_value::string(std::string(layout::feed_value)));
  request.projection_expression = "GlobalPosition";
  std::vector<std::int64_t> positions;
  for (const auto& item : client.query_all(std::move(request))) {
    positions.push_back(item.at(std::string(layout::global_position)).as_int64());
  }
  return positions;
}

std::int64_t verify_positions(const dynamodb::client& client, std::string_view table,
                              std::int64_t events, std::string_view where, bool counter_bounds) {
  const auto positions = feed_positions(client, table);
  check(static_cast<std::int64_t>(positions.size()) == events, where,
        "expected " + std::to_string(events) + " events in the feed, found " +
            std::to_string(positions.size()));
  for (std::size_t i = 1; i < positions.size(); ++i) {
    check(positions[i] > positions[i - 1], where,
          "position " + std::to_string(positions[i]) + " appears twice");
  }
  auto counter = counter_value(client, table).value_or(0);
  if (counter_bounds) {
    check(positions.empty() || positions.back() <= counter, where,
          "an event lies beyond the counter (" + std::to_string(counter) + ")");
  } else if (!positions.empty()) {
    counter = std::max(counter, positions.back());
  }
  // The positions without an event, as runs [first, last].
  std::vector<std::pair<std::int64_t, std::int64_t>> holes;
  std::int64_t expected_next = 1;
  const auto hole_until = [&](std::int64_t next_event) {
    if (next_event > expected_next) holes.emplace_back(expected_next, next_event - 1);
    expected_next = next_event + 1;
  };
  for (const auto position : positions) hole_until(position);
  hole_until(counter + 1);
  std::int64_t voided = 0;
  for (const auto& [first, last] : holes) {
    const auto claims = detail::read_claims(client, table, first, last);
    for (auto position = first; position <= last; ++position) {
      const bool covered = std::any_of(claims.begin(), claims.end(), [&](const auto& claim) {
        return claim.status == detail::position_claim::state::voided && claim.covers(position);
      });
      check(covered, where,
            "position " + std::to_string(position) +
                " holds no event and no void claim covers it (a skipped position)");
      ++voided;
    }
  }
  return voided;
}

void check(bool ok, std::string_view where, std::string_view what) {
  if (!ok) throw std::runtime_error(std::string(where) + ": " + std::string(what));
}

}  // namespace dynamo_es::bench
