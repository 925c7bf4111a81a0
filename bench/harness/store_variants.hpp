#pragma once

// The store's own variants and how each configures `dynamodb_event_store`: the default
// (`dynamo-es`: adaptive protocol, group commit on) and one variant per protocol of issue 7, so
// that a workload measures them side by side on fresh tables. Also the store's statistics a row
// reports next to its figures (lost races, reservations, transactions, ...).

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb_event_store_options.hpp"

namespace dynamo_es::bench {

/// `append_protocol::adaptive`, group commit on: the defaults.
inline constexpr const char* store_default = "dynamo-es";
/// `append_protocol::serialised` (counter update inside the transaction), group commit on.
inline constexpr const char* store_serialised = "serialised";
/// `append_protocol::reservation` (`ADD` on the counter, then the transaction with the claim),
/// group commit on.
inline constexpr const char* store_reservation = "reservation";
/// The defaults but group commit off (every append its own transaction): what group commit buys.
inline constexpr const char* store_no_group_commit = "no-group-commit";
/// The defaults with `group_commit.refill_delay` 0: what waiting for the last batch's callers buys.
inline constexpr const char* store_no_refill = "no-refill";

/// The store variants every append workload of issue 7 runs, in report order.
[[nodiscard]] const std::vector<std::string>& protocol_variants();

/// Whether `variant` names a configuration of the store (not a floor).
[[nodiscard]] bool is_store_variant(std::string_view variant);

/// The options of `variant` on `table`. Throws `std::invalid_argument` for a floor's name.
[[nodiscard]] dynamodb_event_store_options store_options(std::string_view variant,
                                                         std::string table);

/// Store statistics by name (`appends`, `counter_races`, `commit_transactions`, ...).
using store_counts = std::map<std::string, std::uint64_t>;

/// The counts a row reports, `after - before`.
[[nodiscard]] store_counts count_difference(const dynamodb_event_store_statistics& before,
                                            const dynamodb_event_store_statistics& after);

}  // namespace dynamo_es::bench
