#pragma once

/// \file
/// The store interfaces: Broadway's `EventStore` (load and append the events of one aggregate) and
/// `EventStoreManagement` (visit every event, or read the global feed page by page).
///
/// Both are abstract classes with a non-virtual public API and private virtual `do_*` functions
/// that stores implement (so the id-converting template overloads are never hidden by an
/// override, and checks common to all stores run in one place).

#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "dynamo_es/aggregate_id.hpp"
#include "dynamo_es/criteria.hpp"
#include "dynamo_es/domain_event_stream.hpp"
#include "dynamo_es/domain_message.hpp"

namespace dynamo_es {

/// Loads and appends the events of one aggregate.
///
/// Ids: every function takes a string-like id directly, or any other `aggregate_id` (integers,
/// identity types) converted with `to_aggregate_id_string`. A type without a string conversion
/// does not compile.
/// Thread-safety: defined by each implementation (both stores of this library are safe to share
/// between threads).
class event_store {
 public:
  virtual ~event_store() = default;

  /// All events of the aggregate in ascending playhead order. Throws `event_stream_not_found`
  /// when it has none.
  [[nodiscard]] domain_event_stream load(std::string_view id) { return do_load(id); }
  template <aggregate_id Id>
  requires(!detail::string_like_id<Id>) [[nodiscard]] domain_event_stream load(const Id& id) {
    return do_load(to_aggregate_id_string(id));
  }

  /// Like `load`, but nullopt instead of `event_stream_not_found`.
  [[nodiscard]] std::optional<domain_event_stream> try_load(std::string_view id) {
    return do_try_load(id);
  }
  template <aggregate_id Id>
  requires(!detail::string_like_id<Id>)
      [[nodiscard]] std::optional<domain_event_stream> try_load(const Id& id) {
    return do_try_load(to_aggregate_id_string(id));
  }

  /// The events with `playhead >= from_playhead`, ascending. Never throws not-found: an unknown
  /// id or nothing newer gives an empty stream.
  [[nodiscard]] domain_event_stream load_from_playhead(std::string_view id,
                                                       std::int64_t from_playhead) {
    return do_load_from_playhead(id, from_playhead);
  }
  template <aggregate_id Id>
  requires(!detail::string_like_id<Id>) [[nodiscard]] domain_event_stream
      load_from_playhead(const Id& id, std::int64_t from_playhead) {
    return do_load_from_playhead(to_aggregate_id_string(id), from_playhead);
  }

  /// Appends all events or none. An empty stream is a no-op. Every message must carry `id`, and
  /// playheads must strictly increase (`validation_error` otherwise, before anything is
  /// written). Throws `duplicate_playhead` when a playhead is already stored.
  void append(std::string_view id, const domain_event_stream& stream) { do_append(id, stream); }
  template <aggregate_id Id>
  requires(!detail::string_like_id<Id>) void append(const Id& id,
                                                    const domain_event_stream& stream) {
    do_append(to_aggregate_id_string(id), stream);
  }

 protected:
  event_store() = default;
  event_store(const event_store&) = default;
  event_store& operator=(const event_store&) = default;
  event_store(event_store&&) = default;
  event_store& operator=(event_store&&) = default;

 private:
  virtual domain_event_stream do_load(std::string_view id) = 0;
  virtual domain_event_stream do_load_from_playhead(std::string_view id,
                                                    std::int64_t from_playhead) = 0;
  virtual void do_append(std::string_view id, const domain_event_stream& stream) = 0;
  /// Default: `do_load`, with `event_stream_not_found` turned into nullopt.
  virtual std::optional<domain_event_stream> do_try_load(std::string_view id);
};

/// One event of the global feed with its position (PHP `ReplayEvent`).
struct replay_event {
  domain_message message;
  std::int64_t global_position = 0;

  friend bool operator==(const replay_event&, const replay_event&) = default;
};

/// One page of the global feed (PHP `ReplayPage`).
class replay_page {
 public:
  replay_page(std::vector<replay_event> events, std::int64_t last_processed_global_position,
              bool has_more)
      : events_(std::move(events)),
        last_processed_global_position_(last_processed_global_position),
        has_more_(has_more) {}

  /// The examined events that matched the criteria, in position order.
  [[nodiscard]] const std::vector<replay_event>& events() const noexcept { return events_; }
  /// The position of the last examined row, matching or not; the `after` of the next page. Equal
  /// to the requested `after` when the page examined nothing.
  [[nodiscard]] std::int64_t last_processed_global_position() const noexcept {
    return last_processed_global_position_;
  }
  /// True when the page stopped because it examined `limit` rows, even if no row is left (like
  /// DynamoDB's continuation key); false means "nothing more right now".
  [[nodiscard]] bool has_more() const noexcept { return has_more_; }

  friend bool operator==(const replay_page&, const replay_page&) = default;

 private:
  std::vector<replay_event> events_;
  std::int64_t last_processed_global_position_;
  bool has_more_;
};

/// Receives the events of `visit_events` (Broadway's `EventVisitor`). An exception thrown by the
/// visitor stops the visit and propagates.
class event_visitor {
 public:
  virtual ~event_visitor() = default;
  virtual void do_with_event(const domain_message& message) = 0;

 protected:
  event_visitor() = default;
  event_visitor(const event_visitor&) = default;
  event_visitor& operator=(const event_visitor&) = default;
};

/// Adapts a callable `void(const domain_message&)` (Broadway's `CallableEventVisitor`). Holds a
/// reference: the callable must outlive the visitor.
template <class Callable>
class callable_event_visitor final : public event_visitor {
 public:
  explicit callable_event_visitor(Callable& callable) : callable_(callable) {}
  void do_with_event(const domain_message& message) override { std::invoke(callable_, message); }

 private:
  Callable& callable_;
};

/// Reads across aggregates: the global feed in position order.
/// Thread-safety: defined by each implementation.
class event_store_management {
 public:
  virtual ~event_store_management() = default;

  /// Calls `visitor` for each event matching `filter`, in global-position order.
  /// Aggregate-root-type criteria throw `criteria_not_supported` when the first event is examined
  /// (an empty store throws nothing), as the PHP package does.
  void visit_events(const criteria& filter, event_visitor& visitor) {
    do_visit_events(filter, visitor);
  }
  template <class Callable>
  requires std::invocable<Callable&, const domain_message&> &&
      (!std::derived_from<std::remove_cvref_t<Callable>, event_visitor>)void visit_events(
          const criteria& filter, Callable&& callable) {
    callable_event_visitor<std::remove_reference_t<Callable>> visitor{callable};
    do_visit_events(filter, visitor);
  }

  /// Examines at most `limit` rows of the feed with position > `after` and returns those matching
  /// `filter`. Throws `validation_error` `Replay page limit must be at least 1.` when `limit < 1`,
  /// before any work.
  [[nodiscard]] replay_page load_replay_page_after_global_position(const criteria& filter,
                                                                   std::int64_t after,
                                                                   std::int64_t limit);

 protected:
  event_store_management() = default;
  event_store_management(const event_store_management&) = default;
  event_store_management& operator=(const event_store_management&) = default;
  event_store_management(event_store_management&&) = default;
  event_store_management& operator=(event_store_management&&) = default;

  /// The PHP package's `visitEvents`: pages of `page_size` from position 0 until a page says
  /// `!has_more`. Throws `event_store_management_error` if a page reports more rows without
  /// advancing (a store bug that would otherwise loop forever).
  void visit_by_replay_pages(const criteria& filter, event_visitor& visitor,
                             std::int64_t page_size);

 private:
  virtual void do_visit_events(const criteria& filter, event_visitor& visitor) = 0;
  /// Called with `limit >= 1`.
  virtual replay_page do_load_replay_page_after_global_position(const criteria& filter,
                                                                std::int64_t after,
                                                                std::int64_t limit) = 0;
};

}  // namespace dynamo_es
