// Concurrency against DynamoDB Local, in every append protocol (serialised, reservation and the
// adaptive default; the test is parameterised by it): two processes of four writer threads append
// to their own and to shared aggregates while a reader in the first process follows the global
// feed page by page, checkpointing on `last_processed_global_position`. The second process is this
// binary run again (/proc/self/exe) with the test `concurrency_child.writer_process` selected and
// the same endpoint, access key id (Local keeps one database per key), table and protocol in its
// environment; it reports what it committed as JSON in a file the parent names.
//
// The assertions are the store's promises under contention: every committed event reaches the
// checkpointing reader exactly once and in position order; every position up to the `_counter`
// value is a committed event or covered by a void claim (a range reserved by a writer whose
// commit failed, or fenced by a reader), never both, and with the serialised protocol there are no
// void claims at all (positions exactly 1..N); each aggregate's playheads are unique and dense; and
// every append either committed or failed with `duplicate_playhead` having written nothing.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "dynamo_es/criteria.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"
#include "integration/concurrency/child_process.hpp"
#include "integration/concurrency/concurrent_writers.hpp"
#include "integration/concurrency/position_coverage.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es::concurrency_testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* child_report_variable = "DYNAMO_ES_CONCURRENCY_CHILD_REPORT";
constexpr const char* child_table_variable = "DYNAMO_ES_CONCURRENCY_TABLE";
constexpr const char* child_protocol_variable = "DYNAMO_ES_CONCURRENCY_PROTOCOL";
constexpr std::int64_t reader_page_size = 7;  // small, so the reader reads many pages

workload workload_of(const std::string& process_name, unsigned seed) {
  workload work;
  work.process_name = process_name;
  work.threads = 4;
  work.appends_per_thread = 30;
  work.seed = seed;
  return work;
}

// One event as the reader received it.
struct delivered_event {
  std::int64_t position = 0;
  std::string aggregate_id;
  std::int64_t playhead = 0;
  std::string eid;
};

struct followed_feed {
  std::vector<delivered_event> events;
  std::int64_t pages = 0;
  std::string error;  // empty unless the reader failed or ran out of time
};

// Reads pages after its checkpoint until the writers are done and a page read after that says
// there is nothing more.
followed_feed follow_feed(dynamodb_event_store& reader, const std::atomic<bool>& writers_done,
                          std::chrono::steady_clock::time_point deadline) {
  followed_feed out;
  std::int64_t checkpoint = 0;
  try {
    for (;;) {
      const bool done_before_read = writers_done.load();
      const auto page = reader.load_replay_page_after_global_position(criteria::create(),
                                                                      checkpoint, reader_page_size);
      ++out.pages;
      for (const auto& event : page.events()) {
        out.events.push_back({event.global_position, event.message.id(), event.message.playhead(),
                              eid_of(event.message)});
      }
      const bool progressed = page.last_processed_global_position() > checkpoint;
      checkpoint = page.last_processed_global_position();
      if (!page.has_more() && done_before_read) return out;
      if (std::chrono::steady_clock::now() > deadline) {
        out.error = "the reader ran out of time at checkpoint " + std::to_string(checkpoint);
        return out;
      }
      if (!progressed || !page.has_more()) std::this_thread::sleep_for(2ms);
    }
  } catch (const std::exception& e) {
    out.error = std::string("the reader failed: ") + e.what();
  }
  return out;
}

// Deletes the test's table at the end (Local is in memory; this only keeps it tidy).
class table_guard {
 public:
  explicit table_guard(dynamodb_event_store& store) : store_(store) {}
  ~table_guard() {
    try {
      store_.delete_table();
    } catch (const std::exception&) {
    }
  }
  table_guard(const table_guard&) = delete;
  table_guard& operator=(const table_guard&) = delete;

 private:
  dynamodb_event_store& store_;
};

// The second writer process. Skipped unless the parent test started this binary as its child.
TEST(concurrency_child, writer_process) {
  const char* report_path = std::getenv(child_report_variable);
  const char* table = std::getenv(child_table_variable);
  const char* protocol = std::getenv(child_protocol_variable);
  if (report_path == nullptr || table == nullptr || protocol == nullptr) {
    GTEST_SKIP() << "runs only as the child process of "
                    "protocols/concurrency.two_processes_append_while_a_reader_follows_the_feed";
  }
  // Endpoint, key pair and region come from the environment the parent set.
  dynamodb_event_store store(std::make_shared<const dynamodb::client>(dynamodb::client_options{}),
                             store_options(table, coverage_testing::protocol_from_name(protocol)));
  const auto report = run_writers(store, workload_of("p1", 2));
  std::ofstream(report_path) << to_json_text(report);
}

class concurrency : public ::testing::TestWithParam<append_protocol> {};

TEST_P(concurrency, two_processes_append_while_a_reader_follows_the_feed) {
  const auto protocol = GetParam();
  const auto mode = coverage_testing::protocol_name(protocol);
  const auto started = std::chrono::steady_clock::now();
  const auto& local = testing::dynamodb_local::shared();
  const auto client_options = local.options("concurrency");
  const auto client = std::make_shared<const dynamodb::client>(client_options);
  const auto table = testing::unique_table_name("concurrency");
  dynamodb_event_store store(client, store_options(table, protocol));
  store.create_table();
  const table_guard cleanup(store);

  // The reader has its own store instance (its own gap tracker), as a projection process would.
  dynamodb_event_store reader_store(client, store_options(table, protocol));
  std::atomic<bool> writers_done{false};
  followed_feed followed;
  std::jthread reader([&] {
    followed = follow_feed(reader_store, writers_done, std::chrono::steady_clock::now() + 100s);
  });

  temporary_file child_report("dynamo-es-concurrency-report");
  child_process child(
      {self_executable(), "--gtest_filter=concurrency_child.writer_process", "--gtest_color=no"},
      {{"AWS_ENDPOINT_URL_DYNAMODB", local.endpoint_url()},
       {"AWS_ACCESS_KEY_ID", client_options.credentials->access_key_id},
       {"AWS_SECRET_ACCESS_KEY", client_options.credentials->secret_access_key},
       {"AWS_SESSION_TOKEN", ""},
       {"AWS_REGION", client_options.region},
       {"DYNAMO_ES_TEST_ENDPOINT", local.endpoint_url()},  // never start a second Local
       {child_report_variable, child_report.path()},
       {child_table_variable, table},
       {child_protocol_variable, mode}});
  const auto parent_report = run_writers(store, workload_of("p0", 1));
  const auto child_result = child.wait(100s);
  writers_done = true;
  reader.join();

  ASSERT_FALSE(child_result.timed_out) << child_result.output;
  ASSERT_TRUE(child_result.exited && child_result.exit_code == 0)
      << "child exit " << child_result.exit_code << ":\n"
      << child_result.output;
  const auto child_report_json = child_report.read();
  ASSERT_FALSE(child_report_json.empty()) << child_result.output;
  const auto reports =
      std::vector<process_report>{parent_report, process_report_from_json(child_report_json)};
  ASSERT_TRUE(followed.error.empty()) << followed.error;

  // Every append either committed or failed with duplicate_playhead; what each writer believes it
  // committed, and what it knows failed.
  std::map<std::string, committed_event> committed;
  std::set<std::string> rejected;
  int appends = 0, own = 0, shared = 0, duplicates = 0;
  dynamodb_event_store_statistics writer_statistics;
  for (const auto& report : reports) {
    int shared_in_process = 0;
    for (const auto& writer : report.writers) {
      EXPECT_TRUE(writer.other_errors.empty())
          << writer.writer << ": " << ::testing::PrintToString(writer.other_errors);
      EXPECT_EQ(writer.gave_up, 0) << writer.writer;
      EXPECT_FALSE(writer.ran_out_of_time) << writer.writer;
      EXPECT_EQ(writer.appends_committed, workload_of("", 0).appends_per_thread) << writer.writer;
      for (const auto& event : writer.committed) {
        EXPECT_TRUE(committed.emplace(event.eid, event).second) << "eid twice: " << event.eid;
      }
      rejected.insert(writer.rejected_eids.begin(), writer.rejected_eids.end());
      appends += writer.appends_committed;
      own += writer.own_appends;
      shared += writer.shared_appends;
      shared_in_process += writer.shared_appends;
      duplicates += writer.duplicate_playheads;
    }
    writer_statistics = coverage_testing::sum(writer_statistics, report.statistics);
    EXPECT_GT(shared_in_process, 0) << report.process_name << " never wrote a shared aggregate";
  }

  // The reader got every committed event exactly once, in position order.
  const auto& events = followed.events;
  const auto n = static_cast<std::int64_t>(events.size());
  EXPECT_EQ(events.size(), committed.size());
  std::set<std::string> delivered_eids;
  std::vector<std::int64_t> positions;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto& event = events[static_cast<std::size_t>(i)];
    if (i > 0) {
      ASSERT_GT(event.position, events[static_cast<std::size_t>(i - 1)].position)
          << "the reader's " << i + 1 << "th event";
    }
    positions.push_back(event.position);
    EXPECT_TRUE(delivered_eids.insert(event.eid).second) << "delivered twice: " << event.eid;
    const auto it = committed.find(event.eid);
    if (it == committed.end()) {
      ADD_FAILURE() << "in the table but committed by nobody: " << event.eid
                    << (rejected.count(event.eid) ? " (its append failed!)" : "");
    } else {
      EXPECT_EQ(event.aggregate_id, it->second.aggregate_id) << event.eid;
      EXPECT_EQ(event.playhead, it->second.playhead) << event.eid;
    }
  }
  for (const auto& eid : rejected) {
    EXPECT_EQ(delivered_eids.count(eid), 0u) << "a failed append left " << eid << " behind";
  }
  for (const auto& [eid, event] : committed) {
    EXPECT_EQ(delivered_eids.count(eid), 1u) << "committed but never delivered: " << eid;
  }

  // Every position up to the counter: a delivered event or void-claimed, never both. Only
  // reservations can leave void ranges; the serialised protocol's positions are exactly 1..N.
  const auto coverage = coverage_testing::check_coverage(*client, table, positions);
  EXPECT_TRUE(coverage.problems.empty()) << ::testing::PrintToString(coverage.problems);
  EXPECT_EQ(coverage.counter, n + coverage.void_positions);
  if (protocol == append_protocol::serialised) {
    EXPECT_EQ(coverage.void_positions, 0) << "the serialised protocol never voids a position";
    EXPECT_EQ(writer_statistics.reservations, 0u);
  }
  if (protocol == append_protocol::reservation) {
    EXPECT_EQ(writer_statistics.counter_races, 0u) << "reservations never race for the counter";
  }

  // A full replay from position 0 by a fresh store instance sees the same feed.
  dynamodb_event_store replay_store(client, store_options(table, protocol));
  std::vector<std::string> replayed;
  // The void claims are passed at once, not after the gap timeout, and nothing is fenced.
  replay_store.visit_events(criteria::create(), [&](const domain_message& message) {
    replayed.push_back(eid_of(message));
  });
  std::vector<std::string> followed_eids;
  for (const auto& event : events) followed_eids.push_back(event.eid);
  EXPECT_EQ(replayed, followed_eids);
  EXPECT_EQ(replay_store.statistics().skipped_gaps, 0u);
  EXPECT_EQ(replay_store.statistics().void_positions_passed,
            static_cast<std::uint64_t>(coverage.void_positions));

  // Per aggregate: playheads 0..k-1 in feed order (unique, dense, committed in playhead order),
  // and `load` returns the same events.
  std::map<std::string, std::vector<const delivered_event*>> by_aggregate;
  for (const auto& event : events) by_aggregate[event.aggregate_id].push_back(&event);
  for (const auto& [aggregate, stream] : by_aggregate) {
    const auto loaded = store.load(aggregate);
    ASSERT_EQ(loaded.size(), stream.size()) << aggregate;
    for (std::size_t i = 0; i < stream.size(); ++i) {
      EXPECT_EQ(stream[i]->playhead, static_cast<std::int64_t>(i)) << aggregate;
      EXPECT_EQ(loaded[i].playhead(), static_cast<std::int64_t>(i)) << aggregate;
      EXPECT_EQ(eid_of(loaded[i]), stream[i]->eid) << aggregate;
    }
  }
  EXPECT_EQ(by_aggregate.size(), 10u);  // 2 x 4 own aggregates + 2 shared

  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  const auto reader_statistics = reader_store.statistics();
  std::cout << "[concurrency " << mode << "] 2 processes x 4 writers: " << appends
            << " appends committed (" << own << " to own aggregates, " << shared
            << " to 2 shared ones), " << committed.size() << " events; " << duplicates
            << " appends rejected with duplicate_playhead and retried (" << rejected.size()
            << " events never written)\n"
            << "[concurrency " << mode << "] positions: _counter " << coverage.counter << ", " << n
            << " events, " << coverage.void_positions << " void-claimed positions ("
            << coverage.void_claims_by_writer << " void claims by writers, "
            << coverage.void_claims_by_reader << " by readers), " << coverage.committed_claims
            << " committed claims\n"
            << "[concurrency " << mode
            << "] writers: " << coverage_testing::statistics_line(writer_statistics) << "\n"
            << "[concurrency " << mode << "] reader: " << n << " events in " << followed.pages
            << " pages of " << reader_page_size << " rows; "
            << coverage_testing::statistics_line(reader_statistics) << "\n"
            << "[concurrency " << mode << "] " << by_aggregate.size()
            << " aggregates with dense playheads; " << elapsed.count() << " ms\n";
}

INSTANTIATE_TEST_SUITE_P(protocols, concurrency,
                         ::testing::Values(append_protocol::serialised,
                                           append_protocol::reservation, append_protocol::adaptive),
                         [](const ::testing::TestParamInfo<append_protocol>& param) {
                           return coverage_testing::protocol_name(param.param);
                         });

}  // namespace
}  // namespace dynamo_es::concurrency_testing
