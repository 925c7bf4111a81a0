#include "workload.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <stdexcept>

#include "dynamo_es/dynamodb_event_store.hpp"

namespace dynamo_es::bench {
namespace {

dynamodb_event_store admin_store(std::shared_ptr<const dynamodb::client> client, std::string name) {
  dynamodb_event_store_options options;
  options.table_name = std::move(name);
  return dynamodb_event_store(std::move(client), std::move(options));
}

std::string safe_table_part(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    out.push_back(ok ? c : '_');
  }
  return out;
}

}  // namespace

bool is_loopback_url(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return false;
  const auto host = url.substr(scheme + 3);
  return host.starts_with("127.") || host.starts_with("localhost") || host.starts_with("[::1]");
}

bench_table::bench_table(std::shared_ptr<const dynamodb::client> client, std::string name,
                         bool keep)
    : client_(std::move(client)), name_(std::move(name)), keep_(keep) {
  admin_store(client_, name_).create_table();
}

bench_table::~bench_table() {
  if (keep_) return;
  try {
    admin_store(client_, name_).delete_table();
  } catch (const std::exception& e) {
    std::cerr << "dynamo-es-bench: could not delete table " << name_ << ": " << e.what() << "\n";
  }
}

bench_context::bench_context(bench_config config) : config_(std::move(config)) {
  admin_ = make_client().client;
  // Fail at once, with the endpoint in the message, rather than once per workload.
  try {
    static_cast<void>(admin_->call("ListTables", "{}"));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot reach DynamoDB at " + config_.endpoint_url + ": " + e.what());
  }
}

std::int64_t bench_context::scaled(std::int64_t base) const {
  return std::max<std::int64_t>(1, std::llround(static_cast<double>(base) * config_.scale));
}

counted_client bench_context::make_client() const {
  return make_counted_client(config_);
}

counted_client make_counted_client(const bench_config& config) {
  const auto& endpoint_url = config.endpoint_url;
  auto transport = std::make_shared<counting_transport>(
      dynamodb::make_curl_transport(),
      std::chrono::microseconds(std::llround(config.added_latency_ms * 1000)));
  dynamodb::client_options options;
  options.endpoint_url = endpoint_url;
  if (is_loopback_url(endpoint_url) && std::getenv("AWS_ACCESS_KEY_ID") == nullptr) {
    // DynamoDB Local accepts only letters and digits in the access key id; without credentials in
    // the environment, use a fixed one (Local checks no signature).
    options.region = "us-east-1";
    options.credentials = dynamodb::credentials{"dynamoesbench", "local", ""};
  }
  options.transport = transport;
  return {transport, std::make_shared<const dynamodb::client>(options)};
}

std::unique_ptr<bench_table> bench_context::fresh_table(std::string_view workload,
                                                        std::string_view variant) {
  const auto name = config_.table_prefix + "-" + safe_table_part(workload) + "-" +
                    safe_table_part(variant) + "-" + std::to_string(::getpid()) + "-" +
                    std::to_string(++tables_);
  return std::make_unique<bench_table>(admin_, name, config_.keep_tables);
}

bool bench_context::selected(std::string_view variant) const {
  return config_.variants.empty() || std::find(config_.variants.begin(), config_.variants.end(),
                                               variant) != config_.variants.end();
}

void bench_context::progress(std::string_view text) const {
  std::cerr << "dynamo-es-bench: " << text << std::endl;
}

std::vector<run_result> run_interleaved(const bench_context& context, std::string_view workload,
                                        std::vector<std::unique_ptr<sequential_variant>>& variants,
                                        std::int64_t ops, std::int64_t chunk, headline kind) {
  std::vector<run_result> results(variants.size());
  for (std::size_t v = 0; v < variants.size(); ++v) {
    results[v].workload = std::string(workload);
    results[v].variant = variants[v]->name();
    results[v].headline = kind;
    results[v].latencies_us.reserve(static_cast<std::size_t>(ops));
    variants[v]->setup();
  }
  chunk = std::max<std::int64_t>(chunk, 1);
  std::size_t first = 0;
  for (std::int64_t begin = 0; begin < ops; begin += chunk, ++first) {
    const auto end = std::min(ops, begin + chunk);
    for (std::size_t k = 0; k < variants.size(); ++k) {
      const auto v = (first + k) % variants.size();
      auto& variant = *variants[v];
      auto& result = results[v];
      const stopwatch watch({variant.client().transport.get()});
      for (auto op = begin; op < end; ++op) {
        const auto start = stopwatch::clock::now();
        variant.run(op);
        result.latencies_us.push_back(micros(stopwatch::clock::now() - start));
      }
      watch.stop(result);
      result.ops += end - begin;
      result.events += (end - begin) * variant.events_per_op();
    }
  }
  for (std::size_t v = 0; v < variants.size(); ++v) {
    variants[v]->verify();
    results[v].store_stats = variants[v]->store_stats();
  }
  context.progress(std::string(workload) + ": done");
  return results;
}

}  // namespace dynamo_es::bench
