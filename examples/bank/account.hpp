#pragma once

// The account aggregate: its state is nothing but the fold of its events, and its commands check
// the business rules before they record new events.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bank_events.hpp"
#include "dynamo_es/domain_event_stream.hpp"
#include "dynamo_es/event_type_registry.hpp"

namespace bank {

/// A business rule said no. Nothing is recorded, so nothing is written.
class domain_error : public std::domain_error {
 public:
  using std::domain_error::domain_error;
};

/// A withdrawal larger than the balance.
class insufficient_funds : public domain_error {
 public:
  insufficient_funds(const std::string& account_id, cents balance, cents requested);
};

class account {
 public:
  /// A new account with its AccountOpened recorded (playhead 0), not stored yet.
  [[nodiscard]] static account open(std::string id, std::string owner);

  /// The account as its stored events leave it: each event applied in playhead order.
  [[nodiscard]] static account from_history(const dynamo_es::domain_event_stream& history,
                                            const dynamo_es::event_type_registry& registry);

  /// Records MoneyDeposited. Throws `domain_error` for an amount that is not positive.
  void deposit(cents amount);
  /// Records MoneyWithdrawn. Throws `insufficient_funds` when `amount` exceeds the balance.
  void withdraw(cents amount);

  [[nodiscard]] const std::string& id() const noexcept { return id_; }
  [[nodiscard]] const std::string& owner() const noexcept { return owner_; }
  [[nodiscard]] cents balance() const noexcept { return balance_; }
  /// The playhead of the last stored event (-1 before the first one is stored).
  [[nodiscard]] std::int64_t version() const noexcept { return version_; }

  /// The events recorded since the account was loaded, as messages at the playheads that follow
  /// `version()`: what an append must store.
  [[nodiscard]] dynamo_es::domain_event_stream uncommitted(
      const dynamo_es::event_type_registry& registry) const;
  /// Called once the uncommitted events are stored.
  void mark_committed();

 private:
  explicit account(std::string id) : id_(std::move(id)) {}
  void record(bank_event event);
  void apply(const bank_event& event);

  std::string id_;
  std::string owner_;
  cents balance_ = 0;
  std::int64_t version_ = -1;
  std::vector<bank_event> pending_;
};

}  // namespace bank
