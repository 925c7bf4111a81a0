// The event store under network and service faults. Writer threads append through the loopback
// fault proxy (tests/support/fault_proxy.hpp), which gives a share of all requests a fault: a
// reset before the request is forwarded, a reset after it was applied, a response cut mid-body, a
// response held past the client's deadline, a 500, a 503 or a throttling answer. The client's
// deadline is short, so held responses time out.
//
// Each writer appends 1-3 events at a time, to an aggregate of its own and to aggregates all
// writers share, at the playhead it believes is next; on `duplicate_playhead` (or any other
// failure) it reloads the aggregate's head. Every event carries a unique id (`eid`) in its payload
// and every append's outcome is recorded. Afterwards the whole table is read straight from DynamoDB
// Local, around the proxy, and compared with the records:
//  - an append reported as a success has exactly its events in the table, at its playheads, with
//    its payloads;
//  - an append reported as `duplicate_playhead` has none of its events in the table (a false
//    duplicate, its own events committed after all, is counted and fails the test);
//  - an append that failed with `commit_unknown` landed entirely or not at all, and the test
//    reports which;
//  - an append that failed with any other error (a definite failure, e.g. a retry budget spent
//    on throttling) left nothing behind;
//  - no event is in the table twice, none is there that nobody appended, every global position up
//    to the counter holds an event or is covered by a void claim (never both; with no reservation
//    at all the positions are exactly 1..N), and each aggregate's playheads are dense.
//
// Knobs (environment): DYNAMO_ES_FAULT_SEED (default 20240611), DYNAMO_ES_FAULT_RATE (default
// 0.15), DYNAMO_ES_FAULT_PROTOCOL (adaptive, the default, serialised or reservation; ctest runs
// adaptive and reservation, the latter for lost and ambiguous answers to the `ADD` and to the
// commit of a reserved range).

#include <cxxabi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "dynamo_es/criteria.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"
#include "dynamo_es/event_store_errors.hpp"
#include "integration/concurrency/position_coverage.hpp"
#include "support/dynamodb_local.hpp"
#include "support/fault_proxy.hpp"

namespace dynamo_es::testing {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;
using dynamodb::attribute_value;

constexpr int writer_threads = 6;
constexpr int appends_per_writer = 350;  // 2100 appends
constexpr int store_instances = 2;       // writers share these round-robin: counter races
const std::vector<std::string> shared_aggregates{"shared-0", "shared-1", "shared-2"};
constexpr const char* event_class = "DynamoEs\\Tests\\Faults\\Appended";
constexpr auto client_deadline = 500ms;
constexpr auto proxy_delay = 1200ms;  // past the deadline
constexpr auto time_budget = 240s;    // writers stop early (and the test fails) past this

// `unknown`: `commit_unknown`, the store could not tell; `failed`: any other error, which says
// that nothing was written.
enum class outcome { success, duplicate, unknown, failed };

// One call of `append` and what it returned.
struct append_record {
  std::string writer;
  std::string aggregate;
  bool shared = false;
  std::int64_t first_playhead = 0;
  std::vector<std::string> eids;
  std::vector<std::string> payloads;  // the exact JSON handed to the store
  outcome result = outcome::failed;
  std::string error_type;  // for `unknown` and `failed`
  std::string error_text;
};

std::string type_name(const std::exception& e) {
  int status = 0;
  const std::unique_ptr<char, decltype(&std::free)> name(
      abi::__cxa_demangle(typeid(e).name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && name ? name.get() : typeid(e).name();
}

std::string env_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

// The head of `aggregate` (its next playhead) read through the faulty network: a few tries, then
// nullopt (the writer then keeps what it believed).
std::optional<std::int64_t> reload_head(dynamodb_event_store& store, const std::string& aggregate,
                                        std::int64_t known_next) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    try {
      const auto newer = store.load_from_playhead(aggregate, known_next);
      return newer.empty() ? known_next : newer.messages().back().playhead() + 1;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(5ms);
    }
  }
  return std::nullopt;
}

struct writer_result {
  std::vector<append_record> records;
  bool ran_out_of_time = false;
  std::string died;  // an exception escaped the writer loop
};

writer_result run_writer(dynamodb_event_store& store, int thread, unsigned seed,
                         clock::time_point deadline) {
  writer_result out;
  const auto writer = "w" + std::to_string(thread);
  std::mt19937 random(seed * 1000u + static_cast<unsigned>(thread));
  std::int64_t own_next = 0;
  bool own_known = true;
  std::map<std::string, std::int64_t> shared_next;

  for (int append = 0; append < appends_per_writer; ++append) {
    if (clock::now() >= deadline) {
      out.ran_out_of_time = true;
      break;
    }
    append_record record;
    record.writer = writer;
    record.shared = random() % 5 < 2;
    record.aggregate =
        record.shared ? shared_aggregates[random() % shared_aggregates.size()] : writer;
    if (!record.shared && !own_known) {
      if (const auto head = reload_head(store, writer, own_next)) {
        own_next = *head;
        own_known = true;
      }
    }
    auto& next = record.shared ? shared_next[record.aggregate] : own_next;
    record.first_playhead = next;
    const int count = 1 + static_cast<int>(random() % 3);
    std::vector<domain_message> messages;
    for (int i = 0; i < count; ++i) {
      const auto eid = writer + "." + std::to_string(append) + "." + std::to_string(i);
      const auto payload =
          nlohmann::json{{"eid", eid}, {"writer", writer}, {"append", append}, {"index", i}}.dump();
      messages.push_back(
          domain_message::record_now(record.aggregate, next + i, {}, {event_class, payload}));
      record.eids.push_back(eid);
    }
    const domain_event_stream stream(std::move(messages));
    for (const auto& message : stream) record.payloads.push_back(message.payload().json);

    bool reload = false;
    try {
      store.append(record.aggregate, stream);
      record.result = outcome::success;
      next += count;
    } catch (const duplicate_playhead&) {
      record.result = outcome::duplicate;
      reload = true;
    } catch (const commit_unknown& e) {
      // The writer cannot know whether the events landed; the table check tells.
      record.result = outcome::unknown;
      record.error_type = type_name(e);
      record.error_text = e.what();
      reload = true;
    } catch (const std::exception& e) {
      record.result = outcome::failed;
      record.error_type = type_name(e);
      record.error_text = e.what();
      reload = true;
    }
    if (reload) {
      if (record.shared) {
        if (const auto head = reload_head(store, record.aggregate, next)) next = *head;
      } else {
        own_known = false;
      }
    }
    out.records.push_back(std::move(record));
  }
  return out;
}

// One event row of the table as DynamoDB Local holds it.
struct stored_event {
  std::string aggregate;
  std::int64_t playhead = 0;
  std::int64_t position = 0;
  std::string class_name;
  std::string payload;
  std::string eid;
};

stored_event stored_event_of(const dynamodb::attribute_map& item) {
  stored_event out;
  out.aggregate = item.at("Id").as_string();
  out.playhead = item.at("Playhead").as_int64();
  out.position = item.at("GlobalPosition").as_int64();
  const auto& payload = item.at("Payload").as_map();
  out.class_name = payload.at("Class").as_string();
  out.payload = payload.at("Payload").as_string();
  out.eid = nlohmann::json::parse(out.payload).at("eid").get<std::string>();
  return out;
}

// Every event row in the feed index, in position order, read page by page from Local directly.
std::vector<stored_event> read_feed(const dynamodb::client& direct, const std::string& table) {
  dynamodb::query_request request;
  request.table_name = table;
  request.index_name = "Feed-GlobalPosition-index";
  request.key_condition_expression = "#f = :all";
  request.expression_attribute_names.emplace("#f", "Feed");
  request.expression_attribute_values.emplace(":all", attribute_value::string("all"));
  std::vector<stored_event> out;
  for (const auto& item : direct.query_all(request)) out.push_back(stored_event_of(item));
  return out;
}

// The event rows of one aggregate in the base table (strongly consistent).
std::vector<stored_event> read_aggregate(const dynamodb::client& direct, const std::string& table,
                                         const std::string& aggregate) {
  dynamodb::query_request request;
  request.table_name = table;
  request.key_condition_expression = "#i = :id";
  request.expression_attribute_names.emplace("#i", "Id");
  request.expression_attribute_values.emplace(":id", attribute_value::string(aggregate));
  request.consistent_read = true;
  std::vector<stored_event> out;
  for (const auto& item : direct.query_all(request)) out.push_back(stored_event_of(item));
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

TEST(fault_scenario, appends_through_a_faulty_network_are_reported_exactly_as_they_landed) {
  const auto started = clock::now();
  const auto seed = static_cast<unsigned>(std::stoul(env_or("DYNAMO_ES_FAULT_SEED", "20240611")));
  const auto rate = std::stod(env_or("DYNAMO_ES_FAULT_RATE", "0.15"));
  ASSERT_GE(rate, 0.10) << "the scenario promises a fault rate of at least 10 %";
  ASSERT_LE(rate, 1.0);
  const auto& local = dynamodb_local::shared();
  const auto direct_options = local.options("faults");
  const auto direct = std::make_shared<const dynamodb::client>(direct_options);
  const auto table = unique_table_name("faults");

  dynamodb_event_store_options store_options;
  store_options.table_name = table;
  store_options.consistent_aggregate_reads = true;  // writers reload heads they must see
  // Transient failures and counter races of six writers both spend this budget.
  store_options.append_retry.max_attempts = 200;
  const auto protocol = env_or("DYNAMO_ES_FAULT_PROTOCOL", "adaptive");
  if (protocol == "serialised") {
    store_options.protocol = append_protocol::serialised;
  } else if (protocol == "reservation") {
    store_options.protocol = append_protocol::reservation;
  } else {
    ASSERT_EQ(protocol, "adaptive")
        << "DYNAMO_ES_FAULT_PROTOCOL: adaptive, serialised or reservation";
  }

  dynamodb_event_store admin(direct, store_options);
  admin.create_table();
  const table_guard cleanup(admin);

  fault_proxy_options proxy_options;
  proxy_options.upstream_url = local.endpoint_url();
  proxy_options.fault_rate = rate;
  proxy_options.seed = seed;
  proxy_options.delay = proxy_delay;
  const fault_proxy proxy(proxy_options);

  auto faulty_options = direct_options;
  faulty_options.endpoint_url = proxy.url();
  faulty_options.request_timeout = client_deadline;
  faulty_options.connect_timeout = client_deadline;
  const auto faulty = std::make_shared<const dynamodb::client>(faulty_options);
  std::vector<std::unique_ptr<dynamodb_event_store>> stores;
  for (int i = 0; i < store_instances; ++i) {
    stores.push_back(std::make_unique<dynamodb_event_store>(faulty, store_options));
  }

  // --- The writers --------------------------------------------------------------------------
  std::vector<writer_result> results(writer_threads);
  const auto writers_started = clock::now();
  {
    const auto deadline = writers_started + time_budget;
    std::vector<std::jthread> threads;
    for (int t = 0; t < writer_threads; ++t) {
      threads.emplace_back([&, t] {
        try {
          results[static_cast<std::size_t>(t)] =
              run_writer(*stores[static_cast<std::size_t>(t % store_instances)], t, seed, deadline);
        } catch (const std::exception& e) {
          results[static_cast<std::size_t>(t)].died = e.what();
        }
      });
    }
  }
  const auto writing =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - writers_started);
  const auto writers_done = clock::now();
  const auto proxy_counts = proxy.counts();

  std::vector<const append_record*> records;
  for (const auto& result : results) {
    EXPECT_TRUE(result.died.empty()) << result.died;
    EXPECT_FALSE(result.ran_out_of_time);
    for (const auto& record : result.records) records.push_back(&record);
  }
  ASSERT_EQ(records.size(), static_cast<std::size_t>(writer_threads * appends_per_writer));

  // --- The table, read around the proxy -----------------------------------------------------
  const auto feed = read_feed(*direct, table);
  std::map<std::string, const stored_event*> by_eid;
  std::size_t events_twice = 0;
  for (const auto& event : feed) {
    EXPECT_EQ(event.class_name, event_class) << event.eid;
    if (!by_eid.emplace(event.eid, &event).second) {
      ++events_twice;
      ADD_FAILURE() << "event in the table twice: " << event.eid;
    }
  }

  // Every position up to the counter is an event or void-claimed, never both. The store runs the
  // default (adaptive) protocol, which turns to reservations while its two instances race for the
  // counter: a reserved range whose commit failed is voided by its writer at once, but one whose
  // answer was lost (or whose commit may still land) is left to the readers, who fence it after
  // their gap timeout. A replay with a short timeout does that first. Without any reservation the
  // positions are exactly 1..N.
  const auto n = static_cast<std::int64_t>(feed.size());
  std::uint64_t reservations = 0;
  for (const auto& store : stores) reservations += store->statistics().reservations;
  dynamodb_event_store_options fencer_options;
  fencer_options.table_name = table;
  fencer_options.gap_timeout = 200ms;
  fencer_options.on_gap_skipped = [](const skipped_gap&) {};
  dynamodb_event_store fencer(direct, fencer_options);
  fencer.visit_events(criteria::create(), [](const domain_message&) {});
  std::vector<std::int64_t> positions;
  for (const auto& event : feed) positions.push_back(event.position);
  ASSERT_TRUE(std::is_sorted(positions.begin(), positions.end()));
  const auto coverage = coverage_testing::check_coverage(*direct, table, positions);
  EXPECT_TRUE(coverage.problems.empty()) << ::testing::PrintToString(coverage.problems);
  EXPECT_EQ(coverage.counter, n + coverage.void_positions);
  if (reservations == 0) {
    EXPECT_EQ(coverage.void_positions, 0);
  }

  // Outcomes against the table.
  std::size_t successes = 0, duplicates = 0, false_duplicates = 0, unknown = 0, unknown_landed = 0,
              unknown_partly = 0, failed = 0, failed_landed = 0, success_mismatches = 0;
  std::size_t shared_appends = 0;
  std::set<std::string> appended_eids;
  std::map<std::string, std::pair<std::size_t, std::size_t>> failures_by_type;  // landed, not
  std::map<std::string, std::string> failure_sample;  // one message per type
  for (const auto* record : records) {
    if (record->shared) ++shared_appends;
    std::size_t present = 0;
    for (std::size_t i = 0; i < record->eids.size(); ++i) {
      appended_eids.insert(record->eids[i]);
      const auto it = by_eid.find(record->eids[i]);
      if (it == by_eid.end()) continue;
      ++present;
      if (record->result == outcome::success) {
        const auto& row = *it->second;
        const bool matches =
            row.aggregate == record->aggregate &&
            row.playhead == record->first_playhead + static_cast<std::int64_t>(i) &&
            row.payload == record->payloads[i];
        if (!matches) {
          ++success_mismatches;
          ADD_FAILURE() << "event " << record->eids[i] << " is at (" << row.aggregate << ", "
                        << row.playhead << ") with payload " << row.payload << ", appended at ("
                        << record->aggregate << ", "
                        << record->first_playhead + static_cast<std::int64_t>(i)
                        << ") with payload " << record->payloads[i];
        }
      }
    }
    const auto all = record->eids.size();
    switch (record->result) {
      case outcome::success:
        ++successes;
        EXPECT_EQ(present, all) << "append " << record->eids.front()
                                << " reported success, but only " << present << " of " << all
                                << " events are in the table";
        break;
      case outcome::duplicate:
        ++duplicates;
        if (present > 0) {
          ++false_duplicates;
          ADD_FAILURE() << "false duplicate_playhead: append " << record->eids.front() << " to "
                        << record->aggregate << " at " << record->first_playhead
                        << " was reported as a duplicate, but " << present << " of " << all
                        << " of its own events are in the table";
        }
        break;
      case outcome::unknown:
      case outcome::failed: {
        const bool definite = record->result == outcome::failed;
        ++(definite ? failed : unknown);
        auto& by_type = failures_by_type[record->error_type];
        failure_sample.emplace(record->error_type, record->error_text);
        if (present == 0) {
          ++by_type.second;
        } else {
          ++by_type.first;
          ++(definite ? failed_landed : unknown_landed);
        }
        if (present != 0 && present != all) {
          ++unknown_partly;
          ADD_FAILURE() << "append " << record->eids.front() << " landed partly: " << present
                        << " of " << all << " events (" << record->error_text << ")";
        } else if (definite && present != 0) {
          ADD_FAILURE() << "append " << record->eids.front() << " failed with "
                        << record->error_type
                        << ", but its events are in the table: " << record->error_text;
        }
        break;
      }
    }
  }
  for (const auto& event : feed) {
    EXPECT_EQ(appended_eids.count(event.eid), 1u) << "appended by nobody: " << event.eid;
  }

  // Every event row is in the feed, and each aggregate's playheads are dense from 0.
  std::set<std::string> aggregates(shared_aggregates.begin(), shared_aggregates.end());
  for (int t = 0; t < writer_threads; ++t) aggregates.insert("w" + std::to_string(t));
  std::size_t base_rows = 0;
  for (const auto& aggregate : aggregates) {
    const auto rows = read_aggregate(*direct, table, aggregate);
    base_rows += rows.size();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].playhead, static_cast<std::int64_t>(i)) << aggregate;
      const auto it = by_eid.find(rows[i].eid);
      ASSERT_NE(it, by_eid.end()) << "not in the feed: " << rows[i].eid;
      EXPECT_EQ(it->second->aggregate, aggregate);
      EXPECT_EQ(it->second->playhead, rows[i].playhead);
    }
  }
  EXPECT_EQ(base_rows, feed.size());

  // The network was as faulty as promised, and the store still got most appends through.
  for (const auto kind : all_fault_kinds()) {
    EXPECT_GT(proxy_counts.of(kind), 0u) << to_string(kind) << " never injected";
  }
  const double observed_rate = proxy_counts.requests == 0
                                   ? 0.0
                                   : static_cast<double>(proxy_counts.total_injected()) /
                                         static_cast<double>(proxy_counts.requests);
  EXPECT_GE(observed_rate, 0.10);
  EXPECT_GT(successes * 2, records.size()) << "most appends must get through";
  EXPECT_GT(shared_appends, 0u);
  EXPECT_EQ(false_duplicates, 0u);
  EXPECT_EQ(events_twice, 0u);
  EXPECT_EQ(success_mismatches, 0u);
  EXPECT_EQ(unknown_partly, 0u);
  EXPECT_EQ(failed_landed, 0u) << "an error other than commit_unknown must mean nothing landed";

  // --- Figures ------------------------------------------------------------------------------
  std::uint64_t transient_retries = 0, counter_races = 0;
  for (const auto& store : stores) {
    transient_retries += store->statistics().transient_retries;
    counter_races += store->statistics().counter_races;
  }
  const auto ms = [](clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  };
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - started);
  std::cout << std::fixed << std::setprecision(1);
  std::cout << "[faults] seed " << seed << ", fault rate " << rate * 100 << " %, client deadline "
            << client_deadline.count() << " ms, proxy delay " << proxy_delay.count() << " ms, "
            << writer_threads << " writers on " << store_instances << " store instances, protocol "
            << protocol << "\n";
  std::cout << "[faults] appends " << records.size() << " (" << shared_appends
            << " to shared aggregates): successes " << successes << ", duplicate_playhead "
            << duplicates << " (false: " << false_duplicates << "), commit_unknown " << unknown
            << " (landed " << unknown_landed << ", not landed " << unknown - unknown_landed
            << "), other errors " << failed << " (landed " << failed_landed << "), landed partly "
            << unknown_partly << "\n";
  for (const auto& [type, counts] : failures_by_type) {
    std::cout << "[faults]   " << type << ": landed " << counts.first << ", not landed "
              << counts.second << "; e.g. " << failure_sample[type] << "\n";
  }
  std::cout << "[faults] table: " << n << " events, counter " << coverage.counter << ", "
            << coverage.void_positions << " void-claimed positions ("
            << coverage.void_claims_by_writer << " void claims by writers, "
            << coverage.void_claims_by_reader << " fenced by the replay), events twice "
            << events_twice << ", success mismatches " << success_mismatches << "\n";
  std::cout << "[faults] proxy: " << proxy_counts.requests << " requests, "
            << proxy_counts.forwarded << " forwarded, " << proxy_counts.total_injected()
            << " faults (" << observed_rate * 100 << " %):";
  for (const auto kind : all_fault_kinds()) {
    std::cout << " " << to_string(kind) << "=" << proxy_counts.of(kind);
  }
  std::cout << "\n[faults] store: " << transient_retries << " transient retries, " << counter_races
            << " counter races, " << reservations << " reservations\n[faults] time: set-up "
            << ms(writers_started - started) << " ms (Local, table), writing " << writing.count()
            << " ms, checking " << ms(clock::now() - writers_done) << " ms, total "
            << elapsed.count() << " ms\n";
}

}  // namespace
}  // namespace dynamo_es::testing
