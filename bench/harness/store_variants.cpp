#include "store_variants.hpp"

#include <stdexcept>
#include <utility>

namespace dynamo_es::bench {

const std::vector<std::string>& protocol_variants() {
  static const std::vector<std::string> list = {store_default, store_serialised, store_reservation};
  return list;
}

bool is_store_variant(std::string_view variant) {
  return variant == store_default || variant == store_serialised || variant == store_reservation ||
         variant == store_no_group_commit || variant == store_no_refill;
}

dynamodb_event_store_options store_options(std::string_view variant, std::string table) {
  dynamodb_event_store_options options;
  options.table_name = std::move(table);
  if (variant == store_default) {
    // The defaults, as an application gets them.
  } else if (variant == store_serialised) {
    options.protocol = append_protocol::serialised;
  } else if (variant == store_reservation) {
    options.protocol = append_protocol::reservation;
  } else if (variant == store_no_group_commit) {
    options.group_commit.enabled = false;
  } else if (variant == store_no_refill) {
    options.group_commit.refill_delay = std::chrono::microseconds(0);
  } else {
    throw std::invalid_argument("dynamo-es-bench: " + std::string(variant) +
                                " is not a variant of the store");
  }
  return options;
}

store_counts count_difference(const dynamodb_event_store_statistics& before,
                              const dynamodb_event_store_statistics& after) {
  using stats = dynamodb_event_store_statistics;
  using field = std::uint64_t stats::*;
  static const std::pair<const char*, field> fields[] = {
      {"appends", &stats::appends},
      {"commit_transactions", &stats::commit_transactions},
      {"counter_races", &stats::counter_races},
      {"transient_retries", &stats::transient_retries},
      {"reservations", &stats::reservations},
      {"void_claims", &stats::void_claims},
      {"fenced_commits", &stats::fenced_commits},
      {"protocol_switches", &stats::protocol_switches},
      {"hand_overs", &stats::hand_overs},
      {"gap_waits", &stats::gap_waits},
      {"skipped_gaps", &stats::skipped_gaps},
      {"fenced_positions", &stats::fenced_positions},
      {"void_positions_passed", &stats::void_positions_passed},
  };
  store_counts counts;
  for (const auto& [name, member] : fields) {
    const auto b = before.*member;
    const auto a = after.*member;
    counts[name] = a >= b ? a - b : 0;
  }
  return counts;
}

}  // namespace dynamo_es::bench
