#include "stores/dynamodb_gap_resolver.hpp"

#include <algorithm>
#include <iostream>
#include <iterator>
#include <limits>
#include <utility>

#include "dynamo_es/dynamodb/errors.hpp"
#include "stores/dynamodb_backoff.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

namespace layout = table_layout;

// Positions fenced per resolve call at most: a huge hole (a table the PHP package wrote with
// many burned positions) is fenced over several calls, each letting the page get further.
constexpr std::size_t max_fenced_per_call = 1000;

}  // namespace

// --- claim_verdicts --------------------------------------------------------------------------

void claim_verdicts::learn(const position_claim& claim) {
  std::scoped_lock lock(mutex_);
  insert_locked(claim.first, claim.last(),
                claim.status == position_claim::state::committed ? gap_verdict::kind::committed
                                                                 : gap_verdict::kind::voided);
}

void claim_verdicts::learn_fenced(std::int64_t first, std::int64_t last) {
  std::scoped_lock lock(mutex_);
  insert_locked(first, last, gap_verdict::kind::fenced);
}

std::optional<gap_verdict> claim_verdicts::at(std::int64_t position) const {
  std::scoped_lock lock(mutex_);
  auto it = intervals_.upper_bound(position);
  if (it == intervals_.begin()) return std::nullopt;
  --it;
  if (it->second.last < position) return std::nullopt;
  return it->second;
}

bool claim_verdicts::passable(std::int64_t first, std::int64_t last) const {
  auto next = first;
  while (next <= last) {
    const auto verdict = at(next);
    if (!verdict || verdict->what == gap_verdict::kind::committed) return false;
    next = verdict->last + 1;
  }
  return true;
}

void claim_verdicts::split_locked(std::int64_t at) {
  auto it = intervals_.upper_bound(at);
  if (it == intervals_.begin()) return;
  --it;
  if (it->first == at || it->second.last < at) return;
  auto tail = it->second;
  it->second.last = at - 1;
  intervals_.emplace(at, tail);
}

void claim_verdicts::insert_locked(std::int64_t first, std::int64_t last, gap_verdict::kind what) {
  if (first > last) return;
  if (what == gap_verdict::kind::committed) {
    // The writer's transaction succeeded: its events exist, whatever void claims say.
    split_locked(first);
    if (last < std::numeric_limits<std::int64_t>::max()) split_locked(last + 1);
    intervals_.erase(intervals_.lower_bound(first), intervals_.upper_bound(last));
    intervals_.emplace(first, gap_verdict{what, last});
    return;
  }
  // A void verdict fills only what no verdict covers yet.
  auto next = first;
  auto it = intervals_.upper_bound(first);
  if (it != intervals_.begin()) {
    const auto previous = std::prev(it);
    if (previous->second.last >= first) {
      if (previous->second.last >= last) return;
      next = previous->second.last + 1;
    }
  }
  for (;; ++it) {
    if (it == intervals_.end() || it->first > last) {
      intervals_.emplace(next, gap_verdict{what, last});
      return;
    }
    if (it->first > next) intervals_.emplace(next, gap_verdict{what, it->first - 1});
    if (it->second.last >= last) return;
    next = it->second.last + 1;
  }
}

// --- gap_resolver ----------------------------------------------------------------------------

gap_resolver::gap_resolver(std::shared_ptr<const dynamodb::client> client, std::string table,
                           store_counters& counters, timing times)
    : client_(std::move(client)), table_(std::move(table)), counters_(counters), times_(times) {}

bool gap_resolver::resolve(const position_gap& hole, const gap_tracker& tracker) {
  const auto first = hole.first;
  if (const auto known = verdicts_.at(first)) {
    if (known->what != gap_verdict::kind::committed) return true;
    // Never passed, whatever the gap timeout: the claim says the events exist.
    warn_if_committed_for_long(first, tracker);
    return false;
  }
  // Bounded, so that a huge hole costs bounded work per call (the page then gets further and
  // stops again at the rest).
  const auto last = std::min(hole.last, first + static_cast<std::int64_t>(max_fenced_per_call) - 1);
  const bool expired = tracker.expired(first, first);
  const auto now = clock::now();
  {
    std::scoped_lock lock(mutex_);
    const auto age = tracker.missing_for(first, first);
    if (!expired && age < std::min(times_.claim_check_delay, tracker.timeout())) return false;
    // A read that found nothing is repeated every requery_interval, except the first read after
    // the hole expired: that one fences.
    if (last_read_ && last_read_->first == first && last_read_->expired == expired &&
        now - last_read_->when < times_.requery_interval) {
      return false;
    }
  }

  for (const auto& claim : read_claims(*client_, table_, first, last)) verdicts_.learn(claim);
  if (const auto known = verdicts_.at(first)) {
    if (known->what == gap_verdict::kind::committed) warn_if_committed_for_long(first, tracker);
    return known->what != gap_verdict::kind::committed;
  }
  {
    std::scoped_lock lock(mutex_);
    last_read_ = last_read{first, now, expired};
  }
  if (!expired) return false;

  // Fence every expired position that no claim covers (see the file comment for why each).
  std::vector<std::int64_t> uncovered;
  for (auto position = first; position <= last;) {
    if (const auto known = verdicts_.at(position)) {
      position = known->last + 1;
      continue;
    }
    if (!tracker.expired(position, position)) break;
    uncovered.push_back(position);
    ++position;
  }
  fence(uncovered);
  const auto known = verdicts_.at(first);
  return known && known->what != gap_verdict::kind::committed;
}

std::optional<std::chrono::milliseconds> gap_resolver::next_check_in(
    const position_gap& hole, const gap_tracker& tracker) const {
  using std::chrono::milliseconds;
  if (const auto known = verdicts_.at(hole.first)) {
    if (known->what == gap_verdict::kind::committed) return std::nullopt;
    return milliseconds::zero();
  }
  const auto age = tracker.missing_for(hole.first, hole.first);
  const auto until_expired = tracker.time_until_expired(hole.first, hole.first);
  const auto check_delay = std::min(times_.claim_check_delay, tracker.timeout());
  auto next = std::min(until_expired, std::max(milliseconds::zero(), check_delay - age));
  std::scoped_lock lock(mutex_);
  if (last_read_ && last_read_->first == hole.first &&
      last_read_->expired == (until_expired == milliseconds::zero())) {
    const auto since = std::chrono::duration_cast<milliseconds>(clock::now() - last_read_->when);
    next = std::max(next, times_.requery_interval - since);
  }
  return std::max(next, milliseconds::zero());
}

void gap_resolver::fence(const std::vector<std::int64_t>& positions) {
  // TransactWriteItems of up to 100 Puts rather than one PutItem per position: a dead writer
  // leaves a range of up to 98 positions, fenced in one round trip instead of 98. The
  // transaction is all-or-nothing, and when a claim already exists at some position it is
  // cancelled with that claim in the reason (ALL_OLD): the resolver learns it and fences what is
  // still uncovered in another round. A single position is one PutItem (half the write cost).
  std::vector<std::int64_t> chunk;
  for (const auto position : positions) {
    chunk.push_back(position);
    if (chunk.size() == layout::max_transaction_actions) {
      fence_chunk(chunk);
      chunk.clear();
    }
  }
  if (!chunk.empty()) fence_chunk(chunk);
}

void gap_resolver::fence_chunk(const std::vector<std::int64_t>& chunk) {
  std::vector<std::int64_t> todo = chunk;
  // Each round either writes every fence or learns a claim that covers at least one position of
  // the chunk, so rounds are bounded by the chunk's size; a conflict with another transaction
  // ends the round without progress and the next resolve call tries again.
  for (std::size_t round = 0; round < chunk.size() && !todo.empty(); ++round) {
    if (todo.size() == 1) {
      std::optional<position_claim> existing;
      if (put_void_claim(*client_, table_, todo.front(), 1, layout::claim_voided_by_reader,
                         &existing)) {
        fenced(todo.front());
      } else {
        found_existing(todo.front(), existing);
      }
      return;
    }
    dynamodb::transact_write_items_request request;
    for (const auto position : todo) {
      request.transact_items.emplace_back(
          claim_put(table_, void_claim_item(position, 1, layout::claim_voided_by_reader)));
    }
    // Idempotent on the client's own retries (an ambiguous failure resent with the same token).
    request.client_request_token = random_token();
    try {
      static_cast<void>(client_->transact_write_items(request));
      for (const auto position : todo) fenced(position);
      return;
    } catch (const dynamodb::transaction_canceled& e) {
      const auto& reasons = e.cancellation_reasons();
      bool learnt = false;
      for (std::size_t i = 0; i < reasons.size() && i < todo.size(); ++i) {
        if (!reasons[i].is_conditional_check_failed()) continue;
        found_existing(todo[i], reasons[i].item ? decode_claim(*reasons[i].item) : std::nullopt);
        learnt = true;
      }
      if (!learnt) return;  // a conflict or throttling: try again on a later call
    }
    std::vector<std::int64_t> rest;
    for (const auto position : todo) {
      if (!verdicts_.at(position)) rest.push_back(position);
    }
    todo = std::move(rest);
  }
}

void gap_resolver::fenced(std::int64_t position) {
  verdicts_.learn_fenced(position, position);
  store_counters::add(counters_.fenced_positions);
}

void gap_resolver::found_existing(std::int64_t position,
                                  const std::optional<position_claim>& claim) {
  if (claim) {
    verdicts_.learn(*claim);
    return;
  }
  // A row is at (_position, position) but it is no claim (an aggregate of the PHP package
  // called "_position"): no claim can ever be written there, so no writer of ours can commit a
  // range starting there either. Passed as if fenced (logged, counted as a skipped gap).
  verdicts_.learn_fenced(position, position);
}

void gap_resolver::warn_if_committed_for_long(std::int64_t position, const gap_tracker& tracker) {
  const auto missing = tracker.missing_for(position, position);
  if (missing < times_.committed_warning_after) return;
  {
    std::scoped_lock lock(mutex_);
    if (!warned_.insert(position).second) return;
  }
  std::cerr << "dynamo-es: table \"" << table_ << "\": global position " << position
            << " is committed (claim row) but missing from the index for " << missing.count()
            << " ms; replay keeps waiting for it (committed events are never passed over)\n";
}

}  // namespace dynamo_es::detail
