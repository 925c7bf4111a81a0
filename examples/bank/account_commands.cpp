#include "account_commands.hpp"

#include "dynamo_es/event_store_errors.hpp"

namespace bank {

account_commands::account_commands(dynamo_es::event_store& store,
                                   const dynamo_es::event_type_registry& registry, int max_attempts)
    : store_(store), registry_(registry), max_attempts_(max_attempts < 1 ? 1 : max_attempts) {}

account account_commands::load(const std::string& id) const {
  return account::from_history(store_.load(id), registry_);
}

dynamo_es::domain_event_stream account_commands::save(account& changed) {
  auto stream = changed.uncommitted(registry_);
  store_.append(changed.id(), stream);
  changed.mark_committed();
  return stream;
}

command_result account_commands::open_account(const std::string& id, const std::string& owner) {
  auto created = account::open(id, owner);
  return {save(created), 1};
}

command_result account_commands::execute(const std::string& id,
                                         const std::function<void(account&)>& decide) {
  for (int attempt = 1;; ++attempt) {
    auto current = load(id);
    decide(current);
    try {
      return {save(current), attempt};
    } catch (const dynamo_es::duplicate_playhead&) {
      // Someone else changed the account since we loaded it: our decision was taken on a stale
      // balance, so it is taken again on the new one.
      if (attempt >= max_attempts_) throw;
    }
  }
}

command_result account_commands::deposit(const std::string& id, cents amount) {
  return execute(id, [amount](account& target) { target.deposit(amount); });
}

command_result account_commands::withdraw(const std::string& id, cents amount) {
  return execute(id, [amount](account& target) { target.withdraw(amount); });
}

}  // namespace bank
