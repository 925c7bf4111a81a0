#pragma once

// The harness's vocabulary: the configuration of a run, the context every workload gets (clients
// with counting transports, fresh tables, scaling), and the registry of named workloads.
//
// Adding a workload: write a `workload_definition` factory (name, variants, a `run` function) in a
// workloads_*.cpp file and list it in registry.cpp. Adding a variant to a workload: add its name
// to the definition's `variants` and handle it in that workload's `run`. Workloads whose
// operations run one after another on one thread use `run_interleaved` (variants measured in
// alternating chunks, so that a noisy machine drifts equally under all of them); concurrent ones
// run their variants one after another.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "counting_transport.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "measurement.hpp"

namespace dynamo_es::bench {

/// Command-line settings of one harness run.
struct bench_config {
  std::string endpoint_url;
  double scale = 1.0;
  bool json = false;
  /// Variant names to run; empty = every variant of each workload.
  std::vector<std::string> variants;
  /// Rows per replay page (`dynamodb_event_store_options::replay_page_size`); the 1000.
  std::int64_t page_size = 1000;
  std::string table_prefix = "dynamo-es-bench";
  /// Keep the tables after the run (for inspection).
  bool keep_tables = false;
  /// Milliseconds slept before every request (imitates a remote endpoint's round trip on top of
  /// a local one; see docs/benchmarks.md). Default 0.
  double added_latency_ms = 0;
  /// This binary, re-executed for multi-process workloads.
  std::string self_path;
};

/// A client whose transport counts.
struct counted_client {
  std::shared_ptr<counting_transport> transport;
  std::shared_ptr<const dynamodb::client> client;
};

/// True for http(s)://127.x, localhost and [::1] (DynamoDB Local).
[[nodiscard]] bool is_loopback_url(std::string_view url);

/// A new client for `config.endpoint_url` with its own curl transport (own keep-alive
/// connections), counting its traffic and adding `config.added_latency_ms` to each request.
[[nodiscard]] counted_client make_counted_client(const bench_config& config);

/// Creates an event table (the PHP package's schema) and deletes it when it goes out of scope.
class bench_table {
 public:
  bench_table(std::shared_ptr<const dynamodb::client> client, std::string name, bool keep);
  ~bench_table();
  bench_table(const bench_table&) = delete;
  bench_table& operator=(const bench_table&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }

 private:
  std::shared_ptr<const dynamodb::client> client_;
  std::string name_;
  bool keep_;
};

/// What every workload gets.
class bench_context {
 public:
  explicit bench_context(bench_config config);

  [[nodiscard]] const bench_config& config() const noexcept { return config_; }
  /// `base` scaled by --scale, at least 1.
  [[nodiscard]] std::int64_t scaled(std::int64_t base) const;
  /// A new client (own curl transport, own keep-alive connections) counting its traffic.
  [[nodiscard]] counted_client make_client() const;
  /// A fresh event table named after the workload and variant, unique to this run.
  [[nodiscard]] std::unique_ptr<bench_table> fresh_table(std::string_view workload,
                                                         std::string_view variant);
  /// Whether `variant` was selected with --variant (all are by default).
  [[nodiscard]] bool selected(std::string_view variant) const;
  /// A progress line on stderr.
  void progress(std::string_view text) const;

 private:
  bench_config config_;
  std::shared_ptr<const dynamodb::client> admin_;
  int tables_ = 0;
};

/// A named workload.
struct workload_definition {
  std::string name;
  std::string description;
  /// Variants in report order.
  std::vector<std::string> variants;
  /// Runs the selected `variants` (a subset of the above, in that order), one result each.
  std::function<std::vector<run_result>(bench_context&, const std::vector<std::string>& variants)>
      run;
};

/// Every workload, in the order `all` runs them.
[[nodiscard]] const std::vector<workload_definition>& all_workloads();

/// Expands a --workload list (names, `all`, group names such as `append-concurrent`) into
/// workload names, in order and without repeats. Throws `std::invalid_argument` naming an unknown
/// name and the known ones.
[[nodiscard]] std::vector<const workload_definition*> resolve_workloads(
    const std::vector<std::string>& names);

/// One variant of a workload whose operations run one after another on one thread.
class sequential_variant {
 public:
  sequential_variant(std::string name, counted_client client)
      : name_(std::move(name)), client_(std::move(client)) {}
  virtual ~sequential_variant() = default;
  sequential_variant(const sequential_variant&) = delete;
  sequential_variant& operator=(const sequential_variant&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const counted_client& client() const noexcept { return client_; }

  /// Untimed preparation: pre-built bodies, a warm-up request (connection, counter discovery).
  virtual void setup() {}
  /// Operation `op` (0-based), timed.
  virtual void run(std::int64_t op) = 0;
  /// Events one operation writes or reads.
  [[nodiscard]] virtual std::int64_t events_per_op() const { return 1; }
  /// Untimed check that the operations did what they should (throws `std::runtime_error`).
  virtual void verify() {}
  /// The store's statistics over the timed operations (store variants; empty for the floors).
  [[nodiscard]] virtual std::map<std::string, std::uint64_t> store_stats() const { return {}; }

 private:
  std::string name_;
  counted_client client_;
};

/// Runs `ops` operations of every variant, in chunks of `chunk` operations, alternating the
/// variants chunk by chunk (and rotating which goes first), and returns one result per variant.
[[nodiscard]] std::vector<run_result> run_interleaved(
    const bench_context& context, std::string_view workload,
    std::vector<std::unique_ptr<sequential_variant>>& variants, std::int64_t ops,
    std::int64_t chunk, headline kind = headline::throughput);

}  // namespace dynamo_es::bench
