// dynamo-es-bank: a small event-sourced bank on DynamoDB, told as a story.
//
// Run it against DynamoDB Local with scripts/demo.sh (or scripts/dynamodb-local.sh -- <binary>).
// The client takes endpoint, credentials and region from the environment
// (AWS_ENDPOINT_URL_DYNAMODB, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION). Table:
// argv[1], else DYNAMO_ES_TABLE, else "dynamo-es-bank"; it must not exist yet, and it is deleted at
// the end unless DYNAMO_ES_KEEP_TABLE=1. Exit code 0 only when every check of the story holds.

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "account_commands.hpp"
#include "balance_projection.hpp"
#include "bank_events.hpp"
#include "dynamo_es/dynamo_es.hpp"
#include "story.hpp"
#include "writer_race.hpp"

namespace {

using bank::cents;
using bank::format_cents;

const std::string ada = "account-ada";
const std::string grace = "account-grace";

std::string env_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

std::string playheads_of(const dynamo_es::domain_event_stream& stream) {
  std::string text;
  for (const auto& message : stream) {
    text += (text.empty() ? "" : ", ") + std::to_string(message.playhead());
  }
  return (stream.size() == 1 ? "playhead " : "playheads ") + text;
}

// Everything the steps share.
struct bank_demo {
  bank::story story;
  dynamo_es::event_type_registry registry = bank::make_event_registry();
  std::shared_ptr<const dynamo_es::dynamodb::client> client;
  std::unique_ptr<dynamo_es::dynamodb_event_store> store;
  std::unique_ptr<bank::account_commands> commands;
  // Follows the feed after every step, to show the global positions each step wrote.
  std::unique_ptr<bank::balance_projection> live;
  // What the story expects, computed from the amounts it uses (not from the store).
  std::map<std::string, cents> expected_balance;
  std::int64_t expected_events = 0;

  // Prints the feed rows written since the last call.
  void show_new_feed_rows() {
    live->catch_up(*store, 100, [&](std::int64_t, const dynamo_es::replay_page& page) {
      for (const auto& event : page.events()) {
        story.say("feed #" + std::to_string(event.global_position) + "  " + event.message.id() +
                  " playhead " + std::to_string(event.message.playhead()) + "  " +
                  bank::describe(bank::decode_event(event.message, registry)));
      }
    });
    story.check(live->checkpoint() == expected_events && live->events_applied() == expected_events,
                "the feed holds positions 1.." + std::to_string(expected_events) + ", no gap");
  }
};

void create_table(bank_demo& demo) {
  demo.story.step("Create the event table \"" + demo.store->table_name() + "\"");
  demo.story.say("DynamoDB at " + demo.client->endpoint().url() + ", region " +
                 demo.client->region());
  if (!demo.store->create_table_if_not_exists()) {
    throw dynamo_es::error("table \"" + demo.store->table_name() +
                           "\" exists already; the demo needs a fresh one (pass another name as "
                           "the first argument or in DYNAMO_ES_TABLE)");
  }
  demo.story.say(
      "created: key Id + Playhead, index Feed-GlobalPosition-index on Feed + "
      "GlobalPosition, the same schema as the PHP package");
}

void open_accounts(bank_demo& demo) {
  demo.story.step("Open two accounts");
  for (const auto& [id, owner] : {std::pair{ada, "Ada"}, std::pair{grace, "Grace"}}) {
    const auto result = demo.commands->open_account(id, owner);
    demo.expected_balance[id] = 0;
    demo.expected_events += static_cast<std::int64_t>(result.appended.size());
    demo.story.say(std::string(owner) + " opens " + id + ": AccountOpened appended at " +
                   playheads_of(result.appended));
  }
  demo.show_new_feed_rows();
}

void deposit(bank_demo& demo, const std::string& id, cents amount) {
  const auto result = demo.commands->deposit(id, amount);
  demo.expected_balance[id] += amount;
  demo.expected_events += static_cast<std::int64_t>(result.appended.size());
  demo.story.say(id + " deposits " + format_cents(amount) + ": MoneyDeposited appended at " +
                 playheads_of(result.appended));
}

void make_deposits(bank_demo& demo) {
  demo.story.step("Deposits");
  deposit(demo, ada, 100'00);
  deposit(demo, grace, 250'00);
  deposit(demo, ada, 50'00);
  demo.show_new_feed_rows();
}

void refuse_withdrawal(bank_demo& demo) {
  demo.story.step("A withdrawal the account cannot cover");
  const auto before = demo.commands->load(grace);
  demo.story.say(grace + " has " + format_cents(before.balance()) + " at version " +
                 std::to_string(before.version()) + " and asks to withdraw 400.00");
  bool refused = false;
  try {
    static_cast<void>(demo.commands->withdraw(grace, 400'00));
  } catch (const bank::insufficient_funds& e) {
    refused = true;
    demo.story.say(std::string("refused by the domain rule: ") + e.what());
  }
  demo.story.check(refused, "the withdrawal was refused");
  const auto after = demo.commands->load(grace);
  demo.story.check(after.version() == before.version() && after.balance() == before.balance(),
                   "nothing was written: still version " + std::to_string(after.version()));
  demo.show_new_feed_rows();
}

void rebuild_aggregates(bank_demo& demo) {
  demo.story.step("Rebuild each account from its own stream (load)");
  for (const auto& [id, expected] : demo.expected_balance) {
    const auto stream = demo.store->load(id);
    const auto account = bank::account::from_history(stream, demo.registry);
    demo.story.say(id + " (" + account.owner() + "): " + std::to_string(stream.size()) +
                   " events, version " + std::to_string(account.version()) + ", balance " +
                   format_cents(account.balance()));
    demo.story.check(account.balance() == expected, id + " balance is " + format_cents(expected));
  }
}

void race_two_writers(bank_demo& demo) {
  demo.story.step("Two writers race on " + ada);
  demo.story.say(
      "writer A uses the store above; writer B has its own client and store instance, "
      "as another process would");
  dynamo_es::dynamodb_event_store other_store(
      std::make_shared<const dynamo_es::dynamodb::client>(dynamo_es::dynamodb::client_options{}),
      demo.store->options());
  bank::account_commands other_commands(other_store, demo.registry);

  const auto outcomes = bank::race(
      ada,
      {{"A", demo.commands.get(), "deposits 20.00", [](bank::account& a) { a.deposit(20'00); }},
       {"B", &other_commands, "withdraws 30.00", [](bank::account& a) { a.withdraw(30'00); }}});
  int winners = 0;
  int losers = 0;
  for (const auto& outcome : outcomes) {
    demo.story.say("writer " + outcome.name + " loaded version " +
                   std::to_string(outcome.loaded_version) + " and " + outcome.intent + " at " +
                   "playhead " + std::to_string(outcome.loaded_version + 1));
  }
  for (const auto& outcome : outcomes) {
    if (!outcome.error.empty()) {
      demo.story.say("writer " + outcome.name + " failed: " + outcome.error);
      continue;
    }
    demo.expected_events += static_cast<std::int64_t>(outcome.committed.size());
    if (outcome.won_first_try) {
      ++winners;
      demo.story.say("writer " + outcome.name +
                     " committed first: " + playheads_of(outcome.committed));
      continue;
    }
    ++losers;
    for (const auto& conflict : outcome.conflicts) {
      demo.story.say("writer " + outcome.name + " got duplicate_playhead: aggregate \"" +
                     conflict.aggregate_id + "\" already has playhead " +
                     std::to_string(conflict.playhead) + " (table \"" + outcome.conflict_table +
                     "\"); nothing of its append was written");
    }
    std::string reasons;
    for (const auto& reason : outcome.cancellation_reasons) {
      reasons += (reasons.empty() ? "" : " | ") + reason;
    }
    demo.story.say("  DynamoDB's reasons, one per action (position counter, then each event): " +
                   reasons);
    const auto reloaded = outcome.committed.empty() ? -1 : outcome.committed[0].playhead() - 1;
    demo.story.say("writer " + outcome.name + " reloaded (now version " + std::to_string(reloaded) +
                   "), decided again and committed at " + playheads_of(outcome.committed) +
                   (outcome.retry_attempts > 1
                        ? " after " + std::to_string(outcome.retry_attempts) + " attempts"
                        : ""));
  }
  demo.story.check(winners == 1 && losers == 1, "exactly one writer won, the other retried");
  demo.expected_balance[ada] += 20'00 - 30'00;
  const auto final_state = demo.commands->load(ada);
  demo.story.check(final_state.balance() == demo.expected_balance[ada],
                   ada + " holds both changes: balance " + format_cents(final_state.balance()) +
                       " at version " + std::to_string(final_state.version()));
  demo.show_new_feed_rows();
  const auto stats = other_store.statistics();
  demo.story.say("writer B's store: " + std::to_string(stats.appends) + " append(s), " +
                 std::to_string(stats.counter_races) + " lost race(s) for the position counter");
}

void rebuild_projection(bank_demo& demo) {
  demo.story.step("Rebuild the balance projection by replaying the feed (pages of 3 rows)");
  bank::balance_projection rebuilt(demo.registry);
  rebuilt.catch_up(*demo.store, 3, [&](std::int64_t after, const dynamo_es::replay_page& page) {
    std::string positions;
    for (const auto& event : page.events()) {
      positions += (positions.empty() ? "" : " ") + std::to_string(event.global_position);
    }
    demo.story.say("page after " + std::to_string(after) + ": positions [" + positions +
                   "], checkpoint -> " + std::to_string(page.last_processed_global_position()) +
                   (page.has_more() ? ", more" : ", end of feed"));
  });
  demo.story.check(rebuilt.events_applied() == demo.expected_events &&
                       rebuilt.checkpoint() == demo.expected_events,
                   "replayed " + std::to_string(demo.expected_events) +
                       " events exactly once, positions 1.." +
                       std::to_string(demo.expected_events));
  for (const auto& [id, expected] : demo.expected_balance) {
    const auto it = rebuilt.balances().find(id);
    const cents projected = it == rebuilt.balances().end() ? -1 : it->second;
    const auto aggregate = demo.commands->load(id);
    demo.story.say(id + ": projection " + format_cents(projected) + ", aggregate " +
                   format_cents(aggregate.balance()));
    demo.story.check(projected == aggregate.balance() && projected == expected,
                     "projection == aggregate for " + id);
  }
  demo.story.check(rebuilt.balances() == demo.live->balances(),
                   "the rebuilt projection equals the one that followed the feed live");
}

}  // namespace

int main(int argc, char** argv) {
  const auto started = std::chrono::steady_clock::now();
  const std::string table = argc > 1 ? argv[1] : env_or("DYNAMO_ES_TABLE", "dynamo-es-bank");
  const bool keep_table = env_or("DYNAMO_ES_KEEP_TABLE", "0") == "1";
  bank_demo demo;
  try {
    std::cout << "dynamo-es bank demo: accounts as event streams in DynamoDB\n";
    demo.client =
        std::make_shared<const dynamo_es::dynamodb::client>(dynamo_es::dynamodb::client_options{});
    dynamo_es::dynamodb_event_store_options options;
    options.table_name = table;
    // Commands must decide on the latest version (DynamoDB Local is always consistent; AWS is not).
    options.consistent_aggregate_reads = true;
    demo.store = std::make_unique<dynamo_es::dynamodb_event_store>(demo.client, options);
    demo.commands = std::make_unique<bank::account_commands>(*demo.store, demo.registry);
    demo.live = std::make_unique<bank::balance_projection>(demo.registry);

    create_table(demo);
    open_accounts(demo);
    make_deposits(demo);
    refuse_withdrawal(demo);
    rebuild_aggregates(demo);
    race_two_writers(demo);
    rebuild_projection(demo);

    if (!keep_table) {
      demo.story.step("Delete the table");
      demo.store->delete_table();
      demo.story.say("deleted \"" + table + "\"");
    }
  } catch (const std::exception& e) {
    std::cerr << "\ndynamo-es-bank: " << e.what() << "\n";
    return 1;
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  std::cout << "\n"
            << demo.story.checks() - demo.story.failures() << " of " << demo.story.checks()
            << " checks passed in " << elapsed.count() << " ms"
            << (demo.story.failures() == 0 ? ": all checks passed\n" : "\n");
  return demo.story.failures() == 0 ? 0 : 1;
}
