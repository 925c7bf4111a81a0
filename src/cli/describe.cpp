// describe: what state the table is in (status, items, counter, index, schema).

#include <fmt/core.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cli/command.hpp"
#include "cli/table_reads.hpp"
#include "stores/dynamodb_table_admin.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::cli {
namespace {

namespace layout = detail::table_layout;

const dynamodb::global_secondary_index_description* feed_index(
    const dynamodb::table_description& description) {
  for (const auto& index : description.global_secondary_indexes) {
    if (index.index_name == layout::index_name) return &index;
  }
  return nullptr;
}

}  // namespace

void add_describe_command(CLI::App& app, command_context& ctx) {
  auto* cmd = app.add_subcommand(
      "describe",
      "Show the table's status, item count, counter value, index status and whether its schema "
      "is the event-store schema");
  cmd->footer(R"(
Examples:
  dynamo-es --table events describe
  dynamo-es --table events --output json describe | jq .counter
Item counts come from DescribeTable: AWS refreshes them about every six hours.
Exit codes: 0 described (also when the schema differs: see "schema"), 2 no such table.)");
  cmd->callback([&ctx] {
    const auto& table = require_table(ctx.globals);
    const auto client = make_client(ctx.globals);
    const auto description = client->describe_table(table);
    const auto differences = detail::schema_differences(description);
    const auto* index = feed_index(description);
    const bool index_usable = index != nullptr && index->status == dynamodb::index_status::active;
    // The counter and feed reads need the event-store keys; another schema has neither.
    const bool event_table = differences.empty();
    const std::optional<std::int64_t> counter =
        event_table ? read_counter(*client, table) : std::nullopt;
    const std::optional<std::int64_t> last_position =
        index_usable && event_table ? read_last_position(*client, table) : std::nullopt;

    if (ctx.globals.json_errors) {
      nlohmann::ordered_json out = {
          {"table", table},
          {"status", std::string(dynamodb::to_string(description.status))},
          {"itemCount", description.item_count},
          {"sizeBytes", description.table_size_bytes},
          {"billingMode", std::string(dynamodb::to_string(description.billing_mode))},
          {"counter", counter ? nlohmann::ordered_json(*counter) : nullptr},
          {"lastGlobalPosition", last_position ? nlohmann::ordered_json(*last_position) : nullptr},
      };
      if (index != nullptr) {
        out["index"] = {{"name", index->index_name},
                        {"status", std::string(dynamodb::to_string(index->status))},
                        {"itemCount", index->item_count}};
      } else {
        out["index"] = nullptr;
      }
      out["schemaOk"] = differences.empty();
      out["schemaDifferences"] = differences;
      fmt::print("{}\n", out.dump());
      return;
    }

    fmt::print("table:          {}\n", table);
    fmt::print("status:         {}\n", dynamodb::to_string(description.status));
    fmt::print("items:          {} ({} bytes; approximate on AWS)\n", description.item_count,
               description.table_size_bytes);
    fmt::print("counter:        {}\n", counter       ? std::to_string(*counter)
                                       : event_table ? std::string("none (no event appended yet)")
                                                     : std::string("n/a"));
    if (index_usable && differences.empty()) {
      fmt::print("last position:  {}\n",
                 last_position ? std::to_string(*last_position) : std::string("none"));
    }
    if (index != nullptr) {
      fmt::print("index:          {} {} ({} items)\n", index->index_name,
                 dynamodb::to_string(index->status), index->item_count);
    } else {
      fmt::print("index:          {} missing\n", layout::index_name);
    }
    if (differences.empty()) {
      fmt::print("schema:         ok\n");
    } else {
      fmt::print("schema:         differs from the event-store schema:\n");
      for (const auto& difference : differences) fmt::print("  - {}\n", difference);
    }
  });
}

}  // namespace dynamo_es::cli
