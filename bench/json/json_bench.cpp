// Which JSON library should the DynamoDB client use? Measures the two hot paths of the event
// store on realistic documents:
//  - parse: a Query response of 1000 event items (the §4.2 row) into attribute maps;
//  - build: a TransactWriteItems body of 10 event puts from the typed request.
// Candidates: simdjson On-Demand (the library's codec), simdjson DOM, nlohmann; for building,
// nlohmann versus the library's streaming string writer (simdjson 3.0 has no builder).
//
//   cmake --build <dir> --target dynamo-es-json-bench && <dir>/bench/json/dynamo-es-json-bench

#include <benchmark/benchmark.h>
#include <simdjson.h>

#include <nlohmann/json.hpp>
#include <string>

#include "dynamo_es/dynamodb/attribute_value.hpp"
#include "dynamo_es/dynamodb/requests.hpp"
#include "dynamodb/base64.hpp"
#include "dynamodb/codec.hpp"

namespace {

using dynamo_es::dynamodb::attribute_map;
using dynamo_es::dynamodb::attribute_value;
namespace detail = dynamo_es::dynamodb::detail;

constexpr int items_per_page = 1000;
constexpr int puts_per_transaction = 10;

std::string payload_json(int i) {
  // About 200 bytes of serialized event payload, with characters that need escaping.
  std::string text =
      R"({"position":"a\/)" + std::to_string(i) +
      R"(","customer":{"id":"5a0c1f2e-7d4b-4b8e-9a51-6f2d0e3c9b71","name":"Jane \"JJ\" Doe"},"lines":[{"sku":"SKU-0042","qty":3,"price":"19.99"}],"note":"é ü"})";
  return text;
}

attribute_map event_item(int i) {
  return {
      {"Id",
       attribute_value::string("00000001-0001-4001-0001-" + std::to_string(100000000000 + i))},
      {"Playhead", attribute_value::number(i % 50)},
      {"Feed", attribute_value::string("all")},
      {"GlobalPosition", attribute_value::number(1000000 + i)},
      {"Metadata",
       attribute_value::map({{"Class", attribute_value::string("Broadway\\Domain\\Metadata")},
                             {"Payload", attribute_value::string(R"({"user":"u\/1"})")}})},
      {"Payload",
       attribute_value::map({{"Class", attribute_value::string("App\\Domain\\Event\\OrderPlaced")},
                             {"Payload", attribute_value::string(payload_json(i))}})},
      {"RecordedOn", attribute_value::string("2014-03-12T14:17:19.176169+00:00")},
      {"Type", attribute_value::string("App.Domain.Event.OrderPlaced")},
  };
}

// The response as DynamoDB Local sends it: numbers as strings in N, a float in ConsumedCapacity.
std::string query_response_body() {
  std::string body = R"({"Items":[)";
  for (int i = 0; i < items_per_page; ++i) {
    if (i != 0) {
      body += ',';
    }
    // Attributes in the (unsorted) order DynamoDB Local returns them.
    const attribute_map item = event_item(i);
    const char* order[] = {"GlobalPosition", "Type",     "Metadata", "Id",
                           "RecordedOn",     "Playhead", "Payload",  "Feed"};
    body += '{';
    for (const char* name : order) {
      if (body.back() != '{') {
        body += ',';
      }
      body += '"' + std::string(name) + "\":" + dynamo_es::dynamodb::to_json(item.at(name));
    }
    body += '}';
  }
  body +=
      R"(],"Count":1000,"ScannedCount":1000,"LastEvaluatedKey":{"GlobalPosition":{"N":"1000999"},"Id":{"S":"x"},"Playhead":{"N":"9"},"Feed":{"S":"all"}},"ConsumedCapacity":{"TableName":"Events","CapacityUnits":128.5}})";
  return body;
}

dynamo_es::dynamodb::transact_write_items_request transaction() {
  dynamo_es::dynamodb::transact_write_items_request request;
  for (int i = 0; i < puts_per_transaction; ++i) {
    dynamo_es::dynamodb::transact_put put;
    put.table_name = "Events";
    put.item = event_item(i);
    put.condition_expression = "attribute_not_exists(Id)";
    request.transact_items.emplace_back(std::move(put));
  }
  request.client_request_token = "9b2f3c1e-0d4a-4c55-8f7e-3a1b2c3d4e5f";
  return request;
}

// --- simdjson DOM -> attribute_map -----------------------------------------------------------

attribute_map dom_map(simdjson::dom::object object);

attribute_value dom_value(simdjson::dom::object object) {
  for (auto [tag, value] : object) {
    if (tag == "S") return attribute_value::string(std::string(value.get_string().value()));
    if (tag == "N") return attribute_value::number(std::string(value.get_string().value()));
    if (tag == "M") return attribute_value::map(dom_map(value.get_object()));
    if (tag == "BOOL") return attribute_value::boolean(value.get_bool());
    if (tag == "NULL") return attribute_value::null();
    if (tag == "B")
      return attribute_value::binary(detail::base64_decode(value.get_string().value()));
    if (tag == "L") {
      std::vector<attribute_value> list;
      for (auto element : value.get_array()) list.push_back(dom_value(element.get_object()));
      return attribute_value::list(std::move(list));
    }
  }
  throw std::runtime_error("unsupported tag");
}

attribute_map dom_map(simdjson::dom::object object) {
  attribute_map out;
  for (auto [name, value] : object) {
    out.emplace(std::string(name), dom_value(value.get_object()));
  }
  return out;
}

// --- nlohmann -> attribute_map ---------------------------------------------------------------

attribute_map json_map(const nlohmann::json& object);

attribute_value json_value(const nlohmann::json& object) {
  const auto& [tag, value] = *object.items().begin();
  if (tag == "S") return attribute_value::string(value.get<std::string>());
  if (tag == "N") return attribute_value::number(value.get<std::string>());
  if (tag == "M") return attribute_value::map(json_map(value));
  if (tag == "BOOL") return attribute_value::boolean(value.get<bool>());
  if (tag == "NULL") return attribute_value::null();
  if (tag == "B") return attribute_value::binary(detail::base64_decode(value.get<std::string>()));
  if (tag == "L") {
    std::vector<attribute_value> list;
    for (const auto& element : value) list.push_back(json_value(element));
    return attribute_value::list(std::move(list));
  }
  throw std::runtime_error("unsupported tag");
}

attribute_map json_map(const nlohmann::json& object) {
  attribute_map out;
  for (const auto& [name, value] : object.items()) {
    out.emplace(name, json_value(value));
  }
  return out;
}

// --- attribute_map -> nlohmann ---------------------------------------------------------------

nlohmann::json to_nlohmann(const attribute_map& item);

nlohmann::json to_nlohmann(const attribute_value& value) {
  using dynamo_es::dynamodb::attribute_type;
  switch (value.type()) {
    case attribute_type::string:
      return {{"S", value.as_string()}};
    case attribute_type::number:
      return {{"N", value.as_number()}};
    case attribute_type::map:
      return {{"M", to_nlohmann(value.as_map())}};
    case attribute_type::boolean:
      return {{"BOOL", value.as_bool()}};
    case attribute_type::null:
      return {{"NULL", true}};
    case attribute_type::binary:
      return {{"B", detail::base64_encode(value.as_binary())}};
    default:
      throw std::runtime_error("unsupported type");
  }
}

nlohmann::json to_nlohmann(const attribute_map& item) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, value] : item) {
    out[name] = to_nlohmann(value);
  }
  return out;
}

std::string nlohmann_transaction_body(const dynamo_es::dynamodb::transact_write_items_request& r) {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& action : r.transact_items) {
    const auto& put = std::get<dynamo_es::dynamodb::transact_put>(action);
    items.push_back({{"Put",
                      {{"TableName", put.table_name},
                       {"Item", to_nlohmann(put.item)},
                       {"ConditionExpression", put.condition_expression}}}});
  }
  nlohmann::json body = {{"TransactItems", std::move(items)},
                         {"ClientRequestToken", r.client_request_token}};
  return body.dump();
}

// --- Benchmarks ------------------------------------------------------------------------------

void parse_simdjson_ondemand_library(benchmark::State& state) {
  const std::string body = query_response_body();
  for (auto _ : state) {
    auto page = detail::decode_query(body);
    benchmark::DoNotOptimize(page);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(state.iterations() * items_per_page);
}
BENCHMARK(parse_simdjson_ondemand_library)->Unit(benchmark::kMicrosecond);

void parse_simdjson_dom(benchmark::State& state) {
  const std::string body = query_response_body();
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element doc = parser.parse(body);
    std::vector<attribute_map> items;
    for (auto item : doc["Items"].get_array()) {
      items.push_back(dom_map(item.get_object()));
    }
    benchmark::DoNotOptimize(items);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(state.iterations() * items_per_page);
}
BENCHMARK(parse_simdjson_dom)->Unit(benchmark::kMicrosecond);

void parse_nlohmann(benchmark::State& state) {
  const std::string body = query_response_body();
  for (auto _ : state) {
    const auto doc = nlohmann::json::parse(body);
    std::vector<attribute_map> items;
    for (const auto& item : doc.at("Items")) {
      items.push_back(json_map(item));
    }
    benchmark::DoNotOptimize(items);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
  state.SetItemsProcessed(state.iterations() * items_per_page);
}
BENCHMARK(parse_nlohmann)->Unit(benchmark::kMicrosecond);

void build_string_writer_library(benchmark::State& state) {
  const auto request = transaction();
  std::size_t size = 0;
  for (auto _ : state) {
    std::string body = detail::encode_transact_write_items(request);
    size = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}
BENCHMARK(build_string_writer_library)->Unit(benchmark::kMicrosecond);

void build_nlohmann(benchmark::State& state) {
  const auto request = transaction();
  std::size_t size = 0;
  for (auto _ : state) {
    std::string body = nlohmann_transaction_body(request);
    size = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * size));
}
BENCHMARK(build_nlohmann)->Unit(benchmark::kMicrosecond);

// The candidates must agree before their speed means anything.
void check_candidates_agree() {
  const std::string body = query_response_body();
  const auto library = detail::decode_query(body).items;
  simdjson::dom::parser parser;
  std::vector<attribute_map> dom;
  for (auto item : parser.parse(body)["Items"].get_array()) {
    dom.push_back(dom_map(item.get_object()));
  }
  std::vector<attribute_map> nlohmann_items;
  const auto document = nlohmann::json::parse(body);
  for (const auto& item : document.at("Items")) {
    nlohmann_items.push_back(json_map(item));
  }
  const auto request = transaction();
  if (library.size() != items_per_page || library != dom || library != nlohmann_items ||
      nlohmann::json::parse(detail::encode_transact_write_items(request)) !=
          nlohmann::json::parse(nlohmann_transaction_body(request))) {
    throw std::runtime_error("the JSON candidates disagree");
  }
}

}  // namespace

int main(int argc, char** argv) {
  check_candidates_agree();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
