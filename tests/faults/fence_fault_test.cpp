// The fence: a writer with the reservation protocol that stalls between its `ADD` on the counter
// and its commit longer than the readers' gap timeout. A follower that reaches the stalled range
// must not wait for it forever: it fences the range (void claims, VoidedBy reader, conditioned on
// no claim being there) and delivers the events behind it. DynamoDB then decides the race for the
// writer: its commit fails on its claim condition, and it reserves a new range and commits there.
// Nothing is skipped (the writer's events reach the still-running follower at their new
// positions), nothing is doubled, and no event ever lands in the fenced range.
//
// The crash variant: the stalled writer never comes back (its connection dies, as its process
// would). Readers pass its range after the gap timeout, and nothing of its append is ever read.
//
// The stall is a test double on the writer's HTTP transport: DynamoDB Local cannot be made to hold
// one client's transaction while answering everyone else. Everything else is real (curl to Local).

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dynamo_es/criteria.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb/http_transport.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"
#include "dynamo_es/event_store_errors.hpp"
#include "integration/concurrency/position_coverage.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es::testing {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

constexpr auto follower_gap_timeout = 300ms;
constexpr auto patience = 30s;  // any wait of the test fails past this
constexpr const char* event_class = "DynamoEs\\Tests\\Faults\\Fenced";

// Forwards every request to the real transport, except the first TransactWriteItems after
// `arm()`: that one is held until `release()` (then forwarded: DynamoDB sees the commit late) or
// `kill()` (then answered as a refused connection, as is every later request: the writer is gone).
class pausing_transport final : public dynamodb::http_transport {
 public:
  explicit pausing_transport(std::shared_ptr<dynamodb::http_transport> inner)
      : inner_(std::move(inner)) {}

  dynamodb::http_result send(const dynamodb::http_request& request) override {
    {
      std::unique_lock lock(mutex_);
      if (!dead_ && armed_ && is_transact_write(request)) {
        armed_ = false;
        holding_ = true;
        changed_.notify_all();
        changed_.wait(lock, [&] { return released_ || dead_; });
        holding_ = false;
      }
      if (dead_) {
        dynamodb::http_result refused;
        refused.status = dynamodb::transport_status::connect_failed;
        refused.error_message = "the writer is gone (test double)";
        return refused;
      }
    }
    return inner_->send(request);
  }

  void arm() {
    const std::lock_guard lock(mutex_);
    armed_ = true;
  }
  /// True once a transaction is held (false after `timeout`).
  bool wait_until_holding(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return holding_; });
  }
  void release() {
    const std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }
  void kill() {
    const std::lock_guard lock(mutex_);
    dead_ = true;
    changed_.notify_all();
  }

 private:
  static bool is_transact_write(const dynamodb::http_request& request) {
    return std::any_of(request.headers.begin(), request.headers.end(), [](const auto& header) {
      return header.name == "X-Amz-Target" && header.value.ends_with(".TransactWriteItems");
    });
  }

  std::shared_ptr<dynamodb::http_transport> inner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool armed_ = false;
  bool holding_ = false;
  bool released_ = false;
  bool dead_ = false;
};

domain_event_stream make_events(const std::string& aggregate, std::int64_t first_playhead,
                                int count) {
  std::vector<domain_message> messages;
  for (int i = 0; i < count; ++i) {
    const nlohmann::json payload = {{"eid", aggregate + "." + std::to_string(first_playhead + i)}};
    messages.push_back(domain_message::record_now(aggregate, first_playhead + i, {},
                                                  {event_class, payload.dump()}));
  }
  return domain_event_stream(std::move(messages));
}

std::string eid_of(const domain_message& message) {
  return nlohmann::json::parse(message.payload().json).at("eid").get<std::string>();
}

struct delivered_event {
  std::int64_t position = 0;
  std::string eid;
};

// A projection's loop: replay pages after its checkpoint, on its own thread, until stopped (and a
// page read after the stop says there is nothing more).
class follower {
 public:
  explicit follower(dynamodb_event_store& store)
      : thread_([this, &store](const std::stop_token& stop) { run(store, stop); }) {}

  [[nodiscard]] std::vector<delivered_event> events() const {
    const std::lock_guard lock(mutex_);
    return events_;
  }
  [[nodiscard]] std::string error() const {
    const std::lock_guard lock(mutex_);
    return error_;
  }
  /// True once `eid` was delivered (false after `timeout`).
  bool wait_for(const std::string& eid, std::chrono::milliseconds timeout) const {
    const auto deadline = clock::now() + timeout;
    while (clock::now() < deadline) {
      {
        const std::lock_guard lock(mutex_);
        if (!error_.empty()) return false;
        if (std::any_of(events_.begin(), events_.end(),
                        [&](const delivered_event& e) { return e.eid == eid; })) {
          return true;
        }
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }
  void stop() {
    thread_.request_stop();
    thread_.join();
  }

 private:
  void run(dynamodb_event_store& store, const std::stop_token& stop) {
    std::int64_t checkpoint = 0;
    const auto deadline = clock::now() + 2 * patience;
    try {
      for (;;) {
        const bool stopping = stop.stop_requested();
        const auto page =
            store.load_replay_page_after_global_position(criteria::create(), checkpoint, 10);
        {
          const std::lock_guard lock(mutex_);
          for (const auto& event : page.events()) {
            events_.push_back({event.global_position, eid_of(event.message)});
          }
        }
        checkpoint = page.last_processed_global_position();
        if (!page.has_more() && stopping) return;
        if (clock::now() > deadline) throw std::runtime_error("the follower ran out of time");
        std::this_thread::sleep_for(5ms);
      }
    } catch (const std::exception& e) {
      const std::lock_guard lock(mutex_);
      error_ = std::string("the follower failed at checkpoint ") + std::to_string(checkpoint) +
               ": " + e.what();
    }
  }

  mutable std::mutex mutex_;
  std::vector<delivered_event> events_;
  std::string error_;
  std::jthread thread_;
};

struct outcome {
  bool done = false;
  bool succeeded = false;
  std::string error;
};

class fence_fault : public ::testing::Test {
 protected:
  void SetUp() override {
    client_options_ = dynamodb_local::shared().options("fence");
    client_ = std::make_shared<const dynamodb::client>(client_options_);
    table_ = unique_table_name("fence");
    admin_.emplace(client_, options(append_protocol::adaptive));
    admin_->create_table();
  }
  void TearDown() override {
    try {
      admin_->delete_table();
    } catch (const std::exception&) {
    }
  }

  dynamodb_event_store_options options(append_protocol protocol) const {
    dynamodb_event_store_options opts;
    opts.table_name = table_;
    opts.protocol = protocol;
    opts.consistent_aggregate_reads = true;
    return opts;
  }

  // A store whose every request goes through `transport` (wrapping curl to Local).
  dynamodb_event_store paused_writer(const std::shared_ptr<pausing_transport>& transport) const {
    auto writer_client_options = client_options_;
    writer_client_options.transport = transport;
    // The stalled transaction waits for the test, not for a deadline.
    writer_client_options.retry.total_timeout = 0ms;
    return dynamodb_event_store(std::make_shared<const dynamodb::client>(writer_client_options),
                                options(append_protocol::reservation));
  }

  // A follower store that fences after `follower_gap_timeout`, its skipped gaps collected.
  dynamodb_event_store follower_store(std::vector<skipped_gap>& gaps,
                                      std::mutex& gaps_mutex) const {
    auto opts = options(append_protocol::adaptive);
    opts.gap_timeout = follower_gap_timeout;
    opts.on_gap_skipped = [&gaps, &gaps_mutex](const skipped_gap& gap) {
      const std::lock_guard lock(gaps_mutex);
      gaps.push_back(gap);
    };
    return dynamodb_event_store(client_, std::move(opts));
  }

  std::int64_t counter() const { return coverage_testing::counter_value(*client_, table_); }

  // Every void claim row covering `position`.
  std::vector<coverage_testing::claim_row> void_claims_at(std::int64_t position) const {
    std::vector<coverage_testing::claim_row> found;
    for (const auto& claim : coverage_testing::read_claim_rows(*client_, table_)) {
      if (claim.state == "void" && claim.first <= position && position <= claim.last()) {
        found.push_back(claim);
      }
    }
    return found;
  }

  dynamodb::client_options client_options_;
  std::shared_ptr<const dynamodb::client> client_;
  std::string table_;
  std::optional<dynamodb_event_store> admin_;
};

TEST_F(fence_fault, a_follower_fences_a_stalled_range_and_the_writer_commits_at_a_new_one) {
  const auto transport = std::make_shared<pausing_transport>(dynamodb::make_curl_transport());
  auto writer = paused_writer(transport);
  dynamodb_event_store other(client_, options(append_protocol::adaptive));
  std::vector<skipped_gap> gaps;
  std::mutex gaps_mutex;
  auto follower_events_store = follower_store(gaps, gaps_mutex);
  follower follow(follower_events_store);

  other.append("other", make_events("other", 0, 2));  // positions 1-2
  const auto before = counter();

  // The writer reserves its range, then stalls before its commit.
  transport->arm();
  outcome result;
  std::jthread writing([&] {
    try {
      writer.append("stalled", make_events("stalled", 0, 3));
      result.succeeded = true;
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    result.done = true;
  });
  ASSERT_TRUE(transport->wait_until_holding(patience)) << "the writer never sent its commit";
  const auto reserved_first = before + 1;
  const auto reserved_last = counter();
  ASSERT_EQ(reserved_last - reserved_first + 1, 3) << "the writer reserved its 3 positions";
  EXPECT_EQ(writer.statistics().reservations, 1u);

  // Another writer commits behind the stalled range: the follower reaches a hole and, after its
  // gap timeout, fences it and delivers what is behind it.
  other.append("other", make_events("other", 2, 2));
  ASSERT_TRUE(follow.wait_for("other.3", patience)) << follow.error();
  for (auto position = reserved_first; position <= reserved_last; ++position) {
    const auto claims = void_claims_at(position);
    ASSERT_EQ(claims.size(), 1u) << "position " << position << " is not fenced";
    EXPECT_EQ(claims[0].voided_by, "reader") << "position " << position;
  }
  EXPECT_EQ(follower_events_store.statistics().fenced_positions,
            static_cast<std::uint64_t>(reserved_last - reserved_first + 1));

  // A replay by a fresh store (default gap timeout of 10 s) passes the fenced range at once.
  {
    dynamodb_event_store replay(client_, options(append_protocol::adaptive));
    std::vector<std::string> seen;
    replay.visit_events(criteria::create(),
                        [&](const domain_message& message) { seen.push_back(eid_of(message)); });
    EXPECT_EQ(seen, (std::vector<std::string>{"other.0", "other.1", "other.2", "other.3"}));
    EXPECT_EQ(replay.statistics().void_positions_passed, 3u);
    EXPECT_EQ(replay.statistics().skipped_gaps, 0u);
    EXPECT_EQ(replay.statistics().fenced_positions, 0u);
  }

  // The writer comes back: its commit fails on its claim condition, and it commits again at a
  // new range.
  transport->release();
  writing.join();
  ASSERT_TRUE(result.done);
  EXPECT_TRUE(result.succeeded) << result.error;
  const auto writer_statistics = writer.statistics();
  EXPECT_GE(writer_statistics.fenced_commits, 1u);
  EXPECT_GE(writer_statistics.reservations, 2u);
  other.append("other", make_events("other", 4, 1));

  ASSERT_TRUE(follow.wait_for("other.4", patience)) << follow.error();
  follow.stop();
  ASSERT_TRUE(follow.error().empty()) << follow.error();

  // Every committed event delivered exactly once, in position order; the writer's at its new
  // range, none in the fenced one.
  const auto events = follow.events();
  std::vector<std::string> eids;
  std::vector<std::int64_t> positions;
  for (const auto& event : events) {
    eids.push_back(event.eid);
    positions.push_back(event.position);
  }
  std::vector<std::string> expected{"other.0",   "other.1",   "other.2",   "other.3",
                                    "stalled.0", "stalled.1", "stalled.2", "other.4"};
  EXPECT_EQ(eids, expected);
  EXPECT_TRUE(std::is_sorted(positions.begin(), positions.end()));
  EXPECT_EQ(std::set<std::int64_t>(positions.begin(), positions.end()).size(), positions.size());
  for (const auto& event : events) {
    EXPECT_FALSE(event.position >= reserved_first && event.position <= reserved_last)
        << event.eid << " landed in the fenced range at " << event.position;
  }
  const auto loaded = admin_->load("stalled");
  ASSERT_EQ(loaded.size(), 3u);
  for (std::size_t i = 0; i < loaded.size(); ++i) {
    EXPECT_EQ(eid_of(loaded[i]), "stalled." + std::to_string(i));
  }

  const auto coverage = coverage_testing::check_coverage(*client_, table_, positions);
  EXPECT_TRUE(coverage.problems.empty()) << ::testing::PrintToString(coverage.problems);
  EXPECT_EQ(coverage.void_claims_by_reader, reserved_last - reserved_first + 1);
  {
    const std::lock_guard lock(gaps_mutex);
    ASSERT_FALSE(gaps.empty()) << "the fence was not reported";
    EXPECT_LE(gaps.front().first_position, reserved_first);
    EXPECT_GE(gaps.back().last_position, reserved_last);
  }

  std::cout << "[fence] reserved " << reserved_first << ".." << reserved_last
            << ", fenced by the follower; writer: "
            << coverage_testing::statistics_line(writer_statistics) << "\n[fence] follower: "
            << coverage_testing::statistics_line(follower_events_store.statistics()) << "\n";
}

TEST_F(fence_fault, readers_pass_the_range_of_a_writer_that_died_after_its_add) {
  const auto transport = std::make_shared<pausing_transport>(dynamodb::make_curl_transport());
  auto writer = paused_writer(transport);
  dynamodb_event_store other(client_, options(append_protocol::adaptive));
  std::vector<skipped_gap> gaps;
  std::mutex gaps_mutex;
  auto follower_events_store = follower_store(gaps, gaps_mutex);
  follower follow(follower_events_store);

  other.append("other", make_events("other", 0, 1));  // position 1
  transport->arm();
  outcome result;
  std::jthread writing([&] {
    try {
      writer.append("dead", make_events("dead", 0, 2));
      result.succeeded = true;
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    result.done = true;
  });
  ASSERT_TRUE(transport->wait_until_holding(patience)) << "the writer never sent its commit";
  const auto reserved_last = counter();
  const auto reserved_first = reserved_last - 1;
  other.append("other", make_events("other", 1, 2));

  // The follower passes the dead range after its gap timeout.
  ASSERT_TRUE(follow.wait_for("other.2", patience)) << follow.error();

  // The writer is gone for good: its transaction and everything after it never reach DynamoDB.
  transport->kill();
  writing.join();
  EXPECT_TRUE(result.done);
  EXPECT_FALSE(result.succeeded) << "a writer whose connection died cannot have committed";
  follow.stop();
  ASSERT_TRUE(follow.error().empty()) << follow.error();

  std::vector<std::string> eids;
  std::vector<std::int64_t> positions;
  for (const auto& event : follow.events()) {
    eids.push_back(event.eid);
    positions.push_back(event.position);
  }
  EXPECT_EQ(eids, (std::vector<std::string>{"other.0", "other.1", "other.2"}));
  EXPECT_THROW(static_cast<void>(admin_->load("dead")), event_stream_not_found);
  for (auto position = reserved_first; position <= reserved_last; ++position) {
    const auto claims = void_claims_at(position);
    ASSERT_EQ(claims.size(), 1u) << "position " << position << " is not fenced";
    EXPECT_EQ(claims[0].voided_by, "reader") << "position " << position;
  }
  const auto coverage = coverage_testing::check_coverage(*client_, table_, positions);
  EXPECT_TRUE(coverage.problems.empty()) << ::testing::PrintToString(coverage.problems);
  EXPECT_EQ(coverage.void_positions, 2);
  EXPECT_EQ(follower_events_store.statistics().fenced_positions, 2u);

  // A later replay passes the dead range at once.
  dynamodb_event_store replay(client_, options(append_protocol::adaptive));
  std::vector<std::string> seen;
  replay.visit_events(criteria::create(),
                      [&](const domain_message& message) { seen.push_back(eid_of(message)); });
  EXPECT_EQ(seen, eids);
  EXPECT_EQ(replay.statistics().void_positions_passed, 2u);
  EXPECT_EQ(replay.statistics().skipped_gaps, 0u);
  std::cout << "[fence crash] the dead writer's append failed with: " << result.error << "\n";
}

}  // namespace
}  // namespace dynamo_es::testing
