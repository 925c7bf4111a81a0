// The store interfaces' own behaviour (limit check, visit by pages, try_load) and the error types
// (contract §2.2, §4.4, PKG-21). The stores themselves are covered by tests/conformance.

#include "dynamo_es/event_store.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <deque>

#include "dynamo_es/event_store_errors.hpp"

namespace dynamo_es {
namespace {

using ::testing::HasSubstr;

domain_message event(std::string id, std::int64_t playhead) {
  return domain_message(id, playhead, metadata(), {"Broadway\\EventStore\\Testing\\Event", "[]"},
                        date_time::from_string("2014-03-12T14:17:19.176169+00:00"));
}

TEST(replay_page, pkg21_exposes_what_it_was_built_with) {
  const domain_message message = event("A", 0);
  const replay_page page({replay_event{message, 12}}, 12, true);
  ASSERT_EQ(page.events().size(), 1U);
  EXPECT_EQ(page.events()[0].message, message);
  EXPECT_EQ(page.events()[0].global_position, 12);
  EXPECT_EQ(page.last_processed_global_position(), 12);
  EXPECT_TRUE(page.has_more());
}

// A management store that replays scripted pages and records the requests: the only way to make
// the page-draining loop meet a page that reports more rows without advancing (no real store
// can be provoked into that).
class scripted_management final : public event_store_management {
 public:
  std::deque<replay_page> pages;
  std::vector<std::pair<std::int64_t, std::int64_t>> requests;
  int calls = 0;

  void drain(const criteria& filter, event_visitor& visitor, std::int64_t page_size) {
    visit_by_replay_pages(filter, visitor, page_size);
  }

 private:
  void do_visit_events(const criteria& filter, event_visitor& visitor) override {
    visit_by_replay_pages(filter, visitor, 2);
  }
  replay_page do_load_replay_page_after_global_position(const criteria&, std::int64_t after,
                                                        std::int64_t limit) override {
    ++calls;
    requests.emplace_back(after, limit);
    replay_page page = pages.front();
    pages.pop_front();
    return page;
  }
};

TEST(event_store_management, a_limit_below_one_is_rejected_before_any_work) {
  scripted_management store;
  for (std::int64_t limit : {0, -1}) {
    try {
      static_cast<void>(store.load_replay_page_after_global_position(criteria::create(), 0, limit));
      FAIL() << "expected validation_error";
    } catch (const validation_error& e) {
      EXPECT_STREQ(e.what(), "Replay page limit must be at least 1.");
    }
  }
  EXPECT_EQ(store.calls, 0);
}

TEST(event_store_management, visit_drains_pages_from_the_last_processed_position) {
  scripted_management store;
  store.pages = {replay_page({{event("A", 0), 1}, {event("B", 0), 2}}, 2, true),
                 replay_page({{event("A", 1), 4}}, 5, true), replay_page({}, 5, false)};
  std::vector<domain_message> seen;
  store.visit_events(criteria::create(), [&](const domain_message& m) { seen.push_back(m); });
  EXPECT_EQ(seen, (std::vector<domain_message>{event("A", 0), event("B", 0), event("A", 1)}));
  EXPECT_EQ(store.requests,
            (std::vector<std::pair<std::int64_t, std::int64_t>>{{0, 2}, {2, 2}, {5, 2}}));
}

TEST(event_store_management, a_page_that_does_not_advance_stops_the_visit) {
  scripted_management store;
  store.pages = {replay_page({}, 0, true), replay_page({}, 0, true)};
  struct counting_visitor final : event_visitor {
    int count = 0;
    void do_with_event(const domain_message&) override { ++count; }
  } visitor;
  EXPECT_THROW(store.drain(criteria::create(), visitor, 1), event_store_management_error);
  EXPECT_EQ(store.calls, 1);
}

// A store whose load is scripted, to check the default try_load.
class scripted_store final : public event_store {
 private:
  domain_event_stream do_load(std::string_view id) override {
    if (id == "known") return domain_event_stream{event("known", 0)};
    throw event_stream_not_found(std::string(id));
  }
  domain_event_stream do_load_from_playhead(std::string_view, std::int64_t) override { return {}; }
  void do_append(std::string_view, const domain_event_stream&) override {}
};

TEST(event_store, try_load_turns_not_found_into_nullopt) {
  scripted_store store;
  EXPECT_EQ(store.try_load("unknown"), std::nullopt);
  EXPECT_EQ(store.try_load("known"), (domain_event_stream{event("known", 0)}));
}

TEST(event_store_errors, not_found_names_the_aggregate_and_the_table) {
  const event_stream_not_found plain("A");
  EXPECT_STREQ(plain.what(), "Event stream not found for aggregate with id \"A\"");
  EXPECT_EQ(plain.aggregate_id(), "A");
  EXPECT_EQ(plain.table(), "");
  const event_stream_not_found with_table("A", "table");
  EXPECT_STREQ(with_table.what(),
               "Event stream not found for aggregate with id \"A\" in table \"table\"");
  EXPECT_EQ(with_table.table(), "table");
  const event_store_error& base = with_table;
  EXPECT_NE(dynamic_cast<const error*>(&base), nullptr);
}

TEST(event_store_errors, duplicate_playhead_carries_the_stream_and_the_conflicts) {
  const domain_event_stream attempted{event("A", 0), event("A", 1)};
  const duplicate_playhead e(attempted, {{"A", 0}}, {"ConditionalCheckFailed"}, "events");
  EXPECT_EQ(e.event_stream(), attempted);
  EXPECT_EQ(e.conflicts(), (std::vector<playhead_conflict>{{"A", 0}}));
  EXPECT_EQ(e.cancellation_reasons(), std::vector<std::string>{"ConditionalCheckFailed"});
  EXPECT_EQ(e.table(), "events");
  EXPECT_THAT(e.what(), HasSubstr("aggregate \"A\" already has playhead 0"));
  EXPECT_THAT(e.what(), HasSubstr("in table \"events\""));
  const duplicate_playhead copy = e;  // copies share the details
  EXPECT_EQ(&copy.event_stream(), &e.event_stream());
  const duplicate_playhead unknown(attempted);
  EXPECT_THAT(unknown.what(), HasSubstr("for aggregate \"A\""));
  EXPECT_TRUE(unknown.conflicts().empty());
}

}  // namespace
}  // namespace dynamo_es
