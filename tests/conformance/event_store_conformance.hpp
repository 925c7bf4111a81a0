#pragma once

// The one behaviour suite every store passes: Broadway's EventStoreTest (§3.1) and
// EventStoreManagementTest (§3.2), the PHP package's replay-page scenarios (§4.5), and the rules
// where this port is stricter than PHP (append validation, W1, W7, W10, W11, W13, W15, W16).
//
// A store joins with a factory and one line in its own .cpp:
//   struct my_factory { static std::shared_ptr<my_store> create(); };  // a fresh, empty store
//   INSTANTIATE_TYPED_TEST_SUITE_P(my_store, event_store_conformance,
//                                  ::testing::Types<my_factory>);
// The store type must implement both `event_store` and `event_store_management`. Every test
// gets its own store from `create()`, and global positions are expected to start at 1 in it.
//
// A store whose failed appends may leave positions no event will ever hold (the DynamoDB store
// with reservations: the failed append's range is voided, and readers pass over it) says so in its
// factory: `static constexpr bool failed_appends_burn_positions = true;`. The suite then expects
// the positions after a failed append to increase rather than to be dense; everything else
// (nothing of a failed append is ever read, order, exactly once) is the same.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <concepts>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "conformance/conformance_fixtures.hpp"
#include "dynamo_es/event_store.hpp"
#include "dynamo_es/event_store_errors.hpp"

namespace dynamo_es::conformance {

template <class Store, class Id>
concept appendable_with = requires(Store& store, const Id& id, const domain_event_stream& s) {
  store.append(id, s);
};

template <class Store, class Id>
concept loadable_with = requires(Store& store, const Id& id) {
  store.load(id);
  store.try_load(id);
  store.load_from_playhead(id, 0);
};

template <class Factory>
inline constexpr bool failed_appends_burn_positions = [] {
  if constexpr (requires { Factory::failed_appends_burn_positions; }) {
    return Factory::failed_appends_burn_positions;
  } else {
    return false;
  }
}();

template <class Factory>
class event_store_conformance : public ::testing::Test {
 protected:
  static constexpr std::chrono::seconds burned_position_patience{5};

  using store_type = typename decltype(Factory::create())::element_type;
  static_assert(std::derived_from<store_type, event_store>, "the store must be an event_store");
  static_assert(std::derived_from<store_type, event_store_management>,
                "the store must be an event_store_management");

  event_store& store() { return *store_; }
  event_store_management& management() { return *store_; }

  /// Every event matching `filter`, read page by page until a page says `!has_more`.
  ///
  /// A store that burns positions may stop a page before a burned position without moving the
  /// checkpoint (`has_more` true: "read again") until it has learned that the position will stay
  /// empty; the DynamoDB store does so for a few milliseconds before it reads the void claim. Such
  /// pages are read again after a short pause, for at most `burned_position_patience`; a dense
  /// store must make progress on every page.
  std::vector<replay_event> drain(const criteria& filter, std::int64_t page_size,
                                  int* page_count = nullptr) {
    std::vector<replay_event> events;
    std::int64_t after = 0;
    int pages = 0;
    const auto give_up = std::chrono::steady_clock::now() + burned_position_patience;
    for (;;) {
      const replay_page page =
          management().load_replay_page_after_global_position(filter, after, page_size);
      ++pages;
      EXPECT_LE(page.events().size(), static_cast<std::size_t>(page_size));
      events.insert(events.end(), page.events().begin(), page.events().end());
      if (!page.has_more()) break;
      if constexpr (failed_appends_burn_positions<Factory>) {
        if (page.last_processed_global_position() <= after &&
            std::chrono::steady_clock::now() < give_up) {
          EXPECT_TRUE(page.events().empty()) << "a page without progress delivered events";
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
          continue;
        }
      }
      EXPECT_GT(page.last_processed_global_position(), after) << "a page must make progress";
      if (page.last_processed_global_position() <= after) break;
      after = page.last_processed_global_position();
    }
    if (page_count != nullptr) *page_count = pages;
    return events;
  }

  std::vector<replay_event> feed() { return drain(criteria::create(), 1000); }

  std::vector<std::int64_t> feed_positions() {
    std::vector<std::int64_t> positions;
    for (const replay_event& e : feed()) positions.push_back(e.global_position);
    return positions;
  }

  std::vector<domain_message> visit(const criteria& filter) {
    std::vector<domain_message> seen;
    management().visit_events(filter, [&](const domain_message& m) { seen.push_back(m); });
    return seen;
  }

  /// Appends the 24 management fixtures (positions 1..24) and returns them.
  std::vector<domain_message> with_management_fixtures() {
    auto fixtures = management_fixtures(date_time::now());
    append_each(store(), fixtures);
    return fixtures;
  }

  /// The append failed with a validation_error and left no trace.
  void expect_rejected_without_writes(std::string_view id, const domain_event_stream& stream) {
    EXPECT_THROW(store().append(id, stream), validation_error);
    EXPECT_THROW(static_cast<void>(store().load(id)), event_stream_not_found);
    EXPECT_TRUE(feed().empty());
  }

  // --- the x4 scenarios of EventStoreTest, one instantiation per kind of id ---

  template <class Id>
  void est_1(const Id& id) {
    const auto stream = make_stream(id, {0, 1, 2, 3});
    store().append(id, stream);
    EXPECT_EQ(store().load(id), stream);
  }

  template <class Id>
  void est_2(const Id& id) {
    store().append(id, make_stream(id, {0, 1, 2}, fixed_date()));
    store().append(id, make_stream(id, {3, 4, 5}, fixed_date()));
    EXPECT_EQ(store().load(id), make_stream(id, {0, 1, 2, 3, 4, 5}, fixed_date()));
  }

  template <class Id>
  void est_3(const Id& id) {
    try {
      static_cast<void>(store().load(id));
      FAIL() << "expected event_stream_not_found";
    } catch (const event_stream_not_found& e) {
      EXPECT_EQ(e.aggregate_id(), to_aggregate_id_string(id));
      EXPECT_THAT(e.what(),
                  ::testing::StartsWith("Event stream not found for aggregate with id \"" +
                                        to_aggregate_id_string(id) + "\""));
    }
    EXPECT_EQ(store().try_load(id), std::nullopt);
    EXPECT_TRUE(store().load_from_playhead(id, 0).empty());
  }

  template <class Id>
  void est_4(const Id& id) {
    const auto stream = make_stream(id, {0});
    store().append(id, stream);
    try {
      store().append(id, stream);
      FAIL() << "expected duplicate_playhead";
    } catch (const duplicate_playhead& e) {
      EXPECT_EQ(e.event_stream(), stream);
      EXPECT_EQ(e.conflicts(), (std::vector<playhead_conflict>{{to_aggregate_id_string(id), 0}}));
    }
    EXPECT_EQ(store().load(id), stream);
  }

  template <class Id>
  void est_6(const Id& id) {
    store().append(id, make_stream(id, {0, 1, 2, 3}, fixed_date()));
    EXPECT_EQ(store().load_from_playhead(id, 2), make_stream(id, {2, 3}, fixed_date()));
  }

  template <class Id>
  void est_8(const Id& id) {
    store().append(id, make_stream(id, {0}));
    EXPECT_EQ(store().load_from_playhead(id, 1), domain_event_stream());
  }

  // PHP package PKG-2 (and §2.4: the PHP package column, not Broadway's InMemory).
  template <class Id>
  void pkg_2(const Id& id) {
    store().append(id, domain_event_stream());
    EXPECT_THROW(static_cast<void>(store().load(id)), event_stream_not_found);
    EXPECT_TRUE(store().load_from_playhead(id, 0).empty());
    EXPECT_TRUE(feed().empty());
  }

  std::shared_ptr<store_type> store_ = Factory::create();
};

TYPED_TEST_SUITE_P(event_store_conformance);

// One test per kind of id of Broadway's idDataProvider.
#define DYNAMO_ES_CONFORMANCE_FOR_EACH_ID(scenario)                 \
  TYPED_TEST_P(event_store_conformance, scenario##_simple_string) { \
    this->scenario(simple_string_id());                             \
  }                                                                 \
  TYPED_TEST_P(event_store_conformance, scenario##_identity) {      \
    this->scenario(identity_id());                                  \
  }                                                                 \
  TYPED_TEST_P(event_store_conformance, scenario##_integer) {       \
    this->scenario(integer_id());                                   \
  }                                                                 \
  TYPED_TEST_P(event_store_conformance, scenario##_uuid) {          \
    this->scenario(uuid_id());                                      \
  }

DYNAMO_ES_CONFORMANCE_FOR_EACH_ID(est_1)
DYNAMO_ES_CONFORMANCE_FOR_EACH_ID(est_2)
DYNAMO_ES_CONFORMANCE_FOR_EACH_ID(est_3)
DYNAMO_ES_CONFORMANCE_FOR_EACH_ID(est_4)
DYNAMO_ES_CONFORMANCE_FOR_EACH_ID(est_6)
DYNAMO_ES_CONFORMANCE_FOR_EACH_ID(est_8)
DYNAMO_ES_CONFORMANCE_FOR_EACH_ID(pkg_2)

#undef DYNAMO_ES_CONFORMANCE_FOR_EACH_ID

// EST-5: an id type without a string conversion is rejected at compile time.
TYPED_TEST_P(event_store_conformance, est_5_ids_without_string_conversion_do_not_compile) {
  using concrete_store = typename TestFixture::store_type;
  static_assert(!appendable_with<concrete_store, identity_without_string_conversion>);
  static_assert(!loadable_with<concrete_store, identity_without_string_conversion>);
  static_assert(appendable_with<concrete_store, string_identity>);
  static_assert(appendable_with<concrete_store, int>);
  static_assert(loadable_with<concrete_store, string_identity>);
  // Through the interface as well.
  static_assert(!appendable_with<event_store, identity_without_string_conversion>);
  // Nothing to assert at run time: the store is untouched.
  EXPECT_TRUE(this->feed().empty());
}

TYPED_TEST_P(event_store_conformance, est_7_an_empty_append_to_an_existing_stream_changes_nothing) {
  this->store().append(1, make_stream(1, {0}));
  this->store().append(1, domain_event_stream());
  EXPECT_EQ(this->store().load(1).size(), 1U);
  EXPECT_EQ(this->feed_positions(), (std::vector<std::int64_t>{1}));
}

// --- EventStoreManagementTest ---

TYPED_TEST_P(event_store_conformance, emt_1_visits_all_events) {
  const auto fixtures = this->with_management_fixtures();
  EXPECT_EQ(group_by_type_and_id(this->visit(criteria::create())), group_by_type_and_id(fixtures));
}

TYPED_TEST_P(event_store_conformance, emt_2_visits_aggregate_root_ids) {
  const auto fixtures = this->with_management_fixtures();
  std::vector<domain_message> expected;
  for (const auto& m : fixtures) {
    if (m.id() == management_id(1) || m.id() == management_id(3)) expected.push_back(m);
  }
  ASSERT_EQ(expected.size(), 12U);
  const auto filter =
      criteria::create().with_aggregate_root_ids({management_id(1), management_id(3)});
  EXPECT_EQ(group_by_type_and_id(this->visit(filter)), group_by_type_and_id(expected));
}

TYPED_TEST_P(event_store_conformance, emt_3_visits_event_types) {
  const auto fixtures = this->with_management_fixtures();
  std::vector<domain_message> expected;
  for (const auto& m : fixtures) {
    if (m.type() == start_type || m.type() == end_type) expected.push_back(m);
  }
  ASSERT_EQ(expected.size(), 8U);
  const auto filter = criteria::create().with_event_types({start_type, end_type});
  EXPECT_EQ(group_by_type_and_id(this->visit(filter)), group_by_type_and_id(expected));
}

TYPED_TEST_P(event_store_conformance, emt_4_aggregate_root_types_are_not_supported) {
  static_cast<void>(this->with_management_fixtures());
  const auto filter = criteria::create().with_aggregate_root_types(
      {"Broadway.EventStore.Management.Testing.AggregateTypeOne",
       "Broadway.EventStore.Management.Testing.AggregateTypeTwo"});
  try {
    static_cast<void>(this->visit(filter));
    FAIL() << "expected criteria_not_supported";
  } catch (const criteria_not_supported& e) {
    EXPECT_STREQ(e.what(), "Cannot match criteria based on aggregate root types.");
  }
  EXPECT_THROW(
      static_cast<void>(this->management().load_replay_page_after_global_position(filter, 0, 10)),
      criteria_not_supported);
}

// §2.4 / W14: the check is lazy, as in the PHP package: an empty store throws nothing.
TYPED_TEST_P(event_store_conformance, aggregate_root_types_on_an_empty_store_throw_nothing) {
  const auto filter = criteria::create().with_aggregate_root_types({"Any"});
  EXPECT_TRUE(this->visit(filter).empty());
  const auto page = this->management().load_replay_page_after_global_position(filter, 0, 10);
  EXPECT_TRUE(page.events().empty());
}

TYPED_TEST_P(event_store_conformance, visit_events_calls_a_visitor_object_in_position_order) {
  const auto fixtures = this->with_management_fixtures();
  struct collecting_visitor final : event_visitor {
    std::vector<domain_message> seen;
    void do_with_event(const domain_message& message) override { seen.push_back(message); }
  } visitor;
  this->management().visit_events(criteria::create(), visitor);
  EXPECT_EQ(visitor.seen, fixtures);
}

TYPED_TEST_P(event_store_conformance, a_visitor_may_append_during_a_visit) {
  this->store().append("A", make_stream("A", {0}));
  int calls = 0;
  this->management().visit_events(criteria::create(), [&](const domain_message& m) {
    if (++calls == 1) this->store().append("B", make_stream("B", {0}));
    EXPECT_FALSE(m.id().empty());
  });
  EXPECT_GE(calls, 1);
  EXPECT_EQ(this->store().load("B").size(), 1U);
}

// --- the PHP package's replay scenarios (§4.5) ---

TYPED_TEST_P(event_store_conformance, pkg_13_visits_events_in_global_position_order) {
  static_cast<void>(this->with_management_fixtures());
  this->store().append("aggregate-b",
                       domain_event_stream{domain_message("aggregate-b", 0, metadata(),
                                                          start_payload(), date_time::now())});
  this->store().append("aggregate-a",
                       domain_event_stream{domain_message("aggregate-a", 0, metadata(),
                                                          start_payload(), date_time::now())});
  const auto seen = this->visit(criteria::create());
  ASSERT_EQ(seen.size(), 26U);
  EXPECT_EQ(seen[24].id(), "aggregate-b");
  EXPECT_EQ(seen[25].id(), "aggregate-a");
}

TYPED_TEST_P(event_store_conformance, pkg_14_a_page_after_a_position) {
  static_cast<void>(this->with_management_fixtures());
  const domain_message b("aggregate-b", 0, metadata(), start_payload(), date_time::now());
  const domain_message a("aggregate-a", 0, metadata(), start_payload(), date_time::now());
  this->store().append("aggregate-b", domain_event_stream{b});
  this->store().append("aggregate-a", domain_event_stream{a});
  const auto page =
      this->management().load_replay_page_after_global_position(criteria::create(), 24, 2);
  EXPECT_EQ(page.events(), (std::vector<replay_event>{{b, 25}, {a, 26}}));
  EXPECT_EQ(page.last_processed_global_position(), 26);
}

TYPED_TEST_P(event_store_conformance, pkg_15_a_page_inside_one_append) {
  static_cast<void>(this->with_management_fixtures());
  const auto now = date_time::now();
  const domain_event_stream stream{
      domain_message("aggregate-a", 0, metadata(), start_payload(), now),
      domain_message("aggregate-a", 1, metadata(), middle_payload("a"), now),
      domain_message("aggregate-a", 2, metadata(), middle_payload("b"), now)};
  this->store().append("aggregate-a", stream);
  const auto page =
      this->management().load_replay_page_after_global_position(criteria::create(), 25, 2);
  EXPECT_EQ(page.events(), (std::vector<replay_event>{{stream[1], 26}, {stream[2], 27}}));
  EXPECT_EQ(page.last_processed_global_position(), 27);
}

TYPED_TEST_P(event_store_conformance, pkg_18_the_checkpoint_advances_past_filtered_events) {
  static_cast<void>(this->with_management_fixtures());
  const auto now = date_time::now();
  this->store().append("aggregate-a", domain_event_stream{domain_message(
                                          "aggregate-a", 0, metadata(), start_payload(), now)});
  const domain_event_stream b{
      domain_message("aggregate-b", 0, metadata(), start_payload(), now),
      domain_message("aggregate-b", 1, metadata(), middle_payload("x"), now)};
  this->store().append("aggregate-b", b);
  const auto page = this->management().load_replay_page_after_global_position(
      criteria::create().with_event_types({start_type}), 25, 2);
  EXPECT_EQ(page.events(), (std::vector<replay_event>{{b[0], 26}}));
  EXPECT_EQ(page.last_processed_global_position(), 27);
}

TYPED_TEST_P(event_store_conformance, a_page_whose_rows_are_all_filtered_still_advances) {
  static_cast<void>(this->with_management_fixtures());
  // Positions 2 and 3 are Middle events.
  const auto page = this->management().load_replay_page_after_global_position(
      criteria::create().with_event_types({end_type}), 1, 2);
  EXPECT_TRUE(page.events().empty());
  EXPECT_EQ(page.last_processed_global_position(), 3);
  EXPECT_TRUE(page.has_more());
}

// PKG-19 as a real multi-page drain (W24): every event exactly once, in position order.
TYPED_TEST_P(event_store_conformance, pkg_19_draining_pages_visits_every_event_once_in_order) {
  const auto fixtures = this->with_management_fixtures();
  std::vector<replay_event> expected;
  for (std::size_t i = 0; i < fixtures.size(); ++i) {
    expected.push_back({fixtures[i], static_cast<std::int64_t>(i + 1)});
  }
  // 24 rows: pages of 1 and 2 end with an empty page (W16); 5 does not divide 24.
  for (const auto& [page_size, expected_pages] :
       std::vector<std::pair<std::int64_t, int>>{{1, 25}, {2, 13}, {5, 5}, {24, 2}, {1000, 1}}) {
    SCOPED_TRACE("page size " + std::to_string(page_size));
    int pages = 0;
    EXPECT_EQ(this->drain(criteria::create(), page_size, &pages), expected);
    EXPECT_EQ(pages, expected_pages);
  }
}

TYPED_TEST_P(event_store_conformance, draining_with_a_filter_visits_each_match_once_in_order) {
  const auto fixtures = this->with_management_fixtures();
  std::vector<replay_event> expected;
  for (std::size_t i = 0; i < fixtures.size(); ++i) {
    if (fixtures[i].id() == management_id(3)) {
      expected.push_back({fixtures[i], static_cast<std::int64_t>(i + 1)});
    }
  }
  const auto filter = criteria::create().with_aggregate_root_ids({management_id(3)});
  for (std::int64_t page_size : {1, 2, 7}) {
    SCOPED_TRACE("page size " + std::to_string(page_size));
    EXPECT_EQ(this->drain(filter, page_size), expected);
  }
}

TYPED_TEST_P(event_store_conformance, pkg_21_a_page_exposes_events_position_and_has_more) {
  const auto fixtures = this->with_management_fixtures();
  const auto page =
      this->management().load_replay_page_after_global_position(criteria::create(), 11, 1);
  ASSERT_EQ(page.events().size(), 1U);
  EXPECT_EQ(page.events()[0].message, fixtures[11]);
  EXPECT_EQ(page.events()[0].global_position, 12);
  EXPECT_EQ(page.last_processed_global_position(), 12);
  EXPECT_TRUE(page.has_more());
}

// W16: has_more means "the page examined `limit` rows", even when nothing is left.
TYPED_TEST_P(event_store_conformance, w16_has_more_is_true_when_a_page_is_exactly_full) {
  this->store().append("A", make_stream("A", {0, 1, 2}));
  const auto full =
      this->management().load_replay_page_after_global_position(criteria::create(), 0, 3);
  EXPECT_EQ(full.events().size(), 3U);
  EXPECT_TRUE(full.has_more());
  const auto next = this->management().load_replay_page_after_global_position(
      criteria::create(), full.last_processed_global_position(), 3);
  EXPECT_TRUE(next.events().empty());
  EXPECT_EQ(next.last_processed_global_position(), 3);
  EXPECT_FALSE(next.has_more());
  const auto short_page =
      this->management().load_replay_page_after_global_position(criteria::create(), 1, 3);
  EXPECT_EQ(short_page.events().size(), 2U);
  EXPECT_FALSE(short_page.has_more());
}

TYPED_TEST_P(event_store_conformance, a_page_past_the_end_keeps_the_checkpoint) {
  this->store().append("A", make_stream("A", {0, 1}));
  const auto past =
      this->management().load_replay_page_after_global_position(criteria::create(), 1000, 5);
  EXPECT_TRUE(past.events().empty());
  EXPECT_EQ(past.last_processed_global_position(), 1000);
  EXPECT_FALSE(past.has_more());
  const auto empty_store_page =
      this->management().load_replay_page_after_global_position(criteria::create(), 7, 3);
  EXPECT_EQ(empty_store_page.last_processed_global_position(), 7);
}

TYPED_TEST_P(event_store_conformance, a_replay_page_limit_below_one_is_rejected) {
  this->store().append("A", make_stream("A", {0}));
  for (std::int64_t limit :
       {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::min()}) {
    try {
      static_cast<void>(
          this->management().load_replay_page_after_global_position(criteria::create(), 0, limit));
      FAIL() << "expected validation_error for limit " << limit;
    } catch (const validation_error& e) {
      EXPECT_STREQ(e.what(), "Replay page limit must be at least 1.");
    }
  }
}

// --- where the port is stricter than the PHP package ---

// W1: a failed append burns no position (unless the store declares that it may: then the failed
// append leaves nothing in the feed, and the positions after it still increase).
TYPED_TEST_P(event_store_conformance, w1_a_failed_append_leaves_no_hole_in_the_positions) {
  this->store().append("A", make_stream("A", {0}));
  EXPECT_THROW(this->store().append("A", make_stream("A", {0})), duplicate_playhead);
  this->store().append("B", make_stream("B", {0}));
  EXPECT_THROW(
      this->store().append("C", domain_event_stream{domain_message(
                                    "C", 0, metadata(), {event_class, "1"}, date_time::now())}),
      validation_error);
  this->store().append("D", make_stream("D", {0}));
  const auto events = this->feed();
  std::vector<std::string> ids;
  for (const replay_event& e : events) ids.push_back(e.message.id());
  EXPECT_EQ(ids, (std::vector<std::string>{"A", "B", "D"}));
  const auto positions = this->feed_positions();
  if constexpr (failed_appends_burn_positions<TypeParam>) {
    ASSERT_EQ(positions.size(), 3U);
    EXPECT_EQ(positions[0], 1);
    EXPECT_LT(positions[1], positions[2]);
    EXPECT_LT(positions[0], positions[1]);
  } else {
    EXPECT_EQ(positions, (std::vector<std::int64_t>{1, 2, 3}));
  }
}

// W11: the n events of one append take n consecutive positions, in stream order.
TYPED_TEST_P(event_store_conformance, w11_an_append_takes_consecutive_positions_in_stream_order) {
  const auto first = make_stream("A", {0});
  this->store().append("A", first);
  const auto stream = make_stream("B", {3, 4, 9});
  this->store().append("B", stream);
  EXPECT_EQ(this->feed(), (std::vector<replay_event>{
                              {first[0], 1}, {stream[0], 2}, {stream[1], 3}, {stream[2], 4}}));
}

// §2.5: append is all-or-nothing; the error names every conflicting playhead.
TYPED_TEST_P(event_store_conformance, a_duplicate_playhead_writes_nothing_and_names_the_conflicts) {
  this->store().append("A", make_stream("A", {0, 1}, fixed_date()));
  const auto attempted = make_stream("A", {1, 2, 3});
  try {
    this->store().append("A", attempted);
    FAIL() << "expected duplicate_playhead";
  } catch (const duplicate_playhead& e) {
    EXPECT_EQ(e.event_stream(), attempted);
    EXPECT_EQ(e.conflicts(), (std::vector<playhead_conflict>{{"A", 1}}));
  }
  EXPECT_EQ(this->store().load("A"), make_stream("A", {0, 1}, fixed_date()));
  EXPECT_EQ(this->feed_positions(), (std::vector<std::int64_t>{1, 2}));
}

// W7: `_counter` is the PHP package's counter row, never an aggregate.
TYPED_TEST_P(event_store_conformance, w7_the_counter_id_is_reserved) {
  this->expect_rejected_without_writes("_counter", make_stream("_counter", {0}));
  this->expect_rejected_without_writes("_counter", make_stream("_counter", {1, 2}));
  EXPECT_THROW(this->store().append("_counter", domain_event_stream()), validation_error);
  this->store().append("A", make_stream("A", {0}));
  EXPECT_THROW(static_cast<void>(this->store().load("_counter")), event_stream_not_found);
  EXPECT_EQ(this->store().try_load("_counter"), std::nullopt);
  EXPECT_TRUE(this->store().load_from_playhead("_counter", 0).empty());
  EXPECT_EQ(this->feed_positions(), (std::vector<std::int64_t>{1}));
}

TYPED_TEST_P(event_store_conformance, an_empty_id_is_rejected) {
  this->expect_rejected_without_writes("", make_stream("", {0}));
  EXPECT_THROW(this->store().append("", domain_event_stream()), validation_error);
}

// W9/W15: DynamoDB's 2048-byte partition-key limit, for every store.
TYPED_TEST_P(event_store_conformance, ids_are_limited_to_2048_bytes) {
  const std::string too_long(2049, 'x');
  this->expect_rejected_without_writes(too_long, make_stream(too_long, {0}));
  const std::string longest(2048, 'x');
  this->store().append(longest, make_stream(longest, {0}));
  EXPECT_EQ(this->store().load(longest).size(), 1U);
}

// W15: ids that can never be appended are never found (no store error leaks out).
TYPED_TEST_P(event_store_conformance, loading_an_invalid_id_is_not_found) {
  this->store().append("A", make_stream("A", {0}));
  for (const std::string& id : {std::string(), std::string(2049, 'x')}) {
    EXPECT_THROW(static_cast<void>(this->store().load(id)), event_stream_not_found);
    EXPECT_TRUE(this->store().load_from_playhead(id, 0).empty());
  }
}

// W13: the stores disagree on where a foreign message goes, so it is refused.
TYPED_TEST_P(event_store_conformance, a_message_of_another_aggregate_is_rejected) {
  this->expect_rejected_without_writes(
      "A", domain_event_stream{make_message("A", 0), make_message("B", 1)});
  EXPECT_THROW(static_cast<void>(this->store().load("B")), event_stream_not_found);
}

// W10: the same playhead twice in one append.
TYPED_TEST_P(event_store_conformance, a_playhead_twice_in_one_append_is_rejected) {
  this->expect_rejected_without_writes("A", make_stream("A", {0, 0}));
}

// W13: playheads must increase in stream order (replay order = stream order).
TYPED_TEST_P(event_store_conformance, decreasing_playheads_in_one_append_are_rejected) {
  this->expect_rejected_without_writes("A", make_stream("A", {1, 0}));
}

TYPED_TEST_P(event_store_conformance, payloads_that_are_not_php_arrays_are_rejected) {
  for (const char* json : {"1", "\"text\"", "null", "{"}) {
    SCOPED_TRACE(json);
    this->expect_rejected_without_writes(
        "A", domain_event_stream{
                 make_message("A", 0),
                 domain_message("A", 1, metadata(), {event_class, json}, date_time::now())});
  }
}

// §2.4: gaps are accepted; load orders by playhead, the feed by commit.
TYPED_TEST_P(event_store_conformance, playhead_gaps_and_order_across_appends) {
  constexpr std::int64_t largest = std::numeric_limits<std::int64_t>::max();
  this->store().append("A", make_stream("A", {5}, fixed_date()));
  this->store().append("A", make_stream("A", {3}, fixed_date()));
  this->store().append("A", make_stream("A", {-1, largest}, fixed_date()));
  EXPECT_EQ(this->store().load("A"), make_stream("A", {-1, 3, 5, largest}, fixed_date()));
  EXPECT_EQ(this->store().load_from_playhead("A", 4), make_stream("A", {5, largest}, fixed_date()));
  std::vector<std::int64_t> feed_playheads;
  for (const auto& e : this->feed()) feed_playheads.push_back(e.message.playhead());
  EXPECT_EQ(feed_playheads, (std::vector<std::int64_t>{5, 3, -1, largest}));
}

// Everything a message holds survives the store unchanged (the date's text and offset included).
TYPED_TEST_P(event_store_conformance, messages_round_trip_exactly) {
  const metadata meta = metadata::kv_string("user", "u/1 \xC3\xA9\xF0\x9F\x98\x80")
                            .merge(metadata::kv("n", "1.5"))
                            .merge(metadata::kv("list", "[1,{\"x\":null}]"));
  const domain_event_stream stream{
      domain_message("A", 0, meta,
                     {middle_class, R"({"position":"a\/b","nested":{"k":[1,2.5,true]}})"},
                     date_time::from_string("2014-01-01T01:01:01.123456-05:30")),
      domain_message("A", 1, metadata(), {end_class, "[]"},
                     date_time::from_string("2014-03-12T14:17:19.000001+14:00"))};
  this->store().append("A", stream);
  const auto loaded = this->store().load("A");
  EXPECT_EQ(loaded, stream);
  ASSERT_EQ(loaded.size(), 2U);
  EXPECT_EQ(loaded[0].recorded_on().to_string(), "2014-01-01T01:01:01.123456-05:30");
  EXPECT_EQ(loaded[0].metadata().get("user"), meta.get("user"));
  EXPECT_EQ(loaded[1].type(), end_type);
  EXPECT_EQ(this->feed()[0].message, stream[0]);
}

TYPED_TEST_P(event_store_conformance, concurrent_appends_get_gapless_positions) {
  constexpr int writers = 4;
  constexpr int appends_per_writer = 5;
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([this, w] {
      const std::string id = "writer-" + std::to_string(w);
      for (int p = 0; p < appends_per_writer; ++p) this->store().append(id, make_stream(id, {p}));
    });
  }
  for (auto& t : threads) t.join();
  const auto events = this->feed();
  ASSERT_EQ(events.size(), static_cast<std::size_t>(writers * appends_per_writer));
  std::map<std::string, std::int64_t> next_playhead;
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].global_position, static_cast<std::int64_t>(i + 1));
    // Each writer's events reach the feed in the order it committed them.
    EXPECT_EQ(events[i].message.playhead(), next_playhead[events[i].message.id()]++);
  }
}

TYPED_TEST_P(event_store_conformance, concurrent_appends_of_one_playhead_have_one_winner) {
  constexpr int writers = 4;
  std::atomic<int> successes{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      const domain_event_stream stream{domain_message("X", 0,
                                                      metadata::kv("writer", std::to_string(w)),
                                                      {event_class, "[]"}, date_time::now())};
      try {
        this->store().append("X", stream);
        ++successes;
      } catch (const duplicate_playhead&) {
        ++conflicts;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(successes.load(), 1);
  EXPECT_EQ(conflicts.load(), writers - 1);
  EXPECT_EQ(this->store().load("X").size(), 1U);
  const auto positions = this->feed_positions();
  if constexpr (failed_appends_burn_positions<TypeParam>) {
    // The losers' ranges may come before the winner's.
    ASSERT_EQ(positions.size(), 1U);
    EXPECT_GE(positions[0], 1);
    EXPECT_LE(positions[0], writers);
  } else {
    EXPECT_EQ(positions, (std::vector<std::int64_t>{1}));
  }
}

// clang-format off
REGISTER_TYPED_TEST_SUITE_P(
    event_store_conformance,
    // EventStoreTest
    est_1_simple_string, est_1_identity, est_1_integer, est_1_uuid,
    est_2_simple_string, est_2_identity, est_2_integer, est_2_uuid,
    est_3_simple_string, est_3_identity, est_3_integer, est_3_uuid,
    est_4_simple_string, est_4_identity, est_4_integer, est_4_uuid,
    est_5_ids_without_string_conversion_do_not_compile,
    est_6_simple_string, est_6_identity, est_6_integer, est_6_uuid,
    est_7_an_empty_append_to_an_existing_stream_changes_nothing,
    est_8_simple_string, est_8_identity, est_8_integer, est_8_uuid,
    pkg_2_simple_string, pkg_2_identity, pkg_2_integer, pkg_2_uuid,
    // EventStoreManagementTest
    emt_1_visits_all_events,
    emt_2_visits_aggregate_root_ids,
    emt_3_visits_event_types,
    emt_4_aggregate_root_types_are_not_supported,
    aggregate_root_types_on_an_empty_store_throw_nothing,
    visit_events_calls_a_visitor_object_in_position_order,
    a_visitor_may_append_during_a_visit,
    // Replay pages
    pkg_13_visits_events_in_global_position_order,
    pkg_14_a_page_after_a_position,
    pkg_15_a_page_inside_one_append,
    pkg_18_the_checkpoint_advances_past_filtered_events,
    a_page_whose_rows_are_all_filtered_still_advances,
    pkg_19_draining_pages_visits_every_event_once_in_order,
    draining_with_a_filter_visits_each_match_once_in_order,
    pkg_21_a_page_exposes_events_position_and_has_more,
    w16_has_more_is_true_when_a_page_is_exactly_full,
    a_page_past_the_end_keeps_the_checkpoint,
    a_replay_page_limit_below_one_is_rejected,
    // Stricter than the PHP package
    w1_a_failed_append_leaves_no_hole_in_the_positions,
    w11_an_append_takes_consecutive_positions_in_stream_order,
    a_duplicate_playhead_writes_nothing_and_names_the_conflicts,
    w7_the_counter_id_is_reserved,
    an_empty_id_is_rejected,
    ids_are_limited_to_2048_bytes,
    loading_an_invalid_id_is_not_found,
    a_message_of_another_aggregate_is_rejected,
    a_playhead_twice_in_one_append_is_rejected,
    decreasing_playheads_in_one_append_are_rejected,
    payloads_that_are_not_php_arrays_are_rejected,
    playhead_gaps_and_order_across_appends,
    messages_round_trip_exactly,
    concurrent_appends_get_gapless_positions,
    concurrent_appends_of_one_playhead_have_one_winner);
// clang-format on

}  // namespace dynamo_es::conformance
