#include "stores/dynamodb_table_admin.hpp"

#include <algorithm>
#include <optional>
#include <thread>

#include "dynamo_es/error.hpp"
#include "stores/dynamodb_backoff.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

namespace layout = table_layout;
using namespace dynamodb;
using clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds first_poll{100};
constexpr std::chrono::milliseconds longest_poll{1000};

std::string quote(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::string describe_keys(const std::vector<key_schema_element>& keys) {
  std::string text = "[";
  for (const auto& key : keys) {
    if (text.size() > 1) text += ", ";
    text += key.attribute_name + " " + std::string(to_string(key.type));
  }
  return text + "]";
}

std::vector<key_schema_element> keys(std::string_view hash, std::string_view range) {
  return {{std::string(hash), key_type::hash}, {std::string(range), key_type::range}};
}

std::optional<table_description> describe_if_exists(const client& client, std::string_view table) {
  try {
    return client.describe_table(std::string(table));
  } catch (const resource_not_found&) {
    return std::nullopt;
  }
}

bool is_ready(const table_description& description) {
  return description.status == table_status::active &&
         std::all_of(description.global_secondary_indexes.begin(),
                     description.global_secondary_indexes.end(),
                     [](const auto& index) { return index.status == index_status::active; });
}

// Polls `done(description or nullopt)` until true; throws `error` at the deadline.
template <class Done>
void poll(const client& client, std::string_view table, std::chrono::milliseconds timeout,
          std::string_view waiting_for, Done done) {
  const auto deadline = clock::now() + timeout;
  for (int round = 1;; ++round) {
    if (done(describe_if_exists(client, table))) return;
    const auto now = clock::now();
    if (now >= deadline) {
      throw error("Timed out after " + std::to_string(timeout.count()) + " ms waiting for table " +
                  quote(table) + " to " + std::string(waiting_for));
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    std::this_thread::sleep_for(
        std::min(exponential_backoff(round, first_poll, longest_poll), left));
  }
}

void wait_until_active(const client& client, std::string_view table,
                       std::chrono::milliseconds timeout) {
  // A table that was just created may briefly be unknown to DescribeTable on AWS: keep waiting.
  poll(client, table, timeout, "become ACTIVE with its index ACTIVE",
       [](const std::optional<table_description>& d) { return d && is_ready(*d); });
}

}  // namespace

create_table_request event_table_request(std::string table) {
  create_table_request request;
  request.table_name = std::move(table);
  request.attribute_definitions = {
      {std::string(layout::id), scalar_type::string},
      {std::string(layout::playhead), scalar_type::number},
      {std::string(layout::feed), scalar_type::string},
      {std::string(layout::global_position), scalar_type::number},
  };
  request.key_schema = keys(layout::id, layout::playhead);
  global_secondary_index index;
  index.index_name = std::string(layout::index_name);
  index.key_schema = keys(layout::feed, layout::global_position);
  index.projection.type = projection_type::all;
  request.global_secondary_indexes.push_back(std::move(index));
  request.billing_mode = billing_mode::pay_per_request;
  return request;
}

std::vector<std::string> schema_differences(const table_description& description) {
  std::vector<std::string> differences;
  const auto expected = event_table_request(description.table_name);
  if (description.key_schema != expected.key_schema) {
    differences.push_back("key schema is " + describe_keys(description.key_schema) + ", expected " +
                          describe_keys(expected.key_schema));
  }
  for (const auto& wanted : expected.attribute_definitions) {
    const auto found = std::find_if(
        description.attribute_definitions.begin(), description.attribute_definitions.end(),
        [&](const auto& d) { return d.attribute_name == wanted.attribute_name; });
    if (found == description.attribute_definitions.end()) {
      differences.push_back("attribute " + quote(wanted.attribute_name) + " is not defined");
    } else if (found->attribute_type != wanted.attribute_type) {
      differences.push_back("attribute " + quote(wanted.attribute_name) + " has type " +
                            std::string(to_string(found->attribute_type)) + ", expected " +
                            std::string(to_string(wanted.attribute_type)));
    }
  }
  const auto& wanted_index = expected.global_secondary_indexes.front();
  const auto index = std::find_if(
      description.global_secondary_indexes.begin(), description.global_secondary_indexes.end(),
      [&](const auto& i) { return i.index_name == wanted_index.index_name; });
  if (index == description.global_secondary_indexes.end()) {
    differences.push_back("global secondary index " + quote(wanted_index.index_name) +
                          " is missing");
  } else {
    if (index->key_schema != wanted_index.key_schema) {
      differences.push_back("index " + quote(wanted_index.index_name) + " has key schema " +
                            describe_keys(index->key_schema) + ", expected " +
                            describe_keys(wanted_index.key_schema));
    }
    if (index->projection.type != projection_type::all) {
      differences.push_back("index " + quote(wanted_index.index_name) + " projects " +
                            std::string(to_string(index->projection.type)) +
                            ", expected ALL (replay reads whole rows from the index)");
    }
  }
  return differences;
}

void create_event_table(const client& client, std::string_view table,
                        std::chrono::milliseconds timeout) {
  try {
    client.create_table(event_table_request(std::string(table)));
  } catch (const resource_in_use& e) {
    throw resource_in_use(e.operation(), e.error_name(),
                          "Table " + quote(table) + " already exists (or is being created or " +
                              "deleted); create_table_if_not_exists() accepts an existing table",
                          e.http_status(), e.request_id());
  }
  wait_until_active(client, table, timeout);
}

bool create_event_table_if_not_exists(const client& client, std::string_view table,
                                      std::chrono::milliseconds timeout) {
  bool created = true;
  try {
    client.create_table(event_table_request(std::string(table)));
  } catch (const resource_in_use&) {
    created = false;  // exists, or is being created by someone else: wait for it either way
  }
  wait_until_active(client, table, timeout);
  if (!created) verify_event_table(client, table);
  return created;
}

void delete_event_table(const client& client, std::string_view table,
                        std::chrono::milliseconds timeout) {
  const auto description = describe_if_exists(client, table);
  if (!description) return;
  if (description->status != table_status::deleting) {
    if (description->status == table_status::creating ||
        description->status == table_status::updating) {
      wait_until_active(client, table, timeout);  // AWS refuses to delete a table in transition
    }
    try {
      client.delete_table(std::string(table));
    } catch (const resource_not_found&) {
      return;  // deleted by someone else meanwhile
    }
  }
  poll(client, table, timeout, "be deleted",
       [](const std::optional<table_description>& d) { return !d.has_value(); });
}

void verify_event_table(const client& client, std::string_view table) {
  const auto description = describe_if_exists(client, table);
  if (!description) {
    throw configuration_error("Table " + quote(table) + " does not exist; create it with " +
                              "dynamodb_event_store::create_table()");
  }
  if (description->status == table_status::deleting) {
    throw configuration_error("Table " + quote(table) + " is being deleted");
  }
  const auto differences = schema_differences(*description);
  if (differences.empty()) return;
  std::string message = "Table " + quote(table) + " does not have the event-store schema: ";
  for (std::size_t i = 0; i < differences.size(); ++i) {
    if (i > 0) message += "; ";
    message += differences[i];
  }
  throw configuration_error(message);
}

}  // namespace dynamo_es::detail
