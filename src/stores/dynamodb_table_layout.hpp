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

// Claim rows: one per committed or abandoned range of positions, keyed by the range's first
// position. They have no `Feed`, so the GSI (and every PHP reader) never sees them; replays read
// them with a strongly consistent Query on `Id = "_position"` when a position is missing.
inline constexpr std::string_view claim_id = "_position";
/// N: positions in the range (1..max_claim_length).
inline constexpr std::string_view claim_length = "Length";
/// S: `claim_committed` (written with the events) or `claim_void` (no event will ever hold these
/// positions: the writer's commit failed, or a reader fenced the range).
inline constexpr std::string_view claim_state = "State";
inline constexpr std::string_view claim_committed = "committed";
inline constexpr std::string_view claim_void = "void";
/// S on void claims: who voided the range (`claim_voided_by_writer` / `claim_voided_by_reader`).
inline constexpr std::string_view claim_voided_by = "VoidedBy";
inline constexpr std::string_view claim_voided_by_writer = "writer";
inline constexpr std::string_view claim_voided_by_reader = "reader";
/// The CLI's import: a position the imported export did not hold.
inline constexpr std::string_view claim_voided_by_import = "import";
/// The condition of every claim Put: the first claim of a position wins (a writer's commit or a
/// reader's fence; DynamoDB decides the race).
inline constexpr std::string_view claim_put_condition = "attribute_not_exists(Id)";

/// The condition of every event Put: a (Id, Playhead) pair is written once.
inline constexpr std::string_view event_put_condition = "attribute_not_exists(Id)";

// DynamoDB limits (dynamodb-local.md §c, identical on AWS).
inline constexpr std::size_t max_transaction_actions = 100;
/// Two actions of every transaction are the counter update and the claim row.
inline constexpr std::size_t max_events_per_append = max_transaction_actions - 2;
/// A claim covers at most one transaction's events.
inline constexpr std::int64_t max_claim_length = static_cast<std::int64_t>(max_events_per_append);
inline constexpr std::size_t max_item_bytes = 409'600;
inline constexpr std::size_t max_transaction_bytes = 4'194'304;
inline constexpr std::size_t max_hash_key_bytes = 2048;

}  // namespace dynamo_es::detail::table_layout
