// The loopback fault proxy itself: each fault kind, injected into every request, is what a raw
// DynamoDB client call sees, and the kinds that forward the request leave it applied in DynamoDB
// Local while the others leave nothing. Read-backs go straight to Local, around the proxy.

#include "support/fault_proxy.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "dynamo_es/dynamodb/client.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es::testing {
namespace {

using namespace std::chrono_literals;
using dynamodb::attribute_value;

class fault_proxy_test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    direct_ = std::make_unique<dynamodb::client>(dynamodb_local::shared().options("fault-proxy"));
    table_ = std::make_unique<temporary_table>(
        *direct_, event_table_request(unique_table_name("fault-proxy")));
  }
  static void TearDownTestSuite() {
    table_.reset();
    direct_.reset();
  }

  // A proxy to Local that gives every request (or every request matching `filter`) `kind`.
  static fault_proxy_options always(fault_kind kind, std::string filter = {}) {
    fault_proxy_options options;
    options.upstream_url = dynamodb_local::shared().endpoint_url();
    options.fault_rate = 1.0;
    options.kinds = {kind};
    options.delay = 2000ms;
    options.target_filter = std::move(filter);
    return options;
  }

  // A client of the same Local database through `proxy`. Its deadline is shorter than the
  // proxy's delay, but generous for a loaded machine otherwise.
  static dynamodb::client client_through(const fault_proxy& proxy,
                                         std::chrono::milliseconds deadline = 5000ms) {
    auto options = dynamodb_local::shared().options("fault-proxy");
    options.endpoint_url = proxy.url();
    options.request_timeout = deadline;
    options.connect_timeout = deadline;
    return dynamodb::client(options);
  }

  static dynamodb::put_item_request put_of(const std::string& id) {
    dynamodb::put_item_request request;
    request.table_name = table_->name();
    request.item.emplace("Id", attribute_value::string(id));
    request.item.emplace("Playhead", attribute_value::number(0));
    request.item.emplace("Note", attribute_value::string("written through the fault proxy"));
    return request;
  }

  // Whether the item `id` is in the table, asked of Local directly.
  static bool stored(const std::string& id) {
    dynamodb::get_item_request request;
    request.table_name = table_->name();
    request.key.emplace("Id", attribute_value::string(id));
    request.key.emplace("Playhead", attribute_value::number(0));
    request.consistent_read = true;
    return direct_->get_item(request).item.has_value();
  }

  static inline std::unique_ptr<dynamodb::client> direct_;
  static inline std::unique_ptr<temporary_table> table_;
};

TEST_F(fault_proxy_test, without_faults_it_forwards_every_request_over_kept_alive_connections) {
  auto options = always(fault_kind::throttling);
  options.fault_rate = 0.0;
  const fault_proxy proxy(options);
  const auto client = client_through(proxy);
  for (int i = 0; i < 20; ++i) client.put_item(put_of("plain-" + std::to_string(i)));
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(stored("plain-" + std::to_string(i))) << i;
  const auto counts = proxy.counts();
  EXPECT_EQ(counts.requests, 20u);
  EXPECT_EQ(counts.forwarded, 20u);
  EXPECT_EQ(counts.total_injected(), 0u);
}

// One row per kind: what the client must see, and whether the write reached Local.
struct fault_case {
  fault_kind kind;
  std::string expected_error_name;  // empty for transport errors
  int expected_http_status;         // 0 for transport errors
};

class fault_kind_test : public fault_proxy_test,
                        public ::testing::WithParamInterface<fault_case> {};

TEST_P(fault_kind_test, is_observable_through_a_raw_client_call) {
  const auto& param = GetParam();
  const fault_proxy proxy(always(param.kind));
  const auto client =
      client_through(proxy, param.kind == fault_kind::delay_response ? 500ms : 5000ms);
  const auto id = "kind-" + std::string(to_string(param.kind));

  try {
    client.put_item(put_of(id));
    ADD_FAILURE() << to_string(param.kind) << ": the call succeeded";
  } catch (const dynamodb::transport_error& e) {
    EXPECT_TRUE(param.expected_error_name.empty()) << e.what();
    EXPECT_EQ(e.http_status(), 0) << e.what();
    if (param.kind == fault_kind::delay_response) {
      EXPECT_EQ(e.status(), dynamodb::transport_status::timeout) << e.what();
    }
  } catch (const dynamodb::dynamodb_error& e) {
    EXPECT_EQ(e.error_name(), param.expected_error_name) << e.what();
    EXPECT_EQ(e.http_status(), param.expected_http_status) << e.what();
  }

  const auto counts = proxy.counts();
  EXPECT_GE(counts.of(param.kind), 1u);
  EXPECT_EQ(counts.total_injected(), counts.of(param.kind));
  EXPECT_EQ(counts.requests, counts.total_injected());
  EXPECT_EQ(counts.forwarded, forwards_request(param.kind) ? counts.requests : 0u);
  EXPECT_EQ(stored(id), forwards_request(param.kind))
      << to_string(param.kind) << (forwards_request(param.kind) ? " must" : " must not")
      << " have applied the write";
}

INSTANTIATE_TEST_SUITE_P(
    every_kind, fault_kind_test,
    ::testing::Values(fault_case{fault_kind::reset_before_request, "", 0},
                      fault_case{fault_kind::reset_before_response, "", 0},
                      fault_case{fault_kind::truncate_response, "", 0},
                      fault_case{fault_kind::delay_response, "", 0},
                      fault_case{fault_kind::internal_error_500, "InternalFailure", 500},
                      fault_case{fault_kind::service_unavailable_503, "ServiceUnavailable", 503},
                      fault_case{fault_kind::throttling, "ThrottlingException", 400},
                      fault_case{fault_kind::provisioned_throughput_exceeded,
                                 "ProvisionedThroughputExceededException", 400}),
    [](const ::testing::TestParamInfo<fault_case>& case_info) {
      return std::string(to_string(case_info.param.kind));
    });

TEST_F(fault_proxy_test, a_target_filter_spares_other_operations) {
  const fault_proxy proxy(always(fault_kind::throttling, "PutItem"));
  const auto client = client_through(proxy);
  EXPECT_THROW(client.put_item(put_of("filtered")), dynamodb::throttled);
  EXPECT_FALSE(stored("filtered"));
  dynamodb::get_item_request get;
  get.table_name = table_->name();
  get.key.emplace("Id", attribute_value::string("filtered"));
  get.key.emplace("Playhead", attribute_value::number(0));
  EXPECT_NO_THROW(static_cast<void>(client.get_item(get)));
  const auto counts = proxy.counts();
  EXPECT_EQ(counts.forwarded, 1u);  // the GetItem
  EXPECT_EQ(counts.of(fault_kind::throttling), counts.requests - 1);
}

// The same seed draws the same faults for the same sequence of requests.
TEST_F(fault_proxy_test, a_seed_fixes_the_sequence_of_faults) {
  auto options = always(fault_kind::internal_error_500);
  options.fault_rate = 0.5;
  options.seed = 42;
  const auto outcomes = [&](const fault_proxy_options& with) {
    const fault_proxy proxy(with);
    const auto client = client_through(proxy);
    std::string sequence;
    for (int i = 0; i < 40; ++i) {
      try {
        client.put_item(put_of("seeded-" + std::to_string(i)));
        sequence += '.';
      } catch (const dynamodb::internal_server_error&) {
        sequence += 'x';
      }
    }
    return sequence;
  };
  const auto first = outcomes(options);
  EXPECT_EQ(outcomes(options), first);
  EXPECT_NE(first.find('x'), std::string::npos);
  EXPECT_NE(first.find('.'), std::string::npos);
  options.seed = 43;
  EXPECT_NE(outcomes(options), first);
}

TEST_F(fault_proxy_test, a_changed_rate_applies_to_later_requests) {
  fault_proxy proxy(always(fault_kind::service_unavailable_503));
  const auto client = client_through(proxy);
  EXPECT_THROW(client.put_item(put_of("rate-0")), dynamodb::internal_server_error);
  proxy.set_fault_rate(0.0);
  EXPECT_NO_THROW(client.put_item(put_of("rate-1")));
  EXPECT_TRUE(stored("rate-1"));
}

TEST(fault_proxy_options_test, refuses_a_target_that_is_not_loopback) {
  fault_proxy_options options;
  options.upstream_url = "http://192.0.2.1:8000";
  EXPECT_THROW(fault_proxy{options}, std::invalid_argument);
  options.upstream_url = "https://127.0.0.1:8000";
  EXPECT_THROW(fault_proxy{options}, std::invalid_argument);
}

}  // namespace
}  // namespace dynamo_es::testing
