// The benchmark harness, end to end: dynamo-es-bench runs every workload and variant (issue 6's,
// and issue 7's protocols and concurrent writers) at a small scale against DynamoDB Local and
// reports them in the JSON Lines format of issue 6. Correctness of the harness only: no figure is
// compared with a speed.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdint>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/dynamodb_local.hpp"

namespace {

struct run_output {
  int exit_code = -1;
  std::string out;
};

/// Runs the harness with `arguments` (stderr goes to the test log).
run_output run_bench(const std::string& arguments) {
  const std::string command = std::string(DYNAMO_ES_BENCH_BINARY) + " " + arguments;
  run_output result;
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    result.out.append(buffer, n);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string endpoint() {
  return dynamo_es::testing::dynamodb_local::shared().endpoint_url();
}

/// The rows of the smoke run, by (workload, variant); run once for all tests.
const std::map<std::pair<std::string, std::string>, nlohmann::json>& smoke_rows() {
  static const auto rows = [] {
    std::map<std::pair<std::string, std::string>, nlohmann::json> out;
    // Every workload, the concurrent ones through their group name (4p, 8p and 16t).
    const auto run = run_bench("--endpoint-url " + endpoint() +
                               " --workload append-seq,append-one-stream,append-concurrent,load,"
                               "replay,follow-latency --scale 0.01 --page-size 40 --json "
                               "--table-prefix bench-smoke");
    EXPECT_EQ(run.exit_code, 0) << run.out;
    std::istringstream lines(run.out);
    for (std::string line; std::getline(lines, line);) {
      const auto row = nlohmann::json::parse(line);  // every stdout line is one JSON object
      out[{row.at("workload").get<std::string>(), row.at("variant").get<std::string>()}] = row;
    }
    return out;
  }();
  return rows;
}

const nlohmann::json& row(const std::string& workload, const std::string& variant) {
  static const nlohmann::json missing;
  const auto it = smoke_rows().find({workload, variant});
  return it == smoke_rows().end() ? missing : it->second;
}

bool is_store_variant(const std::string& variant) {
  return variant == "dynamo-es" || variant == "serialised" || variant == "reservation" ||
         variant == "no-group-commit" || variant == "no-refill";
}

std::uint64_t stat(const nlohmann::json& r, const char* name) {
  return r.at("store_stats").at(name).get<std::uint64_t>();
}

TEST(BenchSmoke, EveryWorkloadAndVariantOfTheIssuesReportsARow) {
  const std::vector<std::string> protocols = {"dynamo-es", "serialised", "reservation"};
  const auto with = [&protocols](std::vector<std::string> more) {
    auto all = protocols;
    all.insert(all.end(), more.begin(), more.end());
    return all;
  };
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"append-seq", with({"raw-floor", "reserve-then-commit"})},
      {"append-one-stream", with({"raw-floor", "reserve-then-commit"})},
      {"append-concurrent-4p", with({"raw-floor", "reserve-then-commit"})},
      {"append-concurrent-8p", with({"raw-floor", "reserve-then-commit"})},
      {"append-concurrent-16t",
       with({"no-group-commit", "no-refill", "raw-floor", "reserve-then-commit"})},
      {"load", {"dynamo-es", "raw-floor"}},
      {"replay", {"dynamo-es", "dynamo-es-prefetch", "raw-floor"}},
      {"follow-latency", with({"raw-floor", "reserve-then-commit"})},
  };
  std::size_t count = 0;
  for (const auto& [workload, variants] : expected) {
    for (const auto& variant : variants) {
      EXPECT_FALSE(row(workload, variant).is_null()) << workload << " / " << variant;
      ++count;
    }
  }
  EXPECT_EQ(smoke_rows().size(), count);
}

TEST(BenchSmoke, EveryRowHasTheIssuesFieldsWithSaneValues) {
  ASSERT_FALSE(smoke_rows().empty());
  for (const auto& [key, r] : smoke_rows()) {
    SCOPED_TRACE(key.first + " / " + key.second);
    for (const char* field : {"ops_per_s", "events_per_s", "p50_us", "p99_us", "p999_us", "max_us",
                              "cpu_us_per_op", "requests_per_op", "request_bytes_per_op"}) {
      ASSERT_TRUE(r.contains(field) && r.at(field).is_number()) << field;
    }
    ASSERT_TRUE(r.at("ops").is_number_integer());
    EXPECT_GE(r.at("ops").get<std::int64_t>(), 1);
    EXPECT_GT(r.at("ops_per_s").get<double>(), 0);
    EXPECT_GE(r.at("events_per_s").get<double>(), r.at("ops_per_s").get<double>());
    EXPECT_LE(r.at("p50_us").get<double>(), r.at("p99_us").get<double>());
    EXPECT_LE(r.at("p99_us").get<double>(), r.at("p999_us").get<double>());
    EXPECT_LE(r.at("p999_us").get<double>(), r.at("max_us").get<double>());
    EXPECT_GT(r.at("cpu_us_per_op").get<double>(), 0);
    // Group commit carries several appends of the 16 threads in one transaction.
    const bool batched = key.first == "append-concurrent-16t" && key.second != "no-group-commit" &&
                         is_store_variant(key.second);
    EXPECT_GE(r.at("requests_per_op").get<double>(), batched ? 0.0 : 1.0);
    EXPECT_GT(r.at("requests_per_op").get<double>(), 0);
    EXPECT_GT(r.at("request_bytes_per_op").get<double>(), batched ? 0.0 : 100.0);
    EXPECT_EQ(r.at("endpoint").get<std::string>(), endpoint());
    EXPECT_GE(r.at("nproc").get<int>(), 1);
    const bool floor = key.second == "raw-floor" || key.second == "reserve-then-commit";
    if (floor) {
      EXPECT_TRUE(r.at("vs_raw_floor").is_null());
    } else if (key.first != "follow-latency") {
      EXPECT_GT(r.at("vs_raw_floor").get<double>(), 0);  // every workload has a raw floor
    }
  }
}

TEST(BenchSmoke, RequestCountsMatchEachVariantsProtocol) {
  // Sequential appends: the store sends one transaction per append in the steady state, like
  // its raw floor, under the default (adaptive, uncontended: serialised) and the serialised
  // protocol; a reservation is an ADD and a transaction, two requests like the PHP pattern.
  for (const char* workload : {"append-seq", "append-one-stream"}) {
    SCOPED_TRACE(workload);
    EXPECT_EQ(row(workload, "dynamo-es").value("requests_per_op", 0.0), 1.0);
    EXPECT_EQ(row(workload, "serialised").value("requests_per_op", 0.0), 1.0);
    EXPECT_EQ(row(workload, "reservation").value("requests_per_op", 0.0), 2.0);
    EXPECT_EQ(row(workload, "raw-floor").value("requests_per_op", 0.0), 1.0);
    EXPECT_EQ(row(workload, "reserve-then-commit").value("requests_per_op", 0.0), 2.0);
    for (const char* variant : {"dynamo-es", "serialised", "reservation"}) {
      EXPECT_GT(row(workload, variant).value("vs_reserve_then_commit", 0.0), 0) << variant;
    }
  }
  // Concurrent floors never race: one request per append, two for the PHP pattern. A process
  // with one thread sends each append alone: at least one request, two with reservations.
  for (const char* workload :
       {"append-concurrent-4p", "append-concurrent-8p", "append-concurrent-16t"}) {
    SCOPED_TRACE(workload);
    EXPECT_EQ(row(workload, "raw-floor").value("requests_per_op", 0.0), 1.0);
    EXPECT_EQ(row(workload, "reserve-then-commit").value("requests_per_op", 0.0), 2.0);
  }
  for (const char* workload : {"append-concurrent-4p", "append-concurrent-8p"}) {
    SCOPED_TRACE(workload);
    EXPECT_GE(row(workload, "dynamo-es").value("requests_per_op", 0.0), 1.0);
    EXPECT_GE(row(workload, "serialised").value("requests_per_op", 0.0), 1.0);
    EXPECT_GE(row(workload, "reservation").value("requests_per_op", 0.0), 2.0);
  }
  // Without group commit every append of the 16 threads is at least its own transaction.
  EXPECT_GE(row("append-concurrent-16t", "no-group-commit").value("requests_per_op", 0.0), 1.0);
  // Reads: the floors re-send exactly the store's requests.
  EXPECT_EQ(row("load", "dynamo-es").value("requests_per_op", 0.0),
            row("load", "raw-floor").value("requests_per_op", -1.0));
  EXPECT_EQ(row("replay", "dynamo-es").value("requests_per_op", 0.0),
            row("replay", "raw-floor").value("requests_per_op", -1.0));
  EXPECT_EQ(row("replay", "dynamo-es-prefetch").value("requests_per_op", 0.0),
            row("replay", "raw-floor").value("requests_per_op", -1.0));
  // 100 events in pages of 40: three pages per replay.
  EXPECT_EQ(row("replay", "raw-floor").value("requests_per_op", 0.0), 3.0);
  for (const char* variant : {"dynamo-es", "dynamo-es-prefetch", "raw-floor"}) {
    const auto& r = row("replay", variant);
    EXPECT_EQ(r.value("events", 0), 100 * r.value("ops", -1)) << variant;
  }
  for (const char* variant : {"dynamo-es", "raw-floor"}) {
    const auto& r = row("load", variant);
    EXPECT_EQ(r.value("events", 0), 1000 * r.value("ops", -1)) << variant;
  }
}

TEST(BenchSmoke, StoreRowsCarryTheStoresOwnAccountOfTheRun) {
  for (const auto& [key, r] : smoke_rows()) {
    SCOPED_TRACE(key.first + " / " + key.second);
    const bool writes = key.first.starts_with("append-") || key.first == "follow-latency";
    if (!is_store_variant(key.second) || !writes) {
      EXPECT_FALSE(r.contains("store_stats"));
      continue;
    }
    ASSERT_TRUE(r.contains("store_stats"));
    // Every successful timed append counted once (warm-ups are outside the timed part); a
    // transaction carries at least one append.
    EXPECT_EQ(stat(r, "appends"), r.at("ops").get<std::uint64_t>());
    // Transactions that succeeded carry at least one append each; the others lost a counter
    // race or met a reader's fence.
    EXPECT_GE(stat(r, "commit_transactions"), 1u);
    EXPECT_LE(stat(r, "commit_transactions"),
              stat(r, "appends") + stat(r, "counter_races") + stat(r, "fenced_commits"));
    // The protocols do what they say: serialised never reserves; reservation always does.
    if (key.second == "serialised") {
      EXPECT_EQ(stat(r, "reservations"), 0u);
    }
    if (key.second == "reservation") {
      EXPECT_GE(stat(r, "reservations"), stat(r, "commit_transactions"));
    }
    // One writer, nothing contended: the default stays serialised.
    if (key.second == "dynamo-es" &&
        (key.first == "append-seq" || key.first == "append-one-stream")) {
      EXPECT_EQ(stat(r, "reservations"), 0u);
      EXPECT_EQ(stat(r, "protocol_switches"), 0u);
    }
  }
}

TEST(BenchSmoke, ListNamesEveryWorkload) {
  const auto run = run_bench("--list");
  EXPECT_EQ(run.exit_code, 0);
  for (const char* name :
       {"append-seq", "append-one-stream", "append-concurrent-4p", "append-concurrent-8p",
        "append-concurrent-16t", "load", "replay", "follow-latency"}) {
    EXPECT_NE(run.out.find(std::string("  ") + name + ":"), std::string::npos) << name;
  }
}

TEST(BenchSmoke, AnUnknownWorkloadIsAUsageError) {
  const auto run = run_bench("--endpoint-url " + endpoint() + " --workload append-sideways");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_TRUE(run.out.empty());
}

TEST(BenchSmoke, AVariantFilterRunsOnlyThatVariant) {
  const auto run = run_bench("--endpoint-url " + endpoint() +
                             " --workload append-seq --variant raw-floor --scale 0.005 --json");
  ASSERT_EQ(run.exit_code, 0);
  std::istringstream lines(run.out);
  std::vector<std::string> variants;
  for (std::string line; std::getline(lines, line);) {
    variants.push_back(nlohmann::json::parse(line).at("variant").get<std::string>());
  }
  EXPECT_EQ(variants, std::vector<std::string>{"raw-floor"});
}

TEST(BenchSmoke, AddedLatencyReachesEveryProcess) {
  // Each request sleeps at least 20 ms before it is sent, in the child processes too: no append
  // can take less.
  const auto run = run_bench("--endpoint-url " + endpoint() +
                             " --workload append-concurrent-4p --variant raw-floor --scale 0.005"
                             " --added-latency-ms 20 --json");
  ASSERT_EQ(run.exit_code, 0);
  const auto row = nlohmann::json::parse(run.out.substr(0, run.out.find('\n')));
  EXPECT_EQ(row.at("added_latency_ms").get<double>(), 20.0);
  EXPECT_GE(row.at("p50_us").get<double>(), 20'000.0);
}

}  // namespace
