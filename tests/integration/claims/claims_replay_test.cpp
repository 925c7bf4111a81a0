// Replays that settle missing positions with claim rows, against DynamoDB Local.
//
// The situations are built with raw client calls (event rows with a GlobalPosition, claim rows,
// counter updates), so these tests do not depend on any append protocol: they are what a writer
// of any protocol (or a dead one, or the PHP package) leaves in the table. DynamoDB Local updates
// its GSI synchronously, so "the index lags behind a committed claim" is built as a committed
// claim whose event row is written later.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "dynamo_es/dynamodb/errors.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"
#include "dynamo_es/event_store_errors.hpp"
#include "integration/concurrency/child_process.hpp"
#include "integration/store/store_test_support.hpp"
#include "stores/dynamodb_claims.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_table_layout.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es {
namespace {

using namespace std::chrono_literals;
using detail::position_claim;
using dynamodb::attribute_map;
using dynamodb::attribute_value;
using ::testing::ElementsAre;
namespace layout = detail::table_layout;

constexpr const char* child_table_variable = "DYNAMO_ES_CLAIMS_CHILD_TABLE";

attribute_map key(std::string_view id, std::int64_t playhead) {
  return detail::event_key(id, playhead);
}

// The event at a global position: aggregate "agg-<position>", playhead 1, so that a visitor can
// tell positions apart from the message alone.
domain_message event_at(std::int64_t position) {
  return store_testing::make_event("agg-" + std::to_string(position), 1);
}

std::int64_t position_of(const domain_message& message) {
  return std::stoll(message.id().substr(4));
}

class claims_replay : public ::testing::Test {
 protected:
  void SetUp() override {
    auto options = testing::dynamodb_local::shared().options("claims-integration");
    raw_ = std::make_shared<const dynamodb::client>(options);
    transport_ =
        std::make_shared<store_testing::recording_transport>(dynamodb::make_curl_transport());
    options.transport = transport_;
    client_ = std::make_shared<const dynamodb::client>(std::move(options));
    table_ = testing::unique_table_name("claims");
    admin_ = store(60s);
    admin_->create_table();
  }

  void TearDown() override {
    transport_->set_editor(nullptr);
    try {
      admin_->delete_table();
    } catch (const std::exception&) {
      // Best effort; Local is in memory.
    }
  }

  // A store on the table through the recording transport; every store records the gaps it
  // passes in `skipped_`.
  std::unique_ptr<dynamodb_event_store> store(std::chrono::milliseconds gap_timeout) {
    dynamodb_event_store_options options;
    options.table_name = table_;
    options.gap_timeout = gap_timeout;
    options.on_gap_skipped = [this](const skipped_gap& gap) {
      std::scoped_lock lock(mutex_);
      skipped_.push_back(gap);
    };
    return std::make_unique<dynamodb_event_store>(client_, std::move(options));
  }

  std::vector<skipped_gap> skipped() const {
    std::scoped_lock lock(mutex_);
    return skipped_;
  }

  // An event row at `position`, as any writer commits it (written unconditionally: the raw row
  // stands for a transaction that already succeeded).
  void put_event(std::int64_t position) const {
    dynamodb::put_item_request request;
    request.table_name = table_;
    request.item = detail::encode_event(event_at(position), position);
    static_cast<void>(raw_->put_item(request));
  }

  // A claim row, under the claim condition. Returns false when a claim was there first.
  bool put_claim(attribute_map row) const {
    dynamodb::put_item_request request;
    request.table_name = table_;
    request.item = std::move(row);
    request.condition_expression = std::string(layout::claim_put_condition);
    try {
      static_cast<void>(raw_->put_item(request));
      return true;
    } catch (const dynamodb::conditional_check_failed&) {
      return false;
    }
  }

  std::optional<attribute_map> row_at(std::string_view id, std::int64_t playhead) const {
    dynamodb::get_item_request request;
    request.table_name = table_;
    request.key = key(id, playhead);
    request.consistent_read = true;
    return raw_->get_item(request).item;
  }

  std::optional<position_claim> claim_at(std::int64_t position) const {
    const auto row = row_at(layout::claim_id, position);
    return row ? detail::decode_claim(*row) : std::nullopt;
  }

  void expect_fenced_by_reader(std::int64_t position) const {
    const auto row = row_at(layout::claim_id, position);
    ASSERT_TRUE(row.has_value()) << "no claim at " << position;
    EXPECT_EQ(row->at("State").as_string(), "void") << position;
    EXPECT_EQ(row->at("VoidedBy").as_string(), "reader") << position;
    EXPECT_EQ(row->at("Length").as_int64(), 1) << position;
    EXPECT_EQ(row->count("Feed"), 0u) << "a claim row must stay out of the index";
  }

  // The reservation: UpdateItem ADD on the counter; returns the new value.
  std::int64_t reserve(std::int64_t count) const {
    dynamodb::update_item_request request;
    request.table_name = table_;
    request.key = key(layout::counter_id, layout::counter_playhead);
    request.update_expression = "ADD #v :n";
    request.expression_attribute_names = {{"#v", std::string(layout::counter_value)}};
    request.expression_attribute_values = {{":n", attribute_value::number(count)}};
    request.return_values = dynamodb::return_value::updated_new;
    return raw_->update_item(request).attributes.at("Value").as_int64();
  }

  // A reservation writer's commit of [first, first + count - 1]: the committed claim and the
  // events in one transaction, the claim conditioned like every claim Put.
  void commit(std::int64_t first, std::int64_t count) const {
    dynamodb::transact_write_items_request request;
    request.transact_items.emplace_back(
        detail::claim_put(table_, detail::committed_claim_item(first, count, "commit")));
    for (auto position = first; position < first + count; ++position) {
      dynamodb::transact_put put;
      put.table_name = table_;
      put.item = detail::encode_event(event_at(position), position);
      put.condition_expression = std::string(layout::event_put_condition);
      request.transact_items.emplace_back(std::move(put));
    }
    static_cast<void>(raw_->transact_write_items(request));
  }

  // Every event of a whole visit, by position.
  static std::vector<std::int64_t> visit(dynamodb_event_store& store) {
    std::vector<std::int64_t> positions;
    store.visit_events(criteria::create(),
                       [&](const domain_message& m) { positions.push_back(position_of(m)); });
    return positions;
  }

  std::shared_ptr<const dynamodb::client> raw_;  // bypasses the recording transport
  std::shared_ptr<store_testing::recording_transport> transport_;
  std::shared_ptr<const dynamodb::client> client_;
  std::string table_;
  std::unique_ptr<dynamodb_event_store> admin_;
  mutable std::mutex mutex_;
  std::vector<skipped_gap> skipped_;
};

std::vector<std::int64_t> positions(const replay_page& page) {
  std::vector<std::int64_t> out;
  for (const auto& event : page.events()) out.push_back(event.global_position);
  return out;
}

TEST_F(claims_replay, a_hole_covered_by_a_void_claim_is_passed_without_waiting_for_the_timeout) {
  // 3..4: a writer reserved them, its commit failed, it voided the range. The gap timeout is a
  // minute: the replay returns only because the void claim lets it pass.
  put_event(1);
  put_event(2);
  ASSERT_TRUE(put_claim(detail::void_claim_item(3, 2, layout::claim_voided_by_writer)));
  put_event(5);
  const auto replay = store(60s);
  EXPECT_THAT(visit(*replay), ElementsAre(1, 2, 5));
  const auto statistics = replay->statistics();
  EXPECT_EQ(statistics.void_positions_passed, 2u);
  EXPECT_EQ(statistics.skipped_gaps, 0u);
  EXPECT_EQ(statistics.fenced_positions, 0u);
  EXPECT_TRUE(skipped().empty());
  EXPECT_FALSE(claim_at(3)->status == position_claim::state::committed);

  // One page at a time: the page that meets the hole stops before it until the claims are read
  // (a hole must be missing for a moment first), then passes it; never past a position it did
  // not settle.
  const auto pages = store(60s);
  std::int64_t after = 2;
  std::vector<std::int64_t> delivered;
  for (int attempt = 0; attempt < 500 && after < 5; ++attempt) {
    const auto page = pages->load_replay_page_after_global_position(criteria::create(), after, 10);
    for (const auto p : positions(page)) delivered.push_back(p);
    ASSERT_TRUE(page.last_processed_global_position() == 2 ||
                page.last_processed_global_position() == 5)
        << page.last_processed_global_position();
    after = page.last_processed_global_position();
    if (after < 5) std::this_thread::sleep_for(10ms);
  }
  EXPECT_THAT(delivered, ElementsAre(5));
  EXPECT_EQ(pages->statistics().void_positions_passed, 2u);
  EXPECT_EQ(pages->statistics().skipped_gaps, 0u);
}

TEST_F(claims_replay, a_hole_covered_by_a_committed_claim_is_never_passed_whatever_the_timeout) {
  // 2: committed (its claim is there) but not yet in the index. The gap timeout is short, the
  // follower waits for many timeouts: it must still deliver 2, in order, once the row shows.
  put_event(1);
  ASSERT_TRUE(put_claim(detail::committed_claim_item(2, 1, "slow-index")));
  put_event(3);
  const auto follower_store = store(200ms);
  std::mutex seen_mutex;
  std::vector<std::int64_t> seen;
  std::jthread follower([&] {
    follower_store->visit_events(criteria::create(), [&](const domain_message& m) {
      std::scoped_lock lock(seen_mutex);
      seen.push_back(position_of(m));
    });
  });

  // One page at a time, by another store: never past position 1.
  const auto pages = store(200ms);
  for (int i = 0; i < 10; ++i) {
    const auto page = pages->load_replay_page_after_global_position(criteria::create(), 1, 10);
    EXPECT_TRUE(page.events().empty());
    EXPECT_EQ(page.last_processed_global_position(), 1);
    EXPECT_TRUE(page.has_more());
    std::this_thread::sleep_for(100ms);  // 1 s in all: five gap timeouts
  }
  {
    std::scoped_lock lock(seen_mutex);
    EXPECT_THAT(seen, ElementsAre(1));
  }
  EXPECT_FALSE(row_at(layout::claim_id, 2)->count("VoidedBy")) << "the committed claim stays";

  put_event(2);  // the index catches up
  follower.join();
  EXPECT_THAT(seen, ElementsAre(1, 2, 3));
  for (const auto* s : {follower_store.get(), pages.get()}) {
    EXPECT_EQ(s->statistics().skipped_gaps, 0u);
    EXPECT_EQ(s->statistics().fenced_positions, 0u);
    EXPECT_EQ(s->statistics().void_positions_passed, 0u);
  }
  EXPECT_GT(follower_store->statistics().gap_waits, 0u);
  EXPECT_TRUE(skipped().empty());
  const auto page = pages->load_replay_page_after_global_position(criteria::create(), 1, 10);
  EXPECT_THAT(positions(page), ElementsAre(2, 3));
}

TEST_F(claims_replay, an_unclaimed_hole_is_fenced_after_the_gap_timeout_then_passed_and_reported) {
  // What the PHP package leaves (it writes no claims) and what a writer that died after its
  // reservation leaves: 2 (one position: one PutItem) and 4..6 (a transaction of fences).
  put_event(1);
  put_event(3);
  put_event(7);
  const auto replay = store(200ms);
  EXPECT_THAT(visit(*replay), ElementsAre(1, 3, 7));
  for (const auto position : {2, 4, 5, 6}) expect_fenced_by_reader(position);
  EXPECT_FALSE(row_at(layout::claim_id, 3).has_value()) << "only missing positions are fenced";
  const auto statistics = replay->statistics();
  EXPECT_EQ(statistics.skipped_gaps, 2u);
  EXPECT_EQ(statistics.skipped_positions, 4u);
  EXPECT_EQ(statistics.fenced_positions, 4u);
  EXPECT_EQ(statistics.void_positions_passed, 0u);
  const auto gaps = skipped();
  ASSERT_EQ(gaps.size(), 2u);
  EXPECT_EQ(gaps[0].table_name, table_);
  EXPECT_EQ(gaps[0].first_position, 2);
  EXPECT_EQ(gaps[0].last_position, 2);
  EXPECT_GE(gaps[0].missing_for, 200ms);
  EXPECT_EQ(gaps[1].first_position, 4);
  EXPECT_EQ(gaps[1].last_position, 6);

  // Any other reader now passes the fenced positions at once, as void ones (a minute's timeout).
  const auto later = store(60s);
  EXPECT_THAT(visit(*later), ElementsAre(1, 3, 7));
  EXPECT_EQ(later->statistics().void_positions_passed, 4u);
  EXPECT_EQ(later->statistics().fenced_positions, 0u);
  EXPECT_EQ(later->statistics().skipped_gaps, 0u);
}

TEST_F(claims_replay, a_writer_that_commits_a_fenced_position_fails_on_its_claim) {
  // The writer reserved 2 and was paused past the gap timeout; the reader fenced 2.
  commit(reserve(1), 1);
  ASSERT_EQ(reserve(1), 2);  // the paused writer
  commit(reserve(1), 1);
  const auto replay = store(200ms);
  EXPECT_THAT(visit(*replay), ElementsAre(1, 3));
  expect_fenced_by_reader(2);

  // Now the writer commits: DynamoDB cancels the transaction on the claim's condition, so the
  // event the reader passed over was never committed.
  try {
    commit(2, 1);
    FAIL() << "the commit of a fenced range must fail";
  } catch (const dynamodb::transaction_canceled& e) {
    ASSERT_EQ(e.cancellation_reasons().size(), 2u);
    EXPECT_TRUE(e.cancellation_reasons()[0].is_conditional_check_failed());
    EXPECT_FALSE(e.cancellation_reasons()[1].is_conditional_check_failed());
  }
  EXPECT_FALSE(row_at("agg-2", 1).has_value());
  EXPECT_THAT(visit(*store(60s)), ElementsAre(1, 3));

  // The writer reserves again and commits its new range; every reader gets it.
  const auto next = reserve(1);
  ASSERT_EQ(next, 3 + 1);
  commit(next, 1);
  EXPECT_THAT(visit(*replay), ElementsAre(1, 3, 4));
}

TEST_F(claims_replay,
       a_claim_written_between_the_claims_read_and_the_fence_wins_and_is_waited_for) {
  // A writer reserved 2..4 and commits just after the reader read the claims (nothing there)
  // and before its fence: the fence transaction is cancelled on position 2, the reader learns the
  // committed range 2..4 (which also covers 3 and 4: they are not fenced) and waits for its rows.
  put_event(1);
  put_event(5);
  const auto replay = store(200ms);
  auto first = replay->load_replay_page_after_global_position(criteria::create(), 0, 10);
  EXPECT_THAT(positions(first), ElementsAre(1));
  ASSERT_EQ(first.last_processed_global_position(), 1);
  std::this_thread::sleep_for(300ms);  // the hole 2..4 has now timed out

  std::atomic<int> claims_reads{0};
  transport_->set_editor([&](const dynamodb::http_request& request, std::string_view operation,
                             dynamodb::http_result&) {
    if (operation != "Query" || request.body.find("_position") == std::string::npos) return;
    if (claims_reads.fetch_add(1) == 0) {
      // The response (no claims) is already on its way back to the reader.
      ASSERT_TRUE(put_claim(detail::committed_claim_item(2, 3, "late-writer")));
    }
  });
  const auto stopped = replay->load_replay_page_after_global_position(criteria::create(), 1, 10);
  transport_->set_editor(nullptr);
  EXPECT_EQ(claims_reads.load(), 1);
  EXPECT_TRUE(stopped.events().empty());
  EXPECT_EQ(stopped.last_processed_global_position(), 1);
  EXPECT_TRUE(stopped.has_more());
  EXPECT_EQ(replay->statistics().fenced_positions, 0u);
  EXPECT_EQ(replay->statistics().skipped_gaps, 0u);
  EXPECT_TRUE(skipped().empty());
  EXPECT_EQ(claim_at(2)->status, position_claim::state::committed);
  EXPECT_FALSE(row_at(layout::claim_id, 3).has_value());
  EXPECT_FALSE(row_at(layout::claim_id, 4).has_value());

  // Still waiting, many timeouts later, without reading the claims again: the verdict is kept.
  transport_->clear();
  std::this_thread::sleep_for(300ms);
  const auto still = replay->load_replay_page_after_global_position(criteria::create(), 1, 10);
  EXPECT_EQ(still.last_processed_global_position(), 1);
  EXPECT_EQ(transport_->count("Query"), 1u) << "only the feed Query";

  for (const auto position : {2, 3, 4}) put_event(position);
  const auto page = replay->load_replay_page_after_global_position(criteria::create(), 1, 10);
  EXPECT_THAT(positions(page), ElementsAre(2, 3, 4, 5));
}

TEST_F(claims_replay, the_claim_id_is_reserved_and_loading_it_finds_no_stream_without_a_request) {
  // Next to `_counter` (dynamodb_store_read_test, append_validation_test): claim rows are never
  // events of an aggregate.
  ASSERT_TRUE(put_claim(detail::committed_claim_item(1, 2, "c")));
  ASSERT_TRUE(put_claim(detail::void_claim_item(3, 1, layout::claim_voided_by_reader)));
  const auto reader = store(60s);
  transport_->clear();
  EXPECT_THROW(static_cast<void>(reader->load("_position")), event_stream_not_found);
  EXPECT_TRUE(reader->load_from_playhead("_position", 0).empty());
  EXPECT_EQ(transport_->total(), 0u);
  try {
    reader->append("_position", domain_event_stream{store_testing::make_event("_position", 0)});
    FAIL() << "expected validation_error";
  } catch (const validation_error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("\"_position\""));
    EXPECT_THAT(e.what(), ::testing::HasSubstr("reserved"));
  }
  EXPECT_EQ(transport_->total(), 0u) << "a refused append sends nothing";
  EXPECT_EQ(claim_at(3)->status, position_claim::state::voided) << "the claim rows are untouched";
}

// The crashing writer: reserves one position, then dies before it commits. Skipped unless the
// parent test started this binary as its child.
TEST(claims_child, reserve_then_die) {
  const char* table = std::getenv(child_table_variable);
  if (table == nullptr) {
    GTEST_SKIP() << "runs only as the child process of claims_replay.a_writer_killed_after_its_"
                    "reservation_leaves_a_range_that_followers_fence";
  }
  // Endpoint, key pair and region come from the environment the parent set.
  const dynamodb::client client{dynamodb::client_options{}};
  dynamodb::update_item_request request;
  request.table_name = table;
  request.key = key(layout::counter_id, layout::counter_playhead);
  request.update_expression = "ADD #v :n";
  request.expression_attribute_names = {{"#v", std::string(layout::counter_value)}};
  request.expression_attribute_values = {{":n", attribute_value::number(1)}};
  static_cast<void>(client.update_item(request));
  std::raise(SIGKILL);  // between the reservation and the commit
}

TEST_F(claims_replay, a_writer_killed_after_its_reservation_leaves_a_range_that_followers_fence) {
  const auto& local = testing::dynamodb_local::shared();
  const auto client_options = local.options("claims-integration");
  commit(reserve(2) - 1, 2);  // positions 1..2

  concurrency_testing::child_process child(
      {concurrency_testing::self_executable(), "--gtest_filter=claims_child.reserve_then_die",
       "--gtest_color=no"},
      {{"AWS_ENDPOINT_URL_DYNAMODB", local.endpoint_url()},
       {"AWS_ACCESS_KEY_ID", client_options.credentials->access_key_id},
       {"AWS_SECRET_ACCESS_KEY", client_options.credentials->secret_access_key},
       {"AWS_SESSION_TOKEN", ""},
       {"AWS_REGION", client_options.region},
       {"DYNAMO_ES_TEST_ENDPOINT", local.endpoint_url()},  // never start a second Local
       {child_table_variable, table_}});
  const auto result = child.wait(60s);
  ASSERT_FALSE(result.timed_out) << result.output;
  ASSERT_FALSE(result.exited) << "the child should have been killed:\n" << result.output;
  ASSERT_EQ(result.exit_code, SIGKILL) << result.output;
  ASSERT_EQ(reserve(0), 3) << "the dead writer reserved position 3";

  // Writers that came after the dead one.
  commit(reserve(2) - 1, 2);  // 4..5
  commit(reserve(1), 1);      // 6

  // A follower delivers every committed event and passes the dead position once it times out.
  const auto follower = store(300ms);
  EXPECT_THAT(visit(*follower), ElementsAre(1, 2, 4, 5, 6));
  expect_fenced_by_reader(3);
  EXPECT_EQ(follower->statistics().fenced_positions, 1u);
  EXPECT_EQ(follower->statistics().skipped_gaps, 1u);
  EXPECT_EQ(follower->statistics().skipped_positions, 1u);
  const auto gaps = skipped();
  ASSERT_EQ(gaps.size(), 1u);
  EXPECT_EQ(gaps[0].first_position, 3);
  EXPECT_EQ(gaps[0].last_position, 3);
}

}  // namespace
}  // namespace dynamo_es
