#include "cli/table_verifier.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>
#include <unordered_map>
#include <utility>

#include "dynamodb/attribute_json.hpp"
#include "dynamodb/codec.hpp"
#include "dynamodb/json_writer.hpp"
#include "stores/dynamodb_backoff.hpp"
#include "stores/dynamodb_claims.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_admin.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::cli {
namespace {

namespace layout = detail::table_layout;
using dynamodb::attribute_map;
using dynamodb::attribute_value;

constexpr std::chrono::milliseconds first_backoff{50};
constexpr std::chrono::milliseconds longest_backoff{5000};

// --- Scan -----------------------------------------------------------------------------------

std::string scan_body(std::string_view table, const scan_options& options, int segment,
                      const attribute_map& start_key) {
  dynamodb::detail::json_writer out;
  out.begin_object();
  out.member("TableName", table);
  out.key("ConsistentRead");
  out.boolean(options.consistent_read);
  if (options.page_limit) {
    out.key("Limit");
    out.integer(*options.page_limit);
  }
  if (options.segments > 1) {
    out.key("Segment");
    out.integer(segment);
    out.key("TotalSegments");
    out.integer(options.segments);
  }
  if (!start_key.empty()) {
    out.key("ExclusiveStartKey");
    dynamodb::detail::write_attribute_map(out, start_key);
  }
  out.end_object();
  return std::move(out).take();
}

// --- Row helpers ----------------------------------------------------------------------------

row_name name_of(const attribute_map& item) {
  row_name name{"?", "?"};
  if (const auto* id = detail::find_attribute(item, layout::id); id != nullptr && id->is_string()) {
    name.id = id->as_string();
  }
  if (const auto* playhead = detail::find_attribute(item, layout::playhead);
      playhead != nullptr && playhead->is_number()) {
    name.playhead = playhead->as_number();
  }
  return name;
}

bool is_counter_key(const attribute_map& item) {
  const auto* id = detail::find_attribute(item, layout::id);
  return id != nullptr && id->is_string() && id->as_string() == layout::counter_id &&
         detail::int64_of(detail::find_attribute(item, layout::playhead)) ==
             layout::counter_playhead;
}

// The decoder's messages start with the row's description; the report names the row itself.
std::string strip_row_prefix(std::string message, const attribute_map& item,
                             std::string_view table) {
  const std::string prefix = "Unexpected event row in " + detail::describe_row(item, table) + ": ";
  if (message.starts_with(prefix)) message.erase(0, prefix.size());
  return message;
}

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::string describe(const row_name& row) {
  return "aggregate " + in_quotes(row.id) + " playhead " + row.playhead;
}

std::string range_text(std::int64_t first, std::int64_t last) {
  return first == last ? "position " + std::to_string(first)
                       : "positions " + std::to_string(first) + ".." + std::to_string(last);
}

template <class T>
void keep(std::vector<T>& list, std::size_t cap, T value) {
  if (list.size() < cap) list.push_back(std::move(value));
}

}  // namespace

// --- with_retries / scan_table ----------------------------------------------------------------

void with_retries(const std::function<void()>& operation, int attempts) {
  for (int attempt = 1;; ++attempt) {
    try {
      operation();
      return;
    } catch (const dynamodb::dynamodb_error& e) {
      if (!e.retryable() || attempt >= attempts) throw;
    }
    std::this_thread::sleep_for(detail::jittered_backoff(attempt, first_backoff, longest_backoff));
  }
}

std::size_t scan_table(const dynamodb::client& client, std::string_view table,
                       const scan_options& options, const scan_page_callback& on_page) {
  if (options.segments < 1) throw validation_error("Scan segments must be at least 1");
  std::mutex lock;
  std::size_t pages = 0;
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;

  auto run_segment = [&](int segment) {
    try {
      attribute_map start_key;
      do {
        if (failed.load()) return;
        const std::string body = scan_body(table, options, segment, start_key);
        dynamodb::query_response page;
        with_retries([&] { page = dynamodb::detail::decode_query(client.call("Scan", body)); });
        start_key = std::move(page.last_evaluated_key);
        const std::scoped_lock guard(lock);
        ++pages;
        on_page(page.items);
      } while (!start_key.empty());
    } catch (...) {
      const std::scoped_lock guard(lock);
      if (!first_error) first_error = std::current_exception();
      failed.store(true);
    }
  };

  if (options.segments == 1) {
    run_segment(0);
  } else {
    std::vector<std::jthread> workers;
    workers.reserve(static_cast<std::size_t>(options.segments));
    for (int segment = 0; segment < options.segments; ++segment) {
      workers.emplace_back(run_segment, segment);
    }
  }  // the jthreads join here
  if (first_error) std::rethrow_exception(first_error);
  return pages;
}

// --- The report -------------------------------------------------------------------------------

std::string_view to_string(position_gap::kind kind) noexcept {
  switch (kind) {
    case position_gap::kind::burned:
      return "burned";
    case position_gap::kind::not_in_feed:
      return "not_in_feed";
    case position_gap::kind::missing:
      break;
  }
  return "missing";
}

std::int64_t verify_report::problem_count(bool allow_burned) const {
  const std::int64_t gap_problems = gap_count - (allow_burned ? burned_gap_count : 0);
  return static_cast<std::int64_t>(schema_problems.size() + counter_problems.size()) + legacy_rows +
         undecodable_rows + bad_position_rows + foreign_rows + duplicate_positions + gap_problems +
         order_violations;
}

// --- table_checker ----------------------------------------------------------------------------

class table_checker::state {
 public:
  state(std::string table, std::size_t max_listed) : max_listed_(max_listed) {
    report_.table = std::move(table);
  }

  void add(const attribute_map& item) {
    ++report_.rows_scanned;
    if (!detail::is_event_row(item)) {
      add_non_event(item);
      return;
    }
    ++report_.event_rows;
    const row_name name = name_of(item);
    const std::uint32_t aggregate = intern(name.id);
    check_decodes(item, name);
    check_position(item, name, aggregate);
  }

  verify_report finish() {
    report_.aggregates = static_cast<std::int64_t>(ids_.size());
    std::sort(entries_.begin(), entries_.end(), [](const entry& a, const entry& b) {
      return std::tie(a.position, a.aggregate, a.playhead) <
             std::tie(b.position, b.aggregate, b.playhead);
    });
    std::sort(hidden_positions_.begin(), hidden_positions_.end());
    if (!entries_.empty()) report_.max_position = entries_.back().position;
    if (!hidden_positions_.empty()) {
      report_.max_position = std::max(report_.max_position, hidden_positions_.back());
    }
    find_duplicates();
    check_counter();
    merge_void_ranges();
    find_gaps();
    check_order();
    return std::move(report_);
  }

  verify_report report_;

 private:
  struct entry {
    std::int64_t position;
    std::uint32_t aggregate;
    std::int64_t playhead;  // INT64_MIN when the playhead does not parse
  };

  std::uint32_t intern(const std::string& id) {
    const auto [it, inserted] = aggregate_index_.try_emplace(id, ids_.size());
    if (inserted) ids_.push_back(id);
    return it->second;
  }

  row_name name_of_entry(const entry& e) const {
    return {ids_[e.aggregate], e.playhead == INT64_MIN ? "?" : std::to_string(e.playhead)};
  }

  void add_non_event(const attribute_map& item) {
    if (const auto claim = detail::decode_claim(item)) {
      ++report_.claim_rows;
      if (claim->status == detail::position_claim::state::voided) {
        ++report_.void_claim_rows;
        void_ranges_.emplace_back(claim->first, claim->last());
      }
      return;
    }
    if (!is_counter_key(item)) {
      ++report_.foreign_rows;
      keep(report_.foreign_examples, max_listed_, name_of(item));
      return;
    }
    const auto* value = detail::find_attribute(item, layout::counter_value);
    if (value == nullptr) return;  // a counter row without Value: as good as none
    const auto counter = detail::int64_of(value);
    if (!counter) {
      report_.counter_problems.push_back(
          "the counter row's Value is not an integer in the range "
          "of int64: " +
          to_json(*value));
    } else if (*counter < 0) {
      report_.counter_problems.push_back("the counter row's Value " + std::to_string(*counter) +
                                         " is negative");
    } else {
      report_.counter = counter;
    }
  }

  void check_decodes(const attribute_map& item, const row_name& name) {
    std::string problem;
    if (name.id == layout::counter_id) {
      problem =
          "the aggregate id \"_counter\" is reserved for the counter row (the PHP package's replay "
          "skips such rows without moving its checkpoint, W7)";
    } else if (name.id == layout::claim_id) {
      problem =
          "the aggregate id \"_position\" is reserved for the claim rows of global positions "
          "(dynamo-es neither appends nor loads it)";
    } else {
      try {
        // The decoder checks what PHP's reader needs, JSON texts included (objects or lists).
        static_cast<void>(detail::decode_event(item, report_.table));
      } catch (const error& e) {
        problem = strip_row_prefix(e.what(), item, report_.table);
      }
    }
    if (problem.empty()) return;
    ++report_.undecodable_rows;
    keep(report_.undecodable, max_listed_, row_problem{name, std::move(problem)});
  }

  void check_position(const attribute_map& item, const row_name& name, std::uint32_t aggregate) {
    const auto* position_value = detail::find_attribute(item, layout::global_position);
    if (position_value == nullptr) {
      ++report_.legacy_rows;
      keep(report_.legacy_examples, max_listed_, name);
      return;
    }
    const auto position = detail::int64_of(position_value);
    std::string problem;
    if (!position) {
      problem = "GlobalPosition " + to_json(*position_value) + " is not an integer in int64 range";
    } else if (*position < 1) {
      problem = "GlobalPosition " + std::to_string(*position) +
                " is below 1: replay starts after position 0 and never reaches it";
    } else {
      const auto* feed = detail::find_attribute(item, layout::feed);
      if (feed == nullptr || !feed->is_string() || feed->as_string() != layout::feed_value) {
        problem = "GlobalPosition " + std::to_string(*position) + " but Feed is " +
                  (feed == nullptr ? std::string("missing") : to_json(*feed)) +
                  ", not \"all\": the row is not in the replay index";
        hidden_positions_.push_back(*position);
      }
    }
    if (!problem.empty()) {
      ++report_.bad_position_rows;
      keep(report_.bad_positions, max_listed_, row_problem{name, std::move(problem)});
      return;
    }
    ++report_.positioned_rows;
    entries_.push_back(
        {*position, aggregate,
         detail::int64_of(detail::find_attribute(item, layout::playhead)).value_or(INT64_MIN)});
  }

  void find_duplicates() {
    for (std::size_t i = 0; i < entries_.size();) {
      std::size_t j = i + 1;
      while (j < entries_.size() && entries_[j].position == entries_[i].position) ++j;
      if (j - i > 1) {
        ++report_.duplicate_positions;
        if (report_.duplicates.size() < max_listed_) {
          duplicate_position duplicate{entries_[i].position, {}};
          for (std::size_t k = i; k < j; ++k) duplicate.rows.push_back(name_of_entry(entries_[k]));
          report_.duplicates.push_back(std::move(duplicate));
        }
      }
      i = j;
    }
  }

  void check_counter() {
    const bool has_positions = report_.max_position > 0;
    if (!report_.counter) {
      if (has_positions && report_.counter_problems.empty()) {
        report_.counter_problems.push_back(
            "there is no counter (row Id \"_counter\", Playhead 0, with a Value) although rows "
            "hold positions up to " +
            std::to_string(report_.max_position) +
            ": the PHP package would hand out positions from 1 again (run `dynamo-es migrate`)");
      }
      return;
    }
    if (*report_.counter < report_.max_position) {
      report_.counter_problems.push_back(
          "the counter " + std::to_string(*report_.counter) + " is below the highest position " +
          std::to_string(report_.max_position) +
          ": the PHP package would hand out used positions again (run `dynamo-es migrate`)");
    }
  }

  position_gap::kind kind_at(std::int64_t position) const {
    if (std::binary_search(hidden_positions_.begin(), hidden_positions_.end(), position)) {
      return position_gap::kind::not_in_feed;
    }
    if (report_.counter && position <= *report_.counter) return position_gap::kind::burned;
    return position_gap::kind::missing;
  }

  // The first position after `position` at which kind_at may change.
  std::int64_t next_boundary(std::int64_t position) const {
    std::int64_t boundary = INT64_MAX;
    const auto hidden =
        std::upper_bound(hidden_positions_.begin(), hidden_positions_.end(), position);
    if (hidden != hidden_positions_.end()) boundary = *hidden;
    if (kind_at(position) == position_gap::kind::not_in_feed) boundary = position + 1;
    if (report_.counter && position <= *report_.counter) {
      boundary = std::min(boundary, *report_.counter + 1);
    }
    return boundary;
  }

  // Sorts and merges the void claims' ranges (claims may overlap: a fence next to a writer's).
  void merge_void_ranges() {
    std::sort(void_ranges_.begin(), void_ranges_.end());
    std::vector<std::pair<std::int64_t, std::int64_t>> merged;
    for (const auto& range : void_ranges_) {
      if (!merged.empty() && range.first <= merged.back().second + 1) {
        merged.back().second = std::max(merged.back().second, range.second);
      } else {
        merged.push_back(range);
      }
    }
    void_ranges_ = std::move(merged);
  }

  // Missing positions first..last: the parts a void claim covers are void positions, the rest
  // are gaps.
  void add_gap(std::int64_t first, std::int64_t last) {
    auto range =
        std::upper_bound(void_ranges_.begin(), void_ranges_.end(), std::pair{first, INT64_MAX});
    if (range != void_ranges_.begin()) --range;
    std::int64_t at = first;
    for (; range != void_ranges_.end() && range->first <= last && at <= last; ++range) {
      if (range->second < at) continue;
      if (range->first > at) add_unvoided_gap(at, range->first - 1);
      const auto end = std::min(range->second, last);
      report_.void_positions += end - std::max(at, range->first) + 1;
      at = end + 1;
    }
    if (at <= last) add_unvoided_gap(at, last);
  }

  void add_unvoided_gap(std::int64_t first, std::int64_t last) {
    for (std::int64_t at = first; at <= last;) {
      const auto kind = kind_at(at);
      std::int64_t end = at;
      while (end < last) {
        const auto boundary = next_boundary(end);
        if (boundary > last) {
          end = last;
          break;
        }
        if (kind_at(boundary) != kind) {
          end = boundary - 1;
          break;
        }
        end = boundary;
      }
      record_gap({at, end, kind});
      at = end + 1;
    }
  }

  void record_gap(position_gap gap) {
    const auto size = gap.last - gap.first + 1;
    report_.missing_positions += size;
    if (gap.reason == position_gap::kind::burned) report_.burned_positions += size;
    ++report_.gap_count;
    if (gap.reason == position_gap::kind::burned) ++report_.burned_gap_count;
    keep(report_.gaps, max_listed_, gap);
  }

  void find_gaps() {
    const std::int64_t top = std::max(report_.counter.value_or(0), report_.max_position);
    std::int64_t expected = 1;  // the next position that should exist
    for (const auto& e : entries_) {
      if (e.position > expected) add_gap(expected, e.position - 1);
      expected = std::max(expected, e.position + 1);
    }
    if (top >= expected) add_gap(expected, top);
  }

  void check_order() {
    std::vector<const entry*> by_aggregate;
    by_aggregate.reserve(entries_.size());
    for (const auto& e : entries_) {
      if (e.playhead != INT64_MIN) by_aggregate.push_back(&e);
    }
    std::sort(by_aggregate.begin(), by_aggregate.end(), [](const entry* a, const entry* b) {
      return std::tie(a->aggregate, a->playhead, a->position) <
             std::tie(b->aggregate, b->playhead, b->position);
    });
    for (std::size_t i = 1; i < by_aggregate.size(); ++i) {
      const entry& before = *by_aggregate[i - 1];
      const entry& after = *by_aggregate[i];
      if (before.aggregate != after.aggregate || after.position > before.position) continue;
      if (after.playhead == before.playhead) continue;  // reported as a duplicate key elsewhere
      ++report_.order_violations;
      keep(report_.out_of_order, max_listed_,
           row_problem{name_of_entry(after),
                       "position " + std::to_string(after.position) + " is not above position " +
                           std::to_string(before.position) + " of playhead " +
                           std::to_string(before.playhead) +
                           ": replay delivers this aggregate's events out of order"});
      // One violation per aggregate: skip to its last row.
      while (i + 1 < by_aggregate.size() && by_aggregate[i + 1]->aggregate == after.aggregate) ++i;
    }
  }

  std::size_t max_listed_;
  std::unordered_map<std::string, std::uint32_t> aggregate_index_;
  std::vector<std::string> ids_;
  std::vector<entry> entries_;
  std::vector<std::int64_t> hidden_positions_;  // positions of rows not in the feed
  std::vector<std::pair<std::int64_t, std::int64_t>> void_ranges_;  // void claims, first..last
};

table_checker::table_checker(std::string table, std::size_t max_listed)
    : state_(std::make_unique<state>(std::move(table), max_listed)) {}
table_checker::~table_checker() = default;
table_checker::table_checker(table_checker&&) noexcept = default;
table_checker& table_checker::operator=(table_checker&&) noexcept = default;

void table_checker::add_schema_problem(std::string problem) {
  state_->report_.schema_problems.push_back(std::move(problem));
}

void table_checker::add(const attribute_map& item) {
  state_->add(item);
}

verify_report table_checker::finish() {
  return state_->finish();
}

// --- verify_table -----------------------------------------------------------------------------

verify_report verify_table(const dynamodb::client& client, std::string_view table,
                           const verify_options& options) {
  dynamodb::table_description description;
  with_retries([&] { description = client.describe_table(std::string(table)); });

  table_checker checker(std::string(table), options.max_listed);
  for (auto& difference : detail::schema_differences(description)) {
    checker.add_schema_problem(std::move(difference));
  }
  for (const auto& index : description.global_secondary_indexes) {
    if (index.index_name == layout::index_name && index.status != dynamodb::index_status::active) {
      checker.add_schema_problem("the index " + in_quotes(layout::index_name) + " is " +
                                 std::string(dynamodb::to_string(index.status)) +
                                 ", not ACTIVE: replay cannot use it yet");
    }
  }
  static_cast<void>(scan_table(client, table, options.scan, [&](std::vector<attribute_map>& items) {
    for (const auto& item : items) checker.add(item);
  }));
  return checker.finish();
}

// --- Output -----------------------------------------------------------------------------------

namespace {

std::string gap_explanation(const position_gap& gap) {
  const bool one = gap.first == gap.last;
  const std::string it = one ? "it" : "them";
  switch (gap.reason) {
    case position_gap::kind::burned:
      return "burned: no row holds " + it + " although the counter passed " + it +
             ", the mark of a PHP append that reserved positions and then failed (or is still in "
             "flight)";
    case position_gap::kind::not_in_feed:
      return std::string("held by ") + (one ? "a row" : "rows") +
             " not in the replay index (see the bad positions)";
    case position_gap::kind::missing:
      break;
  }
  return "missing: no row holds " + it + " and no counter explains " + (one ? "it" : "them");
}

void list_more(std::ostream& out, std::int64_t total, std::size_t listed) {
  if (total > static_cast<std::int64_t>(listed)) {
    out << "  ... and " << (total - static_cast<std::int64_t>(listed)) << " more\n";
  }
}

nlohmann::ordered_json row_json(const row_name& row) {
  nlohmann::ordered_json json;
  json["id"] = row.id;
  try {
    json["playhead"] = std::stoll(row.playhead);
  } catch (const std::exception&) {
    json["playhead"] = row.playhead;
  }
  return json;
}

nlohmann::ordered_json problem_json(const row_problem& problem) {
  auto json = row_json(problem.row);
  json["problem"] = problem.problem;
  return json;
}

}  // namespace

void print_report(std::ostream& out, const verify_report& report, bool allow_burned) {
  out << "Table " << in_quotes(report.table) << ": " << report.rows_scanned << " rows, "
      << report.event_rows << " events in " << report.aggregates << " aggregates, "
      << report.positioned_rows << " in the feed";
  if (report.max_position > 0) out << " (highest position " << report.max_position << ")";
  out << ", counter " << (report.counter ? std::to_string(*report.counter) : "absent");
  if (report.claim_rows > 0) {
    out << ", " << report.claim_rows << " claim rows (" << report.void_claim_rows << " void)";
  }
  out << "\n";
  if (report.void_positions > 0) {
    out << "  void: " << report.void_positions
        << (report.void_positions == 1 ? " position is" : " positions are")
        << " covered by void claims (ranges whose commit failed or that a reader fenced): no "
           "event will hold them, replay passes them at once; not a problem\n";
  }

  for (const auto& problem : report.schema_problems) out << "  schema: " << problem << "\n";
  for (const auto& problem : report.counter_problems) out << "  counter: " << problem << "\n";
  if (report.legacy_rows > 0) {
    out << "  legacy: " << report.legacy_rows
        << " event rows have no Feed/GlobalPosition and are invisible to replay (run `dynamo-es "
           "migrate`), e.g.\n";
    for (const auto& row : report.legacy_examples) out << "    " << describe(row) << "\n";
    list_more(out, report.legacy_rows, report.legacy_examples.size());
  }
  for (const auto& problem : report.undecodable) {
    out << "  undecodable: " << describe(problem.row) << ": " << problem.problem << "\n";
  }
  list_more(out, report.undecodable_rows, report.undecodable.size());
  for (const auto& problem : report.bad_positions) {
    out << "  bad position: " << describe(problem.row) << ": " << problem.problem << "\n";
  }
  list_more(out, report.bad_position_rows, report.bad_positions.size());
  for (const auto& duplicate : report.duplicates) {
    out << "  duplicate: position " << duplicate.position << " is held by";
    const char* separator = " ";
    for (const auto& row : duplicate.rows) {
      out << separator << describe(row);
      separator = ", ";
    }
    out << "\n";
  }
  list_more(out, report.duplicate_positions, report.duplicates.size());
  for (const auto& gap : report.gaps) {
    out << "  gap: " << range_text(gap.first, gap.last) << " " << gap_explanation(gap)
        << (allow_burned && gap.reason == position_gap::kind::burned ? " (allowed)" : "") << "\n";
  }
  list_more(out, report.gap_count, report.gaps.size());
  for (const auto& problem : report.out_of_order) {
    out << "  order: " << describe(problem.row) << ": " << problem.problem << "\n";
  }
  list_more(out, report.order_violations, report.out_of_order.size());
  for (const auto& row : report.foreign_examples) {
    out << "  foreign row: " << describe(row)
        << " is not an event (no Metadata, Payload or RecordedOn) and not the counter\n";
  }
  list_more(out, report.foreign_rows, report.foreign_examples.size());

  const auto problems = report.problem_count(allow_burned);
  if (problems == 0) {
    out << "Clean";
    if (report.burned_positions > 0) {
      out << " (" << report.burned_positions << " burned positions allowed)";
    }
    out << ".\n";
  } else {
    out << problems << (problems == 1 ? " problem" : " problems") << " found.\n";
  }
}

std::string report_json(const verify_report& report, bool allow_burned) {
  nlohmann::ordered_json json;
  json["table"] = report.table;
  json["clean"] = report.clean(allow_burned);
  json["problems"] = report.problem_count(allow_burned);
  json["rows"] = report.rows_scanned;
  json["events"] = report.event_rows;
  json["aggregates"] = report.aggregates;
  json["inFeed"] = report.positioned_rows;
  json["maxPosition"] = report.max_position;
  json["counter"] = report.counter ? nlohmann::ordered_json(*report.counter) : nullptr;
  json["legacyRows"] = report.legacy_rows;
  json["undecodableRows"] = report.undecodable_rows;
  json["badPositionRows"] = report.bad_position_rows;
  json["foreignRows"] = report.foreign_rows;
  json["duplicatePositions"] = report.duplicate_positions;
  json["missingPositions"] = report.missing_positions;
  json["burnedPositions"] = report.burned_positions;
  json["gapCount"] = report.gap_count;
  json["orderViolations"] = report.order_violations;
  json["claimRows"] = report.claim_rows;
  json["voidClaimRows"] = report.void_claim_rows;
  json["voidPositions"] = report.void_positions;
  json["schemaProblems"] = report.schema_problems;
  json["counterProblems"] = report.counter_problems;
  auto& gaps = json["gaps"] = nlohmann::ordered_json::array();
  for (const auto& gap : report.gaps) {
    gaps.push_back({{"first", gap.first}, {"last", gap.last}, {"kind", to_string(gap.reason)}});
  }
  auto& duplicates = json["duplicates"] = nlohmann::ordered_json::array();
  for (const auto& duplicate : report.duplicates) {
    auto rows = nlohmann::ordered_json::array();
    for (const auto& row : duplicate.rows) rows.push_back(row_json(row));
    duplicates.push_back({{"position", duplicate.position}, {"rows", std::move(rows)}});
  }
  auto problems = [](const std::vector<row_problem>& list) {
    auto array = nlohmann::ordered_json::array();
    for (const auto& problem : list) array.push_back(problem_json(problem));
    return array;
  };
  auto rows = [](const std::vector<row_name>& list) {
    auto array = nlohmann::ordered_json::array();
    for (const auto& row : list) array.push_back(row_json(row));
    return array;
  };
  json["undecodable"] = problems(report.undecodable);
  json["badPositions"] = problems(report.bad_positions);
  json["outOfOrder"] = problems(report.out_of_order);
  json["legacyExamples"] = rows(report.legacy_examples);
  json["foreignExamples"] = rows(report.foreign_examples);
  return json.dump();
}

}  // namespace dynamo_es::cli
