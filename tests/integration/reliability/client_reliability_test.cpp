// The client's retry policy over the real curl transport and DynamoDB Local, with the
// fault-injecting transport double in between: a double, because Local cannot be made to lose a
// request or its answer, throttle, answer 5xx or check signature times on demand.

#include <gtest/gtest.h>

#include "dynamo_es/dynamodb/client.hpp"
#include "support/dynamodb_local.hpp"
#include "unit/dynamodb/fault_injecting_transport.hpp"

namespace dynamo_es::dynamodb {
namespace {

using namespace std::chrono_literals;
using testing::fault;

class client_reliability : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    auto options = dynamo_es::testing::dynamodb_local::shared().options(
        std::string("client-reliability-") + info->name());
    plain_ = std::make_unique<client>(options);
    faults_ = std::make_shared<testing::fault_injecting_transport>(make_curl_transport());
    options.transport = faults_;
    options.retry.base_backoff = 2ms;
    client_ = std::make_unique<client>(options);
    table_ = std::make_unique<dynamo_es::testing::temporary_table>(
        *plain_, dynamo_es::testing::event_table_request(
                     dynamo_es::testing::unique_table_name("client-reliability")));
  }

  void TearDown() override {
    table_.reset();
    client_.reset();
    plain_.reset();
  }

  put_item_request put(const std::string& id) const {
    put_item_request request;
    request.table_name = table_->name();
    request.item = {{"Id", attribute_value::string(id)}, {"Playhead", attribute_value::number(0)}};
    request.condition_expression = "attribute_not_exists(Id)";
    return request;
  }

  get_item_request get(const std::string& id) const {
    get_item_request request;
    request.table_name = table_->name();
    request.key = {{"Id", attribute_value::string(id)}, {"Playhead", attribute_value::number(0)}};
    request.consistent_read = true;
    return request;
  }

  std::unique_ptr<client> plain_;
  std::shared_ptr<testing::fault_injecting_transport> faults_;
  std::unique_ptr<client> client_;
  std::unique_ptr<dynamo_es::testing::temporary_table> table_;
};

TEST_F(client_reliability, reads_survive_every_fault) {
  static_cast<void>(plain_->put_item(put("a")));
  for (const auto f :
       {fault::timeout, fault::timeout_after_apply, fault::reset_before_send,
        fault::reset_after_send, fault::cut_body, fault::corrupt_body, fault::internal_error,
        fault::service_unavailable, fault::throttling, fault::throughput_exceeded}) {
    SCOPED_TRACE(std::string(testing::to_string(f)));
    faults_->plan("GetItem", {f});
    EXPECT_TRUE(client_->get_item(get("a")).item);
  }
}

TEST_F(client_reliability, a_conditional_put_whose_answer_was_lost_is_not_resent) {
  // Re-sending would fail its own condition and report a false conflict: the client throws the
  // ambiguous error instead, and the item is in fact there.
  faults_->plan("PutItem", {fault::reset_after_send});
  try {
    static_cast<void>(client_->put_item(put("b")));
    FAIL() << "expected transport_error";
  } catch (const transport_error& e) {
    EXPECT_TRUE(e.ambiguous());
    EXPECT_EQ(e.attempts(), 1);
  }
  EXPECT_EQ(faults_->count("PutItem"), 1u);
  EXPECT_TRUE(plain_->get_item(get("b")).item);
}

TEST_F(client_reliability, a_put_refused_before_it_was_sent_is_retried_and_applied) {
  faults_->plan("PutItem", {fault::reset_before_send, fault::throttling});
  static_cast<void>(client_->put_item(put("c")));
  EXPECT_EQ(faults_->count("PutItem"), 3u);
  EXPECT_TRUE(plain_->get_item(get("c")).item);
}

TEST_F(client_reliability, a_skewed_clock_is_corrected_once_for_the_client) {
  faults_->set_server_clock_offset(std::chrono::hours(-3));
  static_cast<void>(client_->put_item(put("d")));
  static_cast<void>(client_->get_item(get("d")));
  const auto seen = faults_->exchanges();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_TRUE(seen[0].skew_rejected);
  EXPECT_FALSE(seen[1].skew_rejected);
  EXPECT_FALSE(seen[2].skew_rejected);
  EXPECT_TRUE(plain_->get_item(get("d")).item);
}

}  // namespace
}  // namespace dynamo_es::dynamodb
