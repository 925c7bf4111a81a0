#include "cli/legacy_migration.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>
#include <tuple>
#include <utility>

#include "dynamo_es/date_time.hpp"
#include "dynamodb/json_writer.hpp"
#include "stores/dynamodb_backoff.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_item_size.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::cli {
namespace {

namespace layout = detail::table_layout;
using dynamodb::attribute_map;
using dynamodb::attribute_value;
using steady = std::chrono::steady_clock;

constexpr std::size_t max_listed = 20;
constexpr std::size_t max_batch_rows = layout::max_transaction_actions - 1;
// What one transaction may carry (4 MB) less room for the expressions: AWS counts the items an
// Update touches, so a batch is cut by the size of its rows, not only by their number.
constexpr std::size_t batch_byte_budget = layout::max_transaction_bytes - 64 * 1024;
constexpr int max_attempts = 10;
constexpr std::chrono::milliseconds first_backoff{50};
constexpr std::chrono::milliseconds longest_backoff{5000};

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

std::string row_text(std::string_view id, const attribute_value& playhead) {
  return "aggregate " + in_quotes(id) + " playhead " +
         (playhead.is_number() ? playhead.as_number() : to_json(playhead));
}

void note(const migration_options& options, std::string_view line) {
  if (options.on_note) options.on_note(line);
}

bool is_counter_key(const attribute_map& item) {
  const auto* id = detail::find_attribute(item, layout::id);
  return id != nullptr && id->is_string() && id->as_string() == layout::counter_id &&
         detail::int64_of(detail::find_attribute(item, layout::playhead)) ==
             layout::counter_playhead;
}

// --- Fingerprint hashing ------------------------------------------------------------------------

std::uint64_t fnv1a(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::uint64_t splitmix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string fingerprint_text(std::string_view id, const attribute_value& playhead,
                             std::string_view position, std::string_view counter) {
  std::string text(id);
  text += '\x1f';
  text += to_json(playhead);
  text += '\x1f';
  text += position;
  text += '\x1f';
  text += counter;
  return text;
}

std::string optional_text(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : std::string("-");
}

// A value for people: "none" when absent.
std::string shown(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : std::string("none");
}

// A number attribute as the fingerprint spells it: the integer, "-" when absent, the raw JSON
// when it is no int64 (so an unusable value still counts, and stays stable across scans).
std::string number_text(const attribute_value* value) {
  if (value == nullptr) return "-";
  if (const auto number = detail::int64_of(value)) return std::to_string(*number);
  return "?" + to_json(*value);
}

// --- Planning -------------------------------------------------------------------------------

std::optional<std::int64_t> instant_of(std::string_view recorded_on) {
  // date_time reads "" as "now" (PHP's rule): a plan must not depend on when it runs.
  if (recorded_on.find_first_not_of(" \t") == std::string_view::npos) return std::nullopt;
  try {
    return date_time::from_string(recorded_on).instant().time_since_epoch().count();
  } catch (const error&) {
    return std::nullopt;
  }
}

std::string list_text(const std::vector<std::string>& items, std::size_t total) {
  std::string text;
  for (const auto& item : items) text += "\n  " + item;
  if (total > items.size()) text += "\n  ... and " + std::to_string(total - items.size()) + " more";
  return text;
}

// --- Index ----------------------------------------------------------------------------------

std::vector<dynamodb::key_schema_element> expected_keys(std::string_view hash,
                                                        std::string_view range) {
  return {{std::string(hash), dynamodb::key_type::hash},
          {std::string(range), dynamodb::key_type::range}};
}

void check_key_schema(const dynamodb::table_description& description) {
  if (description.key_schema != expected_keys(layout::id, layout::playhead)) {
    throw configuration_error("Table " + in_quotes(description.table_name) +
                              " is not an event table of the PHP package: its key is not Id "
                              "(HASH) + Playhead (RANGE)");
  }
}

const dynamodb::global_secondary_index_description* find_index(
    const dynamodb::table_description& description) {
  for (const auto& index : description.global_secondary_indexes) {
    if (index.index_name == layout::index_name) return &index;
  }
  return nullptr;
}

void check_index(const dynamodb::table_description& description) {
  const auto* index = find_index(description);
  if (index == nullptr) return;
  if (index->key_schema != expected_keys(layout::feed, layout::global_position) ||
      index->projection.type != dynamodb::projection_type::all) {
    throw configuration_error(
        "Table " + in_quotes(description.table_name) + " has an index " +
        in_quotes(layout::index_name) +
        " that is not the PHP package's (Feed HASH + GlobalPosition RANGE, projection ALL); "
        "migrate will not touch it");
  }
}

// Provisioned tables need a throughput for the new index: use the table's own (an index that
// accepts fewer writes than its table throttles the table's writes).
std::optional<std::pair<std::int64_t, std::int64_t>> provisioned_throughput(
    const dynamodb::client& client, std::string_view table) {
  std::string body;
  with_retries([&] {
    body = client.call("DescribeTable", nlohmann::json{{"TableName", table}}.dump());
  });
  const auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return std::nullopt;
  const auto& described = json.value("Table", nlohmann::json::object());
  if (described.value("BillingModeSummary", nlohmann::json::object())
          .value("BillingMode", std::string()) == "PAY_PER_REQUEST") {
    return std::nullopt;
  }
  const auto& throughput = described.value("ProvisionedThroughput", nlohmann::json::object());
  const auto read = throughput.value("ReadCapacityUnits", std::int64_t{0});
  const auto write = throughput.value("WriteCapacityUnits", std::int64_t{0});
  if (read <= 0 || write <= 0) return std::nullopt;
  return std::pair{read, write};
}

std::string update_table_body(std::string_view table,
                              std::optional<std::pair<std::int64_t, std::int64_t>> throughput) {
  dynamodb::detail::json_writer out;
  auto key = [&](std::string_view name, std::string_view type) {
    out.begin_object();
    out.member("AttributeName", name);
    out.member("KeyType", type);
    out.end_object();
  };
  auto attribute = [&](std::string_view name, std::string_view type) {
    out.begin_object();
    out.member("AttributeName", name);
    out.member("AttributeType", type);
    out.end_object();
  };
  out.begin_object();
  out.member("TableName", table);
  out.key("AttributeDefinitions");
  out.begin_array();
  attribute(layout::feed, "S");
  attribute(layout::global_position, "N");
  out.end_array();
  out.key("GlobalSecondaryIndexUpdates");
  out.begin_array();
  out.begin_object();
  out.key("Create");
  out.begin_object();
  out.member("IndexName", layout::index_name);
  out.key("KeySchema");
  out.begin_array();
  key(layout::feed, "HASH");
  key(layout::global_position, "RANGE");
  out.end_array();
  out.key("Projection");
  out.begin_object();
  out.member("ProjectionType", "ALL");
  out.end_object();
  if (throughput) {
    out.key("ProvisionedThroughput");
    out.begin_object();
    out.key("ReadCapacityUnits");
    out.integer(throughput->first);
    out.key("WriteCapacityUnits");
    out.integer(throughput->second);
    out.end_object();
  }
  out.end_object();
  out.end_object();
  out.end_array();
  out.end_object();
  return std::move(out).take();
}

// Polls DescribeTable until the table (and, with `with_index`, the index) is ACTIVE.
void wait_until(const dynamodb::client& client, std::string_view table,
                std::chrono::milliseconds timeout, bool with_index) {
  const auto deadline = steady::now() + timeout;
  for (int round = 1;; ++round) {
    dynamodb::table_description description;
    with_retries([&] { description = client.describe_table(std::string(table)); });
    const auto* index = find_index(description);
    if (description.status == dynamodb::table_status::active &&
        (!with_index || (index != nullptr && index->status == dynamodb::index_status::active))) {
      return;
    }
    if (steady::now() >= deadline) {
      throw error("Timed out after " + std::to_string(timeout.count()) + " ms waiting for table " +
                  in_quotes(table) +
                  (with_index ? " and its index " + in_quotes(layout::index_name) : "") +
                  " to become ACTIVE; run migrate again to keep waiting");
    }
    std::this_thread::sleep_for(detail::exponential_backoff(round, std::chrono::milliseconds(100),
                                                            std::chrono::milliseconds(2000)));
  }
}

// Adds the index when it is missing; waits for it either way. Returns true when it added it.
bool ensure_index(const dynamodb::client& client, std::string_view table,
                  const migration_options& options) {
  dynamodb::table_description description;
  with_retries([&] { description = client.describe_table(std::string(table)); });
  check_index(description);
  bool created = false;
  if (find_index(description) == nullptr) {
    if (description.status != dynamodb::table_status::active) {
      note(options, "waiting for the table to become ACTIVE before adding the index");
      wait_until(client, table, options.index_timeout, false);
    }
    note(options, "adding the index " + std::string(layout::index_name) +
                      " (UpdateTable) and waiting until it is ACTIVE");
    const auto throughput = description.billing_mode == dynamodb::billing_mode::provisioned
                                ? provisioned_throughput(client, table)
                                : std::nullopt;
    try {
      static_cast<void>(client.call("UpdateTable", update_table_body(table, throughput)));
      created = true;
    } catch (const dynamodb::dynamodb_error&) {
      // Someone else (a concurrent migrate) may have added it meanwhile: fine if it is ours.
      with_retries([&] { description = client.describe_table(std::string(table)); });
      if (find_index(description) == nullptr) throw;
      check_index(description);
    }
  }
  wait_until(client, table, options.index_timeout, true);
  return created;
}

}  // namespace

// --- table_fingerprint --------------------------------------------------------------------------

void table_fingerprint::add(const attribute_map& item) {
  const auto* id = detail::find_attribute(item, layout::id);
  const auto* playhead = detail::find_attribute(item, layout::playhead);
  const std::string id_text = id == nullptr     ? std::string("?")
                              : id->is_string() ? id->as_string()
                                                : to_json(*id);
  const attribute_value playhead_value = playhead == nullptr ? attribute_value() : *playhead;
  const std::string counter = is_counter_key(item)
                                  ? number_text(detail::find_attribute(item, layout::counter_value))
                                  : std::string("-");
  const auto hash = fnv1a(fingerprint_text(
      id_text, playhead_value, number_text(detail::find_attribute(item, layout::global_position)),
      counter));
  ++rows_;
  sum_ += splitmix(hash);
  square_sum_ += splitmix(hash ^ 0x5851f42d4c957f2dULL);
}

void table_fingerprint::add(std::string_view id, const attribute_value& playhead,
                            const std::optional<std::int64_t>& position,
                            const std::optional<std::int64_t>& counter_value) {
  const auto hash = fnv1a(fingerprint_text(
      id, playhead, optional_text(position),
      id == layout::counter_id && playhead.is_number() && playhead.as_number() == "0"
          ? optional_text(counter_value)
          : std::string("-")));
  ++rows_;
  sum_ += splitmix(hash);
  square_sum_ += splitmix(hash ^ 0x5851f42d4c957f2dULL);
}

void table_fingerprint::remove(std::string_view id, const attribute_value& playhead,
                               const std::optional<std::int64_t>& position,
                               const std::optional<std::int64_t>& counter_value) {
  table_fingerprint one;
  one.add(id, playhead, position, counter_value);
  --rows_;
  sum_ -= one.sum_;
  square_sum_ -= one.square_sum_;
}

// --- plan_migration -----------------------------------------------------------------------------

migration_plan plan_migration(std::vector<migration_row> rows, std::optional<std::int64_t> counter,
                              std::string_view table) {
  migration_plan plan;
  // Per aggregate, in playhead order: the running maximum of RecordedOn instants, so a row is
  // never placed before a lower playhead of its own aggregate whatever the writers' clocks said.
  std::sort(rows.begin(), rows.end(), [](const migration_row& a, const migration_row& b) {
    return std::tie(a.id, a.playhead_number) < std::tie(b.id, b.playhead_number);
  });
  struct keyed {
    std::int64_t time;
    const migration_row* row;
  };
  std::vector<keyed> legacy;
  std::vector<std::string> unplaceable;
  std::size_t unplaceable_total = 0;
  std::vector<std::string> behind;  // aggregates whose legacy rows fall behind positioned ones
  std::size_t behind_total = 0;

  for (std::size_t i = 0; i < rows.size();) {
    std::size_t end = i;
    while (end < rows.size() && rows[end].id == rows[i].id) ++end;
    std::optional<std::int64_t> chain;
    std::optional<std::int64_t> last_positioned_playhead;
    bool legacy_before_positioned = false;
    for (std::size_t k = end; k-- > i;) {
      // Walk down first to learn whether a positioned row has a higher playhead than a legacy one.
      if (rows[k].position) {
        if (!last_positioned_playhead) last_positioned_playhead = rows[k].playhead_number;
      } else if (last_positioned_playhead) {
        legacy_before_positioned = true;
      }
    }
    for (std::size_t k = i; k < end; ++k) {
      const auto& row = rows[k];
      const auto time = instant_of(row.recorded_on);
      if (time) chain = chain ? std::max(*chain, *time) : *time;
      if (row.position) {
        ++plan.already_positioned;
        plan.highest_position = std::max(plan.highest_position, *row.position);
        continue;
      }
      if (!time) {
        ++unplaceable_total;
        if (unplaceable.size() < max_listed) {
          unplaceable.push_back(row_text(row.id, row.playhead) + ": RecordedOn " +
                                in_quotes(row.recorded_on) + " is not a date");
        }
        continue;
      }
      legacy.push_back({*chain, &row});
    }
    if (legacy_before_positioned) {
      ++behind_total;
      if (behind.size() < 5) behind.push_back(in_quotes(rows[i].id));
    }
    i = end;
  }
  if (unplaceable_total > 0) {
    throw validation_error("Table " + in_quotes(table) + ": " + std::to_string(unplaceable_total) +
                           " rows without a position cannot be placed in the feed because their "
                           "RecordedOn does not parse; fix or delete them, then re-run:" +
                           list_text(unplaceable, unplaceable_total));
  }
  if (behind_total > 0) {
    std::string list;
    for (const auto& id : behind) list += (list.empty() ? "" : ", ") + id;
    plan.warnings.push_back(
        std::to_string(behind_total) +
        " aggregates have rows without a position below a playhead that already has one (" + list +
        (behind_total > behind.size() ? ", ..." : "") +
        "); existing positions are kept, so these rows will follow the newer ones in the feed");
  }

  std::sort(legacy.begin(), legacy.end(), [](const keyed& a, const keyed& b) {
    return std::tie(a.time, a.row->id, a.row->playhead_number) <
           std::tie(b.time, b.row->id, b.row->playhead_number);
  });
  plan.base = std::max(counter.value_or(0), plan.highest_position);
  plan.rows.reserve(legacy.size());
  std::int64_t next = plan.base;
  for (const auto& entry : legacy) {
    plan.rows.push_back({entry.row->id, entry.row->playhead, ++next, entry.row->item_bytes});
  }
  return plan;
}

// --- migrate_table ------------------------------------------------------------------------------

namespace {

// What one Scan learned.
struct scanned_table {
  std::vector<migration_row> rows;
  std::optional<std::int64_t> counter;
  bool counter_row = false;
  std::int64_t items = 0;
  table_fingerprint fingerprint;
  std::vector<std::string> problems;  // rows migrate refuses to work around
  std::size_t problem_total = 0;
  std::int64_t legacy = 0;
};

void refuse_row(scanned_table& scanned, std::string text) {
  ++scanned.problem_total;
  if (scanned.problems.size() < max_listed) scanned.problems.push_back(std::move(text));
}

void read_row(scanned_table& scanned, const attribute_map& item, bool keep_rows) {
  ++scanned.items;
  scanned.fingerprint.add(item);
  if (is_counter_key(item)) {
    scanned.counter_row = true;
    if (const auto* value = detail::find_attribute(item, layout::counter_value)) {
      const auto counter = detail::int64_of(value);
      if (!counter || *counter < 0) {
        refuse_row(scanned,
                   "the counter row's Value " + to_json(*value) + " is not a non-negative int64");
      } else {
        scanned.counter = counter;
      }
    }
    return;
  }
  if (!detail::is_event_row(item)) return;  // not an event: nothing to place
  const auto* id = detail::find_attribute(item, layout::id);
  const auto* playhead = detail::find_attribute(item, layout::playhead);
  const auto playhead_number = detail::int64_of(playhead);
  if (id == nullptr || !id->is_string() || !playhead_number) {
    refuse_row(scanned, "a row with key " + (id ? to_json(*id) : std::string("?")) + "/" +
                            (playhead ? to_json(*playhead) : std::string("?")) +
                            " has no string Id and int64 Playhead");
    return;
  }
  migration_row row;
  row.id = id->as_string();
  row.playhead = *playhead;
  row.playhead_number = *playhead_number;
  if (const auto* recorded = detail::find_attribute(item, layout::recorded_on);
      recorded && recorded->is_string()) {
    row.recorded_on = recorded->as_string();
  }
  if (const auto* position = detail::find_attribute(item, layout::global_position)) {
    const auto number = detail::int64_of(position);
    const auto* feed = detail::find_attribute(item, layout::feed);
    if (!number || *number < 1) {
      refuse_row(scanned, row_text(row.id, row.playhead) + ": GlobalPosition " +
                              to_json(*position) + " is not a position (an int64 >= 1)");
    } else if (feed == nullptr || !feed->is_string() || feed->as_string() != layout::feed_value) {
      refuse_row(scanned, row_text(row.id, row.playhead) + ": GlobalPosition " +
                              std::to_string(*number) +
                              " without Feed = \"all\" (set Feed, or remove GlobalPosition so "
                              "migrate places the row)");
    }
    row.position = number;
  } else {
    ++scanned.legacy;
    if (row.id == layout::counter_id) {
      refuse_row(scanned, row_text(row.id, row.playhead) +
                              ": the aggregate id \"_counter\" is reserved for the counter row");
    }
  }
  row.item_bytes = detail::item_size(item);
  if (keep_rows) scanned.rows.push_back(std::move(row));
}

scanned_table scan(const dynamodb::client& client, std::string_view table,
                   const migration_options& options, bool keep_rows) {
  scanned_table scanned;
  static_cast<void>(scan_table(client, table, options.scan, [&](std::vector<attribute_map>& items) {
    for (const auto& item : items) read_row(scanned, item, keep_rows);
  }));
  return scanned;
}

bool sleep_unless_stopped(const migration_options& options, std::chrono::milliseconds duration) {
  const auto until = steady::now() + duration;
  while (steady::now() < until) {
    if (options.stop_requested && options.stop_requested()) return false;
    std::this_thread::sleep_for(
        std::min<steady::duration>(std::chrono::milliseconds(20), until - steady::now()));
  }
  return true;
}

attribute_map counter_key() {
  return detail::event_key(layout::counter_id, layout::counter_playhead);
}

// The counter update every write shares: `Value` moves from `from` (absent: no value yet) to `to`.
dynamodb::transact_update counter_update(std::string_view table, std::optional<std::int64_t> from,
                                         std::int64_t to) {
  dynamodb::transact_update update;
  update.table_name = std::string(table);
  update.key = counter_key();
  update.update_expression = "SET #v = :to";
  update.expression_attribute_names = {{"#v", std::string(layout::counter_value)}};
  update.expression_attribute_values.emplace(":to", attribute_value::number(to));
  if (from) {
    update.condition_expression = "#v = :from";
    update.expression_attribute_values.emplace(":from", attribute_value::number(*from));
  } else {
    update.condition_expression = "attribute_not_exists(#v)";
  }
  return update;
}

dynamodb::transact_update row_update(std::string_view table, const planned_row& row,
                                     std::int64_t position) {
  dynamodb::transact_update update;
  update.table_name = std::string(table);
  update.key.emplace(std::string(layout::id), attribute_value::string(row.id));
  update.key.emplace(std::string(layout::playhead), row.playhead);
  update.update_expression = "SET #f = :feed, #g = :position";
  // The row must still exist and still lack a position: anything else is a concurrent writer.
  update.condition_expression = "attribute_exists(#id) AND attribute_not_exists(#g)";
  update.expression_attribute_names = {{"#f", std::string(layout::feed)},
                                       {"#g", std::string(layout::global_position)},
                                       {"#id", std::string(layout::id)}};
  update.expression_attribute_values.emplace(
      ":feed", attribute_value::string(std::string(layout::feed_value)));
  update.expression_attribute_values.emplace(":position", attribute_value::number(position));
  return update;
}

std::optional<attribute_map> read_row_now(const dynamodb::client& client, std::string_view table,
                                          const planned_row& row) {
  dynamodb::get_item_request request;
  request.table_name = std::string(table);
  request.key.emplace(std::string(layout::id), attribute_value::string(row.id));
  request.key.emplace(std::string(layout::playhead), row.playhead);
  request.consistent_read = true;
  std::optional<attribute_map> item;
  with_retries([&] { item = client.get_item(request).item; });
  return item;
}

std::optional<std::int64_t> read_counter_now(const dynamodb::client& client,
                                             std::string_view table) {
  dynamodb::get_item_request request;
  request.table_name = std::string(table);
  request.key = counter_key();
  request.consistent_read = true;
  std::optional<attribute_map> item;
  with_retries([&] { item = client.get_item(request).item; });
  if (!item) return std::nullopt;
  return detail::int64_of(detail::find_attribute(*item, layout::counter_value));
}

// Writes positions and the counter for the rows of the plan, batch by batch.
class batch_writer {
 public:
  /// `counter`: the counter's value now (the first condition names it); `first_position`: the
  /// position of the first row (above both the counter and every existing position).
  batch_writer(const dynamodb::client& client, std::string_view table,
               const migration_options& options, std::optional<std::int64_t> counter,
               std::int64_t first_position, migration_result& result)
      : client_(client),
        table_(table),
        options_(options),
        counter_(counter),
        next_(first_position),
        result_(result) {}

  // Gives `rows` the next positions, in order, and moves the counter to the last of them, in one
  // transaction. Returns the rows written with their positions (fewer than `rows` only when
  // forced past rows that changed meanwhile).
  std::vector<std::pair<const planned_row*, std::int64_t>> write(
      std::vector<const planned_row*> rows) {
    std::string token = detail::random_token();
    for (int attempt = 1;; ++attempt) {
      const std::int64_t first = next_;
      const std::int64_t last = first + static_cast<std::int64_t>(rows.size()) - 1;
      dynamodb::transact_write_items_request request;
      request.client_request_token = token;
      request.transact_items.emplace_back(counter_update(table_, counter_, last));
      for (std::size_t i = 0; i < rows.size(); ++i) {
        request.transact_items.emplace_back(
            row_update(table_, *rows[i], first + static_cast<std::int64_t>(i)));
      }
      try {
        static_cast<void>(client_.transact_write_items(request));
        std::vector<std::pair<const planned_row*, std::int64_t>> written;
        for (std::size_t i = 0; i < rows.size(); ++i) {
          written.emplace_back(rows[i], first + static_cast<std::int64_t>(i));
        }
        counter_ = last;
        next_ = last + 1;
        return written;
      } catch (const dynamodb::transaction_canceled& e) {
        if (!e.retryable()) {
          rows = resolve_conflict(e, std::move(rows));
          if (rows.empty()) return {};
          attempt = 0;  // a new request: its own retry budget
        } else if (attempt >= max_attempts) {
          throw;
        }
        token = detail::random_token();  // a cancelled request is finished; this one is new
      } catch (const dynamodb::dynamodb_error& e) {
        if (!e.retryable() || attempt >= max_attempts) throw;
        // An ambiguous failure may have committed: the same token makes the retry a no-op then.
        if (!e.ambiguous()) token = detail::random_token();
      }
      std::this_thread::sleep_for(
          detail::jittered_backoff(std::max(attempt, 1), first_backoff, longest_backoff));
    }
  }

  [[nodiscard]] std::optional<std::int64_t> counter() const { return counter_; }

 private:
  // A condition failed: the counter moved, or a row changed. Unforced, that ends the run; forced,
  // the counter is re-read and rows that got a position (or vanished) meanwhile are dropped.
  std::vector<const planned_row*> resolve_conflict(const dynamodb::transaction_canceled& e,
                                                   std::vector<const planned_row*> rows) {
    const auto& reasons = e.cancellation_reasons();
    bool counter_moved = false;
    std::vector<std::size_t> changed;
    for (std::size_t i = 0; i < reasons.size(); ++i) {
      if (reasons[i].is_none()) continue;
      if (!reasons[i].is_conditional_check_failed()) throw;
      if (i == 0) {
        counter_moved = true;
      } else if (i - 1 < rows.size()) {
        changed.push_back(i - 1);
      }
    }
    if (!counter_moved && changed.empty()) throw;  // no reason given: nothing to resolve
    if (!options_.force) {
      std::string what =
          counter_moved ? "the counter moved from " + optional_text(counter_) + " to " +
                              optional_text(read_counter_now(client_, table_))
                        : row_text(rows[changed.front()]->id, rows[changed.front()]->playhead) +
                              " was changed or deleted";
      throw migration_conflict(
          "Table " + in_quotes(table_) + " is being written to: " + what +
          " during the migration. " + std::to_string(result_.assigned) +
          " rows got their positions and keep them; stop every writer and run migrate again "
          "(it continues where this run stopped), or pass --force");
    }
    if (counter_moved) {
      const auto now = read_counter_now(client_, table_);
      note(options_, "the counter moved from " + optional_text(counter_) + " to " +
                         optional_text(now) + " (forced: continuing above it)");
      result_.warnings.push_back("the counter moved during the run (forced): positions from " +
                                 std::to_string(now.value_or(0) + 1) +
                                 " on differ from an undisturbed run");
      counter_ = now;
      next_ = std::max(next_, now.value_or(0) + 1);
    }
    std::vector<const planned_row*> keep;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (std::find(changed.begin(), changed.end(), i) == changed.end()) {
        keep.push_back(rows[i]);
        continue;
      }
      const auto item = read_row_now(client_, table_, *rows[i]);
      if (item && detail::find_attribute(*item, layout::global_position) == nullptr) {
        keep.push_back(rows[i]);  // unchanged after all (the transaction failed for another row)
        continue;
      }
      result_.warnings.push_back(
          row_text(rows[i]->id, rows[i]->playhead) +
          (item ? " got a position from another writer" : " was deleted during the run") +
          " (forced: skipped)");
    }
    return keep;
  }

  const dynamodb::client& client_;
  std::string_view table_;
  const migration_options& options_;
  std::optional<std::int64_t> counter_;
  std::int64_t next_;
  migration_result& result_;
};

void raise_counter(const dynamodb::client& client, std::string_view table,
                   std::optional<std::int64_t> from, std::int64_t to) {
  const auto update = counter_update(table, from, to);
  dynamodb::update_item_request request;
  request.table_name = update.table_name;
  request.key = update.key;
  request.update_expression = update.update_expression;
  request.condition_expression = update.condition_expression;
  request.expression_attribute_names = update.expression_attribute_names;
  request.expression_attribute_values = update.expression_attribute_values;
  try {
    with_retries([&] { static_cast<void>(client.update_item(request)); });
  } catch (const dynamodb::conditional_check_failed&) {
    throw migration_conflict("Table " + in_quotes(table) +
                             " is being written to: the counter moved while migrate was raising "
                             "it; stop every writer and run migrate again");
  }
}

}  // namespace

migration_result migrate_table(const dynamodb::client& client, std::string_view table,
                               const migration_options& options) {
  if (options.batch_size < 1 || options.batch_size > max_batch_rows) {
    throw validation_error("The batch size must be between 1 and " +
                           std::to_string(max_batch_rows));
  }
  migration_result result;
  result.table = std::string(table);
  result.dry_run = options.dry_run;

  dynamodb::table_description description;
  with_retries([&] { description = client.describe_table(std::string(table)); });
  check_key_schema(description);
  check_index(description);

  // 1. Read every row once.
  note(options, "scanning table " + in_quotes(table));
  auto scanned = scan(client, table, options, true);
  result.rows_scanned = scanned.items;
  if (scanned.problem_total > 0) {
    throw validation_error("Table " + in_quotes(table) + ": migrate cannot handle " +
                           std::to_string(scanned.problem_total) +
                           " rows; fix them first (dynamo-es verify lists them too):" +
                           list_text(scanned.problems, scanned.problem_total));
  }

  // 2. Is anyone writing? The same rows, positions and counter after the quiet time.
  if (!options.force && scanned.legacy > 0) {
    note(options, "checking that nothing writes to the table (second scan in " +
                      std::to_string(options.quiet_time.count()) + " ms)");
    if (!sleep_unless_stopped(options, options.quiet_time)) {
      result.stopped_early = true;
      return result;
    }
    const auto again = scan(client, table, options, false);
    if (!(again.fingerprint == scanned.fingerprint)) {
      throw migration_conflict(
          "Table " + in_quotes(table) + " is being written to: it changed between two scans (" +
          std::to_string(scanned.items) + " rows, then " + std::to_string(again.items) +
          "). Stop every writer (including old PHP versions) and run migrate again, or pass "
          "--force");
    }
  }

  // 3. The plan.
  auto plan = plan_migration(std::move(scanned.rows), scanned.counter, table);
  scanned.rows.clear();
  result.event_rows = plan.already_positioned + static_cast<std::int64_t>(plan.rows.size());
  result.already_positioned = plan.already_positioned;
  result.to_assign = static_cast<std::int64_t>(plan.rows.size());
  result.counter_before = scanned.counter;
  result.counter_after = scanned.counter;
  result.warnings = plan.warnings;
  const bool counter_low = plan.highest_position > scanned.counter.value_or(0);
  if (!plan.rows.empty()) {
    result.first_position = plan.rows.front().position;
    result.last_position = plan.rows.back().position;
  }
  if (options.dry_run) {
    result.index_created = find_index(description) == nullptr;  // would be
    if (plan.rows.empty() && counter_low) {
      result.counter_raised = true;
      result.counter_after = plan.highest_position;
    } else if (!plan.rows.empty()) {
      result.counter_after = plan.rows.back().position;
    }
    return result;
  }
  result.first_position = 0;
  result.last_position = 0;

  // 4. The index.
  result.index_created = ensure_index(client, table, options);

  // 5. The positions, batch by batch, with the counter.
  if (plan.rows.empty()) {
    if (counter_low) {
      note(options,
           "raising the counter to the highest position " + std::to_string(plan.highest_position));
      raise_counter(client, table, scanned.counter, plan.highest_position);
      result.counter_raised = true;
      result.counter_after = plan.highest_position;
    }
    return result;
  }

  note(options, "assigning positions " + std::to_string(plan.rows.front().position) + ".." +
                    std::to_string(plan.rows.back().position) + " to " +
                    std::to_string(plan.rows.size()) + " rows");
  batch_writer writer(client, table, options, scanned.counter, plan.base + 1, result);
  table_fingerprint expected = scanned.fingerprint;
  std::int64_t written_total = 0;
  std::optional<std::int64_t> counter_seen = scanned.counter;  // as the fingerprint knows it
  bool counter_row_seen = scanned.counter_row;

  std::size_t next = 0;
  while (next < plan.rows.size()) {
    if ((options.stop_requested && options.stop_requested()) ||
        (options.max_rows && written_total >= *options.max_rows)) {
      result.stopped_early = true;
      break;
    }
    std::vector<const planned_row*> batch;
    std::size_t bytes = 0;
    std::size_t limit = options.batch_size;
    if (options.max_rows) {
      limit =
          std::min<std::size_t>(limit, static_cast<std::size_t>(*options.max_rows - written_total));
    }
    while (next < plan.rows.size() && batch.size() < limit &&
           (batch.empty() || bytes + plan.rows[next].item_bytes <= batch_byte_budget)) {
      bytes += plan.rows[next].item_bytes;
      batch.push_back(&plan.rows[next++]);
    }
    const auto written = writer.write(std::move(batch));
    for (const auto& [row, position] : written) {
      expected.remove(row->id, row->playhead, std::nullopt, std::nullopt);
      expected.add(row->id, row->playhead, position, std::nullopt);
      if (result.first_position == 0) result.first_position = position;
      result.last_position = position;
    }
    if (!written.empty()) {
      if (counter_row_seen) {
        expected.remove(layout::counter_id, attribute_value::number(layout::counter_playhead),
                        std::nullopt, counter_seen);
      }
      expected.add(layout::counter_id, attribute_value::number(layout::counter_playhead),
                   std::nullopt, writer.counter());
      counter_seen = writer.counter();
      counter_row_seen = true;
    }
    written_total += static_cast<std::int64_t>(written.size());
    result.assigned = written_total;
    result.counter_after = writer.counter();
    if (options.on_progress) options.on_progress(written_total, result.to_assign);
  }
  if (result.stopped_early) return result;

  // 6. Is the table what was planned?
  note(options, "checking the result (final scan)");
  const auto after = scan(client, table, options, false);
  if (after.fingerprint == expected) return result;
  const std::string change =
      after.legacy > 0 ? std::to_string(after.legacy) + " rows without a position appeared"
                       : "rows or positions changed";
  if (!options.force) {
    throw migration_conflict("Table " + in_quotes(table) +
                             " was written to during the migration: " + change +
                             ". Every planned row has its position; stop every writer "
                             "and run migrate again to place what was written meanwhile");
  }
  result.warnings.push_back("the table changed during the run (forced): " + change +
                            "; run migrate again once writers have stopped");
  return result;
}

// --- Output -------------------------------------------------------------------------------------

void print_migration(std::ostream& out, const migration_result& result) {
  out << "Table " << in_quotes(result.table) << ": " << result.rows_scanned << " rows, "
      << result.event_rows << " events, " << result.already_positioned
      << " already with a position, " << result.to_assign << " without.\n";
  if (result.index_created) {
    out << (result.dry_run ? "Would add" : "Added") << " the index " << layout::index_name << ".\n";
  }
  if (result.dry_run) {
    if (result.to_assign > 0) {
      out << "Would assign positions " << result.first_position << ".." << result.last_position
          << " in (RecordedOn, Id, Playhead) order and set the counter to "
          << shown(result.counter_after) << ".\n";
    } else if (result.counter_raised) {
      out << "Would raise the counter from " << shown(result.counter_before) << " to "
          << shown(result.counter_after) << ".\n";
    } else {
      out << "Nothing to do.\n";
    }
  } else if (result.assigned > 0) {
    out << "Assigned positions " << result.first_position << ".." << result.last_position << " to "
        << result.assigned << " rows; counter " << shown(result.counter_before) << " -> "
        << shown(result.counter_after) << ".\n";
  } else if (result.counter_raised) {
    out << "Raised the counter from " << shown(result.counter_before) << " to "
        << shown(result.counter_after) << ".\n";
  } else if (!result.stopped_early && !result.index_created) {
    out << "Nothing to do: every event row has a position.\n";
  }
  if (result.stopped_early) {
    out << "Stopped early: " << (result.to_assign - result.assigned)
        << " rows still have no position; run migrate again to continue.\n";
  }
  for (const auto& warning : result.warnings) out << "Warning: " << warning << "\n";
}

std::string migration_json(const migration_result& result) {
  nlohmann::ordered_json json;
  auto optional = [](const std::optional<std::int64_t>& value) {
    return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
  };
  json["table"] = result.table;
  json["dryRun"] = result.dry_run;
  json["indexCreated"] = result.index_created;
  json["rows"] = result.rows_scanned;
  json["events"] = result.event_rows;
  json["alreadyPositioned"] = result.already_positioned;
  json["withoutPosition"] = result.to_assign;
  json["assigned"] = result.assigned;
  json["firstPosition"] = result.first_position;
  json["lastPosition"] = result.last_position;
  json["counterBefore"] = optional(result.counter_before);
  json["counterAfter"] = optional(result.counter_after);
  json["counterRaised"] = result.counter_raised;
  json["complete"] = !result.stopped_early && result.assigned == result.to_assign;
  json["remaining"] = result.to_assign - result.assigned;
  json["warnings"] = result.warnings;
  return json.dump();
}

}  // namespace dynamo_es::cli
