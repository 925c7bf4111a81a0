// import: restores an export into an empty table, every row at its original global position,
// writes a void claim for every position the export did not hold (so that readers pass it at
// once instead of waiting for their gap timeout), then sets the counter after the highest one.

#include <fmt/core.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli/command.hpp"
#include "cli/event_line.hpp"
#include "cli/interrupt.hpp"
#include "cli/output.hpp"
#include "cli/table_reads.hpp"
#include "dynamo_es/dynamodb/errors.hpp"
#include "stores/dynamodb_claims.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_item_size.hpp"
#include "stores/dynamodb_table_admin.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::cli {
namespace {

namespace layout = detail::table_layout;
using dynamodb::attribute_value;

constexpr int max_attempts = 8;
// Room for the request's own bytes under DynamoDB's 4 MB per transaction.
constexpr std::size_t batch_bytes = layout::max_transaction_bytes - 64 * 1024;

std::string random_token() {
  std::random_device device;
  std::mt19937_64 engine(device());
  // DynamoDB allows 36 characters; the batch number is appended after a '-'.
  return fmt::format("imp{:016x}{:04x}", engine(), engine() & 0xffffU);
}

struct pending_row {
  dynamodb::attribute_map row;
  std::string where;
};

// Writes rows in transactions of up to 100, each row only if its (Id, Playhead) is free.
class batch_writer {
 public:
  batch_writer(const dynamodb::client& client, std::string table)
      : client_(client), table_(std::move(table)), token_prefix_(random_token()) {}

  void add(dynamodb::attribute_map row, std::string where) {
    const std::size_t size = detail::item_size(row);
    if (size > layout::max_item_bytes) {
      throw validation_error(fmt::format("{}: the event is {} bytes, over DynamoDB's {} per item",
                                         where, size, layout::max_item_bytes));
    }
    if (rows_.size() == layout::max_transaction_actions || bytes_ + size > batch_bytes) flush();
    bytes_ += size;
    rows_.push_back({std::move(row), std::move(where)});
  }

  void flush() {
    if (rows_.empty()) return;
    dynamodb::transact_write_items_request request;
    // The same token on every attempt: a retry after a lost answer is never applied twice.
    request.client_request_token = fmt::format("{}-{}", token_prefix_, batches_++);
    for (const auto& pending : rows_) {
      dynamodb::transact_put put;
      put.table_name = table_;
      put.item = pending.row;
      put.condition_expression = std::string(layout::event_put_condition);
      request.transact_items.emplace_back(std::move(put));
    }
    for (int attempt = 1;; ++attempt) {
      try {
        client_.transact_write_items(request);
        break;
      } catch (const dynamodb::transaction_canceled& e) {
        const auto& reasons = e.cancellation_reasons();
        for (std::size_t i = 0; i < reasons.size() && i < rows_.size(); ++i) {
          if (reasons[i].is_conditional_check_failed()) {
            throw conflict_error(rows_[i].where + ": " +
                                 detail::describe_row(rows_[i].row, table_) +
                                 " already exists; nothing of this batch was written");
          }
        }
        if (!e.retryable() || attempt == max_attempts) throw;
      } catch (const dynamodb::dynamodb_error& e) {
        if (!e.retryable() || attempt == max_attempts) throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1000, 25 << attempt)));
    }
    written_ += rows_.size();
    rows_.clear();
    bytes_ = 0;
  }

  [[nodiscard]] std::uint64_t written() const noexcept { return written_; }

 private:
  const dynamodb::client& client_;
  std::string table_;
  std::string token_prefix_;
  std::vector<pending_row> rows_;
  std::size_t bytes_ = 0;
  std::uint64_t batches_ = 0;
  std::uint64_t written_ = 0;
};

// Moves the counter up to `position` (never down: with --allow-non-empty it may be ahead).
void raise_counter(const dynamodb::client& client, const std::string& table,
                   std::int64_t position) {
  dynamodb::update_item_request request;
  request.table_name = table;
  request.key = detail::event_key(layout::counter_id, layout::counter_playhead);
  request.update_expression = "SET #v = :position";
  request.condition_expression = "attribute_not_exists(#v) OR #v < :position";
  request.expression_attribute_names.emplace("#v", std::string(layout::counter_value));
  request.expression_attribute_values.emplace(":position", attribute_value::number(position));
  try {
    client.update_item(request);
  } catch (const dynamodb::conditional_check_failed&) {
    // Already at or past `position`.
  }
}

std::optional<std::uint64_t> file_size(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0 || !S_ISREG(info.st_mode)) return std::nullopt;
  return static_cast<std::uint64_t>(info.st_size);
}

}  // namespace

// Positions first..last, none of them in the export.
struct missing_range {
  std::int64_t first = 0;
  std::int64_t last = 0;
};

// Void claims (at most max_claim_length positions each) for `holes`; returns how many were written.
// A claim already at a hole's first position is left as it is.
std::uint64_t void_holes(const dynamodb::client& client, const std::string& table,
                         const std::vector<missing_range>& holes) {
  std::uint64_t written = 0;
  for (const auto& hole : holes) {
    for (auto first = hole.first; first <= hole.last; first += layout::max_claim_length) {
      const auto length = std::min(layout::max_claim_length, hole.last - first + 1);
      if (detail::put_void_claim(client, table, first, length, layout::claim_voided_by_import)) {
        ++written;
      }
    }
  }
  return written;
}

void add_import_command(CLI::App& app, command_context& ctx) {
  struct options {
    std::string in;
    bool allow_non_empty = false;
  };
  auto opts = std::make_shared<options>();
  auto* cmd = app.add_subcommand(
      "import",
      "Restore event lines written by export: each event at its original global position, then "
      "the counter; refuses a non-empty table");
  cmd->add_option("--in,-i", opts->in, "Read FILE (default stdin)")->option_text("FILE");
  cmd->add_flag("--allow-non-empty,--force", opts->allow_non_empty,
                "Import into a table that already has items (rows keep their positions: make "
                "sure they do not collide; the counter only moves up)");
  cmd->footer(R"(
Lines must be in global order (as export writes them) and carry id, playhead, globalPosition,
recordedOn and payload. Rows are written 100 per transaction, each only where its (Id, Playhead)
is free. Importing into an empty table reproduces the exported table: exporting it again gives
the same bytes. The positions the export did not hold (burned or voided in the source) get void
claims, so readers pass them at once (not with --allow-non-empty: they may be other rows'). A progress bar is drawn on stderr when it is a terminal; one summary line always.

Examples:
  dynamo-es --table events-copy create-table
  dynamo-es --table events-copy import --in events-2024-06-01.jsonl
  gunzip -c events.jsonl.gz | dynamo-es --table events-copy import
Exit codes: 0 imported, 2 no such table, 3 table not empty or a row exists, 4 invalid line.)");
  cmd->callback([&ctx, opts] {
    const auto& table = require_table(ctx.globals);
    const auto client = make_client(ctx.globals);
    const auto description = client->describe_table(table);
    const auto differences = detail::schema_differences(description);
    if (!differences.empty()) {
      std::string message = "Table \"" + table + "\" does not have the event-store schema:";
      for (const auto& difference : differences) message += " " + difference;
      throw conflict_error(message);
    }
    if (!opts->allow_non_empty && table_has_items(*client, table)) {
      throw conflict_error("Table \"" + table +
                           "\" is not empty; import restores into an empty table (pass "
                           "--allow-non-empty to add to it)");
    }

    std::ifstream file;
    const bool from_file = !opts->in.empty() && opts->in != "-";
    if (from_file) {
      file.open(opts->in, std::ios::binary);
      if (!file) throw error("Cannot open " + opts->in + ": " + std::strerror(errno));
    }
    std::istream& input = from_file ? static_cast<std::istream&>(file) : std::cin;
    const std::string source = from_file ? opts->in : std::string("stdin");
    progress bar("importing", from_file ? file_size(opts->in) : std::nullopt);
    install_stop_handlers();

    batch_writer writer(*client, table);
    std::optional<std::int64_t> first;
    std::optional<std::int64_t> last;
    // Positions up to the last imported one that the export did not hold: they will never get an
    // event (the counter goes past them).
    std::vector<missing_range> holes;
    std::uint64_t bytes = 0;
    std::uint64_t lines = 0;
    bool interrupted = false;
    std::string text;
    for (std::size_t number = 1; std::getline(input, text); ++number) {
      bytes += text.size() + 1;
      if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
      const std::string where = source + " line " + std::to_string(number);
      auto row = row_from_line(parse_event_line(text, where), where);
      const auto position = row.at(std::string(layout::global_position)).as_int64();
      if (last && position <= *last) {
        throw validation_error(where + ": globalPosition " + std::to_string(position) +
                               " does not follow " + std::to_string(*last) +
                               "; import needs the lines in global order, as export writes them");
      }
      const auto expected = last ? *last + 1 : 1;
      if (position > expected) holes.push_back({expected, position - 1});
      if (!first) first = position;
      last = position;
      writer.add(std::move(row), where);
      ++lines;
      bar.update(writer.written(), bytes);
      if (stop_requested()) {
        interrupted = true;
        break;
      }
    }
    if (input.bad()) throw error("Cannot read " + source);
    writer.flush();
    // In a table that had other rows, a hole may be another writer's position: leave it alone.
    std::int64_t void_positions = 0;
    std::uint64_t void_claims = 0;
    if (!opts->allow_non_empty) {
      void_claims = void_holes(*client, table, holes);
      for (const auto& hole : holes) void_positions += hole.last - hole.first + 1;
    }
    // The counter goes last, after every row: import into a table nobody else writes to meanwhile
    // (an append would take positions the import is about to reuse).
    if (last) raise_counter(*client, table, *last);

    std::string summary = fmt::format("imported {} events", writer.written());
    if (first) summary += fmt::format(" (global positions {}..{})", *first, *last);
    summary += fmt::format(" from {} into table \"{}\"", source, table);
    if (void_claims > 0) {
      summary += fmt::format("; {} void claims for the {} positions it did not hold", void_claims,
                             void_positions);
    }
    if (last) summary += fmt::format("; counter at least {}", *last);
    bar.finish(writer.written(), summary);
    if (interrupted) {
      throw error("Import interrupted after " + std::to_string(lines) + " lines of " + source +
                  "; the rows written so far are in the table");
    }
  });
}

}  // namespace dynamo_es::cli
