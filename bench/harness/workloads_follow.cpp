// follow-latency: one thread appends single events one at a time; a follower thread (its own
// client, as a separate service would have) polls the feed back to back and timestamps each
// event when it is delivered. The latency of an event is delivery time minus the time its append
// returned (0 when the follower saw it first). The next append starts once the previous event was
// delivered, after a random pause (0 to 5 ms + twice --added-latency-ms, the same sequence for
// every variant), so that appends land at random points of the follower's poll cycle rather than
// locking into one phase of it. Variants, each on a fresh table:
//  - dynamo-es: `append` and `load_replay_page_after_global_position` (the feed reader with the
//    gap rule: a position whose predecessor is missing waits), default options;
//  - serialised / reservation: the same with that `append_protocol` (store_variants.hpp);
//  - raw-floor: the pre-built append transactions, and a follower sending the store's feed Query
//    with its checkpoint spliced in, reading positions out of the response text, no decoding;
//  - reserve-then-commit: the PHP package's pre-built ADD + commit, and the raw-floor's follower.
// ops/s is the paced append rate (pauses included); the headline is the p50/p99 delivery latency.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "dynamo_es/dynamodb_event_store.hpp"
#include "fixtures.hpp"
#include "store_variants.hpp"
#include "workloads.hpp"

namespace dynamo_es::bench {
namespace {

using clock_type = stopwatch::clock;

/// Pauses between appends are uniform in [0, this]: longer than a poll cycle (a round trip, plus
/// the added latency), so the append lands at a random point of it.
std::chrono::microseconds max_pause(const bench_config& config) {
  return std::chrono::microseconds(5000 + std::llround(2000 * config.added_latency_ms));
}
constexpr auto delivery_timeout = std::chrono::seconds(30);

/// Delivery bookkeeping shared by the appender and the follower.
class deliveries {
 public:
  explicit deliveries(std::int64_t count) : at_(static_cast<std::size_t>(count)) {}

  /// The follower saw event `n` (ignored when out of range or seen before).
  void delivered(std::int64_t n) {
    if (n < 0 || n >= static_cast<std::int64_t>(at_.size())) return;
    const std::lock_guard lock(mutex_);
    auto& slot = at_[static_cast<std::size_t>(n)];
    if (slot) return;
    slot = clock_type::now();
    ++count_;
    changed_.notify_all();
  }

  /// The follower failed: waiters give up.
  void abort() {
    const std::lock_guard lock(mutex_);
    aborted_ = true;
    changed_.notify_all();
  }

  /// Waits until event `n` was delivered; throws after the timeout or an abort.
  clock_type::time_point wait_for(std::int64_t n) {
    std::unique_lock lock(mutex_);
    const auto& slot = at_[static_cast<std::size_t>(n)];
    if (!changed_.wait_for(lock, delivery_timeout, [&] { return slot.has_value() || aborted_; })) {
      throw std::runtime_error("follow-latency: event " + std::to_string(n) +
                               " was not delivered within 30 s");
    }
    if (!slot) throw std::runtime_error("follow-latency: the follower failed");
    return *slot;
  }

  [[nodiscard]] bool all_delivered() const {
    const std::lock_guard lock(mutex_);
    return count_ == static_cast<std::int64_t>(at_.size());
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::optional<clock_type::time_point>> at_;
  std::int64_t count_ = 0;
  bool aborted_ = false;
};

/// Runs `append(i)` for every op while `poll(deliveries)` runs on a follower thread until every
/// event is delivered (or `stop`). Returns the measurements.
template <class Append, class Poll>
run_result follow(std::int64_t ops, const std::vector<const counting_transport*>& transports,
                  std::chrono::microseconds max_pause, Append append, Poll poll) {
  deliveries seen(ops);
  // The same pauses for every variant (fixed seed).
  std::mt19937 random(20261127);
  std::uniform_int_distribution<std::int64_t> pause(0, max_pause.count());
  std::atomic<bool> stop{false};
  std::exception_ptr follower_error;
  run_result result;
  result.headline = headline::latency;
  const stopwatch watch(transports);
  std::thread follower([&] {
    try {
      while (!stop.load() && !seen.all_delivered()) poll(seen);
    } catch (...) {
      follower_error = std::current_exception();
      seen.abort();
    }
  });
  try {
    for (std::int64_t i = 0; i < ops; ++i) {
      append(i);
      const auto returned = clock_type::now();
      const auto delivered = seen.wait_for(i);
      result.latencies_us.push_back(delivered > returned ? micros(delivered - returned) : 0.0);
      // A random pause before the next append, so that appends do not lock into one phase of
      // the follower's poll cycle (which would measure that phase, not the latency).
      std::this_thread::sleep_for(std::chrono::microseconds(pause(random)));
    }
  } catch (...) {
    stop = true;
    follower.join();
    if (follower_error) std::rethrow_exception(follower_error);
    throw;
  }
  stop = true;
  follower.join();
  watch.stop(result);
  if (follower_error) std::rethrow_exception(follower_error);
  result.ops = ops;
  result.events = ops;
  return result;
}

run_result follow_store(bench_context& context, const std::string& table, std::int64_t ops,
                        const std::string& variant) {
  const auto appender_client = context.make_client();
  const auto follower_client = context.make_client();
  const auto options = store_options(variant, table);
  dynamodb_event_store appender(appender_client.client, options);
  dynamodb_event_store follower(follower_client.client, options);
  std::vector<domain_event_stream> streams;
  for (std::int64_t i = 0; i < ops; ++i) streams.push_back(single(bench_event(aggregate_id(i), 0)));
  const auto warmup = aggregate_id(999'999'999'999);
  appender.append(warmup, single(bench_event(warmup, 0)));
  std::int64_t checkpoint =
      follower.load_replay_page_after_global_position(criteria::create(), 0, 10)
          .last_processed_global_position();
  const auto page_size = context.config().page_size;
  const auto appender_before = appender.statistics();
  const auto follower_before = follower.statistics();
  auto result = follow(
      ops, {appender_client.transport.get(), follower_client.transport.get()},
      max_pause(context.config()),
      [&](std::int64_t i) {
        const auto& stream = streams[static_cast<std::size_t>(i)];
        appender.append(stream[0].id(), stream);
      },
      [&](deliveries& seen) {
        const auto page = follower.load_replay_page_after_global_position(criteria::create(),
                                                                          checkpoint, page_size);
        for (const auto& event : page.events())
          seen.delivered(aggregate_number(event.message.id()));
        checkpoint = page.last_processed_global_position();
      });
  // What the writer did (protocol) and what the follower met (gap waits, void positions passed).
  result.store_stats = count_difference(appender_before, appender.statistics());
  for (const auto& [name, count] : count_difference(follower_before, follower.statistics())) {
    result.store_stats[name] += count;
  }
  return result;
}

/// Every number after `"GlobalPosition":{"N":"` in a response body.
std::vector<std::int64_t> positions_in(const std::string& body) {
  static constexpr std::string_view marker = R"("GlobalPosition":{"N":")";
  std::vector<std::int64_t> positions;
  for (auto at = body.find(marker); at != std::string::npos; at = body.find(marker, at)) {
    at += marker.size();
    std::int64_t value = 0;
    while (at < body.size() && body[at] >= '0' && body[at] <= '9')
      value = value * 10 + (body[at++] - '0');
    positions.push_back(value);
  }
  return positions;
}

/// `php`: the appender sends the PHP package's ADD + commit (reserve-then-commit), else the
/// store's pre-built transaction (raw-floor).
run_result follow_raw(bench_context& context, const std::string& table, std::int64_t ops,
                      bool php) {
  const auto appender_client = context.make_client();
  const auto follower_client = context.make_client();
  std::vector<std::string> bodies;
  std::vector<commit_template> commits;
  const auto reserve = reserve_body(table, 1);
  for (std::int64_t i = 0; i < ops; ++i) {
    const auto event = bench_event(aggregate_id(i), 0);
    if (php) {
      commits.push_back(php_commit_template(table, event));
    } else {
      bodies.push_back(append_transaction_body(
          table, event, i + 1, i == 0 ? std::nullopt : std::optional<std::int64_t>(i)));
    }
  }
  const auto query = feed_query_template(table, context.config().page_size);
  static_cast<void>(counter_value(*appender_client.client, table));
  std::int64_t checkpoint = 0;
  static_cast<void>(follower_client.client->call("Query", query.body(checkpoint)));
  return follow(
      ops, {appender_client.transport.get(), follower_client.transport.get()},
      max_pause(context.config()),
      [&](std::int64_t i) {
        const auto& client = *appender_client.client;
        const auto index = static_cast<std::size_t>(i);
        if (php) {
          const auto position = reserved_position(client.call("UpdateItem", reserve));
          static_cast<void>(client.call("TransactWriteItems", commits[index].body(position)));
        } else {
          static_cast<void>(client.call("TransactWriteItems", std::move(bodies[index])));
        }
      },
      [&](deliveries& seen) {
        for (const auto position :
             positions_in(follower_client.client->call("Query", query.body(checkpoint)))) {
          seen.delivered(position - 1);
          checkpoint = std::max(checkpoint, position);
        }
      });
}

}  // namespace

workload_definition follow_latency_workload() {
  return {"follow-latency",
          "time from an append's return to its delivery to a follower polling the feed, 200 "
          "appends",
          std::vector<std::string>{store_default, store_serialised, store_reservation, raw_floor,
                                   reserve_then_commit},
          [](bench_context& context, const std::vector<std::string>& variants) {
            std::vector<run_result> results;
            const auto ops = context.scaled(200);
            for (const auto& variant : variants) {
              const auto table = context.fresh_table("follow-latency", variant);
              context.progress("follow-latency/" + variant + ": running");
              auto result =
                  is_store_variant(variant)
                      ? follow_store(context, table->name(), ops, variant)
                      : follow_raw(context, table->name(), ops, variant == reserve_then_commit);
              // Every event delivered was also written once; nothing skipped.
              const auto checker = context.make_client();
              static_cast<void>(verify_positions(*checker.client, table->name(),
                                                 ops + (is_store_variant(variant) ? 1 : 0),
                                                 "follow-latency/" + variant));
              result.workload = "follow-latency";
              result.variant = variant;
              results.push_back(std::move(result));
            }
            context.progress("follow-latency: done");
            return results;
          }};
}

}  // namespace dynamo_es::bench
