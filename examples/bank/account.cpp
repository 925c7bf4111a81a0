#include "account.hpp"

#include <utility>
#include <variant>

#include "dynamo_es/error.hpp"

namespace bank {

insufficient_funds::insufficient_funds(const std::string& account_id, cents balance,
                                       cents requested)
    : domain_error("insufficient funds on " + account_id + ": balance " + format_cents(balance) +
                   ", withdrawal of " + format_cents(requested) + " refused") {}

account account::open(std::string id, std::string owner) {
  account created(id);
  created.record(account_opened{std::move(id), std::move(owner)});
  return created;
}

account account::from_history(const dynamo_es::domain_event_stream& history,
                              const dynamo_es::event_type_registry& registry) {
  if (history.empty()) throw dynamo_es::error("an account needs at least its AccountOpened event");
  account loaded(history[0].id());
  for (const auto& message : history) {
    loaded.apply(decode_event(message, registry));
    loaded.version_ = message.playhead();
  }
  return loaded;
}

void account::deposit(cents amount) {
  if (amount <= 0) throw domain_error("a deposit must be positive, got " + format_cents(amount));
  record(money_deposited{id_, amount});
}

void account::withdraw(cents amount) {
  if (amount <= 0) throw domain_error("a withdrawal must be positive, got " + format_cents(amount));
  if (amount > balance_) throw insufficient_funds(id_, balance_, amount);
  record(money_withdrawn{id_, amount});
}

dynamo_es::domain_event_stream account::uncommitted(
    const dynamo_es::event_type_registry& registry) const {
  std::vector<dynamo_es::domain_message> messages;
  auto playhead = version_;
  for (const auto& event : pending_) {
    messages.push_back(encode_event(id_, ++playhead, event, registry));
  }
  return dynamo_es::domain_event_stream(std::move(messages));
}

void account::mark_committed() {
  version_ += static_cast<std::int64_t>(pending_.size());
  pending_.clear();
}

void account::record(bank_event event) {
  apply(event);
  pending_.push_back(std::move(event));
}

void account::apply(const bank_event& event) {
  if (const auto* opened = std::get_if<account_opened>(&event)) {
    owner_ = opened->owner;
  } else if (const auto* deposited = std::get_if<money_deposited>(&event)) {
    balance_ += deposited->amount;
  } else if (const auto* withdrawn = std::get_if<money_withdrawn>(&event)) {
    balance_ -= withdrawn->amount;
  }
}

}  // namespace bank
