// The DynamoDB store against the shared conformance suite, on DynamoDB Local, once per append
// protocol (serialised, reservation, and the adaptive default). Every test gets a fresh table (a
// unique name in this suite's own Local database), deleted again when the test's store is
// destroyed.

#include <memory>

#include "conformance/event_store_conformance.hpp"
#include "dynamo_es/dynamodb/client.hpp"
#include "dynamo_es/dynamodb_event_store.hpp"
#include "support/dynamodb_local.hpp"

namespace dynamo_es::conformance {
namespace {

// One client for the whole suite: it is thread-safe and keeps its connections warm.
std::shared_ptr<const dynamodb::client> suite_client() {
  static const auto client = std::make_shared<const dynamodb::client>(
      testing::dynamodb_local::shared().options("dynamodb-conformance"));
  return client;
}

// The store plus its table's lifetime: the table goes when the last reference to the store does.
struct store_with_table {
  explicit store_with_table(dynamodb_event_store_options options)
      : store(suite_client(), std::move(options)) {
    store.create_table();
  }
  ~store_with_table() {
    try {
      store.delete_table();
    } catch (const std::exception&) {
      // Best effort: a leftover table in an in-memory Local harms nothing.
    }
  }
  store_with_table(const store_with_table&) = delete;
  store_with_table& operator=(const store_with_table&) = delete;

  dynamodb_event_store store;
};

template <append_protocol Protocol>
struct dynamodb_factory {
  // With reservations a failed append's range is voided (a void claim, passed by readers at
  // once): positions then increase without being dense. The serialised protocol burns nothing,
  // and neither does the adaptive one here: a single store that wins its counter races (group
  // commit keeps its own appends from racing each other) stays serialised.
  static constexpr bool failed_appends_burn_positions = Protocol == append_protocol::reservation;

  static std::shared_ptr<dynamodb_event_store> create() {
    dynamodb_event_store_options options;
    options.table_name = testing::unique_table_name("conformance");
    options.protocol = Protocol;
    auto holder = std::make_shared<store_with_table>(std::move(options));
    return std::shared_ptr<dynamodb_event_store>(holder, &holder->store);
  }
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(dynamodb_serialised, event_store_conformance,
                               ::testing::Types<dynamodb_factory<append_protocol::serialised>>);
INSTANTIATE_TYPED_TEST_SUITE_P(dynamodb_reservation, event_store_conformance,
                               ::testing::Types<dynamodb_factory<append_protocol::reservation>>);
INSTANTIATE_TYPED_TEST_SUITE_P(dynamodb_adaptive, event_store_conformance,
                               ::testing::Types<dynamodb_factory<append_protocol::adaptive>>);

}  // namespace dynamo_es::conformance
