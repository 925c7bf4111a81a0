// The credential and region chains: explicit value, environment, shared credentials file.

#include "dynamo_es/dynamodb/credentials.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "dynamo_es/error.hpp"

namespace dynamo_es::dynamodb {
namespace {

// Empty variables count as unset, as in the AWS CLI and SDKs: `export AWS_PROFILE=` must not
// select a profile named "".
std::optional<std::string> non_empty(const environment_lookup& env, const std::string& name) {
  auto value = env(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::string to_lower(std::string_view in) {
  std::string out(in);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

using ini_section = std::map<std::string, std::string>;

// The INI dialect of ~/.aws/credentials as the AWS CLI reads it: `[name]` sections,
// `key = value` (or `key: value`) split at the first delimiter, whole-line comments with `#` or
// `;`, keys case-insensitive. Values are taken verbatim (no inline comments: a secret may hold any
// character). Indented lines of nested settings (`s3 =` blocks) parse as plain keys, which is
// harmless because only three keys are ever read. A repeated section merges, the later key wins.
std::map<std::string, ini_section> parse_credentials_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw configuration_error("cannot read the shared credentials file " + file.string());
  }
  std::map<std::string, ini_section> sections;
  ini_section* current = nullptr;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    std::string_view text = line;
    if (line_number == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    text = trim(text);
    if (text.empty() || text.front() == '#' || text.front() == ';') continue;
    const auto where = [&] { return file.string() + ":" + std::to_string(line_number); };
    if (text.front() == '[') {
      if (text.back() != ']') {
        throw configuration_error("malformed section header in the shared credentials file " +
                                  where() + " (missing ']')");
      }
      current = &sections[std::string(trim(text.substr(1, text.size() - 2)))];
      continue;
    }
    const auto delimiter = text.find_first_of("=:");
    if (delimiter == std::string_view::npos || delimiter == 0) {
      throw configuration_error("malformed line in the shared credentials file " + where() +
                                " (expected 'key = value' or '[profile]')");
    }
    if (current == nullptr) {
      throw configuration_error(
          "setting outside any [profile] section in the shared credentials "
          "file " +
          where());
    }
    (*current)[to_lower(trim(text.substr(0, delimiter)))] =
        std::string(trim(text.substr(delimiter + 1)));
  }
  if (in.bad()) {
    throw configuration_error("error reading the shared credentials file " + file.string());
  }
  return sections;
}

std::filesystem::path credentials_file_path(const environment_lookup& env) {
  std::string path = non_empty(env, "AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials");
  if (path == "~" || path.starts_with("~/")) {
    auto home = non_empty(env, "HOME");
    if (!home) home = non_empty(env, "USERPROFILE");
    if (!home) {
      throw configuration_error("cannot locate the shared credentials file " + path +
                                ": HOME is not set");
    }
    path = *home + path.substr(1);
  }
  return path;
}

}  // namespace

environment_lookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    // getenv races only with setenv/putenv, which this library never calls.
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

credentials resolve_credentials(const std::optional<credentials>& explicit_credentials,
                                const std::string& profile, const environment_lookup& env) {
  // 1. Explicit.
  if (explicit_credentials) {
    if (explicit_credentials->access_key_id.empty() ||
        explicit_credentials->secret_access_key.empty()) {
      throw configuration_error(
          "the explicit credentials need both an access key id and a secret access key");
    }
    return *explicit_credentials;
  }

  // 2. Environment, unless a profile was asked for by name: like the AWS CLI's `--profile`, an
  // explicitly requested profile beats keys that happen to be in the environment. Half a key
  // pair is an error rather than a reason to fall through to the file: silently using another
  // identity than the one the user meant to set is worse.
  if (profile.empty()) {
    const auto env_key = non_empty(env, "AWS_ACCESS_KEY_ID");
    const auto env_secret = non_empty(env, "AWS_SECRET_ACCESS_KEY");
    if (env_key && env_secret) {
      return {*env_key, *env_secret, non_empty(env, "AWS_SESSION_TOKEN").value_or("")};
    }
    if (env_key || env_secret) {
      throw configuration_error(env_key
                                    ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                                    : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    }
  }

  // 3. Shared credentials file.
  const auto env_profile = non_empty(env, "AWS_PROFILE");
  const bool profile_chosen = !profile.empty() || env_profile.has_value();
  const std::string profile_name = !profile.empty() ? profile : env_profile.value_or("default");
  const std::string profile_origin = !profile.empty() ? "requested"
                                     : env_profile    ? "selected by AWS_PROFILE"
                                                      : "default";
  const std::filesystem::path file = credentials_file_path(env);
  const std::string nowhere =
      "no AWS credentials found: none given explicitly, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
      "not set, and ";

  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (profile_chosen) {
      throw configuration_error("AWS profile '" + profile_name + "' (" + profile_origin +
                                ") not found: the shared credentials file " + file.string() +
                                " does not exist");
    }
    throw configuration_error(nowhere + "the shared credentials file " + file.string() +
                              " does not exist");
  }
  const auto sections = parse_credentials_file(file);
  const auto section = sections.find(profile_name);
  if (section == sections.end()) {
    if (profile_chosen) {
      throw configuration_error("AWS profile '" + profile_name + "' (" + profile_origin +
                                ") not found in the shared credentials file " + file.string());
    }
    throw configuration_error(nowhere + "the shared credentials file " + file.string() +
                              " has no [default] profile");
  }
  const auto get = [&](const char* key) {
    const auto it = section->second.find(key);
    return it == section->second.end() ? std::string{} : it->second;
  };
  credentials result{get("aws_access_key_id"), get("aws_secret_access_key"),
                     get("aws_session_token")};
  for (const auto& [value, key] : {std::pair{&result.access_key_id, "aws_access_key_id"},
                                   std::pair{&result.secret_access_key, "aws_secret_access_key"}}) {
    if (value->empty()) {
      throw configuration_error("AWS profile '" + profile_name +
                                "' in the shared credentials file " + file.string() + " has no " +
                                key);
    }
  }
  return result;
}

std::string resolve_region(const std::string& explicit_region, const environment_lookup& env) {
  std::string region;
  std::string origin;
  if (!explicit_region.empty()) {
    region = explicit_region;
    origin = "the explicit region";
  } else if (auto value = non_empty(env, "AWS_REGION")) {
    region = *value;
    origin = "AWS_REGION";
  } else if (auto fallback = non_empty(env, "AWS_DEFAULT_REGION")) {
    region = *fallback;
    origin = "AWS_DEFAULT_REGION";
  } else {
    throw configuration_error(
        "no AWS region: none given explicitly and neither AWS_REGION nor AWS_DEFAULT_REGION is "
        "set");
  }
  // The region becomes part of a host name and of the signing scope: refuse anything that could
  // smuggle a dot, slash or space into either.
  for (const char c : region) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) {
      std::string message = origin;
      message += " '" + region + "' is not a region name (letters, digits and '-' only)";
      throw configuration_error(message);
    }
  }
  return region;
}

}  // namespace dynamo_es::dynamodb
