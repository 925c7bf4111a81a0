#include "dynamo_es/event_store_errors.hpp"

namespace dynamo_es {
namespace {

std::string not_found_message(const std::string& aggregate_id, const std::string& table) {
  std::string message = "Event stream not found for aggregate with id \"" + aggregate_id + "\"";
  if (!table.empty()) message += " in table \"" + table + "\"";
  return message;
}

std::string duplicate_message(const domain_event_stream& stream,
                              const std::vector<playhead_conflict>& conflicts,
                              const std::string& table) {
  const std::string where = table.empty() ? std::string() : " in table \"" + table + "\"";
  if (conflicts.empty()) {
    std::string message =
        "Duplicate playhead: an append of " + std::to_string(stream.size()) + " event(s)";
    if (!stream.empty()) message += " for aggregate \"" + stream[0].id() + "\"";
    return message + " conflicts with stored events" + where + "; nothing was written";
  }
  std::string message = "Duplicate playhead: ";
  for (std::size_t i = 0; i < conflicts.size(); ++i) {
    if (i > 0) message += ", ";
    message += "aggregate \"" + conflicts[i].aggregate_id + "\" already has playhead " +
               std::to_string(conflicts[i].playhead);
  }
  return message + where + "; nothing was written";
}

std::string commit_unknown_message(const std::string& table, const std::string& aggregate_id,
                                   const std::vector<std::int64_t>& playheads,
                                   const std::vector<std::string>& commit_ids,
                                   const std::string& cause) {
  std::string message = "Commit unknown: cannot tell whether the append of " +
                        std::to_string(playheads.size()) + " event(s) to aggregate \"" +
                        aggregate_id + "\"";
  if (!playheads.empty()) {
    message += " at playhead" + std::string(playheads.size() > 1 ? "s " : " ") +
               std::to_string(playheads.front());
    if (playheads.size() > 1) message += ".." + std::to_string(playheads.back());
  }
  if (!table.empty()) message += " in table \"" + table + "\"";
  message += " was written (commit id";
  message += commit_ids.size() > 1 ? "s " : " ";
  for (std::size_t i = 0; i < commit_ids.size(); ++i) {
    if (i > 0) message += ", ";
    message += commit_ids[i];
  }
  message += "): " + cause +
             ". Do not append these events again blindly: read the aggregate back with "
             "consistent reads after a short wait; rows at these playheads whose CommitId is one "
             "of the ids above mean the append succeeded, no rows mean it did not";
  return message;
}

}  // namespace

event_stream_not_found::event_stream_not_found(std::string aggregate_id, std::string table)
    : event_store_error(not_found_message(aggregate_id, table)),
      aggregate_id_(std::make_shared<const std::string>(std::move(aggregate_id))),
      table_(std::make_shared<const std::string>(std::move(table))) {}

struct duplicate_playhead::details {
  domain_event_stream event_stream;
  std::vector<playhead_conflict> conflicts;
  std::vector<std::string> cancellation_reasons;
  std::string table;
};

duplicate_playhead::duplicate_playhead(domain_event_stream event_stream,
                                       std::vector<playhead_conflict> conflicts,
                                       std::vector<std::string> cancellation_reasons,
                                       std::string table)
    : event_store_error(duplicate_message(event_stream, conflicts, table)),
      details_(std::make_shared<const details>(
          details{std::move(event_stream), std::move(conflicts), std::move(cancellation_reasons),
                  std::move(table)})) {}

const domain_event_stream& duplicate_playhead::event_stream() const noexcept {
  return details_->event_stream;
}

const std::vector<playhead_conflict>& duplicate_playhead::conflicts() const noexcept {
  return details_->conflicts;
}

const std::vector<std::string>& duplicate_playhead::cancellation_reasons() const noexcept {
  return details_->cancellation_reasons;
}

const std::string& duplicate_playhead::table() const noexcept {
  return details_->table;
}

struct unknown_event_class::details {
  std::string class_name;
  std::string aggregate_id;
};

unknown_event_class::unknown_event_class(std::string class_name, std::string aggregate_id,
                                         std::int64_t playhead)
    : serialization_error("Unknown event class \"" + class_name + "\" for aggregate \"" +
                          aggregate_id + "\" at playhead " + std::to_string(playhead) +
                          "; register it with event_type_registry::add"),
      details_(
          std::make_shared<const details>(details{std::move(class_name), std::move(aggregate_id)})),
      playhead_(playhead) {}

const std::string& unknown_event_class::class_name() const noexcept {
  return details_->class_name;
}

const std::string& unknown_event_class::aggregate_id() const noexcept {
  return details_->aggregate_id;
}

struct commit_unknown::details {
  std::string table;
  std::string aggregate_id;
  std::vector<std::int64_t> playheads;
  std::vector<std::string> commit_ids;
  std::string cause;
};

commit_unknown::commit_unknown(std::string table, std::string aggregate_id,
                               std::vector<std::int64_t> playheads,
                               std::vector<std::string> commit_ids, std::string cause)
    : event_store_error(commit_unknown_message(table, aggregate_id, playheads, commit_ids, cause)),
      details_(std::make_shared<const details>(details{std::move(table), std::move(aggregate_id),
                                                       std::move(playheads), std::move(commit_ids),
                                                       std::move(cause)})) {}

const std::string& commit_unknown::table() const noexcept {
  return details_->table;
}

const std::string& commit_unknown::aggregate_id() const noexcept {
  return details_->aggregate_id;
}

const std::vector<std::int64_t>& commit_unknown::playheads() const noexcept {
  return details_->playheads;
}

const std::vector<std::string>& commit_unknown::commit_ids() const noexcept {
  return details_->commit_ids;
}

const std::string& commit_unknown::cause() const noexcept {
  return details_->cause;
}

}  // namespace dynamo_es
