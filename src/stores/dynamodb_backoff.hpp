#pragma once

// Jittered exponential backoff and random request tokens, shared by the append retries and the
// replay's wait at a gap.

#include <chrono>
#include <string>

namespace dynamo_es::detail {

/// "Full jitter": a uniformly random delay in [0, min(max, initial * 2^(retry - 1))]. Spreading
/// the retries of racing writers keeps them from colliding again in lockstep.
[[nodiscard]] std::chrono::milliseconds jittered_backoff(int retry,
                                                         std::chrono::milliseconds initial,
                                                         std::chrono::milliseconds max);

/// The deterministic part: min(max, initial * 2^(retry - 1)), for waits that need no jitter.
[[nodiscard]] std::chrono::milliseconds exponential_backoff(int retry,
                                                            std::chrono::milliseconds initial,
                                                            std::chrono::milliseconds max);

/// A random RFC 4122 version-4 UUID (36 characters): a ClientRequestToken.
[[nodiscard]] std::string random_token();

}  // namespace dynamo_es::detail
