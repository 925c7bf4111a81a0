#include "dynamo_es/event_store.hpp"

#include "dynamo_es/event_store_errors.hpp"

namespace dynamo_es {

std::optional<domain_event_stream> event_store::do_try_load(std::string_view id) {
  try {
    return do_load(id);
  } catch (const event_stream_not_found&) {
    return std::nullopt;
  }
}

replay_page event_store_management::load_replay_page_after_global_position(const criteria& filter,
                                                                           std::int64_t after,
                                                                           std::int64_t limit) {
  if (limit < 1) throw validation_error("Replay page limit must be at least 1.");
  return do_load_replay_page_after_global_position(filter, after, limit);
}

void event_store_management::visit_by_replay_pages(const criteria& filter, event_visitor& visitor,
                                                   std::int64_t page_size) {
  std::int64_t checkpoint = 0;
  for (;;) {
    const replay_page page = load_replay_page_after_global_position(filter, checkpoint, page_size);
    for (const replay_event& event : page.events()) visitor.do_with_event(event.message);
    if (!page.has_more()) return;
    if (page.last_processed_global_position() <= checkpoint) {
      throw event_store_management_error("Replay made no progress after global position " +
                                         std::to_string(checkpoint) +
                                         " although the store reported more rows");
    }
    checkpoint = page.last_processed_global_position();
  }
}

}  // namespace dynamo_es
