#pragma once

// Fixtures of Broadway's abstract store suites (contract §3.1, §3.2): the four kinds of aggregate
// id, the test event classes, the 24 management fixtures and the grouping comparison.

#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "dynamo_es/domain_event_stream.hpp"
#include "dynamo_es/event_store.hpp"

namespace dynamo_es::conformance {

inline const std::string event_class = "Broadway\\EventStore\\Testing\\Event";
inline const std::string start_class = "Broadway\\EventStore\\Management\\Testing\\Start";
inline const std::string middle_class = "Broadway\\EventStore\\Management\\Testing\\Middle";
inline const std::string end_class = "Broadway\\EventStore\\Management\\Testing\\End";
inline const std::string start_type = "Broadway.EventStore.Management.Testing.Start";
inline const std::string middle_type = "Broadway.EventStore.Management.Testing.Middle";
inline const std::string end_type = "Broadway.EventStore.Management.Testing.End";

/// The fixed date of EST-2 and EST-6.
inline date_time fixed_date() {
  return date_time::from_string("2014-03-12T14:17:19.176169+00:00");
}

/// Broadway's `StringIdentity`: an id object whose string conversion returns the wrapped value.
struct string_identity {
  std::string value;
  explicit operator std::string() const { return value; }
};

/// Broadway's `IdentityThatCannotBeConvertedToAString` (EST-5).
struct identity_without_string_conversion {
  int value = 0;
};

/// The `idDataProvider` of EventStoreTest.
inline std::string simple_string_id() {
  return "Yolntbyaac";
}
inline string_identity identity_id() {
  return string_identity{"Yolntbyaac"};
}
inline int integer_id() {
  return 42;
}

/// A fresh RFC 4122 version-4 UUID, lowercase 8-4-4-4-12.
inline std::string uuid_id() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uint64_t high = random();
  std::uint64_t low = random();
  high = (high & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  low = (low & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;    // RFC 4122 variant
  char text[37];
  std::snprintf(text, sizeof text, "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(high >> 32),
                static_cast<unsigned long long>((high >> 16) & 0xFFFF),
                static_cast<unsigned long long>(high & 0xFFFF),
                static_cast<unsigned long long>(low >> 48),
                static_cast<unsigned long long>(low & 0xFFFFFFFFFFFFULL));
  return text;
}

/// EventStoreTest's `createDomainMessage`: empty metadata, payload `Event` (JSON `[]`).
template <aggregate_id Id>
domain_message make_message(const Id& id, std::int64_t playhead,
                            date_time recorded_on = date_time::now()) {
  return domain_message(id, playhead, metadata(), serialized_payload{event_class, "[]"},
                        std::move(recorded_on));
}

/// A stream of `make_message(id, p, recorded_on)` for each playhead.
template <aggregate_id Id>
domain_event_stream make_stream(const Id& id, std::vector<std::int64_t> playheads,
                                const date_time& recorded_on = date_time::now()) {
  std::vector<domain_message> messages;
  for (const std::int64_t playhead : playheads) {
    messages.push_back(make_message(id, playhead, recorded_on));
  }
  return domain_event_stream(std::move(messages));
}

/// EventStoreManagementTest's aggregate id for n: `%08d-%04d-4%03d-%04d-%012d`.
inline std::string management_id(int n) {
  char text[64];
  std::snprintf(text, sizeof text, "%08d-%04d-4%03d-%04d-%012d", n, n, n, n, n);
  return text;
}

inline serialized_payload start_payload() {
  return {start_class, "[]"};
}
inline serialized_payload end_payload() {
  return {end_class, "[]"};
}
inline serialized_payload middle_payload(const std::string& position) {
  return {middle_class, "{\"position\":\"" + position + "\"}"};
}

/// The 24 fixtures of §3.2, in append order (append #k is global position k on a fresh store).
inline std::vector<domain_message> management_fixtures(const date_time& now) {
  struct row {
    int aggregate;
    std::int64_t playhead;
    serialized_payload payload;
  };
  const std::vector<row> rows = {
      {1, 0, start_payload()},     {1, 1, middle_payload("a")}, {1, 2, middle_payload("b")},
      {2, 0, start_payload()},     {2, 1, middle_payload("a")}, {2, 2, middle_payload("b")},
      {2, 3, middle_payload("c")}, {2, 4, middle_payload("d")}, {2, 5, end_payload()},
      {1, 3, middle_payload("c")}, {3, 0, start_payload()},     {3, 1, middle_payload("a")},
      {3, 2, middle_payload("b")}, {3, 3, middle_payload("c")}, {1, 4, middle_payload("d")},
      {4, 0, start_payload()},     {4, 1, middle_payload("a")}, {4, 2, middle_payload("b")},
      {4, 3, middle_payload("c")}, {4, 4, middle_payload("d")}, {4, 5, end_payload()},
      {3, 4, middle_payload("d")}, {1, 5, end_payload()},       {3, 5, end_payload()}};
  std::vector<domain_message> messages;
  for (const row& r : rows) {
    messages.emplace_back(management_id(r.aggregate), r.playhead, metadata(), r.payload, now);
  }
  return messages;
}

/// §3.2's comparison rule: messages grouped by (type, aggregate id); group order is irrelevant,
/// order inside a group matters.
using message_groups = std::map<std::pair<std::string, std::string>, std::vector<domain_message>>;

inline message_groups group_by_type_and_id(const std::vector<domain_message>& messages) {
  message_groups groups;
  for (const domain_message& m : messages) groups[{m.type(), m.id()}].push_back(m);
  return groups;
}

/// Appends each message alone, in order, under its own id (as EventStoreManagementTest does).
inline void append_each(event_store& store, const std::vector<domain_message>& messages) {
  for (const domain_message& m : messages) store.append(m.id(), domain_event_stream{m});
}

}  // namespace dynamo_es::conformance
