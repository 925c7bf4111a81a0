#pragma once

/// \file
/// An event store that keeps everything in process memory: for unit-testing aggregates and
/// projections, and as the reference the DynamoDB store is checked against (both pass the same
/// conformance suite).

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dynamo_es/event_store.hpp"

namespace dynamo_es {

/// Both store interfaces over a vector and a map, with the DynamoDB store's semantics:
/// - `load` returns events in ascending playhead order and throws `event_stream_not_found` when
///   the aggregate has no event (also after an append of an empty stream, which is a no-op);
/// - `append` validates like every store (empty, `_counter` or over-2048-byte ids; foreign
///   message ids; repeated or decreasing playheads; payloads that are not JSON objects/lists)
///   and is all-or-nothing; a stored playhead gives `duplicate_playhead` naming every conflict;
/// - each appended event gets the next global position (1, 2, 3, ... in commit order, no gaps);
///   `visit_events` and replay pages follow that order; `has_more` is true when a page examined
///   `limit` rows.
///
/// Thread-safety: every member function may be called from many threads at once (one mutex
/// guards the data). Visitors run without the lock held, so they may call back into the store;
/// events appended during a visit are visited when they land after the visit's position.
/// Not copyable or movable.
class in_memory_event_store final : public event_store, public event_store_management {
 public:
  in_memory_event_store() = default;
  in_memory_event_store(const in_memory_event_store&) = delete;
  in_memory_event_store& operator=(const in_memory_event_store&) = delete;
  ~in_memory_event_store() override = default;

 private:
  domain_event_stream do_load(std::string_view id) override;
  domain_event_stream do_load_from_playhead(std::string_view id,
                                            std::int64_t from_playhead) override;
  void do_append(std::string_view id, const domain_event_stream& stream) override;
  std::optional<domain_event_stream> do_try_load(std::string_view id) override;
  void do_visit_events(const criteria& filter, event_visitor& visitor) override;
  replay_page do_load_replay_page_after_global_position(const criteria& filter, std::int64_t after,
                                                        std::int64_t limit) override;

  domain_event_stream collect(std::string_view id, std::int64_t from_playhead) const;

  mutable std::mutex mutex_;
  /// Every event in commit order; the global position of `feed_[i]` is `i + 1`.
  std::vector<domain_message> feed_;
  /// Per aggregate: playhead → index into `feed_`.
  std::unordered_map<std::string, std::map<std::int64_t, std::size_t>> streams_;
};

}  // namespace dynamo_es
