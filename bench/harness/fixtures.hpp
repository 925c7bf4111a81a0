#pragma once

// The data and the hand-built requests of the workloads: the ~200-byte event, aggregate ids, and
// the pre-built request bodies of the floors, made with the library's own encoders so that a floor
// sends byte for byte the request the store would send.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/domain_event_stream.hpp"
#include "dynamo_es/domain_message.hpp"
#include "dynamo_es/dynamodb/client.hpp"

namespace dynamo_es::bench {

/// The benchmark event: payload class `Bench\Event\ItemAdded`, a JSON payload of about 200 bytes
/// (with characters that need escaping, as real payloads have), empty metadata, recorded now.
[[nodiscard]] domain_message bench_event(std::string_view aggregate_id, std::int64_t playhead);

/// A UUID-shaped aggregate id (36 characters) for number `n`: `b0000000-0000-4000-8000-<n>`.
[[nodiscard]] std::string aggregate_id(std::int64_t n);
/// The `n` of `aggregate_id(n)`; -1 for another id.
[[nodiscard]] std::int64_t aggregate_number(std::string_view id);

/// A single-event stream.
[[nodiscard]] domain_event_stream single(domain_message message);

/// The body of the store's append transaction for one event at `position`: the `_counter` update
/// (conditioned on `expected`, or on `attribute_not_exists` when nullopt; unconditioned when
/// `conditioned` is false), the committed claim row of the range [position, position] and the
/// event Put (both with the transaction's `CommitId`), with a fresh ClientRequestToken. The same
/// request `dynamodb_event_store::append` sends in the steady state of the serialised protocol.
[[nodiscard]] std::string append_transaction_body(std::string_view table,
                                                  const domain_message& event,
                                                  std::int64_t position,
                                                  std::optional<std::int64_t> expected,
                                                  bool conditioned = true);

/// The PHP package's reservation: UpdateItem `ADD #v :inc` on the counter, ReturnValues
/// UPDATED_NEW.
[[nodiscard]] std::string reserve_body(std::string_view table, std::int64_t count);
/// The last reserved position in the UpdateItem answer.
[[nodiscard]] std::int64_t reserved_position(const std::string& response_body);

/// The PHP package's commit of one event, split around the GlobalPosition literal:
/// `prefix + std::to_string(position) + suffix` is the TransactWriteItems body.
struct commit_template {
  std::string prefix;
  std::string suffix;
  [[nodiscard]] std::string body(std::int64_t position) const;
};
[[nodiscard]] commit_template php_commit_template(std::string_view table,
                                                  const domain_message& event);

/// The feed Query of the replay reader (GSI, `GlobalPosition > :after`, Limit), split around the
/// `:after` literal like `commit_template`.
[[nodiscard]] commit_template feed_query_template(std::string_view table, std::int64_t limit);

/// The replay reader's feed Query for the rows after `after` (typed, for the prefetching loop).
[[nodiscard]] dynamodb::query_request feed_query(std::string_view table, std::int64_t after,
                                                 std::int64_t limit);

/// The counter's value (consistent GetItem); nullopt when it has none.
[[nodiscard]] std::optional<std::int64_t> counter_value(const dynamodb::client& client,
                                                        std::string_view table);

/// Every GlobalPosition in the feed, ascending (reads the GSI to the end).
[[nodiscard]] std::vector<std::int64_t> feed_positions(const dynamodb::client& client,
                                                       std::string_view table);

/// Checks a table after a write workload: the feed holds exactly `events` events at distinct
/// positions, none beyond the counter (unless `counter_bounds` is false: the concurrent raw
/// floor's unconditioned counter ends at whichever write came last), and every position up to the
/// counter (or the last event) that holds no event is covered by a void claim (a range a writer
/// reserved and gave up, or a reader fenced), which is what "never skip" allows; the floors, which
/// write no void claims, must be dense. Returns the number of such voided positions. Throws
/// `std::runtime_error` naming `where` otherwise.
std::int64_t verify_positions(const dynamodb::client& client, std::string_view table,
                              std::int64_t events, std::string_view where,
                              bool counter_bounds = true);

/// Throws `std::runtime_error("<workload>/<variant>: <what>")` unless `ok`.
void check(bool ok, std::string_view where, std::string_view what);

}  // namespace dynamo_es::bench
