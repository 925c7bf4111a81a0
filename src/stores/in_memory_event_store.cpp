#include "dynamo_es/in_memory_event_store.hpp"

#include <algorithm>
#include <limits>

#include "domain/append_validation.hpp"
#include "dynamo_es/event_store_errors.hpp"

namespace dynamo_es {
namespace {

// visit_events reads the feed in pages like the DynamoDB store, so a visitor never runs under
// the lock.
constexpr std::int64_t visit_page_size = 1000;

}  // namespace

domain_event_stream in_memory_event_store::collect(std::string_view id,
                                                   std::int64_t from_playhead) const {
  std::vector<domain_message> out;
  const auto stream = streams_.find(std::string(id));
  if (stream != streams_.end()) {
    for (auto it = stream->second.lower_bound(from_playhead); it != stream->second.end(); ++it) {
      out.push_back(feed_[it->second]);
    }
  }
  return domain_event_stream(std::move(out));
}

domain_event_stream in_memory_event_store::do_load(std::string_view id) {
  auto stream = do_try_load(id);
  if (!stream) throw event_stream_not_found(std::string(id));
  return std::move(*stream);
}

std::optional<domain_event_stream> in_memory_event_store::do_try_load(std::string_view id) {
  const std::lock_guard lock(mutex_);
  domain_event_stream stream = collect(id, std::numeric_limits<std::int64_t>::min());
  if (stream.empty()) return std::nullopt;
  return stream;
}

domain_event_stream in_memory_event_store::do_load_from_playhead(std::string_view id,
                                                                 std::int64_t from_playhead) {
  const std::lock_guard lock(mutex_);
  return collect(id, from_playhead);
}

void in_memory_event_store::do_append(std::string_view id, const domain_event_stream& stream) {
  detail::validate_append(id, stream);
  if (stream.empty()) return;

  const std::lock_guard lock(mutex_);
  auto& playheads = streams_[std::string(id)];
  std::vector<playhead_conflict> conflicts;
  for (const domain_message& message : stream) {
    if (playheads.contains(message.playhead())) {
      conflicts.push_back({message.id(), message.playhead()});
    }
  }
  if (!conflicts.empty()) throw duplicate_playhead(stream, std::move(conflicts));
  feed_.reserve(feed_.size() + stream.size());
  for (const domain_message& message : stream) {
    playheads.emplace(message.playhead(), feed_.size());
    feed_.push_back(message);
  }
}

void in_memory_event_store::do_visit_events(const criteria& filter, event_visitor& visitor) {
  visit_by_replay_pages(filter, visitor, visit_page_size);
}

replay_page in_memory_event_store::do_load_replay_page_after_global_position(const criteria& filter,
                                                                             std::int64_t after,
                                                                             std::int64_t limit) {
  std::vector<replay_event> events;
  std::int64_t last_processed = after;
  std::int64_t examined = 0;
  const std::lock_guard lock(mutex_);
  // Position p lives at feed_[p - 1]; positions start at 1.
  const auto size = static_cast<std::int64_t>(feed_.size());
  const std::int64_t start = std::clamp<std::int64_t>(after, 0, size);
  for (std::int64_t position = start + 1; position <= size && examined < limit;
       ++position, ++examined) {
    const domain_message& message = feed_[static_cast<std::size_t>(position - 1)];
    last_processed = position;
    if (filter.is_matched_by(message)) events.push_back(replay_event{message, position});
  }
  return replay_page(std::move(events), last_processed, examined == limit);
}

}  // namespace dynamo_es
