#pragma once

// Small reads of the event table the subcommands share.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"

namespace dynamo_es::cli {

/// The `_counter` row's value (a consistent read); nullopt when the table has no counter yet.
[[nodiscard]] std::optional<std::int64_t> read_counter(const dynamodb::client& client,
                                                       const std::string& table);

/// The highest playhead stored for `aggregate_id` (a consistent read); -1 when it has no row.
[[nodiscard]] std::int64_t read_head_playhead(const dynamodb::client& client,
                                              const std::string& table,
                                              std::string_view aggregate_id);

/// The highest global position in the index; nullopt when the index is empty.
[[nodiscard]] std::optional<std::int64_t> read_last_position(const dynamodb::client& client,
                                                             const std::string& table);

/// True when the table holds any item at all (event, counter, legacy row): one Scan of one item.
[[nodiscard]] bool table_has_items(const dynamodb::client& client, const std::string& table);

/// The event rows of `aggregate_id` with `from <= Playhead <= to` (bounds optional), every page,
/// in playhead order; rows without `Metadata` are left out.
[[nodiscard]] std::vector<dynamodb::attribute_map> read_stream_rows(
    const dynamodb::client& client, const std::string& table, std::string_view aggregate_id,
    std::optional<std::int64_t> from, std::optional<std::int64_t> to, bool consistent_read);

}  // namespace dynamo_es::cli
