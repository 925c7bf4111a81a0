// The in-memory store against the shared conformance suite.

#include <memory>

#include "conformance/event_store_conformance.hpp"
#include "dynamo_es/in_memory_event_store.hpp"

namespace dynamo_es::conformance {
namespace {

struct in_memory_factory {
  static std::shared_ptr<in_memory_event_store> create() {
    return std::make_shared<in_memory_event_store>();
  }
};

}  // namespace

INSTANTIATE_TYPED_TEST_SUITE_P(in_memory, event_store_conformance,
                               ::testing::Types<in_memory_factory>);

}  // namespace dynamo_es::conformance
