// dynamo-es-quickstart: create the event table, append a stream of events to one aggregate, load
// it back and print it.
//
// Endpoint, credentials and region come from the environment (AWS_ENDPOINT_URL_DYNAMODB,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION), as for every AWS tool. Against DynamoDB
// Local: scripts/dynamodb-local.sh -- build/examples/quickstart/dynamo-es-quickstart [table]

#include <cstdlib>
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include "dynamo_es/dynamo_es.hpp"

int main(int argc, char** argv) {
  const char* env_table = std::getenv("DYNAMO_ES_TABLE");
  const std::string table = argc > 1                                     ? argv[1]
                            : env_table != nullptr && *env_table != '\0' ? env_table
                                                                         : "dynamo-es-quickstart";
  try {
    auto client =
        std::make_shared<const dynamo_es::dynamodb::client>(dynamo_es::dynamodb::client_options{});
    dynamo_es::dynamodb_event_store store(client, table);
    const bool created = store.create_table_if_not_exists();
    std::cout << (created ? "created" : "using existing") << " table \"" << table << "\" at "
              << client->endpoint().url() << "\n";

    // Continue the aggregate's stream where it ends, so the program can run again on one table.
    const std::string id = "order-42";
    const auto existing = store.load_from_playhead(id, 0);
    const std::int64_t next = existing.empty() ? 0 : existing.messages().back().playhead() + 1;

    // Payloads are stored as PHP would store them: a class name and the JSON of its fields.
    using dynamo_es::domain_message;
    const dynamo_es::domain_event_stream stream{
        domain_message::record_now(id, next, dynamo_es::metadata::kv_string("user", "alice"),
                                   {"App\\Shop\\OrderPlaced", R"({"orderId":"order-42"})"}),
        domain_message::record_now(id, next + 1, {},
                                   {"App\\Shop\\ItemAdded", R"({"sku":"book","quantity":2})"}),
    };
    store.append(id, stream);  // all or nothing; duplicate_playhead if a playhead exists
    std::cout << "appended " << stream.size() << " events to \"" << id << "\"\n";

    for (const auto& message : store.load(id)) {
      std::cout << "  playhead " << message.playhead() << "  " << message.type() << "  "
                << message.payload().json << "  metadata " << message.metadata().to_json_text()
                << "  recorded " << message.recorded_on().to_string() << "\n";
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "dynamo-es-quickstart: " << e.what() << "\n";
    return 1;
  }
}
