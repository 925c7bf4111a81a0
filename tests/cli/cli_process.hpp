#pragma once

// Runs the real `dynamo-es` binary as a child process, the way a shell would: arguments, an
// environment, stdin text; captures stdout, stderr and the exit status.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dynamo_es::testing {

/// What a finished run produced.
struct cli_result {
  int exit_code = -1;  ///< the exit status; 128 + signal when killed by a signal
  std::string out;     ///< stdout
  std::string err;     ///< stderr

  /// stdout split into lines (no empty trailing line).
  [[nodiscard]] std::vector<std::string> lines() const;
};

/// Environment variables of a child: the parent's minus every AWS_* and DYNAMO_ES_* variable,
/// plus these.
using cli_environment = std::map<std::string, std::string>;

/// Runs `binary args...` with `stdin_text` on stdin until it exits (at most `timeout`, then it is
/// killed and the result says so in `err`).
[[nodiscard]] cli_result run_cli(const std::string& binary, const std::vector<std::string>& args,
                                 const cli_environment& env, const std::string& stdin_text = {},
                                 std::chrono::seconds timeout = std::chrono::seconds(120));

/// A child that keeps running (replay --follow): its stdout is read line by line as it comes.
class running_cli {
 public:
  running_cli(const std::string& binary, const std::vector<std::string>& args,
              const cli_environment& env);
  ~running_cli();
  running_cli(const running_cli&) = delete;
  running_cli& operator=(const running_cli&) = delete;

  /// The next complete stdout line, waiting at most `timeout`; nullopt on timeout or EOF.
  [[nodiscard]] std::optional<std::string> next_line(std::chrono::milliseconds timeout);
  /// Sends `signal`.
  void send(int signal) const;
  /// Waits for the exit (at most `timeout`, then kills it) and returns the status plus the rest
  /// of stdout (lines not taken by next_line) and stderr.
  [[nodiscard]] cli_result wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  std::string err_path_;
  std::string buffer_;
};

}  // namespace dynamo_es::testing
