#include "cli/command.hpp"

namespace dynamo_es::cli {

std::shared_ptr<const dynamodb::client> make_client(const global_options& globals) {
  dynamodb::client_options options;
  // Empty fields fall back to the environment inside the client, in the AWS CLI's order:
  // AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL; AWS_REGION, AWS_DEFAULT_REGION; AWS_PROFILE.
  options.endpoint_url = globals.endpoint_url;
  options.region = globals.region;
  options.profile = globals.profile;
  return std::make_shared<const dynamodb::client>(options);
}

const std::string& require_table(const global_options& globals) {
  if (globals.table.empty()) {
    throw usage_error("No table given: pass --table NAME or set DYNAMO_ES_TABLE");
  }
  return globals.table;
}

}  // namespace dynamo_es::cli
