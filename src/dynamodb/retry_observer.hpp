#pragma once

// Lets a layer above the client (the event store) learn what the client's retry loop did for the
// calls it made, without widening the client's public API: the caller opens a `call_observer` on
// its thread, and every call the client completes on that thread reports into the innermost open
// observer. Calls are synchronous, so a thread-local scope sees exactly its own calls.

namespace dynamo_es::dynamodb::detail {

/// RAII scope; not copyable or movable; used on one thread.
class call_observer {
 public:
  call_observer() noexcept;
  ~call_observer();
  call_observer(const call_observer&) = delete;
  call_observer& operator=(const call_observer&) = delete;

  /// Calls completed (successfully or not) while this scope was innermost.
  [[nodiscard]] int calls() const noexcept { return calls_; }
  /// Attempts beyond the first, summed over those calls.
  [[nodiscard]] int retries() const noexcept { return retries_; }
  /// Whether any attempt of those calls failed ambiguously (may have been applied).
  [[nodiscard]] bool saw_ambiguous_attempt() const noexcept { return ambiguous_; }
  /// Forgets what was observed so far.
  void reset() noexcept {
    calls_ = 0;
    retries_ = 0;
    ambiguous_ = false;
  }

  /// Called by the client when a call ends: adds to the innermost observer of this thread, if
  /// any.
  static void report(int attempts, bool ambiguous_attempt) noexcept;

 private:
  call_observer* outer_;
  int calls_ = 0;
  int retries_ = 0;
  bool ambiguous_ = false;
};

}  // namespace dynamo_es::dynamodb::detail
