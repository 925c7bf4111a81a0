// Credential and region resolution: every step of the chain, with an injected environment and
// shared credentials files written to a temporary directory.

#include "dynamo_es/dynamodb/credentials.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "dynamo_es/error.hpp"

namespace {

namespace fs = std::filesystem;
using dynamo_es::configuration_error;
using dynamo_es::dynamodb::credentials;
using dynamo_es::dynamodb::environment_lookup;
using dynamo_es::dynamodb::resolve_credentials;
using dynamo_es::dynamodb::resolve_region;
using testing::HasSubstr;

environment_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    const auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// A fresh directory per test, removed afterwards.
class temp_dir {
 public:
  temp_dir() {
    static std::atomic<int> counter{0};
    path_ =
        fs::temp_directory_path() / ("dynamo_es_credentials_test_" + std::to_string(::getpid()) +
                                     "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  [[nodiscard]] const fs::path& path() const { return path_; }

  fs::path write(const std::string& relative, const std::string& content) const {
    const fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }

 private:
  fs::path path_;
};

template <typename F>
std::string configuration_error_message(F&& f) {
  try {
    f();
  } catch (const configuration_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected configuration_error";
  return {};
}

const std::string two_profiles =
    "[default]\n"
    "aws_access_key_id = DEFAULTKEY\n"
    "aws_secret_access_key = defaultsecret\n"
    "\n"
    "[dev]\n"
    "aws_access_key_id = DEVKEY\n"
    "aws_secret_access_key = devsecret\n"
    "aws_session_token = devtoken==\n";

class resolve_credentials_test : public testing::Test {
 protected:
  temp_dir dir_;
  fs::path file_ = dir_.write("credentials", two_profiles);

  [[nodiscard]] std::map<std::string, std::string> with_file(
      std::map<std::string, std::string> vars) const {
    vars["AWS_SHARED_CREDENTIALS_FILE"] = file_.string();
    return vars;
  }
};

TEST_F(resolve_credentials_test, explicit_credentials_win_over_environment_and_file) {
  const credentials given{"EXPLICIT", "explicitsecret", "explicittoken"};
  const auto env = fake_env(
      with_file({{"AWS_ACCESS_KEY_ID", "ENVKEY"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}}));
  EXPECT_EQ(resolve_credentials(given, "dev", env), given);
}

TEST_F(resolve_credentials_test, explicit_credentials_need_both_keys) {
  const auto env = fake_env(with_file({}));
  EXPECT_THROW((void)resolve_credentials(credentials{"KEY", "", ""}, {}, env), configuration_error);
  EXPECT_THROW((void)resolve_credentials(credentials{"", "secret", ""}, {}, env),
               configuration_error);
}

TEST_F(resolve_credentials_test, environment_wins_over_file) {
  const auto env = fake_env(with_file({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                                       {"AWS_SECRET_ACCESS_KEY", "envsecret"},
                                       {"AWS_SESSION_TOKEN", "envtoken"},
                                       {"AWS_PROFILE", "dev"}}));
  EXPECT_EQ(resolve_credentials(std::nullopt, {}, env),
            (credentials{"ENVKEY", "envsecret", "envtoken"}));
}

TEST_F(resolve_credentials_test, environment_without_token_gives_empty_token) {
  const auto env = fake_env(
      with_file({{"AWS_ACCESS_KEY_ID", "ENVKEY"}, {"AWS_SECRET_ACCESS_KEY", "envsecret"}}));
  EXPECT_EQ(resolve_credentials(std::nullopt, {}, env), (credentials{"ENVKEY", "envsecret", ""}));
}

TEST_F(resolve_credentials_test, half_an_environment_key_pair_is_an_error) {
  EXPECT_THAT(configuration_error_message([&] {
                (void)resolve_credentials(std::nullopt, {},
                                          fake_env(with_file({{"AWS_ACCESS_KEY_ID", "ENVKEY"}})));
              }),
              HasSubstr("AWS_SECRET_ACCESS_KEY"));
  EXPECT_THAT(configuration_error_message([&] {
                (void)resolve_credentials(
                    std::nullopt, {},
                    fake_env(with_file({{"AWS_SECRET_ACCESS_KEY", "envsecret"}})));
              }),
              HasSubstr("AWS_ACCESS_KEY_ID"));
}

TEST_F(resolve_credentials_test, empty_environment_variables_count_as_unset) {
  const auto env = fake_env(
      with_file({{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}, {"AWS_PROFILE", ""}}));
  EXPECT_EQ(resolve_credentials(std::nullopt, {}, env),
            (credentials{"DEFAULTKEY", "defaultsecret", ""}));
}

TEST_F(resolve_credentials_test, file_default_profile_without_selection) {
  EXPECT_EQ(resolve_credentials(std::nullopt, {}, fake_env(with_file({}))),
            (credentials{"DEFAULTKEY", "defaultsecret", ""}));
}

TEST_F(resolve_credentials_test, aws_profile_selects_the_profile_with_its_session_token) {
  EXPECT_EQ(resolve_credentials(std::nullopt, {}, fake_env(with_file({{"AWS_PROFILE", "dev"}}))),
            (credentials{"DEVKEY", "devsecret", "devtoken=="}));
}

TEST_F(resolve_credentials_test, profile_argument_wins_over_aws_profile) {
  const auto env = fake_env(with_file({{"AWS_PROFILE", "dev"}}));
  EXPECT_EQ(resolve_credentials(std::nullopt, "default", env),
            (credentials{"DEFAULTKEY", "defaultsecret", ""}));
}

TEST_F(resolve_credentials_test, profile_argument_wins_over_environment_keys) {
  // Like the AWS CLI's --profile: a profile asked for by name beats keys in the environment.
  const auto env = fake_env(with_file({{"AWS_ACCESS_KEY_ID", "ENVKEY"},
                                       {"AWS_SECRET_ACCESS_KEY", "envsecret"}}));
  EXPECT_EQ(resolve_credentials(std::nullopt, "dev", env),
            (credentials{"DEVKEY", "devsecret", "devtoken=="}));
  EXPECT_EQ(resolve_credentials(std::nullopt, {}, env), (credentials{"ENVKEY", "envsecret", ""}));
}

TEST_F(resolve_credentials_test, default_file_is_under_home) {
  temp_dir home;
  home.write(".aws/credentials",
             "[default]\naws_access_key_id=HOMEKEY\naws_secret_access_key=hs\n");
  EXPECT_EQ(resolve_credentials(std::nullopt, {}, fake_env({{"HOME", home.path().string()}})),
            (credentials{"HOMEKEY", "hs", ""}));
}

TEST_F(resolve_credentials_test, tilde_in_aws_shared_credentials_file_means_home) {
  temp_dir home;
  home.write("elsewhere/creds", "[default]\naws_access_key_id=TILDEKEY\naws_secret_access_key=t\n");
  const auto env = fake_env(
      {{"HOME", home.path().string()}, {"AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds"}});
  EXPECT_EQ(resolve_credentials(std::nullopt, {}, env), (credentials{"TILDEKEY", "t", ""}));
}

TEST_F(resolve_credentials_test, parser_accepts_comments_whitespace_case_colons_crlf_and_bom) {
  const auto file = dir_.write("messy",
                               "\xEF\xBB\xBF# leading comment\r\n"
                               "; another comment\r\n"
                               "[other]\r\n"
                               "aws_access_key_id = OTHER\r\n"
                               "\r\n"
                               "  [ default ]  \r\n"
                               "\tAWS_Access_Key_ID\t=\tMESSYKEY  \r\n"
                               "aws_secret_access_key: messy/secret+with=equals\r\n"
                               "region = us-west-2\r\n"
                               "s3 =\r\n"
                               "    max_concurrent_requests = 10\r\n");
  const auto env = fake_env({{"AWS_SHARED_CREDENTIALS_FILE", file.string()}});
  EXPECT_EQ(resolve_credentials(std::nullopt, {}, env),
            (credentials{"MESSYKEY", "messy/secret+with=equals", ""}));
}

TEST_F(resolve_credentials_test, nothing_anywhere_names_every_place_looked) {
  const std::string missing = (dir_.path() / "absent").string();
  const auto message = configuration_error_message([&] {
    (void)resolve_credentials(std::nullopt, {},
                              fake_env({{"AWS_SHARED_CREDENTIALS_FILE", missing}}));
  });
  EXPECT_THAT(message, HasSubstr("explicit"));
  EXPECT_THAT(message, HasSubstr("AWS_ACCESS_KEY_ID"));
  EXPECT_THAT(message, HasSubstr(missing));
}

TEST_F(resolve_credentials_test, file_without_default_profile_names_the_file) {
  const auto file = dir_.write("only-dev", "[dev]\naws_access_key_id=A\naws_secret_access_key=B\n");
  const auto message = configuration_error_message([&] {
    (void)resolve_credentials(std::nullopt, {},
                              fake_env({{"AWS_SHARED_CREDENTIALS_FILE", file.string()}}));
  });
  EXPECT_THAT(message, HasSubstr("AWS_ACCESS_KEY_ID"));
  EXPECT_THAT(message, HasSubstr(file.string()));
  EXPECT_THAT(message, HasSubstr("[default]"));
}

TEST_F(resolve_credentials_test, chosen_profile_missing_names_profile_and_file) {
  for (const auto& [argument, aws_profile] :
       {std::pair<std::string, std::string>{"prod", ""}, {"", "prod"}}) {
    const auto message = configuration_error_message([&] {
      (void)resolve_credentials(std::nullopt, argument,
                                fake_env(with_file({{"AWS_PROFILE", aws_profile}})));
    });
    EXPECT_THAT(message, HasSubstr("'prod'"));
    EXPECT_THAT(message, HasSubstr(file_.string()));
  }
}

TEST_F(resolve_credentials_test, chosen_profile_with_missing_file_names_profile_and_file) {
  const std::string missing = (dir_.path() / "absent").string();
  const auto message = configuration_error_message([&] {
    (void)resolve_credentials(std::nullopt, "dev",
                              fake_env({{"AWS_SHARED_CREDENTIALS_FILE", missing}}));
  });
  EXPECT_THAT(message, HasSubstr("'dev'"));
  EXPECT_THAT(message, HasSubstr(missing));
}

TEST_F(resolve_credentials_test, profile_without_secret_names_the_missing_key) {
  const auto file = dir_.write("half", "[default]\naws_access_key_id = ONLYKEY\n");
  const auto message = configuration_error_message([&] {
    (void)resolve_credentials(std::nullopt, {},
                              fake_env({{"AWS_SHARED_CREDENTIALS_FILE", file.string()}}));
  });
  EXPECT_THAT(message, HasSubstr("aws_secret_access_key"));
  EXPECT_THAT(message, HasSubstr("'default'"));
  EXPECT_THAT(message, HasSubstr(file.string()));
}

TEST_F(resolve_credentials_test, malformed_file_names_file_and_line) {
  const auto file = dir_.write("bad", "[default]\naws_access_key_id = K\nthis is not a setting\n");
  const auto message = configuration_error_message([&] {
    (void)resolve_credentials(std::nullopt, {},
                              fake_env({{"AWS_SHARED_CREDENTIALS_FILE", file.string()}}));
  });
  EXPECT_THAT(message, HasSubstr(file.string() + ":3"));

  const auto unterminated = dir_.write("bad2", "[default\n");
  EXPECT_THAT(configuration_error_message([&] {
                (void)resolve_credentials(
                    std::nullopt, {},
                    fake_env({{"AWS_SHARED_CREDENTIALS_FILE", unterminated.string()}}));
              }),
              HasSubstr(unterminated.string() + ":1"));

  const auto orphan = dir_.write("bad3", "aws_access_key_id = K\n[default]\n");
  EXPECT_THAT(configuration_error_message([&] {
                (void)resolve_credentials(
                    std::nullopt, {}, fake_env({{"AWS_SHARED_CREDENTIALS_FILE", orphan.string()}}));
              }),
              HasSubstr(orphan.string() + ":1"));
}

TEST_F(resolve_credentials_test, unreadable_file_is_a_configuration_error) {
  // A directory where the file should be: exists, but cannot be read as a file.
  const auto env = fake_env({{"AWS_SHARED_CREDENTIALS_FILE", dir_.path().string()}});
  EXPECT_THAT(
      configuration_error_message([&] { (void)resolve_credentials(std::nullopt, {}, env); }),
      HasSubstr(dir_.path().string()));
}

TEST_F(resolve_credentials_test, no_home_and_no_file_setting_is_a_configuration_error) {
  EXPECT_THAT(configuration_error_message(
                  [] { (void)resolve_credentials(std::nullopt, {}, fake_env({})); }),
              HasSubstr("HOME"));
}

TEST(resolve_region, explicit_then_aws_region_then_aws_default_region) {
  const auto both = fake_env({{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "eu-west-2"}});
  EXPECT_EQ(resolve_region("us-west-2", both), "us-west-2");
  EXPECT_EQ(resolve_region("", both), "eu-west-1");
  EXPECT_EQ(resolve_region("", fake_env({{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", "eu-west-2"}})),
            "eu-west-2");
}

TEST(resolve_region, none_set_is_a_configuration_error) {
  EXPECT_THAT(configuration_error_message([] { (void)resolve_region("", fake_env({})); }),
              HasSubstr("AWS_DEFAULT_REGION"));
}

TEST(resolve_region, rejects_values_that_are_not_region_names) {
  EXPECT_THROW((void)resolve_region("us-east-1.evil.com", fake_env({})), configuration_error);
  EXPECT_THAT(configuration_error_message([] {
                (void)resolve_region("", fake_env({{"AWS_REGION", "us east"}}));
              }),
              HasSubstr("AWS_REGION"));
}

TEST(process_environment, reads_the_real_environment) {
  ::setenv("DYNAMO_ES_CREDENTIALS_TEST_VARIABLE", "value", 1);
  const auto env = dynamo_es::dynamodb::process_environment();
  EXPECT_EQ(env("DYNAMO_ES_CREDENTIALS_TEST_VARIABLE"), std::optional<std::string>("value"));
  ::unsetenv("DYNAMO_ES_CREDENTIALS_TEST_VARIABLE");
  EXPECT_EQ(env("DYNAMO_ES_CREDENTIALS_TEST_VARIABLE"), std::nullopt);
}

}  // namespace
