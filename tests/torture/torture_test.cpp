// Torture: sixteen writers in two processes (eight threads each) commit 500 appends each to one
// table in DynamoDB Local while a follower in the first process reads the global feed through
// the store's replay pages, a few rows at a time, resuming after each page from the page's
// `last_processed_global_position` (its checkpoint). The second process is this binary run again
// (/proc/self/exe) with the test `torture_child.writer_process` selected and the endpoint, access
// key id (Local keeps one database per key) and table in its environment; it reports what it
// committed as JSON in a file the parent names.
//
// The promise under test: the follower receives every committed event exactly once, in position
// order, positions are exactly 1..N with N = the events of all appends (and the counter row says
// N), nothing of a rejected attempt ever appears, and the writers' own view (each aggregate's
// playheads) agrees with the feed.

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
#include "support/dynamodb_local.hpp"
#include "torture/child_process.hpp"
#include "torture/torture_writers.hpp"

namespace dynamo_es::torture_testing {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

constexpr const char* child_report_variable = "DYNAMO_ES_TORTURE_CHILD_REPORT";
constexpr const char* child_table_variable = "DYNAMO_ES_TORTURE_TABLE";
constexpr int processes = 2;
constexpr int threads_per_process = 8;
constexpr int appends_per_writer = 500;
constexpr std::int64_t follower_page_size = 25;  // small: many pages, many checkpoints
constexpr auto run_budget = 420s;                // writers, child and follower give up past this

workload workload_of(const std::string& process_name, unsigned seed) {
  workload work;
  work.process_name = process_name;
  work.threads = threads_per_process;
  work.appends_per_thread = appends_per_writer;
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
  std::int64_t empty_pages = 0;  // read while caught up
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
      checkpoint = page.last_processed_global_position();
      if (!page.has_more() && done_before_read) return out;
      if (clock::now() > deadline) {
        out.error = "the follower ran out of time at checkpoint " + std::to_string(checkpoint);
        return out;
      }
      // Caught up: let the writers have the (serial) Local for a moment.
      if (!page.has_more()) std::this_thread::sleep_for(10ms);
    }
  } catch (const std::exception& e) {
    out.error = std::string("the follower failed at checkpoint ") + std::to_string(checkpoint) +
                ": " + e.what();
  }
  return out;
}

std::int64_t counter_value(const dynamodb::client& client, const std::string& table) {
  dynamodb::get_item_request request;
  request.table_name = table;
  request.key.emplace("Id", dynamodb::attribute_value::string("_counter"));
  request.key.emplace("Playhead", dynamodb::attribute_value::number(0));
  request.consistent_read = true;
  const auto response = client.get_item(request);
  if (!response.item || response.item->count("Value") == 0) return -1;
  return response.item->at("Value").as_int64();
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
  if (report_path == nullptr || table == nullptr) {
    GTEST_SKIP() << "runs only as the child process of "
                    "torture.sixteen_writers_in_two_processes_and_a_checkpointing_follower";
  }
  // Endpoint, key pair and region come from the environment the parent set.
  dynamodb_event_store store(std::make_shared<const dynamodb::client>(dynamodb::client_options{}),
                             store_options(table));
  const auto report = run_writers(store, workload_of("p1", 2));
  std::ofstream(report_path) << to_json_text(report);
}

TEST(torture, sixteen_writers_in_two_processes_and_a_checkpointing_follower) {
  static_assert(processes == 2, "the test starts exactly one child process");
  const auto started = clock::now();
  const auto& local = testing::dynamodb_local::shared();
  const auto client_options = local.options("torture");
  const auto client = std::make_shared<const dynamodb::client>(client_options);
  const auto table = testing::unique_table_name("torture");
  dynamodb_event_store store(client, store_options(table));
  store.create_table();
  const table_guard cleanup(store);

  // The follower has its own store instance (its own gap tracker), as a projection process would.
  dynamodb_event_store follower_store(client, store_options(table));
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
       {child_table_variable, table}});
  const auto parent_report = run_writers(store, workload_of("p0", 1));
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
  std::uint64_t counter_races = 0, transient_retries = 0;
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
    counter_races += report.counter_races;
    transient_retries += report.transient_retries;
  }
  EXPECT_EQ(writers, processes * threads_per_process);

  // The follower got every committed event exactly once, in position order, positions 1..N.
  const auto& events = followed.events;
  const auto n = static_cast<std::int64_t>(events.size());
  EXPECT_EQ(events.size(), committed.size());
  std::set<std::string> delivered;
  std::size_t out_of_place = 0, twice = 0, invented = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const auto& event = events[static_cast<std::size_t>(i)];
    if (event.position != i + 1) {
      if (++out_of_place <= 5) {
        ADD_FAILURE() << "the follower's event " << i + 1 << " has position " << event.position;
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
  EXPECT_EQ(counter_value(*client, table), n);

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
  std::cout << "[torture] " << processes << " processes x " << threads_per_process << " writers x "
            << appends_per_writer << " appends: " << appends << " appends committed (" << shared
            << " to 2 shared aggregates), " << committed.size() << " events, in " << writing.count()
            << " ms = " << per_second(appends, writing) << " appends/s, "
            << per_second(static_cast<double>(committed.size()), writing) << " events/s\n";
  std::cout << "[torture] lost races: " << counter_races
            << " counter races retried inside the stores, " << duplicates
            << " duplicate_playhead on shared aggregates (reloaded and retried, " << rejected.size()
            << " events never written), " << transient_retries << " transient retries; process "
            << "writing times " << reports[0].elapsed_ms << " ms and " << reports[1].elapsed_ms
            << " ms\n";
  std::cout << "[torture] follower: " << n << " events in " << followed.pages << " pages of "
            << follower_page_size << " rows (" << followed.empty_pages
            << " empty while caught up), positions 1.." << n << ", counter "
            << counter_value(*client, table) << ", delivered twice " << twice << ", never "
            << never_delivered << ", out of order " << out_of_place << "; caught up "
            << following.count() - writing.count() << " ms after the writers; total "
            << elapsed.count() << " ms\n";
}

}  // namespace
}  // namespace dynamo_es::torture_testing
