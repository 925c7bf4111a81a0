#include "cli/interrupt.hpp"

#include <algorithm>
#include <csignal>
#include <thread>

namespace dynamo_es::cli {
namespace {

volatile std::sig_atomic_t stop_flag = 0;

extern "C" void on_stop_signal(int /*signal*/) {
  stop_flag = 1;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = &on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // a request in flight completes; the loop checks the flag after
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool stop_requested() noexcept {
  return stop_flag != 0;
}

bool sleep_unless_stopped(std::chrono::milliseconds duration) {
  constexpr std::chrono::milliseconds slice{20};
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stop_requested()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(slice, until - now));
  }
  return false;
}

}  // namespace dynamo_es::cli
