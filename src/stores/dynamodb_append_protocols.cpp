// Which protocol a store's appends use (dynamodb_event_store_options::protocol).

#include "stores/dynamodb_adaptive_protocol.hpp"
#include "stores/dynamodb_append_batch.hpp"
#include "stores/dynamodb_position_allocator.hpp"
#include "stores/dynamodb_reservation_protocol.hpp"

namespace dynamo_es::detail {

std::unique_ptr<position_allocator> make_position_allocator(
    std::shared_ptr<const dynamodb::client> client, const dynamodb_event_store_options& options,
    store_counters& counters) {
  switch (options.protocol) {
    case append_protocol::serialised:
      return std::make_unique<conditional_counter>(std::move(client), options.table_name,
                                                   options.append_retry, counters);
    case append_protocol::reservation:
      return std::make_unique<reservation_protocol>(std::move(client), options.table_name,
                                                    options.append_retry, counters);
    case append_protocol::adaptive:
      break;
  }
  return std::make_unique<adaptive_protocol>(std::move(client), options.table_name,
                                             options.append_retry, options.adaptive, counters);
}

}  // namespace dynamo_es::detail
