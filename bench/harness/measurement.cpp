#include "measurement.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <string_view>

namespace dynamo_es::bench {

cpu_time process_cpu() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto us = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec);
  };
  return {us(usage.ru_utime), us(usage.ru_stime)};
}

void run_result::merge(const run_result& other) {
  ops += other.ops;
  failed += other.failed;
  events += other.events;
  seconds += other.seconds;
  latencies_us.insert(latencies_us.end(), other.latencies_us.begin(), other.latencies_us.end());
  cpu_us += other.cpu_us;
  user_cpu_us += other.user_cpu_us;
  wire.requests += other.wire.requests;
  wire.request_bytes += other.wire.request_bytes;
  wire.response_bytes += other.wire.response_bytes;
  for (const auto& [name, count] : other.store_stats) store_stats[name] += count;
}

double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const auto rank =
      static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

result_row summarize(run_result result) {
  result_row row;
  row.workload = result.workload;
  row.variant = result.variant;
  row.ops = result.ops;
  row.failed = result.failed;
  row.events = result.events;
  row.seconds = result.seconds;
  row.headline = result.headline;
  row.requests = result.wire.requests;
  row.store_stats = result.store_stats;
  const auto ops = static_cast<double>(std::max<std::int64_t>(result.ops, 1));
  if (result.seconds > 0) {
    row.ops_per_s = static_cast<double>(result.ops) / result.seconds;
    row.events_per_s = static_cast<double>(result.events) / result.seconds;
  }
  row.p50_us = percentile(result.latencies_us, 50);
  row.p99_us = percentile(result.latencies_us, 99);
  row.p999_us = percentile(result.latencies_us, 99.9);
  row.max_us = percentile(result.latencies_us, 100);
  row.cpu_us_per_op = result.cpu_us / ops;
  row.user_cpu_us_per_op = result.user_cpu_us / ops;
  row.requests_per_op = static_cast<double>(result.wire.requests) / ops;
  row.request_bytes_per_op = static_cast<double>(result.wire.request_bytes) / ops;
  return row;
}

void add_ratios(std::vector<result_row>& rows) {
  const auto find = [&rows](std::string_view variant) -> const result_row* {
    for (const auto& row : rows) {
      if (row.variant == variant) return &row;
    }
    return nullptr;
  };
  const auto ratio = [](const result_row& ours, const result_row* floor) -> std::optional<double> {
    if (floor == nullptr) return std::nullopt;
    if (ours.headline == headline::latency) {
      // A p50 of 0 (the follower saw the event before the append returned) has no ratio.
      if (ours.p50_us <= 0 || floor->p50_us <= 0) return std::nullopt;
      return floor->p50_us / ours.p50_us;
    }
    if (floor->ops_per_s <= 0) return std::nullopt;
    return ours.ops_per_s / floor->ops_per_s;
  };
  const auto* raw = find(raw_floor);
  const auto* reserve = find(reserve_then_commit);
  for (auto& row : rows) {
    // The floors are compared with nothing; every other variant (the store's, whatever its
    // protocol) with both.
    if (row.variant == raw_floor || row.variant == reserve_then_commit) continue;
    row.vs_raw_floor = ratio(row, raw);
    row.vs_reserve_then_commit = ratio(row, reserve);
  }
}

stopwatch::stopwatch(std::vector<const counting_transport*> transports)
    : transports_(std::move(transports)),
      wire_(wire()),
      cpu_(process_cpu()),
      start_(clock::now()) {}

void stopwatch::stop(run_result& into) const {
  const auto end = clock::now();
  const auto cpu = process_cpu();
  const auto now = wire() - wire_;
  into.seconds += std::chrono::duration<double>(end - start_).count();
  into.cpu_us += cpu.total_us() - cpu_.total_us();
  into.user_cpu_us += cpu.user_us - cpu_.user_us;
  into.wire.requests += now.requests;
  into.wire.request_bytes += now.request_bytes;
  into.wire.response_bytes += now.response_bytes;
}

traffic stopwatch::wire() const {
  traffic total;
  for (const auto* transport : transports_) {
    const auto t = transport->snapshot();
    total.requests += t.requests;
    total.request_bytes += t.request_bytes;
    total.response_bytes += t.response_bytes;
  }
  return total;
}

}  // namespace dynamo_es::bench
