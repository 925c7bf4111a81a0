#pragma once

// Shared by the DynamoDB store's integration tests: a transport that forwards to DynamoDB Local
// and records (or edits) what passes, a fixture with a fresh table per test, and small builders.

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/domain_event_stream.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb/http_transport.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"

namespace dynamo_es::store_testing {

/// One request that passed through a `recording_transport`.
struct recorded_request {
  std::string operation;  ///< "Query", "TransactWriteItems", ...
  std::string body;
};

/// Forwards every request to the real transport (DynamoDB Local) and records it; an optional
/// editor may change the response before the client sees it (see `index_lag`). Thread-safe.
class recording_transport final : public dynamodb::http_transport {
 public:
  using editor = std::function<void(const dynamodb::http_request& request,
                                    std::string_view operation, dynamodb::http_result& result)>;

  explicit recording_transport(std::shared_ptr<dynamodb::http_transport> inner);

  dynamodb::http_result send(const dynamodb::http_request& request) override;

  void set_editor(editor edit);
  [[nodiscard]] std::vector<recorded_request> requests() const;
  /// Requests of `operation` since the last `clear`.
  [[nodiscard]] std::size_t count(std::string_view operation) const;
  [[nodiscard]] std::size_t total() const;
  void clear();

 private:
  std::shared_ptr<dynamodb::http_transport> inner_;
  mutable std::mutex mutex_;
  editor editor_;
  std::vector<recorded_request> requests_;
};

/// A response editor that imitates a lagging global secondary index, which DynamoDB Local cannot
/// (its GSIs are updated synchronously): a hidden position is removed from the next `reads` GSI
/// Query responses that contain it, then shows again. The rest of the response is left as
/// DynamoDB sent it, so the store's real code path reads it. Thread-safe.
class index_lag {
 public:
  /// Hides `position` from the next `reads` responses that would contain it.
  void hide(std::int64_t position, int reads);
  /// How many times a position was actually removed from a response.
  [[nodiscard]] int hidden_count() const;

  void operator()(const dynamodb::http_request& request, std::string_view operation,
                  dynamodb::http_result& result);

 private:
  mutable std::mutex mutex_;
  std::map<std::int64_t, int> remaining_;
  int hidden_ = 0;
};

/// A fresh table per test, with a store on it and the recording transport under its client.
class store_fixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Options for another store on this test's table.
  [[nodiscard]] dynamodb_event_store_options options() const;
  /// Another store instance on the same table (a second writer), sharing the client.
  [[nodiscard]] std::unique_ptr<dynamodb_event_store> another_store(
      dynamodb_event_store_options options) const;

  /// The counter row's `Value`, read consistently with the raw client (-1 when absent).
  [[nodiscard]] std::int64_t counter() const;
  /// The PHP package's reservation of `count` positions: UpdateItem `ADD #v :inc` on the counter.
  void php_reserve(std::int64_t count) const;
  /// Writes `item` as is with the raw client (rows other writers could leave behind).
  void put_raw(dynamodb::attribute_map item) const;
  /// The feed's positions, read with a page size of 1000 (stops at a gap it may not pass).
  [[nodiscard]] std::vector<std::int64_t> feed_positions();

  std::shared_ptr<recording_transport> transport_;
  std::shared_ptr<const dynamodb::client> client_;
  std::string table_;
  std::unique_ptr<dynamodb_event_store> store_;
};

/// `{"p":"x...x"}` with `payload_bytes` x's (0: `[]`), recorded at a fixed date.
[[nodiscard]] domain_message make_event(const std::string& id, std::int64_t playhead,
                                        std::size_t payload_bytes = 0);
/// Events `first` .. `first + count - 1` of `id`.
[[nodiscard]] domain_event_stream make_events(const std::string& id, std::int64_t first,
                                              std::size_t count, std::size_t payload_bytes = 0);

}  // namespace dynamo_es::store_testing
