// Bad table content against DynamoDB Local (issue 4 item 7): rows written with the raw client
// that hold no valid event. `load` throws `corrupt_event_row` naming table, Id, Playhead and
// attribute and never returns a stream with an event missing; replays stop at the row (default)
// or pass over it and report it (`bad_row_policy::skip`).

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "dynamo_es/dynamodb/errors.hpp"
#include "integration/store/store_test_support.hpp"
#include "stores/dynamodb_item_codec.hpp"

namespace dynamo_es::store_testing {
namespace {

using dynamodb::attribute_map;
using dynamodb::attribute_value;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

attribute_value s(std::string text) {
  return attribute_value::string(std::move(text));
}

attribute_value n(std::string literal) {
  return attribute_value::number(std::move(literal));
}

void set_in(attribute_map& item, const std::string& map, const std::string& key,
            std::optional<attribute_value> value) {
  auto inner = item.at(map).as_map();
  if (value) {
    inner.insert_or_assign(key, std::move(*value));
  } else {
    inner.erase(key);
  }
  item.insert_or_assign(map, attribute_value::map(std::move(inner)));
}

struct bad_shape {
  std::string name;
  std::string attribute;
  bool playhead_readable = true;
  std::function<void(attribute_map&)> edit;
};

// Every shape DynamoDB Local lets a writer store (key attributes keep their key types: Local
// refuses anything else, see `key_and_index_types_are_enforced_by_dynamodb`).
std::vector<bad_shape> storable_bad_shapes() {
  return {
      {"missing Metadata", "Metadata", true, [](attribute_map& i) { i.erase("Metadata"); }},
      {"missing Payload", "Payload", true, [](attribute_map& i) { i.erase("Payload"); }},
      {"missing RecordedOn", "RecordedOn", true, [](attribute_map& i) { i.erase("RecordedOn"); }},
      {"missing Payload.Payload", "Payload.Payload", true,
       [](attribute_map& i) { set_in(i, "Payload", "Payload", std::nullopt); }},
      {"Metadata of type S", "Metadata", true, [](attribute_map& i) { i["Metadata"] = s("[]"); }},
      {"Payload.Payload of type N", "Payload.Payload", true,
       [](attribute_map& i) { set_in(i, "Payload", "Payload", n("1")); }},
      {"RecordedOn of type BOOL", "RecordedOn", true,
       [](attribute_map& i) { i["RecordedOn"] = attribute_value::boolean(true); }},
      {"Payload.Payload not JSON", "Payload.Payload", true,
       [](attribute_map& i) { set_in(i, "Payload", "Payload", s("{\"amount\": 5")); }},
      {"Payload.Payload a JSON number", "Payload.Payload", true,
       [](attribute_map& i) { set_in(i, "Payload", "Payload", s("5")); }},
      {"Metadata.Payload not JSON", "Metadata.Payload", true,
       [](attribute_map& i) { set_in(i, "Metadata", "Payload", s("user=u1")); }},
      {"Playhead beyond int64", "Playhead", false,
       [](attribute_map& i) { i["Playhead"] = n("9223372036854775808"); }},
      {"Playhead a fraction", "Playhead", false,
       [](attribute_map& i) { i["Playhead"] = n("1.5"); }},
      {"Metadata.Class not Broadway's", "Metadata.Class", true,
       [](attribute_map& i) { set_in(i, "Metadata", "Class", s("App\\Metadata")); }},
      {"Payload.Class empty", "Payload.Class", true,
       [](attribute_map& i) { set_in(i, "Payload", "Class", s("")); }},
      {"RecordedOn not a date", "RecordedOn", true,
       [](attribute_map& i) { i["RecordedOn"] = s("yesterday"); }},
  };
}

class dynamodb_store_bad_rows : public store_fixture {
 protected:
  /// The row of event `playhead` of `id` at `position`, edited by `edit`.
  static attribute_map row(const std::string& id, std::int64_t playhead, std::int64_t position,
                           const std::function<void(attribute_map&)>& edit) {
    auto item = detail::encode_event(make_event(id, playhead), position);
    if (edit) edit(item);
    return item;
  }

  /// The feed 1 "A", 2 "B", 3 a broken row of "X" (its Payload.Payload is not JSON), 4 "C",
  /// 5 "D": the broken row takes a position of the counter, as a real writer's row would.
  void write_feed_with_a_bad_row_at_3() {
    store_->append("A", make_events("A", 0, 1));
    store_->append("B", make_events("B", 0, 1));
    php_reserve(1);
    put_raw(
        row("X", 0, 3, [](attribute_map& i) { set_in(i, "Payload", "Payload", s("{not json")); }));
    store_->append("C", make_events("C", 0, 1));
    store_->append("D", make_events("D", 0, 1));
  }

  static std::vector<std::string> visit(dynamodb_event_store& store,
                                        std::vector<std::string>* seen = nullptr) {
    std::vector<std::string> local;
    auto& ids = seen != nullptr ? *seen : local;
    store.visit_events(criteria::create(), [&](const domain_message& m) { ids.push_back(m.id()); });
    return ids;
  }

  [[nodiscard]] dynamodb_event_store_options skipping(std::vector<corrupt_row_report>& reports,
                                                      std::int64_t page_size = 1000) const {
    auto result = options();
    result.bad_rows = bad_row_policy::skip;
    result.replay_page_size = page_size;
    result.on_bad_row = [&reports](const corrupt_row_report& r) { reports.push_back(r); };
    return result;
  }
};

// --- load ---------------------------------------------------------------------------------------

TEST_F(dynamodb_store_bad_rows,
       load_throws_for_every_bad_shape_naming_table_id_playhead_attribute) {
  int k = 0;
  for (const auto& shape : storable_bad_shapes()) {
    SCOPED_TRACE(shape.name);
    const auto id = "bad-" + std::to_string(k++);
    store_->append(id, make_events(id, 0, 1));
    // Only `load` reads it: the row is not in the feed.
    put_raw(row(id, 1, 0, [&](attribute_map& i) {
      i.erase("Feed");
      i.erase("GlobalPosition");
      shape.edit(i);
    }));
    const auto check = [&](const std::function<void()>& read) {
      try {
        read();
        ADD_FAILURE() << "expected corrupt_event_row";
      } catch (const corrupt_event_row& e) {
        EXPECT_EQ(e.report().table_name, table_);
        EXPECT_EQ(e.report().aggregate_id, id);
        EXPECT_EQ(e.report().attribute, shape.attribute);
        EXPECT_THAT(e.what(), AllOf(HasSubstr("table \"" + table_ + "\""),
                                    HasSubstr("aggregate \"" + id + "\""),
                                    HasSubstr("attribute \"" + shape.attribute + "\"")));
        if (shape.playhead_readable) {
          EXPECT_EQ(e.report().playhead, 1);
          EXPECT_THAT(e.what(), HasSubstr("playhead 1"));
        }
      } catch (const std::exception& e) {
        ADD_FAILURE() << "expected corrupt_event_row, got: " << e.what();
      }
    };
    check([&] { static_cast<void>(store_->load(id)); });
    check([&] { static_cast<void>(store_->load_from_playhead(id, 0)); });
    check([&] { static_cast<void>(store_->try_load(id)); });
  }
}

TEST_F(dynamodb_store_bad_rows, a_bad_row_on_a_later_page_still_fails_the_whole_load) {
  // Three rows of ~390 KB fill DynamoDB's 1 MB page: the broken row arrives on the second page,
  // after good events were read. No truncated stream may come back.
  constexpr std::size_t big = 390'000;
  store_->append("big", make_events("big", 0, 3, big));
  put_raw(row("big", 3, 0, [](attribute_map& i) {
    i.erase("Feed");
    i.erase("GlobalPosition");
    i.erase("RecordedOn");
  }));
  transport_->clear();
  try {
    static_cast<void>(store_->load("big"));
    FAIL() << "expected corrupt_event_row";
  } catch (const corrupt_event_row& e) {
    EXPECT_EQ(e.report().playhead, 3);
    EXPECT_EQ(e.report().attribute, "RecordedOn");
  }
  EXPECT_GE(transport_->count("Query"), 2u) << "the bad row should be on a later page";
  EXPECT_THROW(static_cast<void>(store_->load_from_playhead("big", 2)), corrupt_event_row);
}

TEST_F(dynamodb_store_bad_rows, a_row_with_only_some_event_attributes_is_not_silently_dropped) {
  store_->append("A", make_events("A", 0, 2));
  // A row that lost its Metadata, but still has Payload and RecordedOn: a broken event, not a
  // non-event row like the counter.
  put_raw(row("A", 2, 0, [](attribute_map& i) {
    i.erase("Feed");
    i.erase("GlobalPosition");
    i.erase("Metadata");
  }));
  EXPECT_THROW(static_cast<void>(store_->load("A")), corrupt_event_row);
}

TEST_F(dynamodb_store_bad_rows, key_and_index_types_are_enforced_by_dynamodb) {
  // The shapes the codec also refuses but no writer can store: a key or index attribute of the
  // wrong type. Local refuses them, so they cannot reach a reader.
  EXPECT_THROW(put_raw(row("T", 0, 1, [](attribute_map& i) { i["GlobalPosition"] = s("1"); })),
               dynamodb::dynamodb_validation_error);
  EXPECT_THROW(put_raw(row("T", 0, 1, [](attribute_map& i) { i["Feed"] = n("1"); })),
               dynamodb::dynamodb_validation_error);
  EXPECT_THROW(put_raw(row("T", 0, 1, [](attribute_map& i) { i["Playhead"] = s("0"); })),
               dynamodb::dynamodb_validation_error);
}

// --- replay, bad_row_policy::stop ----------------------------------------------------------------

TEST_F(dynamodb_store_bad_rows, stop_delivers_every_event_before_the_bad_row_then_throws) {
  write_feed_with_a_bad_row_at_3();
  for (const std::int64_t page_size : {1000, 1, 2}) {
    SCOPED_TRACE("page size " + std::to_string(page_size));
    auto reading = options();
    reading.replay_page_size = page_size;
    const auto reader = another_store(reading);
    std::vector<std::string> seen;
    try {
      visit(*reader, &seen);
      ADD_FAILURE() << "expected corrupt_event_row";
    } catch (const corrupt_event_row& e) {
      EXPECT_EQ(e.report().global_position, 3);
      EXPECT_EQ(e.report().aggregate_id, "X");
      EXPECT_EQ(e.report().playhead, 0);
      EXPECT_EQ(e.report().attribute, "Payload.Payload");
    }
    EXPECT_THAT(seen, ElementsAre("A", "B"));
    EXPECT_EQ(reader->statistics().bad_rows_skipped, 0u);
  }
}

TEST_F(dynamodb_store_bad_rows, stop_ends_the_replay_page_before_the_bad_row) {
  write_feed_with_a_bad_row_at_3();
  const auto page = store_->load_replay_page_after_global_position(criteria::create(), 0, 10);
  ASSERT_EQ(page.events().size(), 2u);
  EXPECT_EQ(page.last_processed_global_position(), 2);
  EXPECT_TRUE(page.has_more());
  EXPECT_THROW(
      static_cast<void>(store_->load_replay_page_after_global_position(criteria::create(), 2, 10)),
      corrupt_event_row);
  // Past the row, the feed reads again: the caller decides to move on.
  const auto after = store_->load_replay_page_after_global_position(criteria::create(), 3, 10);
  EXPECT_EQ(after.events().size(), 2u);
}

// --- replay, bad_row_policy::skip ----------------------------------------------------------------

TEST_F(dynamodb_store_bad_rows, skip_passes_over_the_row_reports_and_counts_it) {
  write_feed_with_a_bad_row_at_3();
  for (const std::int64_t page_size : {1000, 1, 2}) {
    SCOPED_TRACE("page size " + std::to_string(page_size));
    std::vector<corrupt_row_report> reports;
    const auto reader = another_store(skipping(reports, page_size));
    EXPECT_THAT(visit(*reader), ElementsAre("A", "B", "C", "D"));
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0].table_name, table_);
    EXPECT_EQ(reports[0].aggregate_id, "X");
    EXPECT_EQ(reports[0].playhead, 0);
    EXPECT_EQ(reports[0].global_position, 3);
    EXPECT_EQ(reports[0].attribute, "Payload.Payload");
    EXPECT_THAT(reports[0].message, HasSubstr("table \"" + table_ + "\""));
    EXPECT_EQ(reader->statistics().bad_rows_skipped, 1u);
  }
}

TEST_F(dynamodb_store_bad_rows, skip_moves_the_page_checkpoint_over_the_reported_row) {
  write_feed_with_a_bad_row_at_3();
  std::vector<corrupt_row_report> reports;
  const auto reader = another_store(skipping(reports));
  const auto page = reader->load_replay_page_after_global_position(criteria::create(), 2, 1);
  EXPECT_TRUE(page.events().empty());
  EXPECT_EQ(page.last_processed_global_position(), 3);
  EXPECT_TRUE(page.has_more());
  EXPECT_EQ(reports.size(), 1u);
}

TEST_F(dynamodb_store_bad_rows, skip_without_a_callback_writes_one_line_to_stderr) {
  write_feed_with_a_bad_row_at_3();
  auto quiet = options();
  quiet.bad_rows = bad_row_policy::skip;
  const auto reader = another_store(quiet);
  ::testing::internal::CaptureStderr();
  const auto seen = visit(*reader);
  const auto err = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(seen, ElementsAre("A", "B", "C", "D"));
  EXPECT_THAT(err, AllOf(HasSubstr("dynamo-es:"), HasSubstr(table_), HasSubstr("Payload.Payload"),
                         HasSubstr("global position 3")));
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1);
}

// --- positions DynamoDB stores but no int64 checkpoint can pass
// ------------------------------------

TEST_F(dynamodb_store_bad_rows, a_position_beyond_int64_ends_the_feed_under_skip) {
  store_->append("A", make_events("A", 0, 2));  // 1, 2 ("A" playheads 0 and 1)
  put_raw(
      row("huge", 0, 0, [](attribute_map& i) { i["GlobalPosition"] = n("99999999999999999999"); }));
  store_->append("B", make_events("B", 0, 1));  // 3

  std::vector<std::string> seen;
  EXPECT_THROW(visit(*store_, &seen), corrupt_event_row);
  EXPECT_THAT(seen, ElementsAre("A", "A", "B"));

  std::vector<corrupt_row_report> reports;
  const auto reader = another_store(skipping(reports));
  EXPECT_THAT(visit(*reader), ElementsAre("A", "A", "B"));
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].aggregate_id, "huge");
  EXPECT_EQ(reports[0].global_position, std::nullopt);
  EXPECT_THAT(reports[0].message, HasSubstr("99999999999999999999"));
  // The checkpoint stays before the row: events appended later are still found.
  store_->append("C", make_events("C", 0, 1));
  const auto page = reader->load_replay_page_after_global_position(criteria::create(), 3, 10);
  ASSERT_EQ(page.events().size(), 1u);
  EXPECT_EQ(page.events()[0].message.id(), "C");
  EXPECT_EQ(page.last_processed_global_position(), 4);
  EXPECT_FALSE(page.has_more());
}

TEST_F(dynamodb_store_bad_rows, a_fractional_position_stops_both_policies) {
  store_->append("A", make_events("A", 0, 2));  // 1, 2
  put_raw(row("half", 0, 0, [](attribute_map& i) { i["GlobalPosition"] = n("2.5"); }));
  store_->append("B", make_events("B", 0, 1));  // 3
  std::vector<corrupt_row_report> reports;
  const auto skipper = another_store(skipping(reports));
  for (auto* store : {store_.get(), skipper.get()}) {
    std::vector<std::string> seen;
    try {
      visit(*store, &seen);
      ADD_FAILURE() << "expected corrupt_event_row";
    } catch (const corrupt_event_row& e) {
      EXPECT_EQ(e.report().attribute, "GlobalPosition");
      EXPECT_EQ(e.report().aggregate_id, "half");
    }
    EXPECT_THAT(seen, ElementsAre("A", "A"));
  }
  EXPECT_TRUE(reports.empty());
}

TEST_F(dynamodb_store_bad_rows,
       a_negative_position_is_refused_or_passed_after_a_negative_checkpoint) {
  store_->append("A", make_events("A", 0, 1));  // 1
  put_raw(row("neg", 0, -4, nullptr));
  EXPECT_THROW(static_cast<void>(
                   store_->load_replay_page_after_global_position(criteria::create(), -10, 10)),
               corrupt_event_row);
  // visit_events starts after 0 and never meets it.
  EXPECT_THAT(visit(*store_), ElementsAre("A"));

  std::vector<corrupt_row_report> reports;
  const auto reader = another_store(skipping(reports));
  const auto page = reader->load_replay_page_after_global_position(criteria::create(), -10, 10);
  ASSERT_EQ(page.events().size(), 1u);
  EXPECT_EQ(page.last_processed_global_position(), 1);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].global_position, -4);
  EXPECT_EQ(reports[0].attribute, "GlobalPosition");
}

}  // namespace
}  // namespace dynamo_es::store_testing
