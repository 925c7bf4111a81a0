#include "report.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <utility>

namespace dynamo_es::bench {
namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("model name")) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

std::string ratio_text(const std::optional<double>& ratio) {
  return ratio ? format("%.2f", *ratio) : std::string("-");
}

nlohmann::json ratio_json(const std::optional<double>& ratio) {
  return ratio ? nlohmann::json(*ratio) : nlohmann::json(nullptr);
}

}  // namespace

machine_info describe_machine() {
  machine_info info;
  info.nproc = ::sysconf(_SC_NPROCESSORS_ONLN);
  info.cpu_model = cpu_model();
  utsname name{};
  if (::uname(&name) == 0) info.kernel = std::string(name.sysname) + " " + name.release;
  double load[3] = {0, 0, 0};
  if (::getloadavg(load, 3) == 3) {
    info.load_average =
        format("%.2f", load[0]) + " " + format("%.2f", load[1]) + " " + format("%.2f", load[2]);
  }
  return info;
}

report::report(std::ostream& out, const bench_config& config, machine_info machine)
    : out_(out), config_(config), machine_(std::move(machine)) {}

void report::header() {
  if (config_.json) return;
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S %Z", std::localtime(&now));
  out_ << "dynamo-es-bench (dynamo-es " << DYNAMO_ES_BENCH_VERSION << ")\n"
       << "Date:       " << date << "\n"
       << "CPU:        " << machine_.nproc << " x " << machine_.cpu_model << "\n"
       << "Kernel:     " << machine_.kernel << "\n"
       << "Load avg:   " << machine_.load_average << " (at start)\n"
       << "Endpoint:   " << config_.endpoint_url << "\n"
       << "Scale:      " << config_.scale << " (replay page size " << config_.page_size << ")\n";
  if (config_.added_latency_ms > 0) {
    out_ << "Latency:    +" << config_.added_latency_ms
         << " ms slept before every request (imitated remote round trip)\n";
  }
  out_ << "Ratios:     ops/s over the floor's ops/s (follow-latency: floor p50 over our p50);\n"
       << "            >= 1.00 means as fast as the floor\n"
       << "------------------------------------------------------------------------------------"
          "----------------------------------------------------------\n";
  out_.flush();
}

void report::rows(const std::vector<result_row>& rows) {
  for (const auto& row : rows) {
    if (config_.json) {
      json_row(row);
    } else {
      table_row(row);
    }
  }
  out_.flush();
}

void report::table_row(const result_row& row) {
  if (!table_header_printed_) {
    char line[256];
    std::snprintf(line, sizeof line, "%-22s %-20s %6s %9s %10s %9s %9s %9s %7s %9s %10s %10s\n",
                  "workload", "variant", "ops", "ops/s", "events/s", "p50 us", "p99 us",
                  "cpu us/op", "req/op", "req B/op", "x raw", "x reserve");
    out_ << line;
    table_header_printed_ = true;
  }
  char line[256];
  std::snprintf(line, sizeof line,
                "%-22s %-20s %6lld %9.1f %10.1f %9.0f %9.0f %9.1f %7.3f %9.0f %10s %10s\n",
                row.workload.c_str(), row.variant.c_str(), static_cast<long long>(row.ops),
                row.ops_per_s, row.events_per_s, row.p50_us, row.p99_us, row.cpu_us_per_op,
                row.requests_per_op, row.request_bytes_per_op, ratio_text(row.vs_raw_floor).c_str(),
                ratio_text(row.vs_reserve_then_commit).c_str());
  out_ << line;
  if (row.failed > 0) {
    out_ << "    (" << row.failed << " operations gave up and are not counted above)\n";
  }
  if (!row.store_stats.empty()) {
    // The store's own account of the run: what each protocol and group commit did.
    const auto count = [&row](const char* name) -> unsigned long long {
      const auto it = row.store_stats.find(name);
      return it == row.store_stats.end() ? 0 : it->second;
    };
    out_ << "    (store: " << count("appends") << " appends in " << count("commit_transactions")
         << " transactions, " << count("counter_races") << " lost races, " << count("reservations")
         << " reservations, " << count("protocol_switches") << " protocol switches, "
         << count("hand_overs") << " hand-overs, " << count("void_claims") << " void claims; p99.9 "
         << static_cast<long long>(row.p999_us) << " us, max " << static_cast<long long>(row.max_us)
         << " us)\n";
  }
}

void report::json_row(const result_row& row) {
  // nlohmann::ordered_json keeps the field order first.
  nlohmann::ordered_json j;
  j["workload"] = row.workload;
  j["variant"] = row.variant;
  j["ops"] = row.ops;
  j["ops_per_s"] = row.ops_per_s;
  j["events_per_s"] = row.events_per_s;
  j["p50_us"] = row.p50_us;
  j["p99_us"] = row.p99_us;
  j["p999_us"] = row.p999_us;
  j["max_us"] = row.max_us;
  j["cpu_us_per_op"] = row.cpu_us_per_op;
  j["requests_per_op"] = row.requests_per_op;
  j["request_bytes_per_op"] = row.request_bytes_per_op;
  j["user_cpu_us_per_op"] = row.user_cpu_us_per_op;
  j["events"] = row.events;
  j["failed_ops"] = row.failed;
  j["seconds"] = row.seconds;
  j["requests"] = row.requests;
  j["headline"] = row.headline == headline::latency ? "latency" : "throughput";
  j["vs_raw_floor"] = ratio_json(row.vs_raw_floor);
  j["vs_reserve_then_commit"] = ratio_json(row.vs_reserve_then_commit);
  j["scale"] = config_.scale;
  j["added_latency_ms"] = config_.added_latency_ms;
  j["endpoint"] = config_.endpoint_url;
  j["nproc"] = machine_.nproc;
  j["cpu_model"] = machine_.cpu_model;
  if (!row.store_stats.empty()) {
    nlohmann::ordered_json stats = nlohmann::ordered_json::object();
    for (const auto& [name, count] : row.store_stats) stats[name] = count;
    j["store_stats"] = std::move(stats);
  }
  out_ << j.dump() << "\n";
}

}  // namespace dynamo_es::bench
