// Exactly-once appends against DynamoDB Local, with the fault-injecting transport double wrapped
// around the real curl transport. The double is needed because neither Local nor a healthy
// loopback connection can be made to lose a request, to lose the answer to a request it applied,
// to throttle or to answer 5xx on demand; everything else (the transactions, the token
// idempotency, the read-back) is the real DynamoDB Local.
//
// The outcomes under test (docs/retries-and-idempotency.md): an append whose answer was lost is
// confirmed (by its ClientRequestToken, or by reading its rows back and finding its CommitId) and
// written once; a playhead another writer took while our request was in doubt is a true
// `duplicate_playhead`; when nothing can be known, `commit_unknown`, never a guess.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <random>
#include <set>

#include "dynamo_es/dynamodb_event_store.hpp"
#include "dynamo_es/event_store_errors.hpp"
#include "stores/dynamodb_append_limits.hpp"
#include "stores/dynamodb_position_allocator.hpp"
#include "support/dynamodb_local.hpp"
#include "unit/dynamodb/fault_injecting_transport.hpp"

namespace dynamo_es {
namespace {

using namespace std::chrono_literals;
using dynamodb::attribute_map;
using dynamodb::attribute_value;
using ::testing::ElementsAre;
using testing::fault;
using ::testing::HasSubstr;

domain_message make_event(const std::string& id, std::int64_t playhead) {
  return domain_message(
      id, playhead, metadata{},
      serialized_payload{"App\\Event", R"({"n":)" + std::to_string(playhead) + "}"},
      date_time::from_string("2026-05-01T00:00:00.000000+00:00"));
}

domain_event_stream make_events(const std::string& id, std::int64_t first, std::size_t count) {
  std::vector<domain_message> messages;
  for (std::size_t i = 0; i < count; ++i) {
    messages.push_back(make_event(id, first + static_cast<std::int64_t>(i)));
  }
  return domain_event_stream(std::move(messages));
}

std::string token_of(const testing::exchange& request) {
  return nlohmann::json::parse(request.body).value("ClientRequestToken", std::string());
}

class append_reliability : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    auto options =
        testing::dynamodb_local::shared().options(std::string("reliability-") + info->name());
    // The other writer and the checks use a client without faults, on the same database.
    plain_client_ = std::make_shared<const dynamodb::client>(options);
    faults_ = std::make_shared<testing::fault_injecting_transport>(dynamodb::make_curl_transport());
    options.transport = faults_;
    options.retry.base_backoff = 2ms;  // keep the suite fast; backoff bounds are unit-tested
    tweak_client(options.retry);
    client_ = std::make_shared<const dynamodb::client>(options);
    table_ = testing::unique_table_name("reliability");
    dynamodb_event_store_options store_options;
    store_options.table_name = table_;
    other_ = std::make_unique<dynamodb_event_store>(plain_client_, store_options);
    other_->create_table();
    store_ = std::make_unique<dynamodb_event_store>(client_, store_options);
    // Warm the store up (it reads the counter once), so that an append is one transaction.
    store_->append("warm-up", make_events("warm-up", 0, 1));
    faults_->clear_history();
  }

  void TearDown() override {
    try {
      other_->delete_table();
    } catch (const std::exception&) {
      // Best effort; Local is in memory.
    }
  }

  virtual void tweak_client(dynamodb::retry_options&) {}

  /// The rows of `id`, read consistently without faults.
  std::vector<attribute_map> rows(const std::string& id) const {
    dynamodb::query_request query;
    query.table_name = table_;
    query.key_condition_expression = "Id = :id";
    query.expression_attribute_values = {{":id", attribute_value::string(id)}};
    query.consistent_read = true;
    return plain_client_->query_all(query);
  }

  std::vector<std::string> commit_ids(const std::string& id) const {
    std::vector<std::string> ids;
    for (const auto& row : rows(id)) {
      const auto it = row.find("CommitId");
      ids.push_back(it == row.end() ? std::string("<none>") : it->second.as_string());
    }
    return ids;
  }

  /// Every position in the feed, in order (no gap is expected in these tests).
  std::vector<std::int64_t> feed() const {
    std::vector<std::int64_t> positions;
    const auto page = other_->load_replay_page_after_global_position(criteria::create(), 0, 10'000);
    for (const auto& event : page.events()) positions.push_back(event.global_position);
    return positions;
  }

  std::vector<testing::exchange> transactions() const {
    std::vector<testing::exchange> result;
    for (auto& e : faults_->exchanges()) {
      if (e.operation == "TransactWriteItems") result.push_back(std::move(e));
    }
    return result;
  }

  std::shared_ptr<const dynamodb::client> plain_client_;
  std::shared_ptr<testing::fault_injecting_transport> faults_;
  std::shared_ptr<const dynamodb::client> client_;
  std::string table_;
  std::unique_ptr<dynamodb_event_store> other_;
  std::unique_ptr<dynamodb_event_store> store_;
};

TEST_F(append_reliability, a_lost_answer_is_confirmed_by_the_token_and_written_once) {
  faults_->plan("TransactWriteItems", {fault::reset_after_send});
  store_->append("A", make_events("A", 0, 3));
  EXPECT_EQ(faults_->count("Query"), 0u) << "the token settled it: no read-back";

  const auto sent = transactions();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].body, sent[1].body) << "the retry is the same request with the same token";
  EXPECT_TRUE(sent[0].forwarded);
  const auto token = token_of(sent[0]);
  EXPECT_EQ(token.size(), 36u);
  EXPECT_THAT(commit_ids("A"), ElementsAre(token, token, token));
  EXPECT_EQ(store_->load("A"), make_events("A", 0, 3));
  EXPECT_THAT(feed(), ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(store_->statistics().transient_retries, 1u);
}

TEST_F(append_reliability, when_retries_run_out_after_an_applied_attempt_the_commit_is_recognised) {
  // The first attempt is applied and its answer lost; the retries (same token) never get an
  // answer either. The store reads the rows back, finds its CommitId and reports success.
  int aggregate = 0;
  for (const auto first : {fault::reset_after_send, fault::timeout_after_apply, fault::cut_body,
                           fault::internal_error_after_apply, fault::corrupt_body}) {
    SCOPED_TRACE(std::string(testing::to_string(first)));
    const std::string id = "B" + std::to_string(aggregate++);
    faults_->clear_history();
    faults_->plan("TransactWriteItems", {first, fault::timeout, fault::timeout});
    store_->append(id, make_events(id, 0, 2));

    const auto sent = transactions();
    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(faults_->count("Query"), 1u) << "one consistent read of the rows settled it";
    const auto token = token_of(sent[0]);
    EXPECT_THAT(commit_ids(id), ElementsAre(token, token));
    EXPECT_EQ(store_->load(id), make_events(id, 0, 2));
  }
  // Positions stayed dense, and the store's counter knowledge is right: the next append is one
  // transaction at the next position.
  faults_->clear_history();
  store_->append("C", make_events("C", 0, 1));
  EXPECT_EQ(transactions().size(), 1u);
  std::vector<std::int64_t> expected(1 + 5 * 2 + 1);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(feed(), expected);
}

TEST_F(append_reliability,
       another_writer_taking_the_playhead_while_we_were_in_doubt_is_a_duplicate) {
  // Our request is lost on the way (never applied, but the client cannot know); before the
  // retry, another writer appends the same playhead. The retry is cancelled on the existing row;
  // reading it back shows someone else's commit id: a true duplicate, not a success.
  faults_->plan("TransactWriteItems", {fault::timeout});
  faults_->on_fault(
      [this](const testing::exchange&) { other_->append("A", make_events("A", 0, 1)); });
  try {
    store_->append("A", make_events("A", 0, 2));
    FAIL() << "expected duplicate_playhead";
  } catch (const duplicate_playhead& e) {
    EXPECT_EQ(e.conflicts(), (std::vector<playhead_conflict>{{"A", 0}}));
    EXPECT_EQ(e.table(), table_);
  }
  const auto sent = transactions();
  ASSERT_EQ(sent.size(), 2u);
  const auto ours = token_of(sent[0]);
  const auto rows_of_a = commit_ids("A");
  ASSERT_EQ(rows_of_a.size(), 1u) << "only the other writer's event";
  EXPECT_NE(rows_of_a[0], ours);
  EXPECT_EQ(faults_->count("Query"), 1u) << "the rows were read back before reporting";
  EXPECT_THAT(feed(), ElementsAre(1, 2));
}

TEST_F(append_reliability, a_lost_request_then_a_moved_counter_commits_once_under_a_new_token) {
  // Our request is lost; another writer appends elsewhere, moving the counter. The retry is
  // cancelled on the counter only: our first request can never apply (its counter condition is
  // behind for good), so the store rebuilds at the new positions under a new token.
  faults_->plan("TransactWriteItems", {fault::timeout});
  faults_->on_fault(
      [this](const testing::exchange&) { other_->append("X", make_events("X", 0, 1)); });
  store_->append("A", make_events("A", 0, 2));
  const auto sent = transactions();
  ASSERT_EQ(sent.size(), 3u);
  const auto first_token = token_of(sent[0]);
  const auto second_token = token_of(sent[2]);
  EXPECT_EQ(token_of(sent[1]), first_token);
  EXPECT_NE(second_token, first_token);
  EXPECT_THAT(commit_ids("A"), ElementsAre(second_token, second_token));
  EXPECT_THAT(feed(), ElementsAre(1, 2, 3, 4));
  EXPECT_EQ(store_->statistics().counter_races, 1u);
  EXPECT_EQ(faults_->count("Query"), 1u) << "the rows were read back before rebuilding";
}

TEST_F(append_reliability, when_the_rows_cannot_be_read_back_the_commit_is_unknown) {
  faults_->plan("TransactWriteItems", {fault::timeout, fault::timeout, fault::timeout});
  faults_->plan("Query",
                {fault::reset_before_send, fault::reset_before_send, fault::reset_before_send});
  try {
    store_->append("A", make_events("A", 3, 2));
    FAIL() << "expected commit_unknown";
  } catch (const commit_unknown& e) {
    const auto sent = transactions();
    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(e.table(), table_);
    EXPECT_EQ(e.aggregate_id(), "A");
    EXPECT_EQ(e.playheads(), (std::vector<std::int64_t>{3, 4}));
    EXPECT_EQ(e.commit_ids(), std::vector<std::string>{token_of(sent[0])});
    EXPECT_THAT(e.cause(), HasSubstr("reading the rows back failed"));
    EXPECT_THAT(e.what(), HasSubstr(table_));
    EXPECT_THAT(e.what(), HasSubstr("\"A\""));
    EXPECT_THAT(e.what(), HasSubstr(token_of(sent[0])));
    EXPECT_THAT(e.what(), HasSubstr("Do not append these events again blindly"));
  }
  EXPECT_EQ(faults_->count("Query"), 3u) << "the read-back was tried (and retried)";
  // It really was not written; appending again now is fine.
  EXPECT_TRUE(rows("A").empty());
  store_->append("A", make_events("A", 3, 2));
  EXPECT_EQ(rows("A").size(), 2u);
}

TEST_F(append_reliability, when_nothing_is_there_yet_the_commit_is_unknown) {
  // No row at our playheads, and our last attempt timed out: it may still be in flight and apply
  // later, so neither "failed" nor "succeeded" would be honest.
  faults_->plan("TransactWriteItems", {fault::timeout, fault::timeout, fault::timeout});
  try {
    store_->append("A", make_events("A", 0, 1));
    FAIL() << "expected commit_unknown";
  } catch (const commit_unknown& e) {
    EXPECT_THAT(e.cause(), HasSubstr("may still be in flight"));
  }
  EXPECT_TRUE(rows("A").empty());
  EXPECT_EQ(faults_->count("Query"), 1u);
}

TEST_F(append_reliability, throttling_and_server_errors_are_retried_and_write_once) {
  faults_->plan("TransactWriteItems", {fault::throttling, fault::throttled_cancellation});
  store_->append("A", make_events("A", 0, 2));
  EXPECT_EQ(transactions().size(), 3u);
  EXPECT_EQ(rows("A").size(), 2u);
  EXPECT_EQ(store_->statistics().transient_retries, 2u);

  faults_->plan("Query", {fault::throughput_exceeded, fault::internal_error});
  EXPECT_EQ(store_->load("A"), make_events("A", 0, 2));

  // A conflict reason is not retried by the client, but by the store, with the same request.
  faults_->clear_history();
  faults_->plan("TransactWriteItems", {fault::conflicted_cancellation});
  store_->append("A", make_events("A", 2, 1));
  const auto sent = transactions();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0].body, sent[1].body);
  EXPECT_THAT(feed(), ElementsAre(1, 2, 3, 4));
}

// The store's statistics `ambiguous_appends`, `recognised_commits` and `unknown_commits` come
// from the allocator's counters; checked where they are kept, with the allocator on its own.
TEST_F(append_reliability, the_allocator_counts_the_appends_it_had_to_settle) {
  detail::store_counters counters;
  detail::conditional_counter allocator(client_, table_, append_retry_options{}, counters);
  const auto commit = [&](const std::string& id, std::int64_t first, std::size_t count) {
    const auto stream = make_events(id, first, count);
    auto checked = detail::encode_and_check_append(id, stream);
    detail::pending_append pending{id, stream, std::move(checked.items)};
    return allocator.commit_one(pending);
  };
  faults_->plan("TransactWriteItems", {fault::reset_after_send, fault::timeout, fault::timeout});
  EXPECT_EQ(commit("A", 0, 2), 2) << "the recognised commit reports its real first position";
  faults_->plan("TransactWriteItems", {fault::timeout, fault::timeout, fault::timeout});
  EXPECT_THROW(static_cast<void>(commit("B", 0, 1)), commit_unknown);
  EXPECT_EQ(commit("C", 0, 1), 4) << "the counter knowledge survived both";
  EXPECT_EQ(counters.ambiguous_appends.load(), 2u);
  EXPECT_EQ(counters.recognised_commits.load(), 1u);
  EXPECT_EQ(counters.unknown_commits.load(), 1u);
  EXPECT_EQ(counters.appends.load(), 2u);
  EXPECT_EQ(counters.transient_retries.load(), 4u);  // the client's retries, counted by the store
}

class append_reliability_small_quota : public append_reliability {
 protected:
  void tweak_client(dynamodb::retry_options& retry) override { retry.quota_capacity = 10; }
};

TEST_F(append_reliability_small_quota, an_exhausted_quota_stops_retries) {
  faults_->set_rule([](const testing::exchange& request, std::size_t) {
    return request.operation == "TransactWriteItems" ? fault::throttling : fault::none;
  });
  // Two retries of 5 tokens empty the bucket; the append fails with nothing written.
  EXPECT_THROW(store_->append("A", make_events("A", 0, 1)), dynamodb::throttled);
  EXPECT_EQ(transactions().size(), 3u);
  faults_->clear_history();
  try {
    store_->append("A", make_events("A", 0, 1));
    FAIL() << "expected throttled";
  } catch (const dynamodb::throttled& e) {
    EXPECT_EQ(e.attempts(), 1) << "no token left for a retry";
    EXPECT_FALSE(e.ambiguous());
  }
  EXPECT_EQ(transactions().size(), 1u);
  EXPECT_TRUE(rows("A").empty());
}

TEST_F(append_reliability, under_random_faults_every_acknowledged_append_is_stored_exactly_once) {
  // A small soak (the TCP fault proxy runs the big one): one writer, four aggregates, a fixed
  // seed, about a third of all requests faulted with every kind of fault.
  std::mt19937 random(20260501);
  const std::vector<fault> kinds = {fault::timeout,
                                    fault::timeout_after_apply,
                                    fault::reset_before_send,
                                    fault::reset_after_send,
                                    fault::cut_body,
                                    fault::corrupt_body,
                                    fault::internal_error,
                                    fault::service_unavailable,
                                    fault::throttling,
                                    fault::throttled_cancellation,
                                    fault::internal_error_after_apply};
  std::mutex random_mutex;
  faults_->set_rule([&](const testing::exchange&, std::size_t) {
    std::lock_guard lock(random_mutex);
    if (random() % 3 != 0) return fault::none;
    return kinds[random() % kinds.size()];
  });
  std::map<std::string, std::int64_t> next_playhead;
  int succeeded = 0;
  int unknown = 0;
  int duplicates = 0;
  for (int i = 0; i < 60; ++i) {
    const std::string id = "S" + std::to_string(i % 4);
    auto& playhead = next_playhead[id];
    try {
      store_->append(id, make_events(id, playhead, 2));
      ++succeeded;
      playhead += 2;
    } catch (const commit_unknown&) {
      // The honest answer; look (without faults) and go on from what is there.
      ++unknown;
      playhead = static_cast<std::int64_t>(rows(id).size());
    } catch (const duplicate_playhead&) {
      ++duplicates;  // a single writer never conflicts with itself: must stay 0
    } catch (const dynamodb::dynamodb_error& e) {
      ASSERT_FALSE(e.ambiguous()) << "an ambiguous failure must be settled: " << e.what();
    }
  }
  faults_->set_rule({});
  std::printf("[ soak ] appends=60 succeeded=%d commit_unknown=%d duplicates=%d faults=%zu\n",
              succeeded, unknown, duplicates,
              faults_->exchanges().size() - faults_->injected(fault::none));
  EXPECT_EQ(duplicates, 0);
  EXPECT_GT(succeeded, 30);
  // Every aggregate holds its events once each, at playheads 0..n-1, in one piece.
  std::size_t total = 1;  // the warm-up event
  for (const auto& [id, playhead] : next_playhead) {
    EXPECT_EQ(store_->load(id), make_events(id, 0, static_cast<std::size_t>(playhead))) << id;
    total += static_cast<std::size_t>(playhead);
  }
  std::vector<std::int64_t> expected(total);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(feed(), expected) << "positions dense, no event twice";
}

}  // namespace
}  // namespace dynamo_es
