#pragma once

// The wire contract of the event table, in one place (broadway-contract.md §4.2 and §6). These
// names are shared with the PHP package `chrisjenkinson/dynamo-db-event-store`: changing any of
// them breaks tables written by it.

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace dynamo_es::detail::table_layout {

// Key and index attributes.
inline constexpr std::string_view id = "Id";
inline constexpr std::string_view playhead = "Playhead";
inline constexpr std::string_view feed = "Feed";
inline constexpr std::string_view global_position = "GlobalPosition";
inline constexpr std::string_view index_name = "Feed-GlobalPosition-index";
/// Every event row is in the one feed; the GSI's hash key therefore has one value.
inline constexpr std::string_view feed_value = "all";

// Event row attributes.
inline constexpr std::string_view metadata = "Metadata";
inline constexpr std::string_view payload = "Payload";
inline constexpr std::string_view recorded_on = "RecordedOn";
inline constexpr std::string_view type = "Type";
/// Sub-attributes of the `Metadata` and `Payload` maps.
inline constexpr std::string_view class_attribute = "Class";
inline constexpr std::string_view payload_attribute = "Payload";
inline constexpr std::string_view metadata_class = "Broadway\\Domain\\Metadata";

// The counter row: the last global position handed out. `Value` is a reserved word in
// expressions, so requests always name it through the placeholder `#v`.
inline constexpr std::string_view counter_id = "_counter";
inline constexpr std::int64_t counter_playhead = 0;
inline constexpr std::string_view counter_value = "Value";

/// The condition of every event Put: a (Id, Playhead) pair is written once.
inline constexpr std::string_view event_put_condition = "attribute_not_exists(Id)";

// DynamoDB limits (dynamodb-local.md §c, identical on AWS).
inline constexpr std::size_t max_transaction_actions = 100;
/// One action of every transaction is the counter update.
inline constexpr std::size_t max_events_per_append = max_transaction_actions - 1;
inline constexpr std::size_t max_item_bytes = 409'600;
inline constexpr std::size_t max_transaction_bytes = 4'194'304;
inline constexpr std::size_t max_hash_key_bytes = 2048;

}  // namespace dynamo_es::detail::table_layout
