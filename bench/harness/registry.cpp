// The list of workloads, in the order `--workload all` runs them, and the names --workload takes.

#include <algorithm>
#include <stdexcept>

#include "workloads.hpp"

namespace dynamo_es::bench {
namespace {

/// Names that stand for several workloads.
struct workload_group {
  const char* name;
  std::vector<std::string> members;
};

const std::vector<workload_group>& groups() {
  static const std::vector<workload_group> list = {
      {"append-concurrent",
       {"append-concurrent-4p", "append-concurrent-8p", "append-concurrent-16t"}},
  };
  return list;
}

}  // namespace

const std::vector<workload_definition>& all_workloads() {
  static const std::vector<workload_definition> list = {
      append_seq_workload(),
      append_one_stream_workload(),
      append_concurrent_workload("append-concurrent-4p", 4, 1),
      append_concurrent_workload("append-concurrent-8p", 8, 1),
      append_concurrent_workload("append-concurrent-16t", 1, 16),
      load_workload(),
      replay_workload(),
      follow_latency_workload(),
  };
  return list;
}

std::vector<const workload_definition*> resolve_workloads(const std::vector<std::string>& names) {
  std::vector<const workload_definition*> chosen;
  const auto add = [&chosen](const std::string& name) {
    for (const auto& workload : all_workloads()) {
      if (workload.name == name) {
        if (std::find(chosen.begin(), chosen.end(), &workload) == chosen.end()) {
          chosen.push_back(&workload);
        }
        return true;
      }
    }
    return false;
  };
  for (const auto& name : names) {
    if (name == "all") {
      for (const auto& workload : all_workloads()) add(workload.name);
      continue;
    }
    const auto group = std::find_if(groups().begin(), groups().end(),
                                    [&](const workload_group& g) { return name == g.name; });
    if (group != groups().end()) {
      for (const auto& member : group->members) add(member);
      continue;
    }
    if (!add(name)) {
      std::string known = "all";
      for (const auto& g : groups()) known += std::string(", ") + g.name;
      for (const auto& workload : all_workloads()) known += ", " + workload.name;
      throw std::invalid_argument("unknown workload \"" + name + "\" (known: " + known + ")");
    }
  }
  return chosen;
}

}  // namespace dynamo_es::bench
