// The append protocols behind `position_allocator::commit`, each against DynamoDB Local, driven
// directly with batches (the store's facade sends batches of one until group commit exists).
// Every test ends by checking the table's invariant: every position up to the counter holds
// exactly one event or is covered by a void claim, and every event is covered by exactly one
// committed claim.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dynamo_es/dynamodb/http_transport.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"
#include "dynamo_es/event_store_errors.hpp"
#include "stores/dynamodb_adaptive_protocol.hpp"
#include "stores/dynamodb_append_batch.hpp"
#include "stores/dynamodb_append_limits.hpp"
#include "stores/dynamodb_claims.hpp"
#include "stores/dynamodb_table_layout.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es {
namespace {

using namespace std::chrono_literals;
using detail::pending_append;
using detail::position_claim;
using dynamodb::attribute_map;
using dynamodb::attribute_value;
using ::testing::ElementsAre;

domain_event_stream make_events(const std::string& id, std::int64_t first, std::size_t count) {
  std::vector<domain_message> messages;
  for (std::size_t i = 0; i < count; ++i) {
    const auto playhead = first + static_cast<std::int64_t>(i);
    messages.emplace_back(
        id, playhead, metadata{},
        serialized_payload{"App\\Event", R"({"n":)" + std::to_string(playhead) + "}"},
        date_time::from_string("2026-05-01T00:00:00.000000+00:00"));
  }
  return domain_event_stream(std::move(messages));
}

std::unique_ptr<pending_append> make_append(const std::string& id, std::int64_t first,
                                            std::size_t count) {
  auto stream = make_events(id, first, count);
  auto checked = detail::encode_and_check_append(id, stream);
  return std::make_unique<pending_append>(id, std::move(stream), std::move(checked.items),
                                          checked.transaction_bytes);
}

std::string name_of(append_protocol protocol) {
  switch (protocol) {
    case append_protocol::serialised:
      return "serialised";
    case append_protocol::reservation:
      return "reservation";
    case append_protocol::adaptive:
      break;
  }
  return "adaptive";
}

class append_protocols : public ::testing::TestWithParam<append_protocol> {
 protected:
  void SetUp() override {
    client_ = std::make_shared<const dynamodb::client>(
        testing::dynamodb_local::shared().options("append-protocols"));
    table_ = testing::unique_table_name("protocols");
    store_ = std::make_unique<dynamodb_event_store>(client_, options());
    store_->create_table();
    allocator_ = detail::make_position_allocator(client_, options(), counters_);
  }

  void TearDown() override {
    try {
      store_->delete_table();
    } catch (const std::exception&) {
      // Best effort; Local is in memory.
    }
  }

  [[nodiscard]] dynamodb_event_store_options options() const {
    dynamodb_event_store_options result;
    result.table_name = table_;
    result.protocol = GetParam();
    return result;
  }

  /// Commits `appends` as one batch.
  void commit(const std::vector<pending_append*>& appends) { allocator_->commit(appends); }

  [[nodiscard]] std::int64_t counter() const {
    dynamodb::get_item_request get;
    get.table_name = table_;
    get.key = {{"Id", attribute_value::string("_counter")},
               {"Playhead", attribute_value::number(0)}};
    get.consistent_read = true;
    const auto answer = client_->get_item(get);
    if (!answer.item || !answer.item->contains("Value")) return 0;
    return answer.item->at("Value").as_int64();
  }

  /// Every row of the GSI (Local updates it synchronously): position -> aggregate id.
  [[nodiscard]] std::map<std::int64_t, std::string> feed() const {
    dynamodb::query_request query;
    query.table_name = table_;
    query.index_name = std::string(detail::table_layout::index_name);
    query.key_condition_expression = "Feed = :feed";
    query.expression_attribute_values = {{":feed", attribute_value::string("all")}};
    std::map<std::int64_t, std::string> result;
    for (const auto& row : client_->query_all(query)) {
      EXPECT_NE(row.at("Id").as_string(), "_position") << "a claim row is in the index";
      const auto position = row.at("GlobalPosition").as_int64();
      EXPECT_FALSE(result.contains(position)) << "position " << position << " twice";
      result[position] = row.at("Id").as_string();
    }
    return result;
  }

  [[nodiscard]] std::vector<position_claim> claims() const {
    return detail::read_claims(*client_, table_, 1, std::max<std::int64_t>(counter(), 1));
  }

  /// The invariant every protocol keeps: each position 1..counter holds one event or is covered by
  /// a void claim; each event is covered by exactly one committed claim; claims never overlap.
  void expect_positions_accounted_for() const {
    const auto events = feed();
    const auto all = claims();
    for (std::size_t i = 1; i < all.size(); ++i) {
      EXPECT_GT(all[i].first, all[i - 1].last()) << "claims overlap at " << all[i].first;
    }
    const auto covering = [&](std::int64_t position) -> const position_claim* {
      for (const auto& claim : all) {
        if (claim.covers(position)) return &claim;
      }
      return nullptr;
    };
    const auto last = counter();
    for (std::int64_t position = 1; position <= last; ++position) {
      const auto* claim = covering(position);
      if (events.contains(position)) {
        ASSERT_NE(claim, nullptr) << "event at " << position << " without a claim";
        EXPECT_EQ(claim->status, position_claim::state::committed) << position;
        continue;
      }
      ASSERT_NE(claim, nullptr) << "position " << position << " neither written nor voided";
      EXPECT_EQ(claim->status, position_claim::state::voided) << position;
    }
    if (!events.empty()) {
      EXPECT_LE(events.rbegin()->first, last);
    }
  }

  /// The VoidedBy of the claim row at `first` ("" when none).
  [[nodiscard]] std::string voided_by(std::int64_t first) const {
    dynamodb::get_item_request get;
    get.table_name = table_;
    get.key = {{"Id", attribute_value::string("_position")},
               {"Playhead", attribute_value::number(first)}};
    get.consistent_read = true;
    const auto answer = client_->get_item(get);
    if (!answer.item || !answer.item->contains("VoidedBy")) return "";
    return answer.item->at("VoidedBy").as_string();
  }

  std::shared_ptr<const dynamodb::client> client_;
  std::string table_;
  std::unique_ptr<dynamodb_event_store> store_;
  detail::store_counters counters_;
  std::unique_ptr<detail::position_allocator> allocator_;
};

TEST_P(append_protocols, a_batch_commits_at_consecutive_positions_under_one_claim) {
  auto warm_up = make_append("warm-up", 0, 1);
  commit({warm_up.get()});
  ASSERT_TRUE(warm_up->first_position.has_value());
  const auto before = counters_.commit_transactions.load();

  auto a = make_append("a", 0, 2);
  auto b = make_append("b", 0, 1);
  auto c = make_append("c", 0, 3);
  commit({a.get(), b.get(), c.get()});
  for (const auto* append : {a.get(), b.get(), c.get()}) {
    ASSERT_FALSE(append->failure) << append->aggregate_id;
    ASSERT_TRUE(append->first_position.has_value()) << append->aggregate_id;
  }
  const auto first = *a->first_position;
  EXPECT_EQ(*b->first_position, first + 2);
  EXPECT_EQ(*c->first_position, first + 3);
  EXPECT_EQ(counters_.commit_transactions.load() - before, 1u) << "one transaction for the batch";
  EXPECT_EQ(counters_.appends.load(), 4u);

  const auto events = feed();
  EXPECT_EQ(events.at(first), "a");
  EXPECT_EQ(events.at(first + 1), "a");
  EXPECT_EQ(events.at(first + 2), "b");
  EXPECT_EQ(events.at(first + 5), "c");
  const auto batch_claims = detail::read_claims(*client_, table_, first, first + 5);
  ASSERT_EQ(batch_claims.size(), 1u);
  EXPECT_EQ(batch_claims[0].first, first);
  EXPECT_EQ(batch_claims[0].length, 6);
  EXPECT_EQ(batch_claims[0].status, position_claim::state::committed);
  EXPECT_FALSE(batch_claims[0].commit_id.empty());
  expect_positions_accounted_for();
}

TEST_P(append_protocols, one_duplicate_fails_only_its_append_and_the_others_land) {
  auto taken = make_append("b", 0, 1);
  commit({taken.get()});
  ASSERT_TRUE(taken->first_position.has_value());

  auto a = make_append("a", 0, 2);
  auto b = make_append("b", 0, 1);  // playhead 0 of "b" exists
  auto c = make_append("c", 0, 1);
  commit({a.get(), b.get(), c.get()});
  ASSERT_TRUE(b->failure);
  EXPECT_THROW(std::rethrow_exception(b->failure), duplicate_playhead);
  try {
    std::rethrow_exception(b->failure);
  } catch (const duplicate_playhead& e) {
    EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr("\"b\""));
  } catch (...) {
  }
  ASSERT_FALSE(a->failure);
  ASSERT_FALSE(c->failure);
  ASSERT_TRUE(a->first_position && c->first_position);
  EXPECT_EQ(*c->first_position, *a->first_position + 2) << "the rest stays one batch";

  const auto events = feed();
  EXPECT_EQ(events.size(), 4u);
  if (GetParam() == append_protocol::reservation) {
    // The first range (4 positions) was reserved, not committed: voided at once by the writer.
    EXPECT_EQ(counters_.void_claims.load(), 1u);
    EXPECT_EQ(counters_.reservations.load(), 3u);
    EXPECT_EQ(voided_by(*taken->first_position + 1), "writer");
    EXPECT_EQ(*a->first_position, *taken->first_position + 5);
  } else {
    // Positions are assigned in the commit: a failed append consumes none.
    EXPECT_EQ(counters_.void_claims.load(), 0u);
    EXPECT_EQ(*a->first_position, *taken->first_position + 1);
  }
  expect_positions_accounted_for();
}

TEST_P(append_protocols, a_fence_at_the_next_position_moves_the_commit_after_it) {
  auto warm_up = make_append("warm-up", 0, 1);
  commit({warm_up.get()});
  ASSERT_TRUE(warm_up->first_position.has_value());
  const auto fenced = counter() + 1;
  // A reader fenced the next position (e.g. a reservation writer's range it gave up on).
  ASSERT_TRUE(detail::put_void_claim(*client_, table_, fenced, 1,
                                     detail::table_layout::claim_voided_by_reader));
  // A reservation's ADD now lands on the fence, as a slow writer's range would; the serialised
  // protocol computes the fenced position from the counter.
  auto a = make_append("a", 0, 2);
  auto b = make_append("b", 0, 1);
  commit({a.get(), b.get()});
  ASSERT_FALSE(a->failure);
  ASSERT_FALSE(b->failure);
  EXPECT_GT(*a->first_position, fenced);
  EXPECT_EQ(*b->first_position, *a->first_position + 2);
  EXPECT_EQ(counters_.fenced_commits.load(), 1u);
  EXPECT_EQ(voided_by(fenced), "reader");
  EXPECT_EQ(counter(), *b->first_position);
  expect_positions_accounted_for();
}

TEST_P(append_protocols, claim_rows_never_reach_the_index_or_a_replay) {
  std::vector<std::unique_ptr<pending_append>> appends;
  for (int round = 0; round < 3; ++round) {
    auto x = make_append("x", round * 2, 2);
    auto y = make_append("y", round, 1);
    commit({x.get(), y.get()});
    ASSERT_FALSE(x->failure);
    ASSERT_FALSE(y->failure);
    appends.push_back(std::move(x));
    appends.push_back(std::move(y));
  }
  EXPECT_EQ(claims().size(), 3u);
  EXPECT_EQ(feed().size(), 9u);  // asserts inside: no claim row in the index
  const auto page = store_->load_replay_page_after_global_position(criteria::create(), 0, 100);
  ASSERT_EQ(page.events().size(), 9u);
  for (const auto& event : page.events()) EXPECT_NE(event.message.id(), "_position");
  expect_positions_accounted_for();
}

INSTANTIATE_TEST_SUITE_P(each_protocol, append_protocols,
                         ::testing::Values(append_protocol::serialised,
                                           append_protocol::reservation, append_protocol::adaptive),
                         [](const auto& param_info) { return name_of(param_info.param); });

// W12 in every protocol: a lost counter row (deleted by hand, a restore without it) never makes
// positions repeat. The tail of the table is a void range, so the highest position in use is a
// claim's, not an event's.
TEST_P(append_protocols, a_lost_counter_row_never_makes_positions_repeat) {
  auto five = make_append("five", 0, 5);
  commit({five.get()});
  ASSERT_FALSE(five->failure);
  ASSERT_EQ(*five->first_position, 1);
  ASSERT_TRUE(detail::put_void_claim(*client_, table_, 6, 3, "writer"));
  dynamodb::delete_item_request remove;
  remove.table_name = table_;
  remove.key = {{"Id", attribute_value::string("_counter")},
                {"Playhead", attribute_value::number(0)}};
  static_cast<void>(client_->delete_item(remove));

  // A store that never wrote to this table, as after a restart.
  detail::store_counters counters;
  const auto fresh = detail::make_position_allocator(client_, options(), counters);
  auto next = make_append("next", 0, 2);
  pending_append* const batch[] = {next.get()};
  fresh->commit(batch);
  ASSERT_FALSE(next->failure);
  EXPECT_EQ(*next->first_position, 9) << "after the void range 6..8";
  // The store that wrote before (its cached counter stale) continues after it too.
  auto later = make_append("later", 0, 1);
  commit({later.get()});
  ASSERT_FALSE(later->failure);
  EXPECT_EQ(*later->first_position, 11);
  EXPECT_THAT(feed(), ::testing::SizeIs(8));  // "position twice" is checked by feed()
  expect_positions_accounted_for();
}

// Two adaptive instances (two "processes") hammering one table from 8 threads lose counter
// races; the adaptive protocol switches to reservations, and back after the period.
class adaptive_under_contention : public ::testing::Test {
 protected:
  void SetUp() override {
    client_ = std::make_shared<const dynamodb::client>(
        testing::dynamodb_local::shared().options("append-protocols"));
    table_ = testing::unique_table_name("adaptive");
    dynamodb_event_store_options options;
    options.table_name = table_;
    store_ = std::make_unique<dynamodb_event_store>(client_, options);
    store_->create_table();
  }
  void TearDown() override {
    try {
      store_->delete_table();
    } catch (const std::exception&) {
    }
  }

  std::shared_ptr<const dynamodb::client> client_;
  std::string table_;
  std::unique_ptr<dynamodb_event_store> store_;
};

TEST_F(adaptive_under_contention, switches_to_reservations_and_back_after_the_period) {
  adaptive_protocol_options adaptive;
  adaptive.switch_at = 0.5;
  adaptive.reservation_period = 2000ms;
  // The period runs on a clock the test moves, so that it cannot end while the threads wind down.
  std::atomic<std::int64_t> fake_ms{0};
  const auto now = [&fake_ms] {
    return detail::adaptive_switch::clock::time_point(std::chrono::milliseconds(fake_ms.load()));
  };
  append_retry_options retry;
  retry.max_attempts = 1000;
  detail::store_counters counters[2];
  detail::adaptive_protocol writers[2] = {
      detail::adaptive_protocol(client_, table_, retry, adaptive, counters[0], now),
      detail::adaptive_protocol(client_, table_, retry, adaptive, counters[1], now)};

  constexpr int threads = 8;
  constexpr int max_appends_per_thread = 150;
  std::atomic<bool> switched{false};
  std::atomic<int> failures{0};
  std::atomic<int> committed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& writer = writers[t % 2];
      const auto id = "agg-" + std::to_string(t);
      for (int i = 0; i < max_appends_per_thread && !switched.load(); ++i) {
        auto append = make_append(id, i, 1);
        pending_append* const batch[] = {append.get()};
        writer.commit(batch);
        if (append->failure) {
          ++failures;
          return;
        }
        ++committed;
        if (counters[0].protocol_switches.load() + counters[1].protocol_switches.load() > 0) {
          switched = true;
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  ASSERT_EQ(failures.load(), 0);
  std::cout << "[ info     ] " << committed.load() << " appends, "
            << counters[0].counter_races + counters[1].counter_races
            << " lost races until the switch\n";
  ASSERT_TRUE(switched.load()) << "races lost: "
                               << counters[0].counter_races + counters[1].counter_races;
  const auto index = counters[0].protocol_switches.load() > 0 ? 0 : 1;
  auto& writer = writers[index];
  EXPECT_EQ(writer.current(), detail::adaptive_switch::mode::reservation);

  // While reserving, an append is an ADD and a transaction.
  const auto reservations = counters[index].reservations.load();
  auto during = make_append("during", 0, 1);
  pending_append* const during_batch[] = {during.get()};
  writer.commit(during_batch);
  ASSERT_FALSE(during->failure);
  EXPECT_EQ(counters[index].reservations.load(), reservations + 1);

  // After the period the next append goes serialised again.
  fake_ms += adaptive.reservation_period.count();
  const auto switches = counters[index].protocol_switches.load();
  auto after = make_append("after", 0, 1);
  pending_append* const after_batch[] = {after.get()};
  writer.commit(after_batch);
  ASSERT_FALSE(after->failure);
  EXPECT_EQ(counters[index].protocol_switches.load(), switches + 1);
  EXPECT_EQ(writer.current(), detail::adaptive_switch::mode::serialised);
  EXPECT_EQ(counters[index].reservations.load(), reservations + 1) << "no ADD after the period";

  // Exactly once: every committed append is in the feed once.
  const auto page = store_->load_replay_page_after_global_position(criteria::create(), 0, 10'000);
  EXPECT_EQ(page.events().size(), static_cast<std::size_t>(committed.load() + 2));
}

// A writer's transport (a test double around curl to Local) that makes the writer lose counter
// races on demand: before each of its next `races` TransactWriteItems it lets a rival commit
// first (`rival()`), so the counter has moved when the writer's transaction arrives. Counts the
// writer's requests by operation.
class rival_first_transport final : public dynamodb::http_transport {
 public:
  rival_first_transport(std::shared_ptr<dynamodb::http_transport> inner,
                        std::function<void()> rival)
      : inner_(std::move(inner)), rival_(std::move(rival)) {}

  dynamodb::http_result send(const dynamodb::http_request& request) override {
    const auto operation = operation_of(request);
    bool rival_goes_first = false;
    {
      const std::lock_guard lock(mutex_);
      ++counts_[operation];
      if (operation == "TransactWriteItems" && races_ > 0) {
        --races_;
        rival_goes_first = true;
      }
    }
    if (rival_goes_first) rival_();
    return inner_->send(request);
  }

  void lose_next(int races) {
    const std::lock_guard lock(mutex_);
    races_ = races;
    counts_.clear();
  }
  [[nodiscard]] int count(const std::string& operation) const {
    const std::lock_guard lock(mutex_);
    const auto it = counts_.find(operation);
    return it == counts_.end() ? 0 : it->second;
  }

 private:
  static std::string operation_of(const dynamodb::http_request& request) {
    for (const auto& header : request.headers) {
      if (header.name == "X-Amz-Target") {
        const auto dot = header.value.rfind('.');
        return header.value.substr(dot + 1);
      }
    }
    return "";
  }

  std::shared_ptr<dynamodb::http_transport> inner_;
  std::function<void()> rival_;
  mutable std::mutex mutex_;
  int races_ = 0;
  std::map<std::string, int> counts_;
};

// Lost counter races provoked one by one: a rival store (serialised, its own client) commits just
// before each of the writer's transactions.
class provoked_races : public append_protocols {
 protected:
  void SetUp() override {
    append_protocols::SetUp();
    rival_ = std::make_unique<dynamodb_event_store>(client_, rival_options());
    auto writer_options = testing::dynamodb_local::shared().options("append-protocols");
    transport_ = std::make_shared<rival_first_transport>(dynamodb::make_curl_transport(), [this] {
      const auto id = "rival-" + std::to_string(rival_appends_++);
      rival_->append(id, make_events(id, 0, 1));
    });
    writer_options.transport = transport_;
    writer_client_ = std::make_shared<const dynamodb::client>(writer_options);
    writer_ = detail::make_position_allocator(writer_client_, options(), counters_);
  }

  [[nodiscard]] dynamodb_event_store_options rival_options() const {
    auto result = options();
    result.protocol = append_protocol::serialised;
    return result;
  }

  std::unique_ptr<dynamodb_event_store> rival_;
  std::shared_ptr<rival_first_transport> transport_;
  std::shared_ptr<const dynamodb::client> writer_client_;
  std::unique_ptr<detail::position_allocator> writer_;
  int rival_appends_ = 0;
};
class serialised_races : public provoked_races {};
class adaptive_races : public provoked_races {};

// The serialised protocol retries a lost race at once with the counter the cancellation
// reported; after `immediate_race_retries` races in a row it pauses and reads the counter afresh
// (a consistent GetItem), because the reported value is stale after a pause.
TEST_P(serialised_races, retries_at_once_then_reads_the_counter_afresh_after_a_pause) {
  // Warm the writer up: its first append reads the counter once.
  auto warm = make_append("warm", 0, 1);
  pending_append* const warm_batch[] = {warm.get()};
  writer_->commit(warm_batch);
  ASSERT_FALSE(warm->failure);

  constexpr int races = detail::conditional_counter::immediate_race_retries + 2;
  transport_->lose_next(races);
  auto append = make_append("writer", 0, 1);
  pending_append* const batch[] = {append.get()};
  writer_->commit(batch);
  ASSERT_FALSE(append->failure);
  EXPECT_EQ(counters_.counter_races.load(), static_cast<std::uint64_t>(races));
  EXPECT_EQ(transport_->count("TransactWriteItems"), races + 1);
  // No read for the immediate retries, one after each paused one.
  EXPECT_EQ(transport_->count("GetItem"),
            races - detail::conditional_counter::immediate_race_retries);
  // It landed after the rivals' events.
  EXPECT_EQ(*append->first_position, 1 + 1 + races);
  expect_positions_accounted_for();
}

// The adaptive protocol stops racing after `hand_over_after_races` lost races in a row and
// finishes the batch with a reservation: an ADD, then the commit; nothing written twice.
TEST_P(adaptive_races, hands_a_batch_that_keeps_losing_over_to_a_reservation) {
  auto warm = make_append("warm", 0, 1);
  pending_append* const warm_batch[] = {warm.get()};
  writer_->commit(warm_batch);
  ASSERT_FALSE(warm->failure);

  const int hand_over = adaptive_protocol_options{}.hand_over_after_races;
  transport_->lose_next(hand_over);
  auto first = make_append("first", 0, 2);
  auto second = make_append("second", 0, 1);
  pending_append* const batch[] = {first.get(), second.get()};
  writer_->commit(batch);
  ASSERT_FALSE(first->failure);
  ASSERT_FALSE(second->failure);
  EXPECT_EQ(counters_.counter_races.load(), static_cast<std::uint64_t>(hand_over));
  EXPECT_EQ(counters_.hand_overs.load(), 1u);
  EXPECT_EQ(counters_.reservations.load(), 1u);
  EXPECT_EQ(transport_->count("UpdateItem"), 1) << "one ADD for the whole batch";
  EXPECT_EQ(transport_->count("TransactWriteItems"), hand_over + 1);
  EXPECT_EQ(*second->first_position, *first->first_position + 2) << "one range, batch order";
  expect_positions_accounted_for();
  EXPECT_EQ(feed().size(), static_cast<std::size_t>(1 + hand_over + 3));

  // The hand-over decided nothing for later batches: one lost race is not contention yet.
  auto later = make_append("later", 0, 1);
  pending_append* const later_batch[] = {later.get()};
  writer_->commit(later_batch);
  ASSERT_FALSE(later->failure);
  EXPECT_EQ(counters_.reservations.load(), 1u);
}

INSTANTIATE_TEST_SUITE_P(serialised, serialised_races,
                         ::testing::Values(append_protocol::serialised),
                         [](const auto& param_info) { return name_of(param_info.param); });
INSTANTIATE_TEST_SUITE_P(adaptive, adaptive_races, ::testing::Values(append_protocol::adaptive),
                         [](const auto& param_info) { return name_of(param_info.param); });

}  // namespace
}  // namespace dynamo_es
