#pragma once

// A fault-injecting `http_transport` double, for what neither DynamoDB Local nor a healthy network
// can be made to do on demand: lose a request, lose the answer to a request that was applied,
// cut or corrupt a body, answer 5xx or throttle, reject a signature for clock skew. It wraps
// another transport (the real curl transport to DynamoDB Local in integration tests, or a
// `scripted_transport` in unit tests) and decides per request whether to pass it through or to
// inject a fault. Faults are chosen by a plan (the next requests of an operation get these faults,
// in order) or a rule (a function called for every request). Thread-safe.
//
// Used by tests/unit/dynamodb and tests/integration/reliability; the loopback TCP fault proxy
// (tests/support/fault_proxy*) covers the same faults at the socket level.

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb/http_transport.hpp"

namespace dynamo_es::testing {

/// What happens to one request.
enum class fault {
  none,  ///< passed through untouched
  // Transport failures. "Forwarded" faults reach the inner transport (DynamoDB applies the
  // request) and only the answer is lost: the ambiguous cases.
  timeout,              ///< lost on the way, not forwarded; the client sees a timeout
  timeout_after_apply,  ///< forwarded and applied; the answer never comes: a timeout
  reset_before_send,    ///< connection reset while sending, not forwarded: `send_failed`
  reset_after_send,     ///< forwarded and applied, then the connection resets: `receive_failed`
  cut_body,             ///< forwarded; the answer breaks off mid-body: `receive_failed`
  corrupt_body,  ///< forwarded; the body arrives altered while `x-amz-crc32` is the original's
  // Error answers instead of forwarding (DynamoDB did nothing) ...
  internal_error,           ///< 500 InternalServerError
  service_unavailable,      ///< 503 ServiceUnavailable
  throttling,               ///< 400 ThrottlingException
  throughput_exceeded,      ///< 400 ProvisionedThroughputExceededException
  throttled_cancellation,   ///< 400 TransactionCanceled, ThrottlingError on every action
  conflicted_cancellation,  ///< 400 TransactionCanceled, TransactionConflict on every action
  // ... or after forwarding (DynamoDB applied it, then the front end failed).
  internal_error_after_apply,  ///< forwarded and applied, then 500 InternalServerError
};

[[nodiscard]] std::string_view to_string(fault f) noexcept;

/// One request as the double saw it.
struct exchange {
  std::string operation;  ///< from X-Amz-Target, e.g. "TransactWriteItems"
  std::string body;
  std::string amz_date;                  ///< X-Amz-Date
  std::string authorization;             ///< Authorization
  std::chrono::milliseconds timeout{0};  ///< the request's attempt budget (0 = none)
  fault injected = fault::none;
  bool forwarded = false;      ///< reached the inner transport
  bool skew_rejected = false;  ///< answered with a clock-skew error instead
};

/// Returns queued responses, then `200 {}`. Records the bodies it got. Thread-safe.
class scripted_transport final : public dynamodb::http_transport {
 public:
  dynamodb::http_result send(const dynamodb::http_request& request) override;

  void push(dynamodb::http_result result);
  /// `200` with `body`, a request id and a correct `x-amz-crc32`.
  [[nodiscard]] static dynamodb::http_result ok(std::string body);
  /// An error response: `status`, `{"__type":"...#<name>","Message":"<message>"}`.
  [[nodiscard]] static dynamodb::http_result error(int status, std::string_view name,
                                                   std::string_view message = "");
  [[nodiscard]] std::size_t received() const;

 private:
  mutable std::mutex mutex_;
  std::deque<dynamodb::http_result> responses_;
  std::size_t received_ = 0;
};

class fault_injecting_transport final : public dynamodb::http_transport {
 public:
  using rule = std::function<fault(const exchange& request, std::size_t index)>;
  using fault_hook = std::function<void(const exchange& request)>;

  /// Wraps `inner` (must not be null).
  explicit fault_injecting_transport(std::shared_ptr<dynamodb::http_transport> inner);
  /// Wraps a fresh `scripted_transport` (see `scripted()`).
  fault_injecting_transport();

  dynamodb::http_result send(const dynamodb::http_request& request) override;

  /// The next requests of `operation` (empty = any operation) get `faults`, one each, in order;
  /// appended to what is planned already.
  void plan(std::string operation, std::vector<fault> faults);
  /// Called for every request that no plan covers; returns its fault. `index` counts requests
  /// from 0. Empty = none.
  void set_rule(rule decide);
  /// Called (outside the lock, on the sending thread) after a fault was injected, before the
  /// client sees it: e.g. to let another writer act between an ambiguous attempt and its retry.
  void on_fault(fault_hook hook);
  /// Emulates DynamoDB's clock running `offset` ahead of this host's (negative: behind). A
  /// request whose X-Amz-Date is more than 5 minutes off DynamoDB's time is answered, without
  /// forwarding, with 400 InvalidSignatureException "Signature expired" and a `Date` header, as
  /// DynamoDB does.
  void set_server_clock_offset(std::chrono::seconds offset);
  /// When true, `timeout` and `timeout_after_apply` wait out the request's attempt budget (its
  /// `timeout`, at most 2 s) before answering, as a real timeout would. Default false (instant).
  void set_timeouts_wait(bool wait);

  [[nodiscard]] std::vector<exchange> exchanges() const;
  [[nodiscard]] std::size_t count(std::string_view operation) const;
  [[nodiscard]] std::size_t injected(fault f) const;
  /// The wrapped scripted transport, or null when wrapping another transport.
  [[nodiscard]] scripted_transport* scripted() const noexcept { return scripted_; }
  void clear_history();

 private:
  [[nodiscard]] fault choose(const exchange& request, std::size_t index);
  [[nodiscard]] dynamodb::http_result inject(fault f, const dynamodb::http_request& request,
                                             exchange& record);
  [[nodiscard]] std::optional<dynamodb::http_result> skew_rejection(const exchange& record) const;

  std::shared_ptr<dynamodb::http_transport> inner_;
  scripted_transport* scripted_ = nullptr;
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<fault>> plans_;
  rule rule_;
  fault_hook hook_;
  std::chrono::seconds server_offset_{0};
  bool timeouts_wait_ = false;
  std::vector<exchange> history_;
};

/// The operation of a request (`X-Amz-Target` after the dot), or "" when absent.
[[nodiscard]] std::string operation_of(const dynamodb::http_request& request);

}  // namespace dynamo_es::testing
