// The event type registry: the C++ analogue of Broadway's SimpleInterfaceSerializer (SER-1..6,
// contract §1.5) plus the unknown-class error the port adds.

#include "dynamo_es/event_type_registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "dynamo_es/event_store_errors.hpp"

namespace test_events {

struct test_serializable {
  std::string foo;
  friend bool operator==(const test_serializable&, const test_serializable&) = default;
};
void to_json(nlohmann::json& j, const test_serializable& e) {
  j = {{"foo", e.foo}};
}
void from_json(const nlohmann::json& j, test_serializable& e) {
  j.at("foo").get_to(e.foo);
}

struct started {
  friend bool operator==(const started&, const started&) = default;
};
void to_json(nlohmann::json&, const started&) {}  // no fields: the value stays null
void from_json(const nlohmann::json&, started&) {}

struct renamed {
  int count = 0;
};

struct not_registered {};

}  // namespace test_events

namespace dynamo_es {
namespace {

using test_events::started;
using test_events::test_serializable;
using ::testing::HasSubstr;

const std::string serializable_class = "Broadway\\Serializer\\TestSerializable";
const std::string started_class = "App\\Started";

event_type_registry make_registry() {
  event_type_registry registry;
  registry.add<test_serializable, nlohmann::json>(serializable_class);
  registry.add<started, nlohmann::json>(started_class);
  return registry;
}

domain_message message_with(serialized_payload payload) {
  return domain_message("agg-1", 7, metadata(), std::move(payload), date_time::now());
}

TEST(event_type_registry, ser1_serializing_an_unregistered_type_fails_clearly) {
  const auto registry = make_registry();
  try {
    static_cast<void>(registry.serialize(test_events::not_registered{}));
    FAIL() << "expected serialization_error";
  } catch (const serialization_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("not a registered event type"));
  }
}

TEST(event_type_registry, ser4_serialize_gives_class_name_and_json) {
  const auto payload = make_registry().serialize(test_serializable{"bar"});
  EXPECT_EQ(payload.class_name, serializable_class);
  EXPECT_EQ(nlohmann::json::parse(payload.json), (nlohmann::json{{"foo", "bar"}}));
}

TEST(event_type_registry, ser5_deserialize_gives_an_equal_object) {
  const auto registry = make_registry();
  const auto message = message_with({serializable_class, R"({"foo":"bar"})"});
  EXPECT_EQ(registry.deserialize_as<test_serializable>(message), test_serializable{"bar"});
  const std::any any = registry.deserialize(message);
  EXPECT_EQ(std::any_cast<test_serializable>(any), test_serializable{"bar"});
}

TEST(event_type_registry, ser6_round_trip_gives_an_equal_object) {
  const auto registry = make_registry();
  const test_serializable original{"u/1 \xC3\xA9"};
  const auto message = registry.record_now("agg-1", 0, original);
  EXPECT_EQ(registry.deserialize_as<test_serializable>(message), original);
}

TEST(event_type_registry, reads_php_escapes) {
  const auto registry = make_registry();
  const auto message = message_with({serializable_class, R"({"foo":"u\/1 \u00e9"})"});
  EXPECT_EQ(registry.deserialize_as<test_serializable>(message).foo, "u/1 \xC3\xA9");
}

TEST(event_type_registry, an_event_without_fields_is_written_as_an_empty_php_array) {
  const auto registry = make_registry();
  EXPECT_EQ(registry.serialize(started{}).json, "[]");
  EXPECT_EQ(registry.deserialize_as<started>(message_with({started_class, "[]"})), started{});
  EXPECT_EQ(registry.deserialize_as<started>(message_with({started_class, "{}"})), started{});
}

TEST(event_type_registry, unknown_class_names_class_aggregate_and_playhead) {
  const auto registry = make_registry();
  const auto message = message_with({"App\\Unknown", "[]"});
  try {
    static_cast<void>(registry.deserialize(message));
    FAIL() << "expected unknown_event_class";
  } catch (const unknown_event_class& e) {
    EXPECT_EQ(e.class_name(), "App\\Unknown");
    EXPECT_EQ(e.aggregate_id(), "agg-1");
    EXPECT_EQ(e.playhead(), 7);
    EXPECT_THAT(e.what(), HasSubstr("\"App\\Unknown\""));
    EXPECT_THAT(e.what(), HasSubstr("\"agg-1\""));
    EXPECT_THAT(e.what(), HasSubstr("playhead 7"));
  }
  EXPECT_THROW(static_cast<void>(registry.deserialize_as<started>(message)), unknown_event_class);
  // The class name is case-sensitive, like PHP's class names.
  EXPECT_THROW(static_cast<void>(registry.deserialize(message_with({"app\\started", "[]"}))),
               serialization_error);
}

TEST(event_type_registry, registering_twice_fails) {
  auto registry = make_registry();
  EXPECT_THROW(registry.add<test_events::renamed>(
                   started_class, [](const test_events::renamed&) { return std::string("[]"); },
                   [](std::string_view) { return test_events::renamed{}; }),
               serialization_error);
  EXPECT_THROW((registry.add<started, nlohmann::json>("App\\Other")), serialization_error);
  EXPECT_THROW(registry.add<test_events::renamed>(
                   "", [](const test_events::renamed&) { return std::string("[]"); },
                   [](std::string_view) { return test_events::renamed{}; }),
               serialization_error);
  EXPECT_FALSE(registry.contains("App\\Other"));
}

TEST(event_type_registry, explicit_functions_are_used) {
  event_type_registry registry;
  registry.add<test_events::renamed>(
      "App\\Renamed",
      [](const test_events::renamed& e) { return "{\"count\":" + std::to_string(e.count) + "}"; },
      [](std::string_view text) {
        return test_events::renamed{static_cast<int>(nlohmann::json::parse(text).at("count"))};
      });
  EXPECT_TRUE(registry.contains("App\\Renamed"));
  EXPECT_EQ(registry.class_name_of<test_events::renamed>(), "App\\Renamed");
  const auto payload = registry.serialize(test_events::renamed{3});
  EXPECT_EQ(payload.json, R"({"count":3})");
  EXPECT_EQ(registry.deserialize_as<test_events::renamed>(message_with(payload)).count, 3);
}

TEST(event_type_registry, serializers_must_produce_a_php_array) {
  event_type_registry registry;
  registry.add<test_events::renamed>(
      "App\\Scalar", [](const test_events::renamed&) { return std::string("1"); },
      [](std::string_view) { return test_events::renamed{}; });
  try {
    static_cast<void>(registry.serialize(test_events::renamed{}));
    FAIL() << "expected serialization_error";
  } catch (const serialization_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("App\\Scalar"));
    EXPECT_THAT(e.what(), HasSubstr("instead got integer"));
  }
}

TEST(event_type_registry, unreadable_json_is_a_serialization_error_naming_the_event) {
  const auto registry = make_registry();
  const auto message = message_with({serializable_class, R"({"other":1})"});
  try {
    static_cast<void>(registry.deserialize(message));
    FAIL() << "expected serialization_error";
  } catch (const serialization_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(serializable_class));
    EXPECT_THAT(e.what(), HasSubstr("\"agg-1\" at playhead 7"));
  }
}

TEST(event_type_registry, deserialize_as_the_wrong_type_fails) {
  const auto registry = make_registry();
  EXPECT_THROW(static_cast<void>(registry.deserialize_as<started>(
                   message_with({serializable_class, R"({"foo":"x"})"}))),
               serialization_error);
}

TEST(event_type_registry, record_now_builds_a_message) {
  const auto registry = make_registry();
  const auto message = registry.record_now(42, 3, started{}, metadata::kv("user", "1"));
  EXPECT_EQ(message.id(), "42");
  EXPECT_EQ(message.playhead(), 3);
  EXPECT_EQ(message.type(), "App.Started");
  EXPECT_EQ(message.metadata(), metadata::kv("user", "1"));
}

}  // namespace
}  // namespace dynamo_es
