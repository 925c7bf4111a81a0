// Broadway DomainMessage (contract §1.1, DM-1..DM-5), serialized payloads and DomainEventStream
// (§1.2, DES-1).

#include "dynamo_es/domain_message.hpp"

#include <gtest/gtest.h>

#include "dynamo_es/domain_event_stream.hpp"

namespace dynamo_es {
namespace {

const serialized_payload some_event{"Broadway\\Domain\\SomeEvent", "[]"};

TEST(domain_message, dm1_record_now_keeps_every_field) {
  const auto before = date_time::now();
  const metadata meta{{"0", "\"meta\""}};
  const auto message = domain_message::record_now("Hi thur", 15, meta, some_event);
  EXPECT_EQ(message.id(), "Hi thur");
  EXPECT_EQ(message.playhead(), 15);
  EXPECT_EQ(message.metadata(), meta);
  EXPECT_EQ(message.payload(), some_event);
  EXPECT_EQ(message.type(), "Broadway.Domain.SomeEvent");
  EXPECT_FALSE(before.comes_after(message.recorded_on()));
  EXPECT_EQ(message.recorded_on().utc_offset(), std::chrono::seconds{0});
}

TEST(domain_message, dm2_and_dm3_and_metadata_returns_a_new_message_with_the_same_fields) {
  const auto message = domain_message::record_now("id", 3, metadata(), some_event);
  const auto extended = message.and_metadata(metadata::kv("foo", "42"));
  EXPECT_NE(extended, message);
  EXPECT_TRUE(message.metadata().empty());  // the receiver is unchanged
  EXPECT_EQ(extended.id(), message.id());
  EXPECT_EQ(extended.playhead(), message.playhead());
  EXPECT_EQ(extended.payload(), message.payload());
  EXPECT_EQ(extended.recorded_on(), message.recorded_on());
  EXPECT_EQ(extended.metadata(), metadata::kv("foo", "42"));
}

TEST(domain_message, dm4_and_metadata_merges) {
  const auto message = domain_message::record_now("id", 0, metadata::kv("bar", "1337"), some_event);
  EXPECT_EQ(message.and_metadata(metadata::kv("foo", "42")).metadata(),
            (metadata{{"bar", "1337"}, {"foo", "42"}}));
}

TEST(domain_message, dm5_integer_id_becomes_its_decimal_string) {
  EXPECT_EQ(domain_message::record_now(42, 0, metadata(), some_event).id(), "42");
}

TEST(domain_message, type_replaces_every_backslash_and_keeps_case) {
  const domain_message message("id", 0, metadata(),
                               {"Broadway\\EventStore\\Management\\Testing\\Start", "[]"},
                               date_time::now());
  EXPECT_EQ(message.type(), "Broadway.EventStore.Management.Testing.Start");
  const domain_message plain("id", 0, metadata(), {"NoNamespace", "[]"}, date_time::now());
  EXPECT_EQ(plain.type(), "NoNamespace");
}

TEST(domain_message, equality_compares_every_field) {
  const auto at = date_time::from_string("2014-03-12T14:17:19.176169+00:00");
  const domain_message base("a", 1, metadata::kv("k", "1"), {"C", R"({"x":1})"}, at);
  EXPECT_EQ(base, domain_message("a", 1, metadata::kv("k", "1"), {"C", R"({"x":1})"}, at));
  EXPECT_NE(base, domain_message("b", 1, metadata::kv("k", "1"), {"C", R"({"x":1})"}, at));
  EXPECT_NE(base, domain_message("a", 2, metadata::kv("k", "1"), {"C", R"({"x":1})"}, at));
  EXPECT_NE(base, domain_message("a", 1, metadata::kv("k", "2"), {"C", R"({"x":1})"}, at));
  EXPECT_NE(base, domain_message("a", 1, metadata::kv("k", "1"), {"D", R"({"x":1})"}, at));
  EXPECT_NE(base, domain_message("a", 1, metadata::kv("k", "1"), {"C", R"({"x":2})"}, at));
  EXPECT_NE(base, domain_message("a", 1, metadata::kv("k", "1"), {"C", R"({"x":1})"},
                                 date_time::from_string("2014-03-12T16:17:19.176169+02:00")));
}

TEST(serialized_payload, json_is_compared_as_php_sees_it) {
  EXPECT_EQ((serialized_payload{"C", R"({"a":1})"}), (serialized_payload{"C", R"({ "a" : 1 })"}));
  EXPECT_EQ((serialized_payload{"C", "[]"}), (serialized_payload{"C", "{}"}));
  EXPECT_EQ((serialized_payload{"C", R"({"0":"a"})"}), (serialized_payload{"C", R"(["a"])"}));
  EXPECT_EQ((serialized_payload{"C", R"({"a":1,"b":2})"}),
            (serialized_payload{"C", R"({"b":2,"a":1})"}));
  EXPECT_EQ((serialized_payload{"C", R"({"s":"u\/1"})"}),
            (serialized_payload{"C", R"({"s":"u/1"})"}));
  EXPECT_NE((serialized_payload{"C", "[1,2]"}), (serialized_payload{"C", "[2,1]"}));
  EXPECT_NE((serialized_payload{"C", R"({"a":1})"}), (serialized_payload{"C", R"({"a":"1"})"}));
  EXPECT_NE((serialized_payload{"C", "[]"}), (serialized_payload{"c", "[]"}));
  // Texts that do not parse are compared byte for byte.
  EXPECT_EQ((serialized_payload{"C", "{"}), (serialized_payload{"C", "{"}));
  EXPECT_NE((serialized_payload{"C", "{"}), (serialized_payload{"C", "{}"}));
}

TEST(domain_event_stream, des1_iterates_its_elements_in_order) {
  const auto at = date_time::now();
  const domain_message first("a", 0, metadata(), some_event, at);
  const domain_message second("b", 7, metadata(), some_event, at);
  const domain_message third("a", 1, metadata(), some_event, at);
  const domain_event_stream stream{first, second, third};
  ASSERT_EQ(stream.size(), 3U);
  std::vector<domain_message> seen(stream.begin(), stream.end());
  EXPECT_EQ(seen, (std::vector<domain_message>{first, second, third}));
  EXPECT_EQ(stream[1], second);
}

TEST(domain_event_stream, equality_is_element_wise_in_order) {
  const auto at = date_time::now();
  const domain_message a("a", 0, metadata(), some_event, at);
  const domain_message b("a", 1, metadata(), some_event, at);
  EXPECT_EQ((domain_event_stream{a, b}), (domain_event_stream{a, b}));
  EXPECT_NE((domain_event_stream{a, b}), (domain_event_stream{b, a}));
  EXPECT_NE((domain_event_stream{a}), (domain_event_stream{a, b}));
  EXPECT_TRUE(domain_event_stream().empty());
  EXPECT_EQ(domain_event_stream(), domain_event_stream(std::vector<domain_message>{}));
}

}  // namespace
}  // namespace dynamo_es
