// load and replay: reads of one pre-filled table (fresh per workload, shared by its variants since
// they only read), variants measured in alternating operations:
//  - dynamo-es: `load` / `visit_events`;
//  - dynamo-es-prefetch (replay): the store's own page reader (`assemble_replay_page`) driven
//    through `detail::replay_prefetcher`, i.e. `visit_events` as it is once pipelining is wired in;
//  - raw-floor: the very Query bodies the store sent (recorded once, untimed), re-sent in order
//    through the same client and transport, responses not decoded.

#include <memory>
#include <utility>
#include <vector>

#include "dynamo_es/dynamodb_event_store.hpp"
#include "fixtures.hpp"
#include "stores/dynamodb_gap_tracker.hpp"
#include "stores/dynamodb_replay_prefetch.hpp"
#include "stores/dynamodb_replay_reader.hpp"
#include "stores/dynamodb_table_layout.hpp"
#include "workloads.hpp"

namespace dynamo_es::bench {
namespace {

// The store's limit per append (98: a transaction's 100 actions minus the counter and the claim).
constexpr auto events_per_append =
    static_cast<std::int64_t>(detail::table_layout::max_events_per_append);

/// Fills `table` with `count` events: appends of up to `events_per_append` events, aggregate n
/// holding the n-th group (`one_aggregate`: all in aggregate 0).
void fill(const counted_client& client, const std::string& table, std::int64_t count,
          bool one_aggregate) {
  dynamodb_event_store_options options;
  options.table_name = table;
  dynamodb_event_store store(client.client, std::move(options));
  for (std::int64_t written = 0, group = 0; written < count; ++group) {
    const auto id = aggregate_id(one_aggregate ? 0 : group);
    const auto first = one_aggregate ? written : 0;
    std::vector<domain_message> events;
    for (std::int64_t i = 0; i < events_per_append && written < count; ++i, ++written) {
      events.push_back(bench_event(id, first + i));
    }
    store.append(id, domain_event_stream(std::move(events)));
  }
}

/// The Query bodies `action` sends through a fresh client (run once, untimed).
template <class Action>
std::vector<std::string> record_queries(const bench_context& context, Action action) {
  const auto client = context.make_client();
  client.transport->start_recording();
  action(client.client);
  std::vector<std::string> bodies;
  for (auto& request : client.transport->stop_recording()) {
    check(request.operation == "Query", "raw-floor", "recorded a request that is not a Query");
    bodies.push_back(std::move(request.body));
  }
  return bodies;
}

/// Re-sends recorded Query bodies in order.
class raw_queries final : public sequential_variant {
 public:
  raw_queries(const bench_context& context, std::vector<std::string> bodies,
              std::int64_t events_per_op)
      : sequential_variant(raw_floor, context.make_client()),
        bodies_(std::move(bodies)),
        events_per_op_(events_per_op) {}

  void setup() override { static_cast<void>(client().client->call("Query", bodies_.front())); }

  void run(std::int64_t) override {
    for (const auto& body : bodies_) {
      const auto response = client().client->call("Query", body);
      check(!response.empty(), "raw-floor", "empty Query response");
    }
  }

  [[nodiscard]] std::int64_t events_per_op() const override { return events_per_op_; }

 private:
  std::vector<std::string> bodies_;
  std::int64_t events_per_op_;
};

// --- load -------------------------------------------------------------------------------------

constexpr std::int64_t load_events = 1000;

class store_load final : public sequential_variant {
 public:
  store_load(const bench_context& context, std::string table)
      : sequential_variant("dynamo-es", context.make_client()), table_(std::move(table)) {}

  void setup() override {
    dynamodb_event_store_options options;
    options.table_name = table_;
    store_ = std::make_unique<dynamodb_event_store>(client().client, std::move(options));
    static_cast<void>(store_->load(aggregate_id(0)));
  }

  void run(std::int64_t) override {
    const auto stream = store_->load(aggregate_id(0));
    check(static_cast<std::int64_t>(stream.size()) == load_events, "load/dynamo-es",
          "loaded " + std::to_string(stream.size()) + " events");
  }

  [[nodiscard]] std::int64_t events_per_op() const override { return load_events; }

 private:
  std::string table_;
  std::unique_ptr<dynamodb_event_store> store_;
};

// --- replay -----------------------------------------------------------------------------------

/// Counts visited events.
struct counting_visitor final : event_visitor {
  std::int64_t events = 0;
  void do_with_event(const domain_message&) override { ++events; }
};

class store_replay final : public sequential_variant {
 public:
  store_replay(const bench_context& context, std::string table, std::int64_t events)
      : sequential_variant("dynamo-es", context.make_client()),
        table_(std::move(table)),
        events_(events),
        page_size_(context.config().page_size) {}

  void setup() override {
    dynamodb_event_store_options options;
    options.table_name = table_;
    options.replay_page_size = page_size_;
    store_ = std::make_unique<dynamodb_event_store>(client().client, std::move(options));
    static_cast<void>(store_->load_replay_page_after_global_position(criteria::create(), 0, 1));
  }

  void run(std::int64_t) override {
    counting_visitor visitor;
    store_->visit_events(criteria::create(), visitor);
    check(visitor.events == events_, "replay/dynamo-es",
          "visited " + std::to_string(visitor.events) + " events");
  }

  [[nodiscard]] std::int64_t events_per_op() const override { return events_; }

 private:
  std::string table_;
  std::int64_t events_;
  std::int64_t page_size_;
  std::unique_ptr<dynamodb_event_store> store_;
};

/// `visit_events` with the next page fetched ahead: the store's page assembly (gap rule, criteria,
/// decoding) fed by `detail::replay_prefetcher`. The table has no holes, so a page that stops
/// at one is an error here rather than a wait.
class prefetched_replay final : public sequential_variant {
 public:
  prefetched_replay(const bench_context& context, std::string table, std::int64_t events)
      : sequential_variant("dynamo-es-prefetch", context.make_client()),
        table_(std::move(table)),
        events_(events),
        page_size_(context.config().page_size) {}

  void setup() override { static_cast<void>(client().client->query(feed_query(table_, 0, 1))); }

  void run(std::int64_t) override {
    const auto& client_ptr = client().client;
    detail::replay_prefetcher prefetch([&client_ptr, this](std::int64_t after) {
      return client_ptr->query(feed_query(table_, after, page_size_));
    });
    const auto filter = criteria::create();
    std::int64_t visited = 0;
    std::int64_t checkpoint = 0;
    for (;;) {
      const auto response = prefetch.next(checkpoint);
      const auto read =
          detail::assemble_replay_page(response.items, !response.last_evaluated_key.empty(), filter,
                                       checkpoint, table_, tracker_, [](const skipped_gap&) {});
      check(!read.stopped_at, "replay/dynamo-es-prefetch", "the feed has a hole");
      for (const auto& event : read.page.events()) {
        static_cast<void>(event);
        ++visited;
      }
      if (!read.page.has_more()) break;
      checkpoint = read.page.last_processed_global_position();
    }
    check(visited == events_, "replay/dynamo-es-prefetch",
          "visited " + std::to_string(visited) + " events");
  }

  [[nodiscard]] std::int64_t events_per_op() const override { return events_; }

 private:
  std::string table_;
  std::int64_t events_;
  std::int64_t page_size_;
  detail::gap_tracker tracker_{std::chrono::seconds(10)};
};

}  // namespace

workload_definition load_workload() {
  return {"load", "load of a 1000-event aggregate, 20 times",
          std::vector<std::string>{"dynamo-es", raw_floor},
          [](bench_context& context, const std::vector<std::string>& variants) {
            const auto table = context.fresh_table("load", "all");
            fill(context.make_client(), table->name(), load_events, true);
            std::vector<std::unique_ptr<sequential_variant>> runners;
            for (const auto& variant : variants) {
              if (variant == "dynamo-es") {
                runners.push_back(std::make_unique<store_load>(context, table->name()));
              } else if (variant == raw_floor) {
                auto bodies = record_queries(context, [&](const auto& client) {
                  dynamodb_event_store_options options;
                  options.table_name = table->name();
                  dynamodb_event_store store(client, std::move(options));
                  static_cast<void>(store.load(aggregate_id(0)));
                });
                runners.push_back(
                    std::make_unique<raw_queries>(context, std::move(bodies), load_events));
              }
            }
            return run_interleaved(context, "load", runners, context.scaled(20), 1);
          }};
}

workload_definition replay_workload() {
  return {
      "replay", "visit_events over 10 000 events, page size 1000",
      std::vector<std::string>{"dynamo-es", "dynamo-es-prefetch", raw_floor},
      [](bench_context& context, const std::vector<std::string>& variants) {
        const auto events = context.scaled(10'000);
        const auto table = context.fresh_table("replay", "all");
        fill(context.make_client(), table->name(), events, false);
        std::vector<std::unique_ptr<sequential_variant>> runners;
        for (const auto& variant : variants) {
          if (variant == "dynamo-es") {
            runners.push_back(std::make_unique<store_replay>(context, table->name(), events));
          } else if (variant == "dynamo-es-prefetch") {
            runners.push_back(std::make_unique<prefetched_replay>(context, table->name(), events));
          } else if (variant == raw_floor) {
            auto bodies = record_queries(context, [&](const auto& client) {
              dynamodb_event_store_options options;
              options.table_name = table->name();
              options.replay_page_size = context.config().page_size;
              dynamodb_event_store store(client, std::move(options));
              counting_visitor visitor;
              store.visit_events(criteria::create(), visitor);
            });
            runners.push_back(std::make_unique<raw_queries>(context, std::move(bodies), events));
          }
        }
        return run_interleaved(context, "replay", runners, 5, 1);
      }};
}

}  // namespace dynamo_es::bench
