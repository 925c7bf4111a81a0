#pragma once

// Creating, checking and deleting the event table (broadway-contract.md §4.2, W18). Every wait is
// bounded: DescribeTable every 100 ms, doubling to 1 s, until the deadline.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"

namespace dynamo_es::detail {

/// The PHP package's CreateTable, exactly: attribute definitions Id S, Playhead N, Feed S,
/// GlobalPosition N (in this order), key Id HASH + Playhead RANGE, PAY_PER_REQUEST, one GSI
/// `Feed-GlobalPosition-index` (Feed HASH + GlobalPosition RANGE, projection ALL).
[[nodiscard]] dynamodb::create_table_request event_table_request(std::string table);

/// What `description` lacks of the event-table schema, one sentence per difference; empty when it
/// fits. Extra indexes and attributes, and the billing mode, are not differences.
[[nodiscard]] std::vector<std::string> schema_differences(
    const dynamodb::table_description& description);

/// Creates the table and waits until it and its index are ACTIVE. Throws
/// `dynamodb::resource_in_use` (naming the table) when it exists, `error` on timeout.
void create_event_table(const dynamodb::client& client, std::string_view table,
                        std::chrono::milliseconds timeout);

/// Creates the table unless it exists; either way waits until ACTIVE and verifies the schema.
/// Returns true when this call created it.
bool create_event_table_if_not_exists(const dynamodb::client& client, std::string_view table,
                                      std::chrono::milliseconds timeout);

/// Deletes the table if it exists and waits until it is gone (an immediate re-create then works on
/// AWS too). Idempotent.
void delete_event_table(const dynamodb::client& client, std::string_view table,
                        std::chrono::milliseconds timeout);

/// Throws `configuration_error` naming the table when it does not exist, is being deleted, or
/// `schema_differences` is not empty.
void verify_event_table(const dynamodb::client& client, std::string_view table);

}  // namespace dynamo_es::detail
