#pragma once

// The workload factories, one per workloads_*.cpp file; registry.cpp lists them.

#include <cstdint>
#include <string>

#include "workload.hpp"

namespace dynamo_es::bench {

/// `append-seq`: 2000 single-event appends to 2000 distinct aggregates, one thread.
[[nodiscard]] workload_definition append_seq_workload();
/// `append-one-stream`: 1000 single-event appends to one aggregate (playheads 0..999).
[[nodiscard]] workload_definition append_one_stream_workload();
/// `append-concurrent-<p>p` / `-<t>t`: 2000 single-event appends to distinct aggregates from
/// `processes` processes (this binary re-executed) of `threads` threads each; variants: the
/// store's protocols (store_variants.hpp; `no-group-commit` too when `threads` > 1) and the floors.
[[nodiscard]] workload_definition append_concurrent_workload(std::string name, int processes,
                                                             int threads);
/// `load`: `load` of a 1000-event aggregate, 20 times.
[[nodiscard]] workload_definition load_workload();
/// `replay`: `visit_events` over 10 000 events in pages of --page-size (1000).
[[nodiscard]] workload_definition replay_workload();
/// `follow-latency`: time from an append's return to its delivery to a polling follower.
[[nodiscard]] workload_definition follow_latency_workload();

/// The child side of a multi-process workload: reads its slice from `spec_json`, prints "ready",
/// waits for a line on stdin, runs, prints its result as one JSON line. Returns the exit code.
[[nodiscard]] int run_child_slice(const bench_config& config, const std::string& spec_json);

}  // namespace dynamo_es::bench
