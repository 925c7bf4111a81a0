// The facade: option checks, then each call handed to the part that does one job (append limits,
// position allocator, stream reader, replay reader, table admin).

#include "dynamo_es/dynamodb_event_store.hpp"

#include <algorithm>
#include <cmath>
#include <future>
#include <utility>

#include "domain/append_validation.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/event_store_errors.hpp"
#include "stores/dynamodb_append_batch.hpp"
#include "stores/dynamodb_append_limits.hpp"
#include "stores/dynamodb_group_commit.hpp"
#include "stores/dynamodb_position_allocator.hpp"
#include "stores/dynamodb_replay_reader.hpp"
#include "stores/dynamodb_store_counters.hpp"
#include "stores/dynamodb_stream_reader.hpp"
#include "stores/dynamodb_table_admin.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es {
namespace {

bool is_table_name_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

void validate_options(const dynamodb_event_store_options& options) {
  const auto& name = options.table_name;
  if (name.size() < 3 || name.size() > 255 ||
      !std::all_of(name.begin(), name.end(), is_table_name_character)) {
    throw validation_error("Invalid dynamodb_event_store_options::table_name \"" + name +
                           "\": DynamoDB table names are 3-255 characters of a-z, A-Z, 0-9, "
                           "'_', '-' and '.'");
  }
  if (options.replay_page_size < 1) {
    throw validation_error("Invalid dynamodb_event_store_options::replay_page_size " +
                           std::to_string(options.replay_page_size) + ": must be at least 1");
  }
  if (options.gap_timeout.count() < 0 || options.table_wait_timeout.count() < 0 ||
      options.append_retry.initial_backoff.count() < 0 ||
      options.append_retry.max_backoff.count() < 0) {
    throw validation_error("Invalid dynamodb_event_store_options for table \"" + name +
                           "\": durations must not be negative");
  }
  if (options.bad_rows != bad_row_policy::stop && options.bad_rows != bad_row_policy::skip) {
    throw validation_error("Invalid dynamodb_event_store_options::bad_rows " +
                           std::to_string(static_cast<int>(options.bad_rows)) +
                           ": must be bad_row_policy::stop or bad_row_policy::skip");
  }
  if (options.append_retry.max_attempts < 1) {
    throw validation_error("Invalid dynamodb_event_store_options::append_retry.max_attempts " +
                           std::to_string(options.append_retry.max_attempts) +
                           ": must be at least 1");
  }
  if (options.protocol != append_protocol::adaptive &&
      options.protocol != append_protocol::serialised &&
      options.protocol != append_protocol::reservation) {
    throw validation_error("Invalid dynamodb_event_store_options::protocol " +
                           std::to_string(static_cast<int>(options.protocol)) +
                           ": must be append_protocol::adaptive, serialised or reservation");
  }
  if (!std::isfinite(options.adaptive.switch_at) || options.adaptive.switch_at < 0) {
    throw validation_error("Invalid dynamodb_event_store_options::adaptive.switch_at " +
                           std::to_string(options.adaptive.switch_at) +
                           ": must be a finite number >= 0 (lost races per append)");
  }
  if (options.adaptive.reservation_period.count() < 0) {
    throw validation_error("Invalid dynamodb_event_store_options::adaptive.reservation_period " +
                           std::to_string(options.adaptive.reservation_period.count()) +
                           " ms: must not be negative");
  }
  if (options.adaptive.hand_over_after_races < 1) {
    throw validation_error("Invalid dynamodb_event_store_options::adaptive.hand_over_after_races " +
                           std::to_string(options.adaptive.hand_over_after_races) +
                           ": must be at least 1 (lost races in a row)");
  }
  if (options.group_commit.max_delay.count() < 0) {
    throw validation_error("Invalid dynamodb_event_store_options::group_commit.max_delay " +
                           std::to_string(options.group_commit.max_delay.count()) +
                           " us: must not be negative");
  }
  if (options.group_commit.refill_delay.count() < 0) {
    throw validation_error("Invalid dynamodb_event_store_options::group_commit.refill_delay " +
                           std::to_string(options.group_commit.refill_delay.count()) +
                           " us: must not be negative");
  }
  if (options.group_commit.max_appends < 1 ||
      options.group_commit.max_appends > detail::table_layout::max_events_per_append) {
    throw validation_error("Invalid dynamodb_event_store_options::group_commit.max_appends " +
                           std::to_string(options.group_commit.max_appends) + ": must be 1-" +
                           std::to_string(detail::table_layout::max_events_per_append) +
                           " (appends per transaction)");
  }
}

std::shared_ptr<const dynamodb::client> require(std::shared_ptr<const dynamodb::client> client) {
  if (!client) throw validation_error("dynamodb_event_store needs a client, got a null pointer");
  return client;
}

}  // namespace

class dynamodb_event_store::impl {
 public:
  impl(std::shared_ptr<const dynamodb::client> client, dynamodb_event_store_options options)
      : client_(require(std::move(client))),
        options_((validate_options(options), std::move(options))),
        allocator_(detail::make_position_allocator(client_, options_, counters_)),
        replay_(client_, options_.table_name, options_.gap_timeout, options_.on_gap_skipped,
                options_.bad_rows, options_.on_bad_row, counters_),
        committer_(*allocator_, options_.group_commit) {}

  const dynamodb::client& client() const { return *client_; }
  const dynamodb_event_store_options& options() const { return options_; }
  const std::string& table() const { return options_.table_name; }

  std::vector<domain_message> read(std::string_view id, std::optional<std::int64_t> from) const {
    return detail::read_aggregate_events(*client_, table(), id, from,
                                         options_.consistent_aggregate_reads);
  }

  void append(std::string_view id, const domain_event_stream& stream) {
    detail::validate_append(id, stream);
    if (stream.empty()) return;  // nothing to write, nothing sent
    auto checked = detail::encode_and_check_append(id, stream);
    detail::pending_append pending(std::string(id), stream, std::move(checked.items),
                                   checked.transaction_bytes);
    committer_.commit(pending);
    if (pending.failure) std::rethrow_exception(pending.failure);
    if (!pending.first_position) {
      throw error("Append to aggregate \"" + pending.aggregate_id +
                  "\" was not settled by the append protocol; its outcome is unknown");
    }
  }

  std::future<void> append_async(std::string id, domain_event_stream stream) {
    // Everything that can refuse the input runs here, on the caller's thread, before queuing.
    detail::validate_append(id, stream);
    if (stream.empty()) {
      std::promise<void> done;
      done.set_value();
      return done.get_future();
    }
    auto checked = detail::encode_and_check_append(id, stream);
    return committer_.commit_async(detail::pending_append(
        std::move(id), std::move(stream), std::move(checked.items), checked.transaction_bytes));
  }

  detail::replay_reader& replay() { return replay_; }

  dynamodb_event_store_statistics statistics() const {
    const auto read = [](const std::atomic<std::uint64_t>& c) {
      return c.load(std::memory_order_relaxed);
    };
    // By name, so a field added to the struct cannot shift the others.
    dynamodb_event_store_statistics result;
    result.appends = read(counters_.appends);
    result.counter_races = read(counters_.counter_races);
    result.transient_retries = read(counters_.transient_retries);
    result.gap_waits = read(counters_.gap_waits);
    result.skipped_gaps = read(counters_.skipped_gaps);
    result.skipped_positions = read(counters_.skipped_positions);
    result.ambiguous_appends = read(counters_.ambiguous_appends);
    result.recognised_commits = read(counters_.recognised_commits);
    result.unknown_commits = read(counters_.unknown_commits);
    result.bad_rows_skipped = read(counters_.bad_rows_skipped);
    result.reservations = read(counters_.reservations);
    result.void_claims = read(counters_.void_claims);
    result.fenced_commits = read(counters_.fenced_commits);
    result.fenced_positions = read(counters_.fenced_positions);
    result.void_positions_passed = read(counters_.void_positions_passed);
    result.protocol_switches = read(counters_.protocol_switches);
    result.hand_overs = read(counters_.hand_overs);
    result.commit_transactions = read(counters_.commit_transactions);
    return result;
  }

 private:
  std::shared_ptr<const dynamodb::client> client_;
  dynamodb_event_store_options options_;
  detail::store_counters counters_;
  std::unique_ptr<detail::position_allocator> allocator_;
  detail::replay_reader replay_;
  // Last: destroyed first, so that its drain still has the allocator, client and counters.
  detail::group_committer committer_;
};

dynamodb_event_store::dynamodb_event_store(std::shared_ptr<const dynamodb::client> client,
                                           dynamodb_event_store_options options)
    : impl_(std::make_unique<impl>(std::move(client), std::move(options))) {}

dynamodb_event_store::dynamodb_event_store(dynamodb::client client,
                                           dynamodb_event_store_options options)
    : dynamodb_event_store(std::make_shared<const dynamodb::client>(std::move(client)),
                           std::move(options)) {}

dynamodb_event_store::dynamodb_event_store(std::shared_ptr<const dynamodb::client> client,
                                           std::string table_name)
    : dynamodb_event_store(std::move(client), [&] {
        dynamodb_event_store_options options;
        options.table_name = std::move(table_name);
        return options;
      }()) {}

dynamodb_event_store::~dynamodb_event_store() = default;
dynamodb_event_store::dynamodb_event_store(dynamodb_event_store&&) noexcept = default;
dynamodb_event_store& dynamodb_event_store::operator=(dynamodb_event_store&&) noexcept = default;

void dynamodb_event_store::create_table() {
  detail::create_event_table(impl_->client(), impl_->table(), impl_->options().table_wait_timeout);
}

bool dynamodb_event_store::create_table_if_not_exists() {
  return detail::create_event_table_if_not_exists(impl_->client(), impl_->table(),
                                                  impl_->options().table_wait_timeout);
}

void dynamodb_event_store::delete_table() {
  detail::delete_event_table(impl_->client(), impl_->table(), impl_->options().table_wait_timeout);
}

void dynamodb_event_store::verify_table_schema() {
  detail::verify_event_table(impl_->client(), impl_->table());
}

const std::string& dynamodb_event_store::table_name() const noexcept {
  return impl_->table();
}

const dynamodb_event_store_options& dynamodb_event_store::options() const noexcept {
  return impl_->options();
}

dynamodb_event_store_statistics dynamodb_event_store::statistics() const {
  return impl_->statistics();
}

domain_event_stream dynamodb_event_store::do_load(std::string_view id) {
  auto events = impl_->read(id, std::nullopt);
  // NotFound is decided after every page, on event rows only (W15): a table whose only row for
  // the id is not an event (load("_counter")) has no stream either.
  if (events.empty()) throw event_stream_not_found(std::string(id), impl_->table());
  return domain_event_stream(std::move(events));
}

domain_event_stream dynamodb_event_store::do_load_from_playhead(std::string_view id,
                                                                std::int64_t from_playhead) {
  return domain_event_stream(impl_->read(id, from_playhead));
}

std::future<void> dynamodb_event_store::append_async(std::string aggregate_id,
                                                     domain_event_stream stream) {
  return impl_->append_async(std::move(aggregate_id), std::move(stream));
}

void dynamodb_event_store::do_append(std::string_view id, const domain_event_stream& stream) {
  impl_->append(id, stream);
}

void dynamodb_event_store::do_visit_events(const criteria& filter, event_visitor& visitor) {
  impl_->replay().visit(filter, visitor, impl_->options().replay_page_size,
                        impl_->options().pipelined_replay);
}

replay_page dynamodb_event_store::do_load_replay_page_after_global_position(const criteria& filter,
                                                                            std::int64_t after,
                                                                            std::int64_t limit) {
  return impl_->replay().read_page(filter, after, limit).page;
}

}  // namespace dynamo_es
