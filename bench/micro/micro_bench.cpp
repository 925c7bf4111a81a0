// Micro-benchmarks of the client's CPU paths, one core, no network (Google Benchmark):
//  - item decoding: a 1000-item feed page (the §4.2 row, ~200-byte payload, empty metadata) from
//    response text to events: the simdjson On-Demand page parse into attribute maps
//    (`decode_query`), the row decoder (`decode_event` via `assemble_replay_page`), both together,
//    and a prototype that decodes the page straight into events without attribute maps;
//  - request building: the append transaction and the feed Query, from typed request to body;
//  - SigV4 signing of an append request;
//  - whole operations over a canned-response transport: `append` and `load` of the store, i.e.
//    the client CPU of one operation minus the socket work;
//  - replay pipelining: a 10-page replay against a feed that answers after a fixed server time
//    costing no CPU here (a remote DynamoDB), sequential (`visit_events` today) and through
//    `detail::replay_prefetcher` (wall time).
//
//   build/bench/micro/dynamo-es-micro-bench [--benchmark_filter=decode]

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "dynamo_es/dynamodb_event_store.hpp"
#include "dynamodb/codec.hpp"
#include "dynamodb/crc32.hpp"
#include "dynamodb/sigv4.hpp"
#include "stores/dynamodb_gap_tracker.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_item_size.hpp"
#include "stores/dynamodb_replay_prefetch.hpp"
#include "stores/dynamodb_replay_reader.hpp"

namespace {

using dynamo_es::criteria;
using dynamo_es::domain_message;
using dynamo_es::dynamodb::attribute_map;
namespace ddb = dynamo_es::dynamodb;
namespace detail = dynamo_es::detail;

constexpr int page_items = 1000;
constexpr const char* table = "Events";

domain_message event(int n, std::int64_t playhead = 0) {
  const std::string id = "b0000000-0000-4000-8000-" + std::to_string(100000000000 + n);
  std::string json = R"({"orderId":")" + id +
                     R"(","sku":"SKU-0042\/blue","quantity":3,"unitPrice":"19.99",)"
                     R"("note":"gift \"wrap\"","addedBy":"user-17","tags":["a","b"],"v":1})";
  return domain_message::record_now(id, playhead, dynamo_es::metadata{},
                                    dynamo_es::serialized_payload{"Bench\\Event\\ItemAdded", json});
}

// A Query response of `page_items` feed rows at positions after+1.., attributes in the order
// DynamoDB Local returns them, with a LastEvaluatedKey unless `last`.
std::string page_body(std::int64_t after = 0, bool last = false) {
  std::string body = R"({"Count":1000,"Items":[)";
  for (int i = 0; i < page_items; ++i) {
    const attribute_map item = detail::encode_event(event(i), after + i + 1);
    body += i == 0 ? "{" : ",{";
    bool first = true;
    for (const char* name : {"GlobalPosition", "Type", "Metadata", "Id", "RecordedOn", "Playhead",
                             "Payload", "Feed"}) {
      body += first ? "\"" : ",\"";
      first = false;
      body += std::string(name) + "\":" + ddb::to_json(item.at(name));
    }
    body += '}';
  }
  body += "]";
  if (!last) {
    body += R"(,"LastEvaluatedKey":{"GlobalPosition":{"N":")" + std::to_string(after + page_items) +
            R"("},"Id":{"S":"x"},"Playhead":{"N":"0"},"Feed":{"S":"all"}})";
  }
  body += R"(,"ScannedCount":1000})";
  return body;
}

const std::string& shared_page() {
  static const std::string body = page_body();
  return body;
}

// --- Item decoding ------------------------------------------------------------------------

void BM_decode_page_parse(benchmark::State& state) {
  const auto& body = shared_page();
  for (auto _ : state) {
    auto page = ddb::detail::decode_query(body);
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations() * page_items);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_decode_page_parse)->Unit(benchmark::kMillisecond);

void BM_decode_rows_to_events(benchmark::State& state) {
  const auto page = ddb::detail::decode_query(shared_page());
  const auto filter = criteria::create();
  for (auto _ : state) {
    detail::gap_tracker tracker(std::chrono::seconds(10));
    auto read = detail::assemble_replay_page(page.items, true, filter, 0, table, tracker,
                                             [](const dynamo_es::skipped_gap&) {});
    benchmark::DoNotOptimize(read);
  }
  state.SetItemsProcessed(state.iterations() * page_items);
}
BENCHMARK(BM_decode_rows_to_events)->Unit(benchmark::kMillisecond);

// The whole decoding of a replay page: response text -> replay events. The issue's target is
// >= 1 M events/s on one core.
void BM_decode_page_to_events(benchmark::State& state) {
  const auto& body = shared_page();
  const auto filter = criteria::create();
  for (auto _ : state) {
    const auto page = ddb::detail::decode_query(body);
    detail::gap_tracker tracker(std::chrono::seconds(10));
    auto read = detail::assemble_replay_page(page.items, true, filter, 0, table, tracker,
                                             [](const dynamo_es::skipped_gap&) {});
    benchmark::DoNotOptimize(read);
  }
  state.SetItemsProcessed(state.iterations() * page_items);
}
BENCHMARK(BM_decode_page_to_events)->Unit(benchmark::kMillisecond);

// Prototype, not library code: the page decoded by simdjson On-Demand straight into domain
// messages, no attribute maps in between (what a dedicated feed decoder could reach).
std::string_view typed(simdjson::ondemand::value value, const char* tag) {
  return value.get_object()[tag].get_string().value();
}

void BM_decode_page_direct_prototype(benchmark::State& state) {
  const auto& text = shared_page();
  const simdjson::padded_string body(text);
  simdjson::ondemand::parser parser;
  for (auto _ : state) {
    std::vector<dynamo_es::replay_event> events;
    events.reserve(page_items);
    auto document = parser.iterate(body);
    for (auto field : document.get_object()) {
      if (field.unescaped_key().value() != "Items") continue;
      for (auto item : field.value().get_array()) {
        std::string_view id, recorded_on, metadata_json, payload_class, payload_json;
        std::int64_t playhead = 0;
        std::int64_t position = 0;
        for (auto attribute : item.get_object()) {
          const auto name = attribute.unescaped_key().value();
          simdjson::ondemand::value value = attribute.value();
          if (name == "Id") {
            id = typed(value, "S");
          } else if (name == "Playhead") {
            playhead = std::stoll(std::string(typed(value, "N")));
          } else if (name == "GlobalPosition") {
            position = std::stoll(std::string(typed(value, "N")));
          } else if (name == "RecordedOn") {
            recorded_on = typed(value, "S");
          } else if (name == "Metadata" || name == "Payload") {
            const bool is_metadata = name == "Metadata";
            for (auto member : value.get_object()["M"].get_object()) {
              const auto key = member.unescaped_key().value();
              simdjson::ondemand::value member_value = member.value();
              const auto inner = typed(member_value, "S");
              if (key == "Payload") {
                (is_metadata ? metadata_json : payload_json) = inner;
              } else if (!is_metadata && key == "Class") {
                payload_class = inner;
              }
            }
          }
        }
        events.push_back(dynamo_es::replay_event{
            domain_message(std::string(id), playhead,
                           dynamo_es::metadata::from_json_text(metadata_json),
                           dynamo_es::serialized_payload{std::string(payload_class),
                                                         std::string(payload_json)},
                           dynamo_es::date_time::from_string(recorded_on)),
            position});
      }
    }
    if (events.size() != page_items) state.SkipWithError("prototype decoded the wrong count");
    benchmark::DoNotOptimize(events);
  }
  state.SetItemsProcessed(state.iterations() * page_items);
}
BENCHMARK(BM_decode_page_direct_prototype)->Unit(benchmark::kMillisecond);

// --- Request building ---------------------------------------------------------------------

// The store's append transaction for one event (see detail::conditional_counter::build_request).
ddb::transact_write_items_request append_request(const domain_message& message) {
  ddb::transact_write_items_request request;
  ddb::transact_update counter;
  counter.table_name = table;
  counter.key = detail::event_key("_counter", 0);
  counter.update_expression = "SET #v = :new";
  counter.condition_expression = "#v = :expected";
  counter.expression_attribute_names.emplace("#v", "Value");
  counter.expression_attribute_values.emplace(":new", ddb::attribute_value::number(1235));
  counter.expression_attribute_values.emplace(":expected", ddb::attribute_value::number(1234));
  counter.return_values_on_condition_check_failure =
      ddb::return_value_on_condition_check_failure::all_old;
  request.transact_items.emplace_back(std::move(counter));
  ddb::transact_put put;
  put.table_name = table;
  put.item = detail::encode_event(message, 1235);
  put.condition_expression = "attribute_not_exists(Id)";
  put.return_values_on_condition_check_failure =
      ddb::return_value_on_condition_check_failure::all_old;
  request.transact_items.emplace_back(std::move(put));
  request.client_request_token = "9b2f3c1e-0d4a-4c55-8f7e-3a1b2c3d4e5f";
  return request;
}

void BM_build_append_request(benchmark::State& state) {
  const auto message = event(7);
  std::int64_t bytes = 0;
  for (auto _ : state) {
    auto body = ddb::detail::encode_transact_write_items(append_request(message));
    bytes += static_cast<std::int64_t>(body.size());
    benchmark::DoNotOptimize(body);
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_build_append_request);

void BM_build_feed_query(benchmark::State& state) {
  for (auto _ : state) {
    ddb::query_request request;
    request.table_name = table;
    request.index_name = "Feed-GlobalPosition-index";
    request.key_condition_expression = "Feed = :feed AND GlobalPosition > :after";
    request.expression_attribute_values.emplace(":feed", ddb::attribute_value::string("all"));
    request.expression_attribute_values.emplace(":after", ddb::attribute_value::number(123456));
    request.limit = 1000;
    auto body = ddb::detail::encode_query(request);
    benchmark::DoNotOptimize(body);
  }
}
BENCHMARK(BM_build_feed_query);

// --- SigV4 --------------------------------------------------------------------------------

void BM_sigv4_sign_append(benchmark::State& state) {
  const auto body = ddb::detail::encode_transact_write_items(append_request(event(7)));
  ddb::detail::signing_params params;
  params.creds = ddb::credentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
  params.region = "us-east-1";
  params.time = std::chrono::system_clock::now();
  for (auto _ : state) {
    ddb::detail::signing_request request{
        .method = "POST",
        .target = "/",
        .headers = {{"Content-Type", "application/x-amz-json-1.0"},
                    {"Host", "127.0.0.1:8000"},
                    {"X-Amz-Target", "DynamoDB_20120810.TransactWriteItems"}},
        .body = body};
    auto signature = ddb::detail::sign(request, params);
    benchmark::DoNotOptimize(signature);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}
BENCHMARK(BM_sigv4_sign_append);

// --- Whole operations over a canned transport -----------------------------------------------

// Answers each operation with a fixed 200 response (with its x-amz-crc32, as DynamoDB sends it):
// the client does all its work but the socket's.
class canned_transport final : public ddb::http_transport {
 public:
  void answer(const std::string& operation, std::string body) {
    const auto crc = std::to_string(ddb::detail::crc32(body));
    answers_[operation] = ddb::http_result{ddb::transport_status::ok,
                                           200,
                                           {{"content-type", "application/x-amz-json-1.0"},
                                            {"x-amzn-requestid", "canned"},
                                            {"x-amz-crc32", crc}},
                                           std::move(body),
                                           {}};
  }

  ddb::http_result send(const ddb::http_request& request) override {
    for (const auto& header : request.headers) {
      if (header.name == "X-Amz-Target") {
        const auto operation = header.value.substr(header.value.find('.') + 1);
        return answers_.at(operation);
      }
    }
    return {};
  }

 private:
  std::map<std::string, ddb::http_result> answers_;
};

std::shared_ptr<const ddb::client> canned_client(std::shared_ptr<ddb::http_transport> transport) {
  ddb::client_options options;
  options.endpoint_url = "http://127.0.0.1:8000";
  options.transport = std::move(transport);
  return std::make_shared<const ddb::client>(options);
}

void BM_store_append_client_cpu(benchmark::State& state) {
  auto transport = std::make_shared<canned_transport>();
  transport->answer("GetItem", "{}");
  transport->answer("Query", R"({"Count":0,"Items":[],"ScannedCount":0})");
  transport->answer("TransactWriteItems", "{}");
  dynamo_es::dynamodb_event_store store(canned_client(transport), std::string(table));
  std::vector<dynamo_es::domain_event_stream> streams;
  for (int i = 0; i < 4096; ++i) streams.push_back(dynamo_es::domain_event_stream({event(i)}));
  std::size_t next = 0;
  for (auto _ : state) {
    const auto& stream = streams[next++ % streams.size()];
    store.append(stream[0].id(), stream);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_store_append_client_cpu)->Unit(benchmark::kMicrosecond);

void BM_store_load_client_cpu(benchmark::State& state) {
  auto transport = std::make_shared<canned_transport>();
  // The same page, without LastEvaluatedKey: one request per load.
  auto body = shared_page();
  const auto key = body.find(R"(,"LastEvaluatedKey")");
  body.erase(key, body.find(R"(,"ScannedCount")") - key);
  transport->answer("Query", std::move(body));
  dynamo_es::dynamodb_event_store store(canned_client(transport), std::string(table));
  for (auto _ : state) {
    auto stream = store.load("any");
    benchmark::DoNotOptimize(stream);
  }
  state.SetItemsProcessed(state.iterations() * page_items);
}
BENCHMARK(BM_store_load_client_cpu)->Unit(benchmark::kMillisecond);

// --- Replay pipelining against a remote server -----------------------------------------------

constexpr int replay_pages = 10;

// Serves a 10-page feed (the page after `:after`), sleeping `server_time` per Query: a server whose
// round trip costs this machine no CPU, as a remote DynamoDB's does.
class remote_feed final : public ddb::http_transport {
 public:
  explicit remote_feed(std::chrono::microseconds server_time) : server_time_(server_time) {
    for (int page = 0; page < replay_pages; ++page) {
      const std::int64_t after = std::int64_t{page} * page_items;
      const auto body = page_body(after, page + 1 == replay_pages);
      pages_[after] = ddb::http_result{ddb::transport_status::ok,
                                       200,
                                       {{"x-amz-crc32", std::to_string(ddb::detail::crc32(body))}},
                                       body,
                                       {}};
    }
  }

  ddb::http_result send(const ddb::http_request& request) override {
    static const std::string marker = R"(":after":{"N":")";
    const auto at = request.body.find(marker) + marker.size();
    const auto after = std::stoll(request.body.substr(at, request.body.find('"', at) - at));
    std::this_thread::sleep_for(server_time_);
    return pages_.at(after);
  }

 private:
  std::chrono::microseconds server_time_;
  std::map<std::int64_t, ddb::http_result> pages_;
};

// `visit_events` as the store does it today: fetch a page, decode it, visit it, fetch the next.
void BM_replay_sequential(benchmark::State& state) {
  auto transport = std::make_shared<remote_feed>(std::chrono::milliseconds(state.range(0)));
  dynamo_es::dynamodb_event_store_options options;
  options.table_name = table;
  dynamo_es::dynamodb_event_store store(canned_client(transport), options);
  for (auto _ : state) {
    std::int64_t visited = 0;
    store.visit_events(criteria::create(), [&](const domain_message&) { ++visited; });
    if (visited != replay_pages * page_items) state.SkipWithError("wrong event count");
  }
  state.SetItemsProcessed(state.iterations() * replay_pages * page_items);
}
BENCHMARK(BM_replay_sequential)
    ->Arg(0)
    ->Arg(5)
    ->Arg(20)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The same with detail::replay_prefetcher: page k+1 is requested while page k is decoded.
void BM_replay_prefetched(benchmark::State& state) {
  auto transport = std::make_shared<remote_feed>(std::chrono::milliseconds(state.range(0)));
  const auto client = canned_client(transport);
  for (auto _ : state) {
    detail::gap_tracker tracker(std::chrono::seconds(10));
    detail::replay_prefetcher prefetch([&](std::int64_t after) {
      ddb::query_request request;
      request.table_name = table;
      request.index_name = "Feed-GlobalPosition-index";
      request.key_condition_expression = "Feed = :feed AND GlobalPosition > :after";
      request.expression_attribute_values.emplace(":feed", ddb::attribute_value::string("all"));
      request.expression_attribute_values.emplace(":after", ddb::attribute_value::number(after));
      request.limit = page_items;
      return client->query(request);
    });
    std::int64_t visited = 0;
    std::int64_t checkpoint = 0;
    for (;;) {
      const auto response = prefetch.next(checkpoint);
      const auto read = detail::assemble_replay_page(
          response.items, !response.last_evaluated_key.empty(), criteria::create(), checkpoint,
          table, tracker, [](const dynamo_es::skipped_gap&) {});
      visited += static_cast<std::int64_t>(read.page.events().size());
      if (!read.page.has_more()) break;
      checkpoint = read.page.last_processed_global_position();
    }
    if (visited != replay_pages * page_items) state.SkipWithError("wrong event count");
  }
  state.SetItemsProcessed(state.iterations() * replay_pages * page_items);
}
BENCHMARK(BM_replay_prefetched)
    ->Arg(0)
    ->Arg(5)
    ->Arg(20)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  // What one benchmark event weighs as DynamoDB counts it (WCU are per started KB).
  benchmark::AddCustomContext(
      "event_item_bytes", std::to_string(detail::item_size(detail::encode_event(event(1), 12345))));
  benchmark::AddCustomContext("feed_page_response_bytes", std::to_string(shared_page().size()));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
