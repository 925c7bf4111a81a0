#include "dynamodb/retry_observer.hpp"

namespace dynamo_es::dynamodb::detail {
namespace {

thread_local call_observer* innermost = nullptr;

}  // namespace

call_observer::call_observer() noexcept : outer_(innermost) {
  innermost = this;
}

call_observer::~call_observer() {
  innermost = outer_;
}

void call_observer::report(int attempts, bool ambiguous_attempt) noexcept {
  if (innermost == nullptr) return;
  ++innermost->calls_;
  innermost->retries_ += attempts > 1 ? attempts - 1 : 0;
  innermost->ambiguous_ = innermost->ambiguous_ || ambiguous_attempt;
}

}  // namespace dynamo_es::dynamodb::detail
