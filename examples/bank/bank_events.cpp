#include "bank_events.hpp"

#include <any>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "dynamo_es/error.hpp"

namespace bank {

// Field names follow the PHP side's serialize() arrays (camelCase), so both languages read the
// same JSON.

void to_json(nlohmann::json& json, const account_opened& event) {
  json = {{"accountId", event.account_id}, {"owner", event.owner}};
}
void from_json(const nlohmann::json& json, account_opened& event) {
  json.at("accountId").get_to(event.account_id);
  json.at("owner").get_to(event.owner);
}

void to_json(nlohmann::json& json, const money_deposited& event) {
  json = {{"accountId", event.account_id}, {"amount", event.amount}};
}
void from_json(const nlohmann::json& json, money_deposited& event) {
  json.at("accountId").get_to(event.account_id);
  json.at("amount").get_to(event.amount);
}

void to_json(nlohmann::json& json, const money_withdrawn& event) {
  json = {{"accountId", event.account_id}, {"amount", event.amount}};
}
void from_json(const nlohmann::json& json, money_withdrawn& event) {
  json.at("accountId").get_to(event.account_id);
  json.at("amount").get_to(event.amount);
}

dynamo_es::event_type_registry make_event_registry() {
  dynamo_es::event_type_registry registry;
  registry.add<account_opened, nlohmann::json>("App\\Bank\\AccountOpened");
  registry.add<money_deposited, nlohmann::json>("App\\Bank\\MoneyDeposited");
  registry.add<money_withdrawn, nlohmann::json>("App\\Bank\\MoneyWithdrawn");
  return registry;
}

bank_event decode_event(const dynamo_es::domain_message& message,
                        const dynamo_es::event_type_registry& registry) {
  const std::any event = registry.deserialize(message);
  if (const auto* opened = std::any_cast<account_opened>(&event)) return *opened;
  if (const auto* deposited = std::any_cast<money_deposited>(&event)) return *deposited;
  if (const auto* withdrawn = std::any_cast<money_withdrawn>(&event)) return *withdrawn;
  throw dynamo_es::serialization_error("Class \"" + message.payload().class_name +
                                       "\" is not an event of a bank account");
}

dynamo_es::domain_message encode_event(const std::string& account_id, std::int64_t playhead,
                                       const bank_event& event,
                                       const dynamo_es::event_type_registry& registry) {
  return std::visit(
      [&](const auto& concrete) { return registry.record_now(account_id, playhead, concrete); },
      event);
}

std::string describe(const bank_event& event) {
  struct describer {
    std::string operator()(const account_opened& e) const {
      return "AccountOpened owner " + e.owner;
    }
    std::string operator()(const money_deposited& e) const {
      return "MoneyDeposited " + format_cents(e.amount);
    }
    std::string operator()(const money_withdrawn& e) const {
      return "MoneyWithdrawn " + format_cents(e.amount);
    }
  };
  return std::visit(describer{}, event);
}

std::string format_cents(cents amount) {
  const auto whole = std::llabs(amount) / 100;
  const auto rest = std::llabs(amount) % 100;
  return (amount < 0 ? "-" : "") + std::to_string(whole) + (rest < 10 ? ".0" : ".") +
         std::to_string(rest);
}

}  // namespace bank
