// Torture, in every append protocol (the test is parameterised by it): sixteen writers in two
// processes (eight threads each) commit 500 appends each (150 in the serialised and reservation
// modes, see `appends_per_writer`) to one table in DynamoDB Local while a
// follower in the first process reads the global feed through the store's replay pages, a few rows
// at a time, resuming after each page from the page's `last_processed_global_position` (its
// checkpoint). The second process is this binary run again (/proc/self/exe) with the test
// `torture_child.writer_process` selected and the endpoint, access key id (Local keeps one
// database per key), table and protocol in its environment; it reports what it committed as JSON
// in a file the parent names.
//
// The promise under test: the follower receives every committed event exactly once, in position
// order; nothing of a rejected attempt ever appears; every position up to the counter is a
// committed event or covered by a void claim (reservations void the range of a failed commit,
// and readers fence ranges nobody claimed), never both, and the serialised protocol voids nothing
// (positions exactly 1..N); and the writers' own view (each aggregate's playheads) agrees with the
// feed.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
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
#include "integration/concurrency/position_coverage.hpp"
#include "support/dynamodb_local.hpp"
#include "torture/child_process.hpp"
#include "torture/torture_writers.hpp"

namespace dynamo_es::torture_testing {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

constexpr const char* child_report_variable = "DYNAMO_ES_TORTURE_CHILD_REPORT";
constexpr const char* child_table_variable = "DYNAMO_ES_TORTURE_TABLE";
constexpr const char* child_protocol_variable = "DYNAMO_ES_TORTURE_PROTOCOL";
constexpr int processes = 2;
constexpr int threads_per_process = 8;

// Committed appends per writer: the full 500 in the default (adaptive) mode, fewer in the two
// fixed modes, so that the three together stay within a few minutes on CI's 2 cores (the adaptive
// mode runs both protocols' code under the same contention; the fixed modes check each protocol
// on its own, for a shorter time).
int appends_per_writer(append_protocol protocol) {
  return protocol == append_protocol::adaptive ? 500 : 150;
}
constexpr std::int64_t follower_page_size = 25;  // small: many pages, many checkpoints
constexpr auto run_budget = 420s;                // writers, child and follower give up past this

workload workload_of(const std::string& process_name, unsigned seed, append_protocol protocol) {
  workload work;
  work.process_name = process_name;
  work.threads = threads_per_process;
  work.appends_per_thread = appends_per_writer(protocol);
  work.seed = seed;
  work.time_budget = std::chrono::duration_cast<std::chrono::milliseconds>(run_budget);
  return work;
}

// One event as the follower received it.
struct delivered_event {
  std::int64_t position = 0;
  std::string aggregate_id;
  std::int64_t playhead = 0;
  std::string eid;
};

struct followed_feed {
  std::vector<delivered_event> events;
  std::int64_t pages = 0;
  std::int64_t empty_pages = 0;  // read while caught up or stopped before a missing position
  std::string error;             // empty unless the follower failed or ran out of time
};

// Reads pages after its checkpoint until the writers are done and a page read after that says
// there is nothing more. The checkpoint is all it keeps between pages, as a projection would.
followed_feed follow_feed(dynamodb_event_store& store, const std::atomic<bool>& writers_done,
                          clock::time_point deadline) {
  followed_feed out;
  std::int64_t checkpoint = 0;
  try {
    for (;;) {
      const bool done_before_read = writers_done.load();
      const auto page = store.load_replay_page_after_global_position(criteria::create(), checkpoint,
                                                                     follower_page_size);
      ++out.pages;
      if (page.events().empty()) ++out.empty_pages;
      for (const auto& event : page.events()) {
        out.events.push_back({event.global_position, event.message.id(), event.message.playhead(),
                              eid_of(event.message)});
      }
      const bool progressed = page.last_processed_global_position() > checkpoint;
      checkpoint = page.last_processed_global_position();
      if (!page.has_more() && done_before_read) return out;
      if (clock::now() > deadline) {
        out.error = "the follower ran out of time at checkpoint " + std::to_string(checkpoint);
        return out;
      }
      // Caught up, or stopped before a missing position (a range reserved and not committed
      // yet): let the writers have the (serial) Local for a moment.
      if (!page.has_more() || !progressed) std::this_thread::sleep_for(10ms);
    }
  } catch (const std::exception& e) {
    out.error = std::string("the follower failed at checkpoint ") + std::to_string(checkpoint) +
                ": " + e.what();
  }
  return out;
}

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
TEST(torture_child, writer_process) {
  const char* report_path = std::getenv(child_report_variable);
  const char* table = std::getenv(child_table_variable);
  const char* protocol_name = std::getenv(child_protocol_variable);
  if (report_path == nullptr || table == nullptr || protocol_name == nullptr) {
    GTEST_SKIP() << "runs only as the child process of "
                    "protocols/torture.sixteen_writers_in_two_processes_and_a_checkpointing_"
                    "follower";
  }
  const auto protocol = coverage_testing::protocol_from_name(protocol_name);
  // Endpoint, key pair and region come from the environment the parent set.
  dynamodb_event_store store(std::make_shared<const dynamodb::client>(dynamodb::client_options{}),
                             store_options(table, protocol));
  const auto report = run_writers(store, workload_of("p1", 2, protocol));
  std::ofstream(report_path) << to_json_text(report);
}

class torture : public ::testing::TestWithParam<append_protocol> {};

TEST_P(torture, sixteen_writers_in_two_processes_and_a_checkpointing_follower) {
  static_assert(processes == 2, "the test starts exactly one child process");
  const auto protocol = GetParam();
  const auto mode = coverage_testing::protocol_name(protocol);
  const int appends_per_writer = torture_testing::appends_per_writer(protocol);
  const auto started = clock::now();
  const auto& local = testing::dynamodb_local::shared();
  const auto client_options = local.options("torture");
  const auto client = std::make_shared<const dynamodb::client>(client_options);
  const auto table = testing::unique_table_name("torture");
  dynamodb_event_store store(client, store_options(table, protocol));
  store.create_table();
  const table_guard cleanup(store);

  // The follower has its own store instance (its own gap tracker), as a projection process would.
  dynamodb_event_store follower_store(client, store_options(table, protocol));
  std::atomic<bool> writers_done{false};
  followed_feed followed;
  const auto writers_started = clock::now();
  std::jthread follower([&] {
    followed = follow_feed(follower_store, writers_done, clock::now() + run_budget + 60s);
  });

  temporary_file child_report("dynamo-es-torture-report");
  child_process child(
      {self_executable(), "--gtest_filter=torture_child.writer_process", "--gtest_color=no"},
      {{"AWS_ENDPOINT_URL_DYNAMODB", local.endpoint_url()},
       {"AWS_ACCESS_KEY_ID", client_options.credentials->access_key_id},
       {"AWS_SECRET_ACCESS_KEY", client_options.credentials->secret_access_key},
       {"AWS_SESSION_TOKEN", ""},
       {"AWS_REGION", client_options.region},
       {"DYNAMO_ES_TEST_ENDPOINT", local.endpoint_url()},  // never start a second Local
       {child_report_variable, child_report.path()},
       {child_table_variable, table},
       {child_protocol_variable, mode}});
  const auto parent_report = run_writers(store, workload_of("p0", 1, protocol));
  const auto child_result = child.wait(run_budget + 30s);
  const auto writing =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - writers_started);
  writers_done = true;
  follower.join();
  const auto following =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - writers_started);

  ASSERT_FALSE(child_result.timed_out) << child_result.output;
  ASSERT_TRUE(child_result.exited && child_result.exit_code == 0)
      << "child exit " << child_result.exit_code << ":\n"
      << child_result.output;
  const auto child_report_json = child_report.read();
  ASSERT_FALSE(child_report_json.empty()) << child_result.output;
  const std::vector<process_report> reports{parent_report,
                                            process_report_from_json(child_report_json)};
  ASSERT_TRUE(followed.error.empty()) << followed.error;

  // What the writers committed, and what they know was rejected.
  std::map<std::string, committed_event> committed;
  std::set<std::string> rejected;
  int appends = 0, shared = 0, duplicates = 0, writers = 0;
  dynamodb_event_store_statistics writer_statistics;
  for (const auto& report : reports) {
    for (const auto& writer : report.writers) {
      ++writers;
      EXPECT_TRUE(writer.other_errors.empty())
          << writer.writer << ": " << ::testing::PrintToString(writer.other_errors);
      EXPECT_EQ(writer.gave_up, 0) << writer.writer;
      EXPECT_FALSE(writer.ran_out_of_time) << writer.writer;
      EXPECT_EQ(writer.appends_committed, appends_per_writer) << writer.writer;
      for (const auto& event : writer.committed) {
        EXPECT_TRUE(committed.emplace(event.eid, event).second) << "eid twice: " << event.eid;
      }
      rejected.insert(writer.rejected_eids.begin(), writer.rejected_eids.end());
      appends += writer.appends_committed;
      shared += writer.shared_appends;
      duplicates += writer.duplicate_playheads;
    }
    writer_statistics = coverage_testing::sum(writer_statistics, report.statistics);
  }
  EXPECT_EQ(writers, processes * threads_per_process);

  // The follower got every committed event exactly once, in position order.
  const auto& events = followed.events;
  const auto n = static_cast<std::int64_t>(events.size());
  EXPECT_EQ(events.size(), committed.size());
  std::set<std::string> delivered;
  std::vector<std::int64_t> positions;
  std::size_t out_of_place = 0, twice = 0, invented = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto& event = events[static_cast<std::size_t>(i)];
    positions.push_back(event.position);
    if (i > 0 && event.position <= events[static_cast<std::size_t>(i - 1)].position) {
      if (++out_of_place <= 5) {
        ADD_FAILURE() << "the follower's event " << i + 1 << " has position " << event.position
                      << " after " << events[static_cast<std::size_t>(i - 1)].position;
      }
    }
    if (!delivered.insert(event.eid).second) {
      ++twice;
      ADD_FAILURE() << "delivered twice: " << event.eid;
    }
    const auto it = committed.find(event.eid);
    if (it == committed.end()) {
      ++invented;
      ADD_FAILURE() << "delivered but committed by nobody: " << event.eid
                    << (rejected.count(event.eid) ? " (its append was rejected!)" : "");
    } else {
      EXPECT_EQ(event.aggregate_id, it->second.aggregate_id) << event.eid;
      EXPECT_EQ(event.playhead, it->second.playhead) << event.eid;
    }
  }
  EXPECT_EQ(out_of_place, 0u);
  EXPECT_EQ(twice, 0u);
  EXPECT_EQ(invented, 0u);
  std::size_t never_delivered = 0;
  for (const auto& [eid, event] : committed) {
    if (delivered.count(eid) == 0 && ++never_delivered <= 5) {
      ADD_FAILURE() << "committed but never delivered: " << eid;
    }
  }
  EXPECT_EQ(never_delivered, 0u);

  // Every position up to the counter: a delivered event or void-claimed, never both.
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

  // Per aggregate, the feed shows playheads 0..k-1 in order (dense, committed in playhead order).
  std::map<std::string, std::int64_t> next_playhead;
  for (const auto& event : events) {
    auto& next = next_playhead[event.aggregate_id];
    EXPECT_EQ(event.playhead, next) << event.aggregate_id << " at position " << event.position;
    next = event.playhead + 1;
  }
  EXPECT_EQ(next_playhead.size(), static_cast<std::size_t>(writers) + 2);  // own + 2 shared
  EXPECT_GT(shared, 0);

  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
  const auto per_second = [](double count, std::chrono::milliseconds ms) {
    return ms.count() > 0 ? count * 1000.0 / static_cast<double>(ms.count()) : 0.0;
  };
  std::cout << std::fixed << std::setprecision(1);
  const auto follower_statistics = follower_store.statistics();
  const std::string tag = "[torture " + mode + "] ";
  std::cout << tag << processes << " processes x " << threads_per_process << " writers x "
            << appends_per_writer << " appends: " << appends << " appends committed (" << shared
            << " to 2 shared aggregates), " << committed.size() << " events, in " << writing.count()
            << " ms = " << per_second(appends, writing) << " appends/s, "
            << per_second(static_cast<double>(committed.size()), writing) << " events/s\n";
  std::cout << tag << duplicates << " duplicate_playhead on shared aggregates (reloaded and "
            << "retried, " << rejected.size() << " events never written); process writing times "
            << reports[0].elapsed_ms << " ms and " << reports[1].elapsed_ms << " ms\n";
  std::cout << tag << "positions: counter " << coverage.counter << ", " << n << " events, "
            << coverage.void_positions << " void-claimed positions ("
            << coverage.void_claims_by_writer << " void claims by writers, "
            << coverage.void_claims_by_reader << " by readers), " << coverage.committed_claims
            << " committed claims\n";
  std::cout << tag << "writers: " << coverage_testing::statistics_line(writer_statistics) << "\n";
  std::cout << tag << "follower: " << n << " events in " << followed.pages << " pages of "
            << follower_page_size << " rows (" << followed.empty_pages
            << " empty), delivered twice " << twice << ", never " << never_delivered
            << ", out of order " << out_of_place << "; caught up "
            << following.count() - writing.count() << " ms after the writers; total "
            << elapsed.count() << " ms; " << coverage_testing::statistics_line(follower_statistics)
            << "\n";
}

INSTANTIATE_TEST_SUITE_P(protocols, torture,
                         ::testing::Values(append_protocol::adaptive, append_protocol::serialised,
                                           append_protocol::reservation),
                         [](const ::testing::TestParamInfo<append_protocol>& param) {
                           return coverage_testing::protocol_name(param.param);
                         });

}  // namespace
}  // namespace dynamo_es::torture_testing
