// dynamo-es-bench: named workloads against a DynamoDB endpoint, leveldb db_bench style.
//
//   dynamo-es-bench --endpoint-url http://127.0.0.1:8000 [--workload all|NAME[,NAME...]]
//                   [--variant NAME[,NAME...]] [--scale F] [--json] [--page-size N]
//
// Each workload runs on a fresh table (created and deleted here) and prints one row per
// variant: ops/s, events/s, p50/p99 latency, client CPU per operation, HTTP requests and
// request bytes per operation, and the ratios to the floors measured in the same run.
// docs/benchmarks.md explains the method and the workloads.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "report.hpp"
#include "workload.hpp"
#include "workloads.hpp"

namespace {

using namespace dynamo_es::bench;

std::string self_path(const char* argv0) {
  char path[PATH_MAX];
  const auto n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return argv0;
  return std::string(path, static_cast<std::size_t>(n));
}

void list_workloads() {
  std::cout << "Workloads (--workload; 'all' runs every one, 'append-concurrent' the "
               "concurrent ones):\n";
  for (const auto& workload : all_workloads()) {
    std::cout << "  " << workload.name << ": " << workload.description << "\n    variants:";
    for (const auto& variant : workload.variants) std::cout << " " << variant;
    std::cout << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  bench_config config;
  std::vector<std::string> workload_names{"all"};
  bool list = false;
  std::string child_slice;

  CLI::App app{
      "dynamo-es-bench: named workloads against a DynamoDB endpoint, with the floors "
      "measured side by side"};
  app.add_option("--endpoint-url", config.endpoint_url,
                 "DynamoDB endpoint, e.g. http://127.0.0.1:8000 (DynamoDB Local)");
  app.add_option("--workload", workload_names, "Workloads to run, comma-separated (default all)")
      ->delimiter(',');
  app.add_option("--variant", config.variants,
                 "Variants to run, comma-separated (default: every variant of each workload)")
      ->delimiter(',');
  app.add_option("--scale", config.scale, "Fraction of the operations to run (default 1)")
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", config.json, "Print JSON Lines instead of a table");
  app.add_option("--page-size", config.page_size, "Replay page size (default 1000)")
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--added-latency-ms", config.added_latency_ms,
                 "Sleep this long before every request, imitating a remote endpoint's round trip "
                 "(default 0)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--table-prefix", config.table_prefix,
                 "Prefix of the tables created (default dynamo-es-bench)");
  app.add_flag("--keep-tables", config.keep_tables, "Do not delete the tables after the run");
  app.add_flag("--list", list, "List the workloads and their variants");
  app.add_option("--child-slice", child_slice, "internal: run one process of a workload")
      ->group("");
  CLI11_PARSE(app, argc, argv);

  if (list) {
    list_workloads();
    return 0;
  }
  if (config.endpoint_url.empty()) {
    std::cerr << "dynamo-es-bench: --endpoint-url is required (see --help)\n";
    return 2;
  }
  config.self_path = self_path(argv[0]);
  if (!child_slice.empty()) return run_child_slice(config, child_slice);

  std::vector<const workload_definition*> workloads;
  try {
    workloads = resolve_workloads(workload_names);
  } catch (const std::exception& e) {
    std::cerr << "dynamo-es-bench: " << e.what() << "\n";
    return 2;
  }

  int failures = 0;
  try {
    bench_context context(config);
    report out(std::cout, config, describe_machine());
    out.header();
    for (const auto* workload : workloads) {
      std::vector<std::string> variants;
      for (const auto& variant : workload->variants) {
        if (context.selected(variant)) variants.push_back(variant);
      }
      if (variants.empty()) continue;
      context.progress(workload->name + ": " + workload->description);
      try {
        std::vector<result_row> rows;
        for (auto& result : workload->run(context, variants)) {
          rows.push_back(summarize(std::move(result)));
        }
        add_ratios(rows);
        out.rows(rows);
      } catch (const std::exception& e) {
        ++failures;
        std::cerr << "dynamo-es-bench: workload " << workload->name << " failed: " << e.what()
                  << "\n";
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "dynamo-es-bench: " << e.what() << "\n";
    return 1;
  }
  return failures == 0 ? 0 : 1;
}
