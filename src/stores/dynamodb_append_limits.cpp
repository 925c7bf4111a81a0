#include "stores/dynamodb_append_limits.hpp"

#include <limits>
#include <string>

#include "dynamo_es/error.hpp"
#include "stores/dynamodb_commit_id.hpp"
#include "stores/dynamodb_item_codec.hpp"
#include "stores/dynamodb_item_size.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

namespace layout = table_layout;

std::string quote(std::string_view text) {
  constexpr std::size_t shown = 64;
  if (text.size() <= shown) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, shown)) + "...\"";
}

void check_item(std::string_view aggregate_id, const domain_message& message,
                const dynamodb::attribute_map& item, std::size_t size) {
  if (size <= layout::max_item_bytes) return;
  std::string_view largest_name;
  std::size_t largest = 0;
  for (const auto& [name, value] : item) {
    const auto bytes = attribute_size(name, value);
    if (bytes > largest) {
      largest = bytes;
      largest_name = name;
    }
  }
  throw validation_error("Cannot append to aggregate " + quote(aggregate_id) + ": the event at " +
                         "playhead " + std::to_string(message.playhead()) + " is " +
                         std::to_string(size) + " bytes as a DynamoDB item (attribute \"" +
                         std::string(largest_name) + "\" alone is " + std::to_string(largest) +
                         " bytes); the limit is " + std::to_string(layout::max_item_bytes) +
                         " bytes (400 KB) per item");
}

}  // namespace

checked_append encode_and_check_append(std::string_view aggregate_id,
                                       const domain_event_stream& stream) {
  if (stream.size() > layout::max_events_per_append) {
    throw validation_error(
        "Cannot append " + std::to_string(stream.size()) + " events to aggregate " +
        quote(aggregate_id) + " in one call: DynamoDB allows " +
        std::to_string(layout::max_transaction_actions) + " actions per transaction and two are " +
        "the global position counter and the position claim, so the limit is " +
        std::to_string(layout::max_events_per_append) + " events per append");
  }
  checked_append result;
  result.items.reserve(stream.size());
  result.transaction_bytes = counter_action_allowance + claim_action_allowance;
  for (const auto& message : stream) {
    auto item = encode_event(message, std::numeric_limits<std::int64_t>::max());
    // The row will also carry its commit id (the transaction's token, always 36 characters).
    item.insert_or_assign(std::string(commit_id_attribute),
                          dynamodb::attribute_value::string(std::string(commit_id_placeholder)));
    const auto size = item_size(item);
    check_item(aggregate_id, message, item, size);
    result.transaction_bytes += size + layout::event_put_condition.size();
    result.items.push_back(std::move(item));
  }
  if (result.transaction_bytes > layout::max_transaction_bytes) {
    throw validation_error(
        "Cannot append " + std::to_string(stream.size()) + " events to aggregate " +
        quote(aggregate_id) + " in one call: together they are " +
        std::to_string(result.transaction_bytes) + " bytes of DynamoDB items (attributes " +
        "\"Payload\" and \"Metadata\" included); the limit is " +
        std::to_string(layout::max_transaction_bytes) + " bytes (4 MB) per transaction");
  }
  return result;
}

}  // namespace dynamo_es::detail
