// The bank demo (examples/bank) as a smoke test: run against this binary's DynamoDB Local with
// its configuration in the environment, as scripts/demo.sh runs it, it must tell its whole story
// and exit 0, which it does only when every check of the story holds.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>

#include "dynamo_es/dynamodb/client.hpp"
#include "integration/concurrency/child_process.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es::concurrency_testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(bank_demo, tells_its_story_and_every_check_holds) {
  const auto& local = testing::dynamodb_local::shared();
  const auto options = local.options("bank-demo");
  const auto table = testing::unique_table_name("bank");
  child_process demo({DYNAMO_ES_BANK_DEMO},
                     {{"AWS_ENDPOINT_URL_DYNAMODB", local.endpoint_url()},
                      {"AWS_ACCESS_KEY_ID", options.credentials->access_key_id},
                      {"AWS_SECRET_ACCESS_KEY", options.credentials->secret_access_key},
                      {"AWS_SESSION_TOKEN", ""},
                      {"AWS_REGION", options.region},
                      {"DYNAMO_ES_TABLE", table},
                      {"DYNAMO_ES_KEEP_TABLE", "0"}});
  const auto result = demo.wait(120s);
  std::cout << result.output;

  ASSERT_FALSE(result.timed_out);
  EXPECT_TRUE(result.exited);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.output, HasSubstr("duplicate_playhead"));
  EXPECT_THAT(result.output, HasSubstr("all checks passed"));
  EXPECT_THAT(result.output, ::testing::Not(HasSubstr("FAILED")));
  // It cleaned up after itself.
  const dynamodb::client client(options);
  EXPECT_THROW(static_cast<void>(client.describe_table(table)), dynamodb::resource_not_found);
}

}  // namespace
}  // namespace dynamo_es::concurrency_testing
