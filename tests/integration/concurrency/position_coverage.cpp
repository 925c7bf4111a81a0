#include "integration/concurrency/position_coverage.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

namespace dynamo_es::coverage_testing {
namespace {

using dynamodb::attribute_value;

// Every statistics field, once: the JSON codec, the sum and the printed line follow this list.
// clang-format off
#define DYNAMO_ES_STATISTICS_FIELDS(X) \
  X(appends) \
  X(counter_races) \
  X(transient_retries) \
  X(gap_waits) \
  X(skipped_gaps) \
  X(skipped_positions) \
  X(ambiguous_appends) \
  X(recognised_commits) \
  X(unknown_commits) \
  X(bad_rows_skipped) \
  X(reservations) \
  X(void_claims) \
  X(fenced_commits) \
  X(fenced_positions) \
  X(void_positions_passed) \
  X(protocol_switches) \
  X(hand_overs) \
  X(commit_transactions)
// clang-format on

// At most this many sentences per rule: a broken store should not print a million lines.
constexpr int problems_per_rule = 5;

class problem_list {
 public:
  explicit problem_list(std::vector<std::string>& out) : out_(out) {}
  void add(const std::string& rule, const std::string& sentence) {
    auto& count = per_rule_[rule];
    if (++count <= problems_per_rule) {
      out_.push_back(rule + ": " + sentence);
    } else if (count == problems_per_rule + 1) {
      out_.push_back(rule + ": (more left out)");
    }
  }

 private:
  std::vector<std::string>& out_;
  std::map<std::string, int> per_rule_;
};

std::string string_of(const dynamodb::attribute_map& row, const std::string& name) {
  const auto it = row.find(name);
  return it != row.end() && it->second.is_string() ? it->second.as_string() : std::string();
}

std::int64_t number_of(const dynamodb::attribute_map& row, const std::string& name) {
  const auto it = row.find(name);
  return it != row.end() && it->second.is_number() ? it->second.as_int64() : -1;
}

}  // namespace

std::vector<claim_row> read_claim_rows(const dynamodb::client& client, const std::string& table) {
  dynamodb::query_request query;
  query.table_name = table;
  query.key_condition_expression = "#id = :id";
  query.expression_attribute_names = {{"#id", "Id"}};
  query.expression_attribute_values = {{":id", attribute_value::string("_position")}};
  query.consistent_read = true;
  std::vector<claim_row> claims;
  for (const auto& row : client.query_all(std::move(query))) {
    claims.push_back({number_of(row, "Playhead"), number_of(row, "Length"), string_of(row, "State"),
                      string_of(row, "VoidedBy")});
  }
  std::sort(claims.begin(), claims.end(),
            [](const claim_row& a, const claim_row& b) { return a.first < b.first; });
  return claims;
}

std::int64_t counter_value(const dynamodb::client& client, const std::string& table) {
  dynamodb::get_item_request request;
  request.table_name = table;
  request.key.emplace("Id", attribute_value::string("_counter"));
  request.key.emplace("Playhead", attribute_value::number(0));
  request.consistent_read = true;
  const auto response = client.get_item(request);
  if (!response.item || response.item->count("Value") == 0) return -1;
  return response.item->at("Value").as_int64();
}

coverage_report check_coverage(const dynamodb::client& client, const std::string& table,
                               const std::vector<std::int64_t>& event_positions) {
  coverage_report report;
  problem_list problems(report.problems);
  report.counter = std::max<std::int64_t>(counter_value(client, table), 0);
  const auto claims = read_claim_rows(client, table);

  std::set<std::int64_t> events;
  for (const auto position : event_positions) {
    if (!events.insert(position).second) {
      problems.add("unique events", "position " + std::to_string(position) + " delivered twice");
    }
    if (position < 1 || position > report.counter) {
      problems.add(
          "events within the counter",
          "position " + std::to_string(position) + " outside 1.." + std::to_string(report.counter));
    }
  }
  report.event_positions = static_cast<std::int64_t>(events.size());

  // What covers each position: 'c' committed claim, 'v' void claim.
  std::map<std::int64_t, char> covered;
  std::int64_t previous_last = 0;
  for (const auto& claim : claims) {
    const auto range = "claim " + std::to_string(claim.first) + "+" + std::to_string(claim.length);
    if (claim.first < 1 || claim.length < 1) {
      problems.add("well-formed claims", range + " is malformed");
      continue;
    }
    if (claim.first <= previous_last) {
      problems.add("claims do not overlap",
                   range + " starts inside the claim ending at " + std::to_string(previous_last));
    }
    previous_last = std::max(previous_last, claim.last());
    if (claim.last() > report.counter) {
      problems.add("claims within the counter",
                   range + " ends past the counter " + std::to_string(report.counter));
    }
    char kind = 0;
    if (claim.state == "committed") {
      kind = 'c';
      ++report.committed_claims;
    } else if (claim.state == "void" && claim.voided_by == "writer") {
      kind = 'v';
      ++report.void_claims_by_writer;
    } else if (claim.state == "void" && claim.voided_by == "reader") {
      kind = 'v';
      ++report.void_claims_by_reader;
    } else {
      problems.add("well-formed claims", range + " has State \"" + claim.state + "\" VoidedBy \"" +
                                             claim.voided_by + "\"");
      continue;
    }
    for (auto position = claim.first; position <= claim.last(); ++position) {
      covered.emplace(position, kind);
    }
  }

  for (std::int64_t position = 1; position <= report.counter; ++position) {
    const auto it = covered.find(position);
    const bool is_event = events.count(position) != 0;
    const char kind = it == covered.end() ? 0 : it->second;
    if (kind == 'v') ++report.void_positions;
    if (is_event && kind == 'v') {
      problems.add("a void claim never covers an event",
                   "position " + std::to_string(position) + " holds an event");
    } else if (is_event && kind != 'c') {
      problems.add("every event under a committed claim",
                   "position " + std::to_string(position) + " has no committed claim");
    } else if (!is_event && kind == 'c') {
      problems.add("a committed claim covers events only",
                   "position " + std::to_string(position) + " holds no delivered event");
    } else if (!is_event && kind == 0) {
      problems.add("every position is an event or void-claimed",
                   "position " + std::to_string(position) + " is neither");
    }
  }
  return report;
}

std::string protocol_name(append_protocol protocol) {
  switch (protocol) {
    case append_protocol::adaptive:
      return "adaptive";
    case append_protocol::serialised:
      return "serialised";
    case append_protocol::reservation:
      return "reservation";
  }
  return "unknown";
}

append_protocol protocol_from_name(const std::string& name) {
  for (const auto protocol :
       {append_protocol::adaptive, append_protocol::serialised, append_protocol::reservation}) {
    if (protocol_name(protocol) == name) return protocol;
  }
  throw std::invalid_argument("no append protocol is named \"" + name + "\"");
}

std::string statistics_line(const dynamodb_event_store_statistics& stats) {
  std::ostringstream out;
  const char* separator = "";
#define DYNAMO_ES_PRINT_FIELD(name)               \
  out << separator << #name << "=" << stats.name; \
  separator = " ";
  DYNAMO_ES_STATISTICS_FIELDS(DYNAMO_ES_PRINT_FIELD)
#undef DYNAMO_ES_PRINT_FIELD
  return out.str();
}

std::string statistics_to_json_text(const dynamodb_event_store_statistics& stats) {
  nlohmann::json json = nlohmann::json::object();
#define DYNAMO_ES_JSON_FIELD(name) json[#name] = stats.name;
  DYNAMO_ES_STATISTICS_FIELDS(DYNAMO_ES_JSON_FIELD)
#undef DYNAMO_ES_JSON_FIELD
  return json.dump();
}

dynamodb_event_store_statistics statistics_from_json_text(const std::string& text) {
  const auto json = nlohmann::json::parse(text);
  dynamodb_event_store_statistics stats;
#define DYNAMO_ES_JSON_FIELD(name) stats.name = json.at(#name).get<std::uint64_t>();
  DYNAMO_ES_STATISTICS_FIELDS(DYNAMO_ES_JSON_FIELD)
#undef DYNAMO_ES_JSON_FIELD
  return stats;
}

dynamodb_event_store_statistics sum(const dynamodb_event_store_statistics& a,
                                    const dynamodb_event_store_statistics& b) {
  dynamodb_event_store_statistics total;
#define DYNAMO_ES_SUM_FIELD(name) total.name = a.name + b.name;
  DYNAMO_ES_STATISTICS_FIELDS(DYNAMO_ES_SUM_FIELD)
#undef DYNAMO_ES_SUM_FIELD
  return total;
}

}  // namespace dynamo_es::coverage_testing
