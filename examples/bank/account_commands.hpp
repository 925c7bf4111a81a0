#pragma once

// The command side: load an account from the store, let it decide, append what it recorded. The
// append is the optimistic-concurrency check: it stores the new events at the playheads after the
// version that was loaded, and fails with `duplicate_playhead` (writing nothing) when another
// writer stored those playheads first.

#include <functional>
#include <string>

#include "account.hpp"
#include "dynamo_es/event_store.hpp"
#include "dynamo_es/event_type_registry.hpp"

namespace bank {

/// What a command stored.
struct command_result {
  dynamo_es::domain_event_stream appended;
  /// 1, or more when another writer appended first and the command was decided again.
  int attempts = 1;
};

/// Not thread-safe by itself (it holds no state but references); the store it uses is.
class account_commands {
 public:
  /// `store` and `registry` must outlive the handler. `max_attempts` bounds the retries of a
  /// command that keeps losing races (default 5).
  account_commands(dynamo_es::event_store& store, const dynamo_es::event_type_registry& registry,
                   int max_attempts = 5);

  /// The account rebuilt from its stream. Throws `dynamo_es::event_stream_not_found`.
  [[nodiscard]] account load(const std::string& id) const;
  /// Appends the account's uncommitted events and marks them committed; returns them. Throws
  /// `dynamo_es::duplicate_playhead` when another writer stored one of those playheads first.
  dynamo_es::domain_event_stream save(account& changed);

  /// Opens a new account. Throws `dynamo_es::duplicate_playhead` when it exists already.
  command_result open_account(const std::string& id, const std::string& owner);
  /// Load, `decide`, save; on `duplicate_playhead` load again and decide again. A `domain_error`
  /// thrown by `decide` propagates with nothing written.
  command_result execute(const std::string& id, const std::function<void(account&)>& decide);

  command_result deposit(const std::string& id, cents amount);
  command_result withdraw(const std::string& id, cents amount);

 private:
  dynamo_es::event_store& store_;
  const dynamo_es::event_type_registry& registry_;
  int max_attempts_;
};

}  // namespace bank
