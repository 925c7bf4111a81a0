// Fuzz target: the event-row decoder (src/stores/dynamodb_item_codec.*), the path every row read
// from the table takes on its way to a domain_message.
//
// The input is an item in DynamoDB JSON (`{"Id":{"S":"a"},"Playhead":{"N":"1"},...}`), as a
// Query page carries it; inputs that are not such JSON stop at the first step. Checked
// properties: a decoded row, written back with encode_event and decoded again, gives the same
// message (what a PHP-written row would go through when our store copies it), and its global
// position survives too; the replay's lenient position reading (read_feed_position) agrees with
// the strict one.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>

#include "dynamo_es/domain_message.hpp"
#include "dynamo_es/dynamodb/attribute_value.hpp"
#include "fuzz_support.hpp"
#include "stores/dynamodb_item_codec.hpp"

namespace {

namespace dd = dynamo_es::dynamodb;
namespace detail = dynamo_es::detail;
using dynamo_es::fuzz::expect_only_library_errors;
using dynamo_es::fuzz::require;

constexpr const char* table = "FuzzEvents";

void check_round_trip(const dynamo_es::domain_message& message, std::int64_t global_position) {
  dd::attribute_map row;
  if (!expect_only_library_errors("encode_event",
                                  [&] { row = detail::encode_event(message, global_position); })) {
    return;
  }
  require(detail::is_event_row(row), "encode_event wrote a row without Metadata");
  std::optional<dynamo_es::domain_message> decoded;
  require(expect_only_library_errors("decode_event(encode_event(m))",
                                     [&] { decoded.emplace(detail::decode_event(row, table)); }),
          "a row written by encode_event does not decode");
  const dynamo_es::domain_message& again = *decoded;
  // Field by field: serialized_payload's operator== parses the JSON, which the decoder does not
  // require to be valid; the codec must carry the bytes unchanged anyway.
  require(again.id() == message.id(), "round trip changed the aggregate id");
  require(again.playhead() == message.playhead(), "round trip changed the playhead");
  require(again.payload().class_name == message.payload().class_name,
          "round trip changed Payload.Class");
  require(again.payload().json == message.payload().json, "round trip changed Payload.Payload");
  require(again.recorded_on() == message.recorded_on(), "round trip changed RecordedOn");
  bool same_metadata = false;
  (void)expect_only_library_errors("metadata ==",
                                   [&] { same_metadata = again.metadata() == message.metadata(); });
  require(same_metadata, "round trip changed Metadata");

  std::int64_t position = 0;
  require(
      expect_only_library_errors("decode_global_position(encode_event(m))",
                                 [&] { position = detail::decode_global_position(row, table); }),
      "the GlobalPosition written by encode_event does not decode");
  require(position == global_position, "round trip changed GlobalPosition");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dd::attribute_map item;
  if (!expect_only_library_errors("item_from_json", [&] {
        item = dd::item_from_json(dynamo_es::fuzz::as_string(data, size));
      })) {
    return 0;
  }

  (void)expect_only_library_errors("describe_row",
                                   [&] { (void)detail::describe_row(item, table); });
  const bool event_row = detail::is_event_row(item);

  std::int64_t global_position = 1;
  const bool has_position = expect_only_library_errors("decode_global_position", [&] {
    global_position = detail::decode_global_position(item, table);
  });
  // The replay's lenient reading must agree with the strict one: valid exactly when it decodes.
  detail::feed_position feed;
  try {
    feed = detail::read_feed_position(item);
  } catch (const std::exception& e) {
    dynamo_es::fuzz::finding(std::string("read_feed_position threw: ") + e.what());
  }
  require(
      (feed.what == detail::feed_position::kind::valid) == has_position,
      "read_feed_position and decode_global_position disagree on whether the row has a position");
  require(!has_position || feed.value == global_position,
          "read_feed_position and decode_global_position read different positions");

  if (!event_row) return 0;
  // Decoding an event is only attempted on event rows; readers skip the others.
  std::optional<dynamo_es::domain_message> message;
  if (expect_only_library_errors("decode_event",
                                 [&] { message.emplace(detail::decode_event(item, table)); })) {
    check_round_trip(*message, has_position ? global_position : 1);
  }
  return 0;
}
