// Reads against DynamoDB Local: load follows every page, rows written by the PHP package load,
// replay skips rows that are not events without stalling, page semantics of W16.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "dynamo_es/event_store_errors.hpp"
#include "integration/store/store_test_support.hpp"

namespace dynamo_es::store_testing {
namespace {

using dynamodb::attribute_map;
using dynamodb::attribute_value;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class dynamodb_store_read : public store_fixture {
 protected:
  void append_in_batches(const std::string& id, std::size_t count, std::size_t payload_bytes) {
    for (std::size_t first = 0; first < count; first += 98) {
      const auto n = std::min<std::size_t>(98, count - first);
      store_->append(id, make_events(id, static_cast<std::int64_t>(first), n, payload_bytes));
    }
  }

  /// Queries sent by `load(id)` of a stream of `count` events of `payload_bytes` each.
  std::size_t queries_to_load(const std::string& id, std::size_t count, std::size_t payload_bytes) {
    append_in_batches(id, count, payload_bytes);
    transport_->clear();
    const auto loaded = store_->load(id);
    EXPECT_EQ(loaded, make_events(id, 0, count, payload_bytes));
    EXPECT_EQ(transport_->total(), transport_->count("Query"));
    return transport_->count("Query");
  }
};

TEST_F(dynamodb_store_read, loading_1000_small_events_is_one_query) {
  // About 240 bytes per row: the whole stream is under DynamoDB's 1 MB page.
  const auto queries = queries_to_load("small", 1000, 16);
  std::cout << "[ figure ] load of 1000 events of ~240 B: " << queries << " Query request(s)\n";
  EXPECT_EQ(queries, 1u);
}

TEST_F(dynamodb_store_read, loading_follows_every_page) {
  // About 2.2 KB per row, 2.2 MB in all: DynamoDB pages at 1 MB, the store follows every page.
  const auto queries = queries_to_load("large", 1000, 2000);
  std::cout << "[ figure ] load of 1000 events of ~2.2 KB: " << queries << " Query requests\n";
  EXPECT_GE(queries, 3u);
}

TEST_F(dynamodb_store_read, consistent_reads_follow_the_option) {
  store_->append("A", make_events("A", 0, 1));
  transport_->clear();
  static_cast<void>(store_->load("A"));
  static_cast<void>(store_->load_from_playhead("A", 0));
  auto consistent_options = options();
  consistent_options.consistent_aggregate_reads = true;
  const auto consistent = another_store(consistent_options);
  static_cast<void>(consistent->load("A"));
  static_cast<void>(consistent->load_from_playhead("A", 0));
  static_cast<void>(consistent->load_replay_page_after_global_position(criteria::create(), 0, 10));
  const auto requests = transport_->requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_THAT(requests[0].body, HasSubstr("\"ConsistentRead\":false"));
  EXPECT_THAT(requests[1].body, HasSubstr("\"ConsistentRead\":false"));
  EXPECT_THAT(requests[2].body, HasSubstr("\"ConsistentRead\":true"));
  EXPECT_THAT(requests[3].body, HasSubstr("\"ConsistentRead\":true"));
  // GSIs reject consistent reads: replay never asks for them.
  EXPECT_THAT(requests[4].body, HasSubstr("\"ConsistentRead\":false"));
}

// Rows as the PHP package writes them: its JSON escapes, float spelling, `[]` for empty maps, a
// legacy row without Feed/GlobalPosition, an attribute we do not know.
TEST_F(dynamodb_store_read, rows_written_by_the_php_package_load) {
  put_raw(dynamodb::item_from_json(R"({
    "Id": {"S": "php"}, "Playhead": {"N": "0"}, "Feed": {"S": "all"}, "GlobalPosition": {"N": "1"},
    "Metadata": {"M": {"Class": {"S": "Broadway\\Domain\\Metadata"},
                       "Payload": {"S": "{\"user\":\"u\\/1\",\"u\":\"\\u00e9\\ud83d\\ude00\",\"f\":1.0e+20}"}}},
    "Payload": {"M": {"Class": {"S": "App\\Opened"}, "Payload": {"S": "[]"}}},
    "RecordedOn": {"S": "2026-05-01T00:00:00.000000+00:00"},
    "Type": {"S": "App.Opened"}, "Unknown": {"L": [{"N": "1"}]}})"));
  put_raw(dynamodb::item_from_json(R"({
    "Id": {"S": "php"}, "Playhead": {"N": "1"},
    "Metadata": {"M": {"Class": {"S": "Broadway\\Domain\\Metadata"}, "Payload": {"S": "[]"}}},
    "Payload": {"M": {"Class": {"S": "App\\Renamed"}, "Payload": {"S": "{\"name\":\"a\\/b\"}"}}},
    "RecordedOn": {"S": "2014-01-01T01:01:01.123456+02:00"}, "Type": {"S": "App.Renamed"}})"));
  const domain_event_stream expected{
      domain_message(
          "php", 0,
          metadata({{"user", R"("u/1")"}, {"u", "\"\xc3\xa9\xf0\x9f\x98\x80\""}, {"f", "1e20"}}),
          serialized_payload{"App\\Opened", "[]"},
          date_time::from_string("2026-05-01T00:00:00.000000+00:00")),
      domain_message("php", 1, metadata{}, serialized_payload{"App\\Renamed", R"({"name":"a/b"})"},
                     date_time::from_string("2014-01-01T01:01:01.123456+02:00"))};
  EXPECT_EQ(store_->load("php"), expected);
  // The legacy row has no GlobalPosition, so it is not in the feed (W22).
  const auto page = store_->load_replay_page_after_global_position(criteria::create(), 0, 10);
  ASSERT_EQ(page.events().size(), 1u);
  EXPECT_EQ(page.events()[0].message, expected[0]);
}

// W20: DynamoDB stores 38 digits; a playhead beyond int64 is an error naming attribute and row.
TEST_F(dynamodb_store_read, a_number_beyond_int64_names_the_attribute_and_the_row) {
  auto row = dynamodb::item_from_json(R"({
    "Id": {"S": "huge"}, "Playhead": {"N": "9223372036854775808"},
    "Metadata": {"M": {"Class": {"S": "Broadway\\Domain\\Metadata"}, "Payload": {"S": "[]"}}},
    "Payload": {"M": {"Class": {"S": "App\\E"}, "Payload": {"S": "[]"}}},
    "RecordedOn": {"S": "2026-05-01T00:00:00.000000+00:00"}})");
  put_raw(row);
  try {
    static_cast<void>(store_->load("huge"));
    FAIL() << "expected serialization_error";
  } catch (const serialization_error& e) {
    EXPECT_THAT(e.what(),
                AllOf(HasSubstr("\"Playhead\""), HasSubstr("9223372036854775808"),
                      HasSubstr("table \"" + table_ + "\""), HasSubstr("aggregate \"huge\"")));
  }
}

// W7/W8: rows in the feed without Metadata (written here with the raw client, as three
// `_counter` events of an old PHP version would be) are skipped, and the checkpoint moves over
// them, so page size 2 still reaches the event behind them.
TEST_F(dynamodb_store_read, feed_rows_without_metadata_are_skipped_and_passed) {
  store_->append("A", make_events("A", 0, 1));
  for (std::int64_t position = 2; position <= 4; ++position) {
    put_raw({{"Id", attribute_value::string("_counter")},
             {"Playhead", attribute_value::number(position - 1)},
             {"Feed", attribute_value::string("all")},
             {"GlobalPosition", attribute_value::number(position)}});
  }
  php_reserve(3);  // the counter covers the positions written by hand
  store_->append("B", make_events("B", 0, 1));

  const auto page = store_->load_replay_page_after_global_position(criteria::create(), 1, 2);
  EXPECT_TRUE(page.events().empty());
  EXPECT_EQ(page.last_processed_global_position(), 3);
  EXPECT_TRUE(page.has_more());

  auto small_pages = options();
  small_pages.replay_page_size = 2;
  std::vector<std::string> seen;
  another_store(small_pages)->visit_events(criteria::create(), [&](const domain_message& m) {
    seen.push_back(m.id());
  });
  EXPECT_THAT(seen, ElementsAre("A", "B"));
  EXPECT_THROW(static_cast<void>(store_->load("_counter")), event_stream_not_found);
}

// W16: N events with page size 1 are N + 1 queries and every event once, in order.
TEST_F(dynamodb_store_read, w16_page_size_one_drains_every_event_in_order) {
  constexpr std::size_t n = 7;
  for (std::size_t i = 0; i < n; ++i) {
    store_->append("E" + std::to_string(i), make_events("E" + std::to_string(i), 0, 1));
  }
  auto one = options();
  one.replay_page_size = 1;
  const auto reader = another_store(one);
  transport_->clear();
  std::vector<std::string> seen;
  reader->visit_events(criteria::create(),
                       [&](const domain_message& m) { seen.push_back(m.id()); });
  ASSERT_EQ(seen.size(), n);
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(seen[i], "E" + std::to_string(i));
  EXPECT_EQ(transport_->count("Query"), n + 1);
}

}  // namespace
}  // namespace dynamo_es::store_testing
