#pragma once

// The events of one aggregate, read from the base table in playhead order.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "dynamo_es/domain_message.hpp"
#include "dynamo_es/dynamodb/client.hpp"

namespace dynamo_es::detail {

/// Every event row of `aggregate_id` (with `Playhead >= *from_playhead` when given), following
/// every page. Rows without `Metadata` (the counter row for "_counter") are skipped. Ids DynamoDB
/// cannot store (empty, over 2048 bytes) have no events: an empty result without a request.
[[nodiscard]] std::vector<domain_message> read_aggregate_events(
    const dynamodb::client& client, std::string_view table, std::string_view aggregate_id,
    std::optional<std::int64_t> from_playhead, bool consistent_read);

}  // namespace dynamo_es::detail
