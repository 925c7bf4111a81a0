#pragma once

// Two writers, each with its own store instance (as two processes would have), load the same
// version of one account, wait for each other, and both append. Both write the playhead after
// that version, so exactly one append commits; the other gets `duplicate_playhead`, with nothing
// written, reloads and decides again.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "account_commands.hpp"
#include "dynamo_es/event_store_errors.hpp"

namespace bank {

struct race_writer {
  std::string name;
  account_commands* commands = nullptr;
  std::string intent;  ///< "deposits 20.00", for the story
  std::function<void(account&)> decide;
};

/// What one writer saw.
struct race_outcome {
  std::string name;
  std::string intent;
  std::int64_t loaded_version = -1;
  bool won_first_try = false;
  /// When it lost: what `duplicate_playhead` said.
  std::vector<dynamo_es::playhead_conflict> conflicts;
  std::vector<std::string> cancellation_reasons;
  std::string conflict_table;
  /// What it finally stored and after how many attempts of the retried command.
  dynamo_es::domain_event_stream committed;
  int retry_attempts = 0;
  /// Anything else that went wrong (empty when nothing did).
  std::string error;
};

/// Runs the race on `account_id`, one thread per writer; returns the outcomes in writer order.
[[nodiscard]] std::vector<race_outcome> race(const std::string& account_id,
                                             std::vector<race_writer> writers);

}  // namespace bank
