#include "stores/dynamodb_replay_prefetch.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "dynamo_es/error.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

// The row's GlobalPosition, nullopt when it has none or it is not an int64 (the reader reports
// such rows itself when it decodes them; here they only mean "do not guess").
std::optional<std::int64_t> position_of(const dynamodb::attribute_map& item) {
  const auto it = item.find(std::string(table_layout::global_position));
  if (it == item.end() || !it->second.is_number()) return std::nullopt;
  try {
    return it->second.as_int64();
  } catch (const error&) {
    return std::nullopt;
  }
}

}  // namespace

std::optional<std::int64_t> next_page_after(const dynamodb::query_response& page) {
  if (page.last_evaluated_key.empty()) return std::nullopt;
  if (const auto position = position_of(page.last_evaluated_key)) return position;
  if (page.items.empty()) return std::nullopt;
  return position_of(page.items.back());
}

bool holds_consecutive_positions(const dynamodb::query_response& page, std::int64_t after,
                                 const known_void_range& known_void) {
  auto expected = std::max<std::int64_t>(after, 0) + 1;
  for (const auto& item : page.items) {
    const auto position = position_of(item);
    if (!position) return false;
    if (*position != expected &&
        !(*position > expected && known_void && known_void(expected, *position - 1))) {
      return false;
    }
    expected = *position + 1;
  }
  return true;
}

replay_prefetcher::replay_prefetcher(feed_page_fetch fetch, known_void_range known_void)
    : fetch_(std::move(fetch)), known_void_(std::move(known_void)) {}

replay_prefetcher::~replay_prefetcher() {
  cancel();
}

dynamodb::query_response replay_prefetcher::next(std::int64_t after) {
  std::optional<dynamodb::query_response> page;
  if (ahead_.valid()) {
    if (ahead_after_ == after) {
      auto ahead = std::move(ahead_);
      // The fetch's own exception, exactly where the sequential reader would have met it.
      auto fetched = ahead.get();
      if (holds_consecutive_positions(fetched, after, known_void_)) {
        page = std::move(fetched);
        ++stats_.used;
      } else {
        ++stats_.discarded;  // a hole: judge it on a fresh read (see the file comment)
      }
    } else {
      cancel();
    }
  }
  if (!page) {
    page = fetch_(after);
    ++stats_.fetched_now;
  }
  if (const auto following = next_page_after(*page)) start(*following);
  return std::move(*page);
}

void replay_prefetcher::cancel() noexcept {
  if (!ahead_.valid()) return;
  // Waiting (rather than detaching) keeps the fetch from outliving what it refers to. Its result
  // or exception is dropped with the future.
  ahead_.wait();
  ahead_ = {};
  ++stats_.discarded;
}

void replay_prefetcher::start(std::int64_t after) noexcept {
  try {
    ahead_ = std::async(std::launch::async, [fetch = &fetch_, after] { return (*fetch)(after); });
    ahead_after_ = after;
    ++stats_.fetched_ahead;
  } catch (const std::exception&) {
    // No thread (or no memory) to be had: the next page is simply fetched when it is asked for.
    ahead_ = {};
  }
}

}  // namespace dynamo_es::detail
