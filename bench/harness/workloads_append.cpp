// append-seq and append-one-stream: single-event appends one after another on one thread, in
// variants measured in alternating chunks:
//  - dynamo-es: `dynamodb_event_store::append` with the default options (adaptive protocol, which
//    stays serialised while uncontended: one request per append);
//  - serialised / reservation: the same with that `append_protocol` (store_variants.hpp);
//  - raw-floor: the store's own steady-state request (one TransactWriteItems: the counter update
//    conditioned on its previous value, the claim row, the event Put), pre-built with the
//    positions known in advance, sent through the same client (`call`, which signs it) and
//    transport;
//  - reserve-then-commit: the PHP package's two requests (UpdateItem ADD on `_counter`, then a
//    TransactWriteItems of the Put at the reserved position), pre-built but for the position.

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "dynamo_es/dynamodb_event_store.hpp"
#include "fixtures.hpp"
#include "store_variants.hpp"
#include "workloads.hpp"

namespace dynamo_es::bench {
namespace {

constexpr std::int64_t chunk_ops = 100;

/// Op i appends events[i].
struct append_plan {
  std::string workload;
  std::vector<domain_message> events;
};

std::string where(const sequential_variant& variant, const std::string& workload) {
  return workload + "/" + variant.name();
}

/// One thread, no failures: the positions must come out dense whatever the protocol.
void check_dense(const dynamodb::client& client, const std::string& table, std::int64_t count,
                 const std::string& where_) {
  check(verify_positions(client, table, count, where_) == 0, where_,
        "positions were voided although no append failed");
}

class store_append final : public sequential_variant {
 public:
  store_append(bench_context& context, const append_plan& plan, const std::string& variant)
      : sequential_variant(variant, context.make_client()),
        plan_(plan),
        table_(context.fresh_table(plan.workload, name())) {}

  void setup() override {
    store_ = std::make_unique<dynamodb_event_store>(client().client,
                                                    store_options(name(), table_->name()));
    for (const auto& event : plan_.events) streams_.push_back(single(event));
    // The first append of a store instance also reads the counter; the steady state is measured.
    const auto warmup = aggregate_id(999'999'999'999);
    store_->append(warmup, single(bench_event(warmup, 0)));
    before_ = store_->statistics();
  }

  [[nodiscard]] std::map<std::string, std::uint64_t> store_stats() const override {
    return count_difference(before_, store_->statistics());
  }

  void run(std::int64_t op) override {
    const auto& stream = streams_[static_cast<std::size_t>(op)];
    store_->append(stream[0].id(), stream);
  }

  void verify() override {
    const auto count = static_cast<std::int64_t>(plan_.events.size()) + 1;
    check_dense(*client().client, table_->name(), count, where(*this, plan_.workload));
    check(counter_value(*client().client, table_->name()) == count, where(*this, plan_.workload),
          "counter does not match the appends");
  }

 private:
  const append_plan& plan_;
  std::unique_ptr<bench_table> table_;
  std::unique_ptr<dynamodb_event_store> store_;
  std::vector<domain_event_stream> streams_;
  dynamodb_event_store_statistics before_;
};

class raw_append final : public sequential_variant {
 public:
  raw_append(bench_context& context, const append_plan& plan)
      : sequential_variant(raw_floor, context.make_client()),
        plan_(plan),
        table_(context.fresh_table(plan.workload, name())) {}

  void setup() override {
    for (std::size_t i = 0; i < plan_.events.size(); ++i) {
      const auto position = static_cast<std::int64_t>(i) + 1;
      bodies_.push_back(append_transaction_body(
          table_->name(), plan_.events[i], position,
          i == 0 ? std::nullopt : std::optional<std::int64_t>(position - 1)));
    }
    static_cast<void>(counter_value(*client().client, table_->name()));  // opens the connection
  }

  void run(std::int64_t op) override {
    static_cast<void>(client().client->call("TransactWriteItems",
                                            std::move(bodies_[static_cast<std::size_t>(op)])));
  }

  void verify() override {
    const auto count = static_cast<std::int64_t>(plan_.events.size());
    check_dense(*client().client, table_->name(), count, where(*this, plan_.workload));
  }

 private:
  const append_plan& plan_;
  std::unique_ptr<bench_table> table_;
  std::vector<std::string> bodies_;
};

class reserve_commit_append final : public sequential_variant {
 public:
  reserve_commit_append(bench_context& context, const append_plan& plan)
      : sequential_variant(reserve_then_commit, context.make_client()),
        plan_(plan),
        table_(context.fresh_table(plan.workload, name())) {}

  void setup() override {
    reserve_ = reserve_body(table_->name(), 1);
    for (const auto& event : plan_.events) {
      commits_.push_back(php_commit_template(table_->name(), event));
    }
    static_cast<void>(counter_value(*client().client, table_->name()));  // opens the connection
  }

  void run(std::int64_t op) override {
    const auto& dynamo = *client().client;
    const auto position = reserved_position(dynamo.call("UpdateItem", reserve_));
    static_cast<void>(
        dynamo.call("TransactWriteItems", commits_[static_cast<std::size_t>(op)].body(position)));
  }

  void verify() override {
    const auto count = static_cast<std::int64_t>(plan_.events.size());
    check_dense(*client().client, table_->name(), count, where(*this, plan_.workload));
  }

 private:
  const append_plan& plan_;
  std::unique_ptr<bench_table> table_;
  std::string reserve_;
  std::vector<commit_template> commits_;
};

std::vector<run_result> run_plan(bench_context& context, const append_plan& plan,
                                 const std::vector<std::string>& variants) {
  std::vector<std::unique_ptr<sequential_variant>> runners;
  for (const auto& variant : variants) {
    if (is_store_variant(variant)) {
      runners.push_back(std::make_unique<store_append>(context, plan, variant));
    } else if (variant == raw_floor) {
      runners.push_back(std::make_unique<raw_append>(context, plan));
    } else if (variant == reserve_then_commit) {
      runners.push_back(std::make_unique<reserve_commit_append>(context, plan));
    }
  }
  return run_interleaved(context, plan.workload, runners,
                         static_cast<std::int64_t>(plan.events.size()), chunk_ops);
}

const std::vector<std::string> append_variants = {
    store_default, store_serialised, store_reservation, raw_floor, reserve_then_commit};

}  // namespace

workload_definition append_seq_workload() {
  return {"append-seq", "2000 appends of 1 event to 2000 distinct aggregates, one thread",
          append_variants, [](bench_context& context, const std::vector<std::string>& variants) {
            append_plan plan{"append-seq", {}};
            const auto ops = context.scaled(2000);
            for (std::int64_t i = 0; i < ops; ++i) {
              plan.events.push_back(bench_event(aggregate_id(i), 0));
            }
            return run_plan(context, plan, variants);
          }};
}

workload_definition append_one_stream_workload() {
  return {"append-one-stream",
          "1000 appends of 1 event to one aggregate (playheads 0..999), one thread",
          append_variants, [](bench_context& context, const std::vector<std::string>& variants) {
            append_plan plan{"append-one-stream", {}};
            const auto ops = context.scaled(1000);
            const auto id = aggregate_id(0);
            for (std::int64_t i = 0; i < ops; ++i) plan.events.push_back(bench_event(id, i));
            return run_plan(context, plan, variants);
          }};
}

}  // namespace dynamo_es::bench
