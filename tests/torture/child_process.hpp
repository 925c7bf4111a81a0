#pragma once

// Runs another program (usually this test binary again) as a child process with extra environment
// variables, its stdout and stderr captured in a temporary file, so a test can drive a second
// writer process and read what it printed. (A copy of tests/integration/concurrency's helper, so
// that the torture folder stands alone.)

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace dynamo_es::torture_testing {

/// A file under $TMPDIR (default /tmp) that is removed when the object dies.
class temporary_file {
 public:
  /// Creates an empty file named after `prefix`. Throws `std::runtime_error`.
  explicit temporary_file(const std::string& prefix);
  ~temporary_file();
  temporary_file(const temporary_file&) = delete;
  temporary_file& operator=(const temporary_file&) = delete;

  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// The whole content.
  [[nodiscard]] std::string read() const;

 private:
  std::string path_;
};

/// This test binary's path (`/proc/self/exe` resolved).
[[nodiscard]] std::string self_executable();

/// What a finished child left behind.
struct child_result {
  bool timed_out = false;  ///< killed by `wait` at its deadline
  bool exited = false;     ///< ended by exit() (false: killed by a signal)
  int exit_code = -1;      ///< exit status when `exited`, else the signal number
  std::string output;      ///< stdout and stderr, interleaved
};

/// A running child. The destructor kills (SIGKILL) and reaps a child that is still running.
class child_process {
 public:
  /// Starts `argv[0]` (a path) with `argv`, this process's environment with `environment`
  /// overriding or adding variables. Throws `std::runtime_error` when it cannot start.
  child_process(const std::vector<std::string>& argv,
                const std::map<std::string, std::string>& environment);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Waits until the child ends, killing it after `timeout`.
  [[nodiscard]] child_result wait(std::chrono::milliseconds timeout);

 private:
  temporary_file output_;
  pid_t pid_ = -1;
};

}  // namespace dynamo_es::torture_testing
