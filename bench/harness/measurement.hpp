#pragma once

// What one run of one variant of a workload measured, and the clocks it is measured with.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "counting_transport.hpp"

namespace dynamo_es::bench {

/// CPU time of this process, all threads, in microseconds (getrusage SELF).
struct cpu_time {
  double user_us = 0;
  double system_us = 0;
  [[nodiscard]] double total_us() const { return user_us + system_us; }
};
[[nodiscard]] cpu_time process_cpu();

/// What a workload reports first: appends/s and pages/s are "higher is better" throughput; the
/// follower's delivery latency is "lower is better".
enum class headline { throughput, latency };

/// The raw measurements of one (workload, variant).
struct run_result {
  std::string workload;
  std::string variant;
  std::int64_t ops = 0;     ///< operations that succeeded
  std::int64_t failed = 0;  ///< operations that gave up (counted apart, not in ops)
  std::int64_t events = 0;
  double seconds = 0;                ///< wall time of the timed part
  std::vector<double> latencies_us;  ///< one per operation (follow-latency: per delivery)
  double cpu_us = 0;       ///< client CPU (user + system) of the timed part (children summed)
  double user_cpu_us = 0;  ///< the user-space part of it
  traffic wire;            ///< requests and bytes of the timed part
  bench::headline headline = headline::throughput;
  /// The store's statistics over the timed part, by name (store variants only; children summed).
  std::map<std::string, std::uint64_t> store_stats;

  /// Adds another part of the same run (a chunk of an interleaved run, a child process).
  void merge(const run_result& other);
};

/// The figures the report prints.
struct result_row {
  std::string workload;
  std::string variant;
  std::int64_t ops = 0;
  std::int64_t failed = 0;
  std::int64_t events = 0;
  double seconds = 0;
  double ops_per_s = 0;
  double events_per_s = 0;
  double p50_us = 0;
  double p99_us = 0;
  double p999_us = 0;  ///< the tail: lost-race starvation and stalls show here first
  double max_us = 0;
  double cpu_us_per_op = 0;
  double user_cpu_us_per_op = 0;
  double requests_per_op = 0;
  double request_bytes_per_op = 0;
  std::uint64_t requests = 0;
  bench::headline headline = headline::throughput;
  /// How this row compares with the floors of the same workload (>= 1 means at least as fast:
  /// ops/s over the floor's ops/s, or for latency workloads the floor's p50 over this p50).
  std::optional<double> vs_raw_floor;
  std::optional<double> vs_reserve_then_commit;
  /// As in `run_result`.
  std::map<std::string, std::uint64_t> store_stats;
};

/// The p-th percentile (0..100) by nearest rank; 0 for no samples. Sorts `samples`.
[[nodiscard]] double percentile(std::vector<double>& samples, double p);

/// Figures of one result, without ratios.
[[nodiscard]] result_row summarize(run_result result);

/// Sets the ratios of every row that is not itself a floor, against the floors among `rows`
/// (all of one workload).
void add_ratios(std::vector<result_row>& rows);

/// Variant names of the floors.
inline constexpr const char* raw_floor = "raw-floor";
inline constexpr const char* reserve_then_commit = "reserve-then-commit";

/// Measures one stretch of timed work: wall clock, process CPU, and the traffic of `transports`.
class stopwatch {
 public:
  using clock = std::chrono::steady_clock;

  explicit stopwatch(std::vector<const counting_transport*> transports);
  /// Adds the time, CPU and traffic since construction to `into`.
  void stop(run_result& into) const;

 private:
  [[nodiscard]] traffic wire() const;

  std::vector<const counting_transport*> transports_;
  traffic wire_;
  cpu_time cpu_;
  clock::time_point start_;
};

/// Microseconds between two steady_clock points.
[[nodiscard]] inline double micros(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

}  // namespace dynamo_es::bench
