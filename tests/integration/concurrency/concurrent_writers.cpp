#include "integration/concurrency/concurrent_writers.hpp"

#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <thread>

#include "dynamo_es/event_store_errors.hpp"
#include "integration/concurrency/position_coverage.hpp"

namespace dynamo_es::concurrency_testing {
namespace {

using clock = std::chrono::steady_clock;

// Events of one append attempt, each with an eid unique across processes, threads, appends and
// attempts: "<writer>.<append>.<attempt>.<index>".
domain_event_stream make_attempt(const std::string& writer, const std::string& aggregate,
                                 std::int64_t first_playhead, int count, int append, int attempt,
                                 std::vector<std::string>& eids) {
  std::vector<domain_message> messages;
  eids.clear();
  for (int i = 0; i < count; ++i) {
    const auto eid = writer + "." + std::to_string(append) + "." + std::to_string(attempt) + "." +
                     std::to_string(i);
    const nlohmann::json payload = {{"eid", eid}, {"writer", writer}, {"append", append}};
    messages.push_back(domain_message::record_now(aggregate, first_playhead + i, {},
                                                  {written_event_class, payload.dump()}));
    eids.push_back(eid);
  }
  return domain_event_stream(std::move(messages));
}

void record_commit(writer_report& report, const domain_event_stream& stream,
                   const std::vector<std::string>& eids) {
  ++report.appends_committed;
  for (std::size_t i = 0; i < stream.size(); ++i) {
    report.committed.push_back({eids[i], stream[i].id(), stream[i].playhead()});
  }
}

// The head of `aggregate` as far as this writer knows, brought up to date from the store.
std::int64_t load_head(dynamodb_event_store& store, const std::string& aggregate,
                       std::int64_t known_next) {
  const auto newer = store.load_from_playhead(aggregate, known_next);
  return newer.empty() ? known_next : newer.messages().back().playhead() + 1;
}

writer_report run_writer(dynamodb_event_store& store, const workload& work, int thread,
                         clock::time_point deadline) {
  writer_report report;
  report.writer = work.process_name + "-t" + std::to_string(thread);
  const auto own_aggregate = report.writer;
  std::mt19937 random(work.seed * 1000u + static_cast<unsigned>(thread));
  std::uniform_int_distribution<int> event_count(1, 3);
  std::int64_t own_next = 0;
  std::map<std::string, std::int64_t> shared_next;
  std::vector<std::string> eids;

  for (int append = 0; append < work.appends_per_thread; ++append) {
    if (clock::now() >= deadline) {
      report.ran_out_of_time = true;
      break;
    }
    const int count = event_count(random);
    const bool shared = !work.shared_aggregates.empty() && random() % 2 == 0;
    const std::string aggregate =
        shared ? work.shared_aggregates[random() % work.shared_aggregates.size()] : own_aggregate;
    for (int attempt = 0;; ++attempt) {
      // A writer owns its aggregate, so it knows the head; a shared head must be loaded.
      std::int64_t next = own_next;
      if (shared)
        next = shared_next[aggregate] = load_head(store, aggregate, shared_next[aggregate]);
      const auto stream =
          make_attempt(report.writer, aggregate, next, count, append, attempt, eids);
      try {
        store.append(aggregate, stream);
        record_commit(report, stream, eids);
        if (shared) {
          ++report.shared_appends;
          shared_next[aggregate] = next + count;
        } else {
          ++report.own_appends;
          own_next = next + count;
        }
        break;
      } catch (const duplicate_playhead& e) {
        report.rejected_eids.insert(report.rejected_eids.end(), eids.begin(), eids.end());
        if (!shared) {
          report.other_errors.push_back("duplicate_playhead on the writer's own aggregate: " +
                                        std::string(e.what()));
          break;
        }
        ++report.duplicate_playheads;
        if (attempt + 1 >= work.max_attempts_per_append) {
          ++report.gave_up;
          break;
        }
      } catch (const std::exception& e) {
        // Recorded as rejected too: the test checks that such an append left nothing behind.
        report.rejected_eids.insert(report.rejected_eids.end(), eids.begin(), eids.end());
        report.other_errors.push_back(e.what());
        break;
      }
    }
  }
  return report;
}

}  // namespace

dynamodb_event_store_options store_options(const std::string& table, append_protocol protocol) {
  dynamodb_event_store_options options;
  options.table_name = table;
  options.protocol = protocol;
  // Writers decide on the head they load.
  options.consistent_aggregate_reads = true;
  // Eight writers share one counter; the default 32 attempts make a rare loss streak an error the
  // test would report as a failure of the store, which it is not.
  options.append_retry.max_attempts = 1000;
  return options;
}

process_report run_writers(dynamodb_event_store& store, const workload& work) {
  process_report report;
  report.process_name = work.process_name;
  report.writers.resize(static_cast<std::size_t>(work.threads));
  const auto deadline = clock::now() + work.time_budget;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < work.threads; ++t) {
      threads.emplace_back([&, t] {
        try {
          report.writers[static_cast<std::size_t>(t)] = run_writer(store, work, t, deadline);
        } catch (const std::exception& e) {
          report.writers[static_cast<std::size_t>(t)].other_errors.push_back(
              std::string("writer thread died: ") + e.what());
        }
      });
    }
  }
  report.statistics = store.statistics();
  return report;
}

std::string eid_of(const domain_message& message) {
  if (message.payload().class_name != written_event_class) {
    throw std::runtime_error("unexpected event class " + message.payload().class_name);
  }
  return nlohmann::json::parse(message.payload().json).at("eid").get<std::string>();
}

std::string to_json_text(const process_report& report) {
  nlohmann::json writers = nlohmann::json::array();
  for (const auto& w : report.writers) {
    nlohmann::json committed = nlohmann::json::array();
    for (const auto& c : w.committed) committed.push_back({c.eid, c.aggregate_id, c.playhead});
    writers.push_back({{"writer", w.writer},
                       {"appends_committed", w.appends_committed},
                       {"own_appends", w.own_appends},
                       {"shared_appends", w.shared_appends},
                       {"duplicate_playheads", w.duplicate_playheads},
                       {"gave_up", w.gave_up},
                       {"ran_out_of_time", w.ran_out_of_time},
                       {"other_errors", w.other_errors},
                       {"committed", committed},
                       {"rejected_eids", w.rejected_eids}});
  }
  return nlohmann::json{
      {"process_name", report.process_name},
      {"writers", writers},
      {"statistics",
       nlohmann::json::parse(coverage_testing::statistics_to_json_text(report.statistics))}}
      .dump();
}

process_report process_report_from_json(const std::string& text) {
  const auto json = nlohmann::json::parse(text);
  process_report report;
  report.process_name = json.at("process_name").get<std::string>();
  report.statistics = coverage_testing::statistics_from_json_text(json.at("statistics").dump());
  for (const auto& w : json.at("writers")) {
    writer_report writer;
    writer.writer = w.at("writer").get<std::string>();
    writer.appends_committed = w.at("appends_committed").get<int>();
    writer.own_appends = w.at("own_appends").get<int>();
    writer.shared_appends = w.at("shared_appends").get<int>();
    writer.duplicate_playheads = w.at("duplicate_playheads").get<int>();
    writer.gave_up = w.at("gave_up").get<int>();
    writer.ran_out_of_time = w.at("ran_out_of_time").get<bool>();
    writer.other_errors = w.at("other_errors").get<std::vector<std::string>>();
    for (const auto& c : w.at("committed")) {
      writer.committed.push_back(
          {c.at(0).get<std::string>(), c.at(1).get<std::string>(), c.at(2).get<std::int64_t>()});
    }
    writer.rejected_eids = w.at("rejected_eids").get<std::vector<std::string>>();
    report.writers.push_back(std::move(writer));
  }
  return report;
}

}  // namespace dynamo_es::concurrency_testing
