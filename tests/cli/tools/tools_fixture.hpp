#pragma once

// A fixture for the verify/migrate tests against DynamoDB Local: tables laid out by hand (the
// legacy layout without index, rows with or without positions) and reads of what is stored.

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli_fixture.hpp"
#include "cli/table_verifier.hpp"
#include "cli/tools/rows.hpp"

namespace dynamo_es::testing {

class tools_test : public cli_test {
 protected:
  using row_key = std::pair<std::string, std::int64_t>;  // (Id, Playhead)

  // The table as versions of the PHP package before global positions created it: the key
  // Id/Playhead, no index (broadway-contract.md §4.2, legacy rows).
  void create_legacy_table(const std::string& name) {
    dynamodb::create_table_request request;
    request.table_name = name;
    request.attribute_definitions = {{"Id", dynamodb::scalar_type::string},
                                     {"Playhead", dynamodb::scalar_type::number}};
    request.key_schema = {{"Id", dynamodb::key_type::hash},
                          {"Playhead", dynamodb::key_type::range}};
    request.billing_mode = dynamodb::billing_mode::pay_per_request;
    static_cast<void>(db().create_table(request));
  }
  void create_legacy_table() { create_legacy_table(table()); }

  void put(const std::string& name, const dynamodb::attribute_map& item) {
    dynamodb::put_item_request request;
    request.table_name = name;
    request.item = item;
    static_cast<void>(db().put_item(request));
  }
  void put(const dynamodb::attribute_map& item) { put(table(), item); }

  // Many rows, 100 per transaction (faster than one PutItem each).
  void put_all(const std::string& name, const std::vector<dynamodb::attribute_map>& rows) {
    for (std::size_t i = 0; i < rows.size(); i += 100) {
      dynamodb::transact_write_items_request request;
      for (std::size_t k = i; k < std::min(rows.size(), i + 100); ++k) {
        dynamodb::transact_put put;
        put.table_name = name;
        put.item = rows[k];
        request.transact_items.emplace_back(std::move(put));
      }
      static_cast<void>(db().transact_write_items(request));
    }
  }

  // Every item, read once with a consistent paged scan.
  std::vector<dynamodb::attribute_map> items(const std::string& name) {
    std::vector<dynamodb::attribute_map> all;
    cli::scan_table(db(), name, {}, [&](std::vector<dynamodb::attribute_map>& page) {
      for (auto& item : page) all.push_back(std::move(item));
    });
    return all;
  }

  // Every event row's position (nullopt for a legacy row).
  std::map<row_key, std::optional<std::int64_t>> positions(const std::string& name) {
    std::map<row_key, std::optional<std::int64_t>> result;
    for (const auto& item : items(name)) {
      if (item.count("Metadata") == 0) continue;
      const auto position = item.find("GlobalPosition");
      result[{item.at("Id").as_string(), item.at("Playhead").as_int64()}] =
          position == item.end() ? std::nullopt : std::optional(position->second.as_int64());
    }
    return result;
  }
  std::map<row_key, std::optional<std::int64_t>> positions() { return positions(table()); }

  // The event rows ordered by position (legacy rows left out).
  std::vector<row_key> feed_order(const std::string& name) {
    std::vector<std::pair<std::int64_t, row_key>> by_position;
    for (const auto& [key, position] : positions(name)) {
      if (position) by_position.emplace_back(*position, key);
    }
    std::sort(by_position.begin(), by_position.end());
    std::vector<row_key> order;
    for (const auto& entry : by_position) order.push_back(entry.second);
    return order;
  }

  std::optional<std::int64_t> counter(const std::string& name) {
    dynamodb::get_item_request request;
    request.table_name = name;
    request.key = {{"Id", dynamodb::attribute_value::string("_counter")},
                   {"Playhead", dynamodb::attribute_value::number(0)}};
    request.consistent_read = true;
    const auto item = db().get_item(request).item;
    if (!item || item->count("Value") == 0) return std::nullopt;
    return item->at("Value").as_int64();
  }

  std::optional<dynamodb::index_status> index_status(const std::string& name) {
    for (const auto& index : db().describe_table(name).global_secondary_indexes) {
      if (index.index_name == "Feed-GlobalPosition-index") return index.status;
    }
    return std::nullopt;
  }

  // A legacy table's worth of rows: `aggregates` aggregates with `per_aggregate` events each,
  // recorded at times that interleave the aggregates and include other offsets and a skewed
  // clock, so that the RecordedOn order is neither the scan order nor the text order.
  static std::vector<dynamodb::attribute_map> legacy_rows(int aggregates, int per_aggregate) {
    std::vector<dynamodb::attribute_map> rows;
    for (int a = 0; a < aggregates; ++a) {
      for (int p = 0; p < per_aggregate; ++p) {
        // Seconds after 10:00 UTC; aggregate a's events are spread out and interleaved.
        int second = p * 7 + (a * 5) % 11;
        if (p == 2 && a % 3 == 0) second -= 9;  // a host whose clock ran late
        const int minute = second / 60;
        const int sec = ((second % 60) + 60) % 60;
        char text[64];
        if (a % 4 == 1) {
          // Written with offset +02:00: 12:00+02:00 is 10:00 UTC.
          std::snprintf(text, sizeof text, "2019-05-01T12:%02d:%02d.%06d+02:00", 0 + minute, sec,
                        a);
        } else {
          std::snprintf(text, sizeof text, "2019-05-01T10:%02d:%02d.%06d+00:00", 0 + minute, sec,
                        a);
        }
        rows.push_back(event_row("agg-" + std::to_string(a), p, std::nullopt, text));
      }
    }
    return rows;
  }
};

}  // namespace dynamo_es::testing
