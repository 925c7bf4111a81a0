// Global options, help, version, error reporting and the table commands (create-table,
// delete-table, describe), run through the real binary.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli_fixture.hpp"
#include "support/fault_proxy.hpp"

namespace dynamo_es::testing {
namespace {

using ::testing::HasSubstr;

using cli_admin = cli_test;

// A loopback port nobody listens on: bound once to get it, then closed.
int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

TEST_F(cli_admin, version_prints_the_project_version) {
  const auto result = cli({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr(std::string("dynamo-es ") + DYNAMO_ES_CLI_VERSION));
}

TEST_F(cli_admin, help_on_every_level_shows_examples) {
  const auto root = cli({"--help"});
  EXPECT_EQ(root.exit_code, 0);
  EXPECT_THAT(root.out, HasSubstr("Examples:"));
  EXPECT_THAT(root.out, HasSubstr("Exit codes"));
  for (const std::string command : {"create-table", "delete-table", "describe", "append", "load",
                                    "replay", "export", "import"}) {
    SCOPED_TRACE(command);
    EXPECT_THAT(root.out, HasSubstr(command));
    const auto help = cli({command, "--help"});
    EXPECT_EQ(help.exit_code, 0) << help.err;
    EXPECT_THAT(help.out, HasSubstr("Examples:"));
    EXPECT_THAT(help.out, HasSubstr("dynamo-es " + command));
  }
}

TEST_F(cli_admin, no_subcommand_is_a_usage_error) {
  const auto result = cli({});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("--help"));
}

TEST_F(cli_admin, an_unknown_option_is_a_usage_error) {
  const auto result = cli({"load", "a", "--no-such-option"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("--no-such-option"));
}

TEST_F(cli_admin, a_missing_table_is_a_usage_error_naming_option_and_variable) {
  auto environment = env();
  environment.erase("DYNAMO_ES_TABLE");
  const auto result = run_cli(binary(), {"describe"}, environment);
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("--table"));
  EXPECT_THAT(result.err, HasSubstr("DYNAMO_ES_TABLE"));
}

TEST_F(cli_admin, global_options_work_before_and_after_the_subcommand) {
  const std::string name = other_table();
  auto environment = env();
  environment.erase("DYNAMO_ES_TABLE");
  environment.erase("AWS_ENDPOINT_URL");
  const std::string endpoint = options().endpoint_url;
  const auto before =
      run_cli(binary(), {"--endpoint-url", endpoint, "--table", name, "create-table"}, environment);
  ASSERT_EQ(before.exit_code, 0) << before.err;
  const auto after =
      run_cli(binary(), {"describe", "--table", name, "--endpoint-url", endpoint}, environment);
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_THAT(after.out, HasSubstr(name));
}

TEST_F(cli_admin, create_table_creates_the_event_schema_and_refuses_an_existing_table) {
  const auto created = cli({"create-table"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_THAT(created.out, HasSubstr("Created table \"" + table() + "\""));
  EXPECT_TRUE(detail::schema_differences(db().describe_table(table())).empty());

  const auto again = cli({"create-table"});
  EXPECT_EQ(again.exit_code, 3);
  EXPECT_THAT(again.err, HasSubstr(table()));

  const auto idempotent = cli({"create-table", "--if-not-exists"});
  EXPECT_EQ(idempotent.exit_code, 0) << idempotent.err;
  EXPECT_THAT(idempotent.out, HasSubstr("Found existing table"));
}

TEST_F(cli_admin, create_table_if_not_exists_refuses_a_table_of_another_schema) {
  dynamodb::create_table_request request;
  request.table_name = table();
  request.attribute_definitions = {{"Key", dynamodb::scalar_type::string}};
  request.key_schema = {{"Key", dynamodb::key_type::hash}};
  (void)db().create_table(request);

  const auto result = cli({"create-table", "--if-not-exists"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr(table()));
}

TEST_F(cli_admin, describe_reports_status_counter_index_and_schema) {
  create_table();
  const auto appended = cli({"append", "acc-1"}, event("App\\Opened", "{}") +
                                                     event("App\\Deposited", R"({"amount":5})") +
                                                     event("App\\Deposited", R"({"amount":7})"));
  ASSERT_EQ(appended.exit_code, 0) << appended.err;

  const auto text = cli({"describe"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("status:         ACTIVE"));
  EXPECT_THAT(text.out, HasSubstr("counter:        3"));
  EXPECT_THAT(text.out, HasSubstr("last position:  3"));
  EXPECT_THAT(text.out, HasSubstr("Feed-GlobalPosition-index ACTIVE"));
  EXPECT_THAT(text.out, HasSubstr("schema:         ok"));

  const auto json = cli({"--output", "json", "describe"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto described = parse(json.out);
  EXPECT_EQ(described["table"], table());
  EXPECT_EQ(described["status"], "ACTIVE");
  EXPECT_EQ(described["counter"], 3);
  EXPECT_EQ(described["lastGlobalPosition"], 3);
  EXPECT_EQ(described["itemCount"], db().describe_table(table()).item_count);
  EXPECT_EQ(described["index"]["status"], "ACTIVE");
  EXPECT_EQ(described["schemaOk"], true);
  EXPECT_TRUE(described["schemaDifferences"].empty());
}

TEST_F(cli_admin, describe_of_a_new_table_has_no_counter) {
  create_table();
  const auto json = cli({"--output", "json", "describe"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_TRUE(parse(json.out)["counter"].is_null());
}

TEST_F(cli_admin, describe_says_how_the_schema_differs) {
  dynamodb::create_table_request request;
  request.table_name = table();
  request.attribute_definitions = {{"Id", dynamodb::scalar_type::string}};
  request.key_schema = {{"Id", dynamodb::key_type::hash}};
  (void)db().create_table(request);

  const auto json = cli({"--output", "json", "describe"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const auto described = parse(json.out);
  EXPECT_EQ(described["schemaOk"], false);
  EXPECT_FALSE(described["schemaDifferences"].empty());
  EXPECT_TRUE(described["index"].is_null());

  const auto text = cli({"describe"});
  EXPECT_THAT(text.out, HasSubstr("schema:         differs"));
  EXPECT_THAT(text.out, HasSubstr("missing"));
}

TEST_F(cli_admin, a_missing_table_exits_2) {
  const auto result = cli({"describe"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("Table \"" + table() + "\" does not exist"));
}

TEST_F(cli_admin, json_errors_are_one_json_object_on_stderr) {
  const auto result = cli({"--output", "json", "describe"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(result.out.empty());
  ASSERT_FALSE(result.err.empty());
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << result.err;
  const auto error = parse(result.err);
  EXPECT_EQ(error["error"], "not_found");
  EXPECT_EQ(error["exitCode"], 2);
  EXPECT_EQ(error["awsError"], "ResourceNotFoundException");
  EXPECT_EQ(error["operation"], "DescribeTable");
  EXPECT_THAT(error["message"].get<std::string>(), HasSubstr(table()));
}

TEST_F(cli_admin, delete_table_needs_confirmation_when_not_interactive) {
  create_table();
  const auto refused = cli({"delete-table"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_THAT(refused.err, HasSubstr("--yes"));
  EXPECT_NO_THROW((void)db().describe_table(table()));

  const auto deleted = cli({"delete-table", "--yes"});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_THROW((void)db().describe_table(table()), dynamodb::resource_not_found);
}

TEST_F(cli_admin, delete_table_of_a_missing_table_exits_2_unless_if_exists) {
  EXPECT_EQ(cli({"delete-table", "--yes"}).exit_code, 2);
  const auto tolerated = cli({"delete-table", "--yes", "--if-exists"});
  EXPECT_EQ(tolerated.exit_code, 0) << tolerated.err;
}

TEST_F(cli_admin, an_unreachable_endpoint_exits_5) {
  const auto result =
      cli({"--endpoint-url", "http://127.0.0.1:" + std::to_string(closed_port()), "describe"});
  EXPECT_EQ(result.exit_code, 5) << result.err;
  EXPECT_THAT(result.err, HasSubstr("DescribeTable"));
}

TEST_F(cli_admin, an_append_whose_answer_is_lost_exits_6) {
  // DynamoDB Local always answers; only a proxy can apply a write and then drop the answer. The
  // counter exists first, so the store's only reads are GetItem (passed through) and the Query
  // that settles an ambiguous append. The filter "r" matches the targets TransactWriteItems and
  // Query but not GetItem: every transaction is applied and its answer lost, and the read-back
  // fails too, so the store cannot tell: commit unknown.
  create_table();
  ASSERT_EQ(cli({"append", "acc-0"}, event("App\\Opened", "{}")).exit_code, 0);
  fault_proxy_options proxy_options;
  proxy_options.upstream_url = options().endpoint_url;
  proxy_options.fault_rate = 1.0;
  proxy_options.kinds = {fault_kind::reset_before_response};
  proxy_options.target_filter = "r";
  fault_proxy proxy(proxy_options);

  const auto result = cli({"--endpoint-url", proxy.url(), "append", "acc-1"},
                          R"({"playhead":0,"payload":{"class":"App\\Opened","payload":{}}})"
                          "\n");
  EXPECT_EQ(result.exit_code, 6) << result.err;
  EXPECT_THAT(result.err, HasSubstr("acc-1"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  // It was in fact applied: the answer was lost, not the write.
  EXPECT_EQ(cli({"load", "acc-1"}).lines().size(), 1u);
}

}  // namespace
}  // namespace dynamo_es::testing
