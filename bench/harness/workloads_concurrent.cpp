// append-concurrent-*: single-event appends to distinct aggregates from several processes (this
// binary re-executed with --child-slice) or several threads of one process, all writing one table.
// Variants run one after another, each on a fresh table:
//  - dynamo-es: one store per process with the default options (adaptive protocol, group commit),
//    shared by its threads;
//  - serialised / reservation: the same with that `append_protocol` (store_variants.hpp);
//  - no-group-commit (threads only): the defaults with group commit off, every append its own
//    transaction: what group commit buys;
//  - no-refill (threads only): the defaults without `group_commit.refill_delay`: what waiting for
//    the previous batch's callers buys;
//  - raw-floor: one two-item TransactWriteItems per append, like the store's, with positions
//    handed out in advance (disjoint per append) and the counter update left unconditioned, since
//    a condition would make the floor race like the store;
//  - reserve-then-commit: the PHP package's ADD, then the commit.
// Wall time runs from the moment every process (or thread) is ready to the last result; CPU,
// requests and bytes are summed over the processes. The variants take turns in rounds (see
// append_concurrent_workload), each on its own table.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <latch>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>
#include <utility>

#include "dynamo_es/dynamodb/errors.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"
#include "fixtures.hpp"
#include "store_variants.hpp"
#include "workloads.hpp"

namespace dynamo_es::bench {
namespace {

constexpr std::int64_t base_ops = 2000;

/// The part of a concurrent workload one process runs.
struct slice_spec {
  std::string workload;
  std::string variant;
  std::string table;
  std::int64_t first_op = 0;  ///< ops first_op .. first_op + ops - 1 of the workload
  std::int64_t ops = 0;
  int threads = 1;
  int worker = 0;  ///< process number (warm-up aggregates are per process)
};

nlohmann::json to_json(const slice_spec& spec) {
  return {{"workload", spec.workload}, {"variant", spec.variant}, {"table", spec.table},
          {"first_op", spec.first_op}, {"ops", spec.ops},         {"threads", spec.threads},
          {"worker", spec.worker}};
}

slice_spec slice_from_json(const nlohmann::json& j) {
  slice_spec spec;
  spec.workload = j.at("workload").get<std::string>();
  spec.variant = j.at("variant").get<std::string>();
  spec.table = j.at("table").get<std::string>();
  spec.first_op = j.at("first_op").get<std::int64_t>();
  spec.ops = j.at("ops").get<std::int64_t>();
  spec.threads = j.at("threads").get<int>();
  spec.worker = j.at("worker").get<int>();
  return spec;
}

nlohmann::json to_json(const run_result& r) {
  return {{"ops", r.ops},
          {"failed", r.failed},
          {"events", r.events},
          {"seconds", r.seconds},
          {"cpu_us", r.cpu_us},
          {"user_cpu_us", r.user_cpu_us},
          {"requests", r.wire.requests},
          {"request_bytes", r.wire.request_bytes},
          {"response_bytes", r.wire.response_bytes},
          {"latencies_us", r.latencies_us},
          {"store_stats", r.store_stats}};
}

run_result result_from_json(const nlohmann::json& j) {
  run_result r;
  r.ops = j.at("ops").get<std::int64_t>();
  r.failed = j.at("failed").get<std::int64_t>();
  r.events = j.at("events").get<std::int64_t>();
  r.seconds = j.at("seconds").get<double>();
  r.cpu_us = j.at("cpu_us").get<double>();
  r.user_cpu_us = j.at("user_cpu_us").get<double>();
  r.wire.requests = j.at("requests").get<std::uint64_t>();
  r.wire.request_bytes = j.at("request_bytes").get<std::uint64_t>();
  r.wire.response_bytes = j.at("response_bytes").get<std::uint64_t>();
  r.latencies_us = j.at("latencies_us").get<std::vector<double>>();
  r.store_stats = j.at("store_stats").get<std::map<std::string, std::uint64_t>>();
  return r;
}

/// Op number -> its event: aggregate `op`, playhead 0.
domain_message event_of(std::int64_t op) {
  return bench_event(aggregate_id(op), 0);
}

/// Builds what a slice needs before the start signal, then runs one append per call.
class slice_appender {
 public:
  slice_appender(const bench_config& config, const slice_spec& spec) : spec_(spec) {
    client_ = make_counted_client(config);
    const auto& client = *client_.client;
    if (is_store_variant(spec.variant)) {
      store_ = std::make_unique<dynamodb_event_store>(client_.client,
                                                      store_options(spec.variant, spec.table));
      for (std::int64_t i = 0; i < spec.ops; ++i) {
        streams_.push_back(single(event_of(spec.first_op + i)));
      }
      const auto warmup = aggregate_id(999'999'000'000 + spec.worker);
      store_->append(warmup, single(bench_event(warmup, 0)));
      before_ = store_->statistics();
    } else if (spec.variant == raw_floor) {
      for (std::int64_t i = 0; i < spec.ops; ++i) {
        const auto op = spec.first_op + i;
        bodies_.push_back(
            append_transaction_body(spec.table, event_of(op), op + 1, std::nullopt, false));
      }
      static_cast<void>(counter_value(client, spec.table));
    } else if (spec.variant == reserve_then_commit) {
      reserve_ = reserve_body(spec.table, 1);
      for (std::int64_t i = 0; i < spec.ops; ++i) {
        commits_.push_back(php_commit_template(spec.table, event_of(spec.first_op + i)));
      }
      static_cast<void>(counter_value(client, spec.table));
    } else {
      throw std::invalid_argument("unknown variant " + spec.variant + " of " + spec.workload);
    }
  }

  /// Appends the slice's `i`-th event. Thread-safe (the store and the client are).
  void append(std::int64_t i) {
    const auto index = static_cast<std::size_t>(i);
    if (store_) {
      const auto& stream = streams_[index];
      store_->append(stream[0].id(), stream);
    } else if (!bodies_.empty()) {
      static_cast<void>(client_.client->call("TransactWriteItems", std::move(bodies_[index])));
    } else {
      const auto position = reserved_position(client_.client->call("UpdateItem", reserve_));
      static_cast<void>(client_.client->call("TransactWriteItems", commits_[index].body(position)));
    }
  }

  /// Runs the slice on `spec.threads` threads, each taking the next op until none is left.
  run_result run() {
    run_result result;
    std::atomic<std::int64_t> next{0};
    std::latch go(1);
    std::vector<std::vector<double>> latencies(static_cast<std::size_t>(spec_.threads));
    std::atomic<std::int64_t> failed{0};
    std::vector<std::exception_ptr> errors(latencies.size());
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < latencies.size(); ++t) {
      threads.emplace_back([&, t] {
        go.wait();
        try {
          for (auto i = next.fetch_add(1); i < spec_.ops; i = next.fetch_add(1)) {
            const auto start = stopwatch::clock::now();
            try {
              append(i);
            } catch (const dynamodb::transaction_conflict& e) {
              // The store lost the counter race max_attempts times: an outcome of the workload,
              // counted apart (the first one is shown).
              if (failed.fetch_add(1) == 0) {
                std::cerr << "dynamo-es-bench: " << spec_.workload << "/" << spec_.variant
                          << ": an append gave up: " << e.what() << "\n";
              }
              continue;
            }
            latencies[t].push_back(micros(stopwatch::clock::now() - start));
          }
        } catch (...) {
          errors[t] = std::current_exception();
          next.store(spec_.ops);  // the others stop too
        }
      });
    }
    const stopwatch watch({client_.transport.get()});
    go.count_down();
    for (auto& thread : threads) thread.join();
    watch.stop(result);
    for (const auto& error : errors) {
      if (error) std::rethrow_exception(error);
    }
    for (auto& part : latencies) {
      result.latencies_us.insert(result.latencies_us.end(), part.begin(), part.end());
    }
    result.failed = failed.load();
    result.ops = spec_.ops - result.failed;
    result.events = result.ops;
    if (store_) result.store_stats = count_difference(before_, store_->statistics());
    return result;
  }

 private:
  slice_spec spec_;
  counted_client client_;
  std::unique_ptr<dynamodb_event_store> store_;
  std::vector<domain_event_stream> streams_;
  std::vector<std::string> bodies_;
  std::string reserve_;
  std::vector<commit_template> commits_;
  dynamodb_event_store_statistics before_;
};

/// A child process running one slice, talking over two pipes.
class child_process {
 public:
  child_process(const bench_config& config, const slice_spec& spec) {
    int to_child[2];
    int from_child[2];
    // Close-on-exec, so that no child inherits another child's pipe ends (a child waiting for its
    // start line would otherwise never see end-of-file when the parent gives up).
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
      throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    const std::vector<std::string> args = {config.self_path,
                                           "--endpoint-url",
                                           config.endpoint_url,
                                           "--added-latency-ms",
                                           std::to_string(config.added_latency_ms),
                                           "--child-slice",
                                           to_json(spec).dump()};
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
      ::dup2(to_child[0], STDIN_FILENO);
      ::dup2(from_child[1], STDOUT_FILENO);
      ::close(to_child[0]);
      ::close(to_child[1]);
      ::close(from_child[0]);
      ::close(from_child[1]);
      std::vector<char*> argv;
      for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      std::fprintf(stderr, "dynamo-es-bench: exec %s: %s\n", argv[0], std::strerror(errno));
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = ::fdopen(to_child[1], "w");
    out_ = ::fdopen(from_child[0], "r");
  }

  ~child_process() {
    if (in_ != nullptr) std::fclose(in_);
    if (out_ != nullptr) std::fclose(out_);
    if (pid_ > 0) {
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// The child's next line on stdout; throws when it ended instead.
  std::string read_line() {
    std::string line;
    for (int c = std::fgetc(out_); c != EOF && c != '\n'; c = std::fgetc(out_)) {
      line.push_back(static_cast<char>(c));
    }
    if (line.empty()) throw std::runtime_error("a child process ended early (see its stderr)");
    return line;
  }

  void go() {
    std::fputs("go\n", in_);
    std::fflush(in_);
  }

  /// Waits for the child; throws unless it exited with 0.
  void reap() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw std::runtime_error("a child process failed (see its stderr)");
    }
  }

 private:
  pid_t pid_ = -1;
  std::FILE* in_ = nullptr;
  std::FILE* out_ = nullptr;
};

/// Runs `whole` (ops whole.first_op.., workers whole.worker..) split over `processes` processes.
run_result run_processes(const bench_context& context, const slice_spec& whole, int processes) {
  std::vector<std::unique_ptr<child_process>> children;
  std::int64_t first = whole.first_op;
  for (int p = 0; p < processes; ++p) {
    slice_spec spec = whole;
    spec.first_op = first;
    spec.ops = whole.ops / processes + (p < whole.ops % processes ? 1 : 0);
    spec.worker = whole.worker + p;
    first += spec.ops;
    children.push_back(std::make_unique<child_process>(context.config(), spec));
  }
  for (auto& child : children) check(child->read_line() == "ready", whole.workload, "no ready");
  run_result total;
  const auto start = stopwatch::clock::now();
  for (auto& child : children) child->go();
  std::vector<run_result> parts;
  for (auto& child : children)
    parts.push_back(result_from_json(nlohmann::json::parse(child->read_line())));
  total.seconds = std::chrono::duration<double>(stopwatch::clock::now() - start).count();
  for (auto& child : children) child->reap();
  for (auto& part : parts) {
    part.seconds = 0;  // the wall time is the parent's
    total.merge(part);
  }
  return total;
}

/// Every append that succeeded is in the feed once; a position without an event is covered by a
/// void claim (reservations given up); the floors are dense.
void verify(const bench_context& context, const slice_spec& whole, std::int64_t failed,
            int warmups) {
  const auto client = context.make_client();
  const auto expected = whole.ops - failed + (is_store_variant(whole.variant) ? warmups : 0);
  static_cast<void>(verify_positions(*client.client, whole.table, expected,
                                     whole.workload + "/" + whole.variant,
                                     whole.variant != raw_floor));
}

std::vector<std::string> concurrent_variants(int threads) {
  auto variants = protocol_variants();
  if (threads > 1) {
    variants.emplace_back(store_no_group_commit);
    variants.emplace_back(store_no_refill);
  }
  variants.emplace_back(raw_floor);
  variants.emplace_back(reserve_then_commit);
  return variants;
}

}  // namespace

workload_definition append_concurrent_workload(std::string name, int processes, int threads) {
  auto description = std::to_string(base_ops) + " appends of 1 event to distinct aggregates from " +
                     (processes > 1 ? std::to_string(processes) + " processes"
                                    : std::to_string(threads) + " threads in one process");
  return {
      name, std::move(description), concurrent_variants(threads),
      [name, processes, threads](bench_context& context, const std::vector<std::string>& variants) {
        // The variants cannot run at the same time, so they take turns: the operations are split
        // into rounds (up to 4 of at least 500 appends), each variant runs one round after the
        // other on its own table, and the first variant rotates every round. A machine that
        // slows down during the run then slows every variant alike, as the interleaved sequential
        // workloads do. Each round starts new processes (or a new store), so it has its own
        // warm-up append per process.
        const auto ops = context.scaled(base_ops);
        const auto rounds = std::clamp<std::int64_t>(ops / 500, 1, 4);
        std::vector<std::unique_ptr<bench_table>> tables;
        std::vector<run_result> results(variants.size());
        for (const auto& variant : variants) tables.push_back(context.fresh_table(name, variant));
        for (std::int64_t round = 0; round < rounds; ++round) {
          const auto first_op = ops * round / rounds;
          const auto round_ops = ops * (round + 1) / rounds - first_op;
          for (std::size_t k = 0; k < variants.size(); ++k) {
            const auto v = (static_cast<std::size_t>(round) + k) % variants.size();
            const slice_spec part{name,
                                  variants[v],
                                  tables[v]->name(),
                                  first_op,
                                  round_ops,
                                  threads,
                                  static_cast<int>(round) * processes};
            context.progress(name + "/" + variants[v] + ": round " + std::to_string(round + 1) +
                             " of " + std::to_string(rounds));
            if (processes > 1) {
              results[v].merge(run_processes(context, part, processes));
            } else {
              slice_appender appender(context.config(), part);
              results[v].merge(appender.run());
            }
          }
        }
        for (std::size_t v = 0; v < variants.size(); ++v) {
          const slice_spec whole{name, variants[v], tables[v]->name(), 0, ops, threads, 0};
          verify(context, whole, results[v].failed, processes * static_cast<int>(rounds));
          results[v].workload = name;
          results[v].variant = variants[v];
        }
        context.progress(name + ": done");
        return results;
      }};
}

int run_child_slice(const bench_config& config, const std::string& spec_json) {
  try {
    const auto spec = slice_from_json(nlohmann::json::parse(spec_json));
    slice_appender appender(config, spec);
    std::cout << "ready" << std::endl;
    std::string line;
    if (!std::getline(std::cin, line)) return 1;  // the parent gave up
    const auto result = appender.run();
    std::cout << to_json(result).dump() << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "dynamo-es-bench child: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace dynamo_es::bench
