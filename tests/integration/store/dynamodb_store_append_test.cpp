// Append against DynamoDB Local: one transaction per append, dense positions, the counter shared
// with PHP writers, limits checked before any request.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "dynamo_es/event_store_errors.hpp"
#include "integration/store/store_test_support.hpp"
#include "stores/dynamodb_append_limits.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_item_size.hpp"

namespace dynamo_es::store_testing {
namespace {

using dynamodb::attribute_map;
using dynamodb::attribute_value;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class dynamodb_store_append : public store_fixture {
 protected:
  /// A reader that passes holes at once: for tests that burn positions on purpose.
  std::vector<std::int64_t> feed_passing_holes() {
    auto reader_options = options();
    reader_options.gap_timeout = std::chrono::milliseconds(0);
    reader_options.on_gap_skipped = [](const skipped_gap&) {};
    const auto reader = another_store(reader_options);
    std::vector<std::int64_t> positions;
    const auto page = reader->load_replay_page_after_global_position(criteria::create(), 0, 1000);
    for (const auto& event : page.events()) positions.push_back(event.global_position);
    return positions;
  }
};

TEST_F(dynamodb_store_append, the_steady_state_is_one_transact_write_items_per_append) {
  store_->append("A", make_events("A", 0, 1));
  EXPECT_EQ(transport_->count("TransactWriteItems"), 1u);  // fresh table: the first guess holds
  transport_->clear();
  constexpr int appends = 20;
  for (int i = 0; i < appends; ++i) store_->append("A", make_events("A", 1 + 3 * i, 3));
  EXPECT_EQ(transport_->count("TransactWriteItems"), static_cast<std::size_t>(appends));
  EXPECT_EQ(transport_->total(), static_cast<std::size_t>(appends));
  EXPECT_EQ(store_->statistics().counter_races, 0u);
  EXPECT_EQ(store_->statistics().appends, static_cast<std::uint64_t>(appends + 1));
  EXPECT_EQ(counter(), 1 + 3 * appends);
}

TEST_F(dynamodb_store_append, w1_a_failed_duplicate_append_leaves_no_hole) {
  store_->append("A", make_events("A", 0, 1));
  EXPECT_THROW(store_->append("A", make_events("A", 0, 1)), duplicate_playhead);
  store_->append("B", make_events("B", 0, 1));
  EXPECT_THAT(feed_positions(), ElementsAre(1, 2));
  EXPECT_EQ(counter(), 2);
}

TEST_F(dynamodb_store_append, a_duplicate_names_table_conflicts_and_every_reason) {
  store_->append("A", make_events("A", 0, 2));
  const auto attempted = make_events("A", 1, 3);
  try {
    store_->append("A", attempted);
    FAIL() << "expected duplicate_playhead";
  } catch (const duplicate_playhead& e) {
    EXPECT_EQ(e.table(), table_);
    EXPECT_EQ(e.event_stream(), attempted);
    EXPECT_EQ(e.conflicts(), (std::vector<playhead_conflict>{{"A", 1}}));
    ASSERT_EQ(e.cancellation_reasons().size(), 4u);  // the counter and three Puts
    EXPECT_THAT(e.cancellation_reasons()[1], HasSubstr("ConditionalCheckFailed"));
    EXPECT_THAT(e.what(), HasSubstr(table_));
  }
  EXPECT_EQ(counter(), 2);
}

TEST_F(dynamodb_store_append, a_php_add_between_our_appends_never_reuses_its_position) {
  store_->append("A", make_events("A", 0, 1));
  php_reserve(1);  // PHP reserved position 2 and has not committed it (yet, or ever)
  transport_->clear();
  store_->append("B", make_events("B", 0, 2));
  // Our condition on the counter failed, the cancellation carried the new value, the retry won.
  EXPECT_EQ(transport_->count("TransactWriteItems"), 2u);
  EXPECT_EQ(transport_->total(), 2u);
  EXPECT_EQ(store_->statistics().counter_races, 1u);
  EXPECT_EQ(counter(), 4);
  EXPECT_THAT(feed_passing_holes(), ElementsAre(1, 3, 4));
}

TEST_F(dynamodb_store_append, a_lost_counter_race_between_two_stores_retries_at_the_new_value) {
  const auto other = another_store(options());
  store_->append("A", make_events("A", 0, 1));
  other->append("B", make_events("B", 0, 1));   // other reads the counter first: no race
  store_->append("C", make_events("C", 0, 2));  // store's counter is stale now: loses once
  other->append("D", make_events("D", 0, 1));
  EXPECT_EQ(other->statistics().counter_races, 1u);  // it read the counter before its first append
  EXPECT_EQ(store_->statistics().counter_races, 1u);
  EXPECT_THAT(feed_positions(), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(store_->load("B").size(), 1u);
  EXPECT_EQ(other->load("C").size(), 2u);
}

TEST_F(dynamodb_store_append, a_recreated_table_starts_again_at_position_one) {
  store_->append("A", make_events("A", 0, 5));
  store_->delete_table();
  store_->create_table();
  store_->append("B", make_events("B", 0, 1));
  transport_->clear();
  store_->append("B", make_events("B", 1, 1));
  EXPECT_EQ(transport_->total(), 1u) << "the stale counter must not cost a request per append";
  EXPECT_THAT(feed_positions(), ElementsAre(1, 2));
}

// W12: the counter row is precious. If it is lost while events exist (deleted by hand, a restore
// without it), positions continue after the highest one in the feed instead of starting over.
TEST_F(dynamodb_store_append, a_lost_counter_row_never_makes_positions_repeat) {
  store_->append("A", make_events("A", 0, 3));
  dynamodb::delete_item_request remove;
  remove.table_name = table_;
  remove.key = {{"Id", attribute_value::string("_counter")},
                {"Playhead", attribute_value::number(0)}};
  static_cast<void>(client_->delete_item(remove));
  another_store(options())->append("B", make_events("B", 0, 1));
  store_->append("C", make_events("C", 0, 1));  // its cached counter is stale: it re-reads
  EXPECT_THAT(feed_positions(), ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(counter(), 5);
}

TEST_F(dynamodb_store_append, a_counter_row_without_value_does_not_block_appends) {
  put_raw({{"Id", attribute_value::string("_counter")}, {"Playhead", attribute_value::number(0)}});
  store_->append("A", make_events("A", 0, 2));
  EXPECT_THAT(feed_positions(), ElementsAre(1, 2));
}

// W5: the response of a committed transaction is lost; the store re-sends the same request with
// the same ClientRequestToken, DynamoDB recognises it, and the events are written once.
// (A transport double: DynamoDB Local cannot drop its own responses.)
TEST_F(dynamodb_store_append, a_lost_response_is_resent_with_the_same_token_and_applied_once) {
  store_->append("A", make_events("A", 0, 1));
  std::atomic<int> dropped{0};
  transport_->set_editor([&](const dynamodb::http_request&, std::string_view operation,
                             dynamodb::http_result& result) {
    if (operation == "TransactWriteItems" && dropped.fetch_add(1) == 0) {
      result = dynamodb::http_result{};
      result.status = dynamodb::transport_status::receive_failed;
      result.error_message = "connection reset (test double)";
    }
  });
  store_->append("A", make_events("A", 1, 2));
  transport_->set_editor(nullptr);
  EXPECT_EQ(store_->statistics().transient_retries, 1u);
  const auto requests = transport_->requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[requests.size() - 1].body, requests[requests.size() - 2].body);
  EXPECT_EQ(store_->load("A"), make_events("A", 0, 3));
  EXPECT_THAT(feed_positions(), ElementsAre(1, 2, 3));
}

// W9 / W4 / W15: each over-limit append fails with our own error before any request; the counter
// and the table are untouched.
TEST_F(dynamodb_store_append, limits_are_refused_before_any_request) {
  store_->append("A", make_events("A", 0, 1));
  struct over_limit {
    std::string name;
    std::string id;
    domain_event_stream stream;
    std::vector<std::string> message;
  };
  const std::string long_id(2049, 'x');
  const std::vector<over_limit> cases = {
      {"101 events", "big", make_events("big", 0, 101), {"\"big\"", "101 events", "98 events"}},
      {"401 KB payload",
       "big",
       make_events("big", 0, 1, 401 * 1024),
       {"\"big\"", "attribute \"Payload\"", "409600 bytes (400 KB)"}},
      {"12 x 390 KB",
       "big",
       make_events("big", 0, 12, 390 * 1000),
       {"\"big\"", "12 events", "4194304 bytes (4 MB)"}},
      {"empty id", "", make_events("", 0, 1), {"attribute \"Id\"", "must not be empty"}},
      {"2049-byte id",
       long_id,
       make_events(long_id, 0, 1),
       {"attribute \"Id\"", "2049 bytes", "2048 bytes"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    transport_->clear();
    try {
      store_->append(c.id, c.stream);
      ADD_FAILURE() << "expected validation_error";
    } catch (const validation_error& e) {
      for (const auto& part : c.message) EXPECT_THAT(e.what(), HasSubstr(part));
    }
    EXPECT_EQ(transport_->total(), 0u) << "nothing may be sent";
    EXPECT_EQ(counter(), 1);
    EXPECT_THROW(static_cast<void>(store_->load(c.id)), event_stream_not_found);
  }
  EXPECT_THAT(feed_positions(), ElementsAre(1));
}

// W10: Local would report [None, ConditionalCheckFailed] and AWS a ValidationException; we refuse
// before sending.
TEST_F(dynamodb_store_append, w10_a_playhead_twice_in_one_append_sends_nothing) {
  const domain_event_stream twice{make_event("A", 0), make_event("A", 0)};
  EXPECT_THROW(store_->append("A", twice), validation_error);
  EXPECT_EQ(transport_->total(), 0u);
  EXPECT_EQ(counter(), -1);
}

TEST_F(dynamodb_store_append, an_empty_append_sends_nothing) {
  store_->append("A", domain_event_stream());
  EXPECT_EQ(transport_->total(), 0u);
}

// Our size check reserves 11 bytes for GlobalPosition (INT64_MAX) and room for every attribute the
// append adds (the commit id), so an event it accepts at the 409,600-byte limit is accepted by
// DynamoDB; one payload byte more is refused by us. The row is sized as the append path builds it.
TEST_F(dynamodb_store_append, an_event_at_the_item_limit_is_accepted_by_dynamodb) {
  const auto size_at = [](std::size_t payload) {
    return detail::item_size(
        detail::encode_and_check_append("A", make_events("A", 0, 1, payload)).items.front());
  };
  const auto largest = 409'600 - size_at(1) + 1;  // one payload byte is one row byte
  ASSERT_EQ(size_at(largest), 409'600u);
  store_->append("A", make_events("A", 0, 1, largest));
  EXPECT_EQ(store_->load("A"), make_events("A", 0, 1, largest));
  EXPECT_THROW(store_->append("A", make_events("A", 1, 1, largest + 1)), validation_error);
}

// The transaction size as we count it never exceeds what DynamoDB accepts: 11 events at the
// largest size our check lets through are written.
TEST_F(dynamodb_store_append, a_transaction_at_our_size_limit_is_accepted_by_dynamodb) {
  const std::size_t rows = 11;
  const std::size_t probe = 300'000;
  const auto at_probe =
      detail::encode_and_check_append("A", make_events("A", 0, rows, probe)).transaction_bytes;
  const auto largest = probe + (4'194'304 - at_probe) / rows;
  store_->append("A", make_events("A", 0, rows, largest));
  EXPECT_EQ(store_->load("A").size(), rows);
  EXPECT_THROW(store_->append("B", make_events("B", 0, rows, largest + 1)), validation_error);
}

// The item-size rules against DynamoDB itself: an item our rules size at exactly 409,600 bytes is
// accepted and one byte more is refused, for items mixing every type an event row can hold.
TEST_F(dynamodb_store_append, item_size_rules_match_dynamodb_local) {
  const std::vector<attribute_map> shapes = {
      {{"N1", attribute_value::number("101")},
       {"N2", attribute_value::number("-12.5")},
       {"N3", attribute_value::number("1E+20")},
       {"N4", attribute_value::number("0.001")}},
      {{"M", attribute_value::map({{"Class", attribute_value::string("Broadway\\Domain\\Metadata")},
                                   {"Payload", attribute_value::string("{\"\xc3\xa9\":[]}")}})},
       {"L", attribute_value::list({attribute_value::boolean(true), attribute_value::null(),
                                    attribute_value::number(12345)})}},
      {{"\xc3\xa9t\xc3\xa9", attribute_value::string("\xf0\x9f\x98\x80")}},
  };
  int n = 0;
  for (const auto& shape : shapes) {
    SCOPED_TRACE("shape " + std::to_string(n));
    const auto put = [&](std::size_t target) {
      attribute_map item = shape;
      item["Id"] = attribute_value::string("size-" + std::to_string(n));
      item["Playhead"] = attribute_value::number(static_cast<std::int64_t>(target));
      item["Pad"] = attribute_value::string("");
      const auto base = detail::item_size(item);
      item["Pad"] = attribute_value::string(std::string(target - base, 'p'));
      EXPECT_EQ(detail::item_size(item), target);
      dynamodb::put_item_request request;
      request.table_name = table_;
      request.item = std::move(item);
      static_cast<void>(client_->put_item(request));
    };
    EXPECT_NO_THROW(put(409'600));
    EXPECT_THROW(put(409'601), dynamodb::dynamodb_validation_error);
    ++n;
  }
}

}  // namespace
}  // namespace dynamo_es::store_testing
