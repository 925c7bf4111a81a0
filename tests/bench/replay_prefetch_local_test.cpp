// detail::replay_prefetcher against DynamoDB Local: the replay reader's page assembly fed through
// the prefetcher delivers exactly what `visit_events` delivers, with the same Query
// requests (same checkpoints), one per page.

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dynamo_es/dynamodb_event_store.hpp"
#include "stores/dynamodb_gap_tracker.hpp"
#include "stores/dynamodb_replay_prefetch.hpp"
#include "stores/dynamodb_replay_reader.hpp"
#include "support/dynamodb_local.hpp"

namespace {

using namespace dynamo_es;

/// Keeps the body of every Query that passes.
class query_recorder final : public dynamodb::http_transport {
 public:
  explicit query_recorder(std::shared_ptr<dynamodb::http_transport> inner)
      : inner_(std::move(inner)) {}

  dynamodb::http_result send(const dynamodb::http_request& request) override {
    for (const auto& header : request.headers) {
      if (header.name == "X-Amz-Target" && header.value.ends_with(".Query")) {
        const std::lock_guard lock(mutex_);
        bodies_.push_back(request.body);
      }
    }
    return inner_->send(request);
  }

  std::vector<std::string> take() {
    const std::lock_guard lock(mutex_);
    return std::exchange(bodies_, {});
  }

 private:
  std::shared_ptr<dynamodb::http_transport> inner_;
  std::mutex mutex_;
  std::vector<std::string> bodies_;
};

dynamodb::query_request feed_query(const std::string& table, std::int64_t after,
                                   std::int64_t limit) {
  dynamodb::query_request request;
  request.table_name = table;
  request.index_name = "Feed-GlobalPosition-index";
  request.key_condition_expression = "Feed = :feed AND GlobalPosition > :after";
  request.expression_attribute_values.emplace(":feed", dynamodb::attribute_value::string("all"));
  request.expression_attribute_values.emplace(":after", dynamodb::attribute_value::number(after));
  request.limit = static_cast<std::int32_t>(limit);
  return request;
}

/// The `:after` of each recorded feed Query, in order.
std::vector<std::string> checkpoints(const std::vector<std::string>& bodies) {
  static const std::string marker = R"(":after":{"N":")";
  std::vector<std::string> out;
  for (const auto& body : bodies) {
    const auto at = body.find(marker);
    out.push_back(at == std::string::npos
                      ? "?"
                      : body.substr(at + marker.size(),
                                    body.find('"', at + marker.size()) - at - marker.size()));
  }
  return out;
}

TEST(ReplayPrefetchLocal, DeliversWhatVisitEventsDeliversWithTheSameRequests) {
  constexpr std::int64_t page_size = 40;
  auto options = dynamo_es::testing::dynamodb_local::shared().options("replay-prefetch");
  auto recorder = std::make_shared<query_recorder>(dynamodb::make_curl_transport());
  options.transport = recorder;
  const auto client = std::make_shared<const dynamodb::client>(options);
  dynamodb_event_store_options store_options;
  store_options.table_name = dynamo_es::testing::unique_table_name("replay-prefetch");
  store_options.replay_page_size = page_size;
  dynamodb_event_store store(client, store_options);
  store.create_table();

  // 130 events in aggregates of 1..9 events: pages of 40 end inside aggregates.
  int id = 0;
  for (std::int64_t written = 0; written < 130; ++id) {
    std::vector<domain_message> events;
    for (int p = 0; p <= id % 9 && written < 130; ++p, ++written) {
      events.push_back(domain_message::record_now(
          "agg-" + std::to_string(id), p, metadata::kv("n", std::to_string(written)),
          serialized_payload{"Test\\Event", R"({"n":)" + std::to_string(written) + "}"}));
    }
    store.append("agg-" + std::to_string(id), domain_event_stream(std::move(events)));
  }

  recorder->take();
  std::vector<domain_message> expected;
  store.visit_events(criteria::create(), [&](const domain_message& m) { expected.push_back(m); });
  const auto sequential_requests = recorder->take();

  detail::gap_tracker tracker(std::chrono::seconds(10));
  std::vector<domain_message> delivered;
  {
    detail::replay_prefetcher prefetch([&](std::int64_t after) {
      return client->query(feed_query(store_options.table_name, after, page_size));
    });
    std::int64_t checkpoint = 0;
    for (;;) {
      const auto response = prefetch.next(checkpoint);
      const auto read = detail::assemble_replay_page(
          response.items, !response.last_evaluated_key.empty(), criteria::create(), checkpoint,
          store_options.table_name, tracker, [](const skipped_gap&) {});
      ASSERT_FALSE(read.stopped_at);
      for (const auto& event : read.page.events()) delivered.push_back(event.message);
      if (!read.page.has_more()) break;
      checkpoint = read.page.last_processed_global_position();
    }
    EXPECT_EQ(prefetch.stats().used, prefetch.stats().fetched_ahead);
    EXPECT_EQ(prefetch.stats().fetched_now, 1u);
  }
  const auto pipelined_requests = recorder->take();

  EXPECT_EQ(delivered.size(), 130u);
  EXPECT_EQ(delivered, expected);
  // 130 rows in pages of 40: 4 pages, the last one short.
  EXPECT_EQ(checkpoints(sequential_requests), (std::vector<std::string>{"0", "40", "80", "120"}));
  EXPECT_EQ(checkpoints(pipelined_requests), checkpoints(sequential_requests));
  store.delete_table();
}

}  // namespace
