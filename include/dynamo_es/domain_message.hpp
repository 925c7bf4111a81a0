#pragma once

/// \file
/// Broadway's `DomainMessage`: one event of one aggregate, with everything a store keeps about it.

#include <cstdint>
#include <string>
#include <utility>

#include "dynamo_es/aggregate_id.hpp"
#include "dynamo_es/date_time.hpp"
#include "dynamo_es/metadata.hpp"
#include "dynamo_es/serialized_payload.hpp"

namespace dynamo_es {

/// An immutable event record: aggregate id, playhead (the event's version inside its aggregate,
/// 0 for the first event by Broadway's convention; not range-checked here), metadata, the
/// serialized payload and when it was recorded.
///
/// Thread-safety: a value type; concurrent reads of one object are safe.
class domain_message {
 public:
  /// `id` is converted with `to_aggregate_id_string` (`42` → `"42"`).
  template <aggregate_id Id>
  domain_message(const Id& id, std::int64_t playhead, ::dynamo_es::metadata metadata,
                 serialized_payload payload, date_time recorded_on)
      : id_(to_aggregate_id_string(id)),
        playhead_(playhead),
        metadata_(std::move(metadata)),
        payload_(std::move(payload)),
        recorded_on_(std::move(recorded_on)) {}

  /// The same, recorded now (`date_time::now()`, offset `+00:00`).
  template <aggregate_id Id>
  [[nodiscard]] static domain_message record_now(const Id& id, std::int64_t playhead,
                                                 ::dynamo_es::metadata metadata,
                                                 serialized_payload payload) {
    return domain_message(id, playhead, std::move(metadata), std::move(payload), date_time::now());
  }

  [[nodiscard]] const std::string& id() const noexcept { return id_; }
  [[nodiscard]] std::int64_t playhead() const noexcept { return playhead_; }
  [[nodiscard]] const ::dynamo_es::metadata& metadata() const noexcept { return metadata_; }
  [[nodiscard]] const serialized_payload& payload() const noexcept { return payload_; }
  [[nodiscard]] const date_time& recorded_on() const noexcept { return recorded_on_; }

  /// The payload's class name with every `\` replaced by `.`
  /// (`Broadway\Domain\SomeEvent` → `Broadway.Domain.SomeEvent`); the `Type` attribute.
  [[nodiscard]] std::string type() const;

  /// A new message with the same id, playhead, payload and recorded_on, and
  /// `metadata().merge(extra)` as metadata.
  [[nodiscard]] domain_message and_metadata(const ::dynamo_es::metadata& extra) const;

  /// Every field equal; payloads compare their JSON as PHP sees it, dates compare their text.
  friend bool operator==(const domain_message& a, const domain_message& b) = default;

 private:
  std::string id_;
  std::int64_t playhead_;
  ::dynamo_es::metadata metadata_;
  serialized_payload payload_;
  date_time recorded_on_;
};

}  // namespace dynamo_es
