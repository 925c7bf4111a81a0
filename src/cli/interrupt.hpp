#pragma once

// SIGINT/SIGTERM as a request to stop: long-running subcommands (replay, export, import) finish
// the line or batch in hand, flush, and exit 0 instead of dying mid-write.

#include <chrono>

namespace dynamo_es::cli {

/// Installs the handlers (idempotent). Only sets a flag; nothing else happens in the handler.
void install_stop_handlers();

/// True once SIGINT or SIGTERM arrived.
[[nodiscard]] bool stop_requested() noexcept;

/// Sleeps `duration`, waking early when a stop is requested. Returns false when stopped.
bool sleep_unless_stopped(std::chrono::milliseconds duration);

}  // namespace dynamo_es::cli
