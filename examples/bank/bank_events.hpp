#pragma once

// The bank's events and how they are stored: each C++ event type is registered under the PHP
// class name a Broadway application would use for it, with nlohmann-json's to_json/from_json, so
// a PHP service sharing the table reads the same events.

#include <cstdint>
#include <string>
#include <variant>

#include "dynamo_es/domain_message.hpp"
#include "dynamo_es/event_type_registry.hpp"

namespace bank {

/// Amounts are whole cents: money never goes through floating point.
using cents = std::int64_t;

/// `App\Bank\AccountOpened`: {"accountId": "...", "owner": "..."}
struct account_opened {
  std::string account_id;
  std::string owner;
};

/// `App\Bank\MoneyDeposited`: {"accountId": "...", "amount": 12345}
struct money_deposited {
  std::string account_id;
  cents amount = 0;
};

/// `App\Bank\MoneyWithdrawn`: {"accountId": "...", "amount": 12345}
struct money_withdrawn {
  std::string account_id;
  cents amount = 0;
};

/// Any event of an account.
using bank_event = std::variant<account_opened, money_deposited, money_withdrawn>;

/// A registry that knows the three events above.
[[nodiscard]] dynamo_es::event_type_registry make_event_registry();

/// The event stored in `message`. Throws `dynamo_es::unknown_event_class` for a class the registry
/// does not know, `dynamo_es::serialization_error` for JSON it cannot read.
[[nodiscard]] bank_event decode_event(const dynamo_es::domain_message& message,
                                      const dynamo_es::event_type_registry& registry);

/// A message for `event` at `playhead` of `account_id`, recorded now.
[[nodiscard]] dynamo_es::domain_message encode_event(
    const std::string& account_id, std::int64_t playhead, const bank_event& event,
    const dynamo_es::event_type_registry& registry);

/// "MoneyDeposited 100.00", for the story's output.
[[nodiscard]] std::string describe(const bank_event& event);

/// "123.45" for 12345 cents.
[[nodiscard]] std::string format_cents(cents amount);

}  // namespace bank
