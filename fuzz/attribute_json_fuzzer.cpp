// Fuzz target: the DynamoDB JSON (AttributeValue) decoder and the response decoders built on it.
//
// The input is one response body. It is read as an item (`item_from_json`) and as each response
// shape the client decodes (GetItem, PutItem/UpdateItem attributes, Query, DescribeTable).
// Besides "only dynamo_es::error escapes", it checks a property: an item that decodes and can be
// written back (to_json rejects invalid UTF-8) decodes again to an equal item.

#include <cstddef>
#include <cstdint>
#include <string>

#include "dynamo_es/dynamodb/attribute_value.hpp"
#include "dynamodb/codec.hpp"
#include "fuzz_support.hpp"

namespace {

namespace dd = dynamo_es::dynamodb;
using dynamo_es::fuzz::expect_only_library_errors;
using dynamo_es::fuzz::require;

void check_round_trip(const dd::attribute_map& item) {
  std::string written;
  if (!expect_only_library_errors("to_json(item)", [&] { written = dd::to_json(item); })) return;
  dd::attribute_map again;
  require(expect_only_library_errors("item_from_json(to_json(item))",
                                     [&] { again = dd::item_from_json(written); }),
          "an item written by to_json does not decode: " + written);
  require(again == item, "item -> to_json -> item_from_json changed the item: " + written);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace detail = dd::detail;
  const std::string body = dynamo_es::fuzz::as_string(data, size);

  dd::attribute_map item;
  if (expect_only_library_errors("item_from_json", [&] { item = dd::item_from_json(body); })) {
    check_round_trip(item);
  }

  // The response decoders read from the string's spare capacity when it holds simdjson's
  // padding: exercise that path too, with a body that has room to spare.
  std::string roomy;
  roomy.reserve(body.size() + 128);
  roomy = body;
  for (const std::string* text : {&body, static_cast<const std::string*>(&roomy)}) {
    (void)expect_only_library_errors("decode_get_item",
                                     [&] { (void)detail::decode_get_item(*text); });
    (void)expect_only_library_errors("decode_attributes",
                                     [&] { (void)detail::decode_attributes(*text); });
    (void)expect_only_library_errors("decode_query", [&] { (void)detail::decode_query(*text); });
  }
  (void)expect_only_library_errors("decode_table_description(Table)",
                                   [&] { (void)detail::decode_table_description(body, "Table"); });
  (void)expect_only_library_errors("decode_table_description(TableDescription)", [&] {
    (void)detail::decode_table_description(body, "TableDescription");
  });
  return 0;
}
