#include "stores/dynamodb_commit_id.hpp"

#include <algorithm>
#include <map>

#include "dynamo_es/error.hpp"
#include "stores/dynamodb_table_layout.hpp"

namespace dynamo_es::detail {
namespace {

std::optional<std::int64_t> int_attribute(const dynamodb::attribute_map& row,
                                          std::string_view name) {
  const auto it = row.find(std::string(name));
  if (it == row.end()) return std::nullopt;
  try {
    return it->second.as_int64();
  } catch (const error&) {
    return std::nullopt;
  }
}

// The row's commit id; empty when it has none (a PHP row, an older dynamo-es row) or it is not
// a string: such a row is not ours.
std::string commit_id_of(const dynamodb::attribute_map& row) {
  const auto it = row.find(std::string(commit_id_attribute));
  if (it == row.end() || it->second.type() != dynamodb::attribute_type::string) return {};
  return it->second.as_string();
}

}  // namespace

commit_verdict judge_commit(const std::vector<dynamodb::attribute_map>& rows,
                            const std::vector<std::int64_t>& playheads,
                            const std::vector<std::string>& our_commit_ids) {
  std::map<std::int64_t, const dynamodb::attribute_map*> by_playhead;
  for (const auto& row : rows) {
    if (const auto playhead = int_attribute(row, table_layout::playhead)) {
      by_playhead.emplace(*playhead, &row);
    }
  }
  const auto is_ours = [&](const std::string& id) {
    return !id.empty() &&
           std::find(our_commit_ids.begin(), our_commit_ids.end(), id) != our_commit_ids.end();
  };

  commit_verdict verdict;
  std::size_t present = 0;
  std::size_t ours = 0;
  std::string ours_id;
  bool one_id = true;
  for (const auto playhead : playheads) {
    const auto it = by_playhead.find(playhead);
    if (it == by_playhead.end()) continue;
    ++present;
    const auto id = commit_id_of(*it->second);
    if (!is_ours(id)) {
      verdict.foreign_playheads.push_back(playhead);
      continue;
    }
    ++ours;
    if (ours_id.empty()) ours_id = id;
    one_id = one_id && id == ours_id;
  }

  if (present == 0) {
    verdict.outcome = commit_verdict::kind::absent;
  } else if (ours == 0) {
    // Rows another writer committed at our playheads: ours can never be applied (every event Put
    // is conditioned on attribute_not_exists), so this is a true duplicate.
    verdict.outcome = commit_verdict::kind::theirs;
  } else if (ours == playheads.size() && one_id) {
    verdict.outcome = commit_verdict::kind::ours;
    verdict.commit_id = ours_id;
    verdict.first_position =
        int_attribute(*by_playhead.at(playheads.front()), table_layout::global_position);
    for (const auto playhead : playheads) {
      const auto position = int_attribute(*by_playhead.at(playhead), table_layout::global_position);
      if (position && (!verdict.last_position || *position > *verdict.last_position)) {
        verdict.last_position = position;
      }
    }
  } else {
    // A transaction writes all its rows or none, so a partial or mixed picture means someone
    // changed the rows since; better an honest "unknown" than a guess.
    verdict.outcome = commit_verdict::kind::inconsistent;
    verdict.foreign_playheads.clear();
  }
  return verdict;
}

}  // namespace dynamo_es::detail
