#pragma once

// The commit id: every event row dynamo-es writes carries `CommitId`, the ClientRequestToken of
// the TransactWriteItems that wrote it. After an ambiguous failure (the request may have been
// applied, the answer was lost) the store reads the rows at its playheads back and recognises its
// own commit by this attribute, instead of guessing "duplicate" (the PHP package's false
// DuplicatePlayhead, broadway-contract.md W5). PHP readers ignore unknown attributes.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb/attribute_value.hpp"

namespace dynamo_es::detail {

inline constexpr std::string_view commit_id_attribute = "CommitId";
/// A ClientRequestToken is a version-4 UUID: 36 characters.
inline constexpr std::size_t commit_id_length = 36;
/// What `append` sizes a row's `CommitId` with before the real token is known.
inline constexpr std::string_view commit_id_placeholder = "00000000-0000-0000-0000-000000000000";
static_assert(commit_id_placeholder.size() == commit_id_length);

/// What the rows at an append's playheads say about that append.
struct commit_verdict {
  enum class kind {
    ours,          ///< every playhead has a row carrying one of our commit ids (the same one)
    theirs,        ///< some playheads have rows another writer wrote; none is ours
    absent,        ///< no row at any of the playheads
    inconsistent,  ///< anything else (some of ours missing, mixed ids): cannot tell
  };
  kind outcome = kind::absent;
  /// `ours`: the commit id found.
  std::string commit_id;
  /// `ours`: the global position of the first event's row (nullopt when it has none).
  std::optional<std::int64_t> first_position;
  /// `ours`: the highest global position among the rows.
  std::optional<std::int64_t> last_position;
  /// `theirs`: the playheads whose rows are someone else's, in stream order.
  std::vector<std::int64_t> foreign_playheads;
};

/// Judges `rows` (items of the aggregate, any order, any extra rows) against the appended
/// `playheads` (stream order) and the commit ids our attempts used. Pure.
[[nodiscard]] commit_verdict judge_commit(const std::vector<dynamodb::attribute_map>& rows,
                                          const std::vector<std::int64_t>& playheads,
                                          const std::vector<std::string>& our_commit_ids);

}  // namespace dynamo_es::detail
