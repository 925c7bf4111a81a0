#pragma once

// Where subcommands write: event lines on stdout (or a file), flushed line by line so that a
// follower or a pipe sees each event as it is read; progress and summaries on stderr.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace dynamo_es::cli {

/// Writes lines to a stream. Throws `dynamo_es::error` naming `name` when a write fails.
class line_output {
 public:
  /// `flush_each_line`: fflush after every line (stdout in replay and load; a file need not).
  line_output(std::FILE* stream, std::string name, bool flush_each_line);

  void write(std::string_view line);
  void flush();

 private:
  std::FILE* stream_;
  std::string name_;
  bool flush_each_line_;
};

/// A file written under a temporary name and renamed into place by `commit()`, so that an
/// interrupted export never leaves a truncated file under the final name.
class output_file {
 public:
  /// Opens `path + ".partial"`. Throws `dynamo_es::error` when it cannot.
  explicit output_file(std::string path);
  ~output_file();
  output_file(const output_file&) = delete;
  output_file& operator=(const output_file&) = delete;

  [[nodiscard]] std::FILE* stream() const noexcept { return stream_; }
  /// Closes and renames to the final name.
  void commit();

 private:
  std::string path_;
  std::string partial_;
  std::FILE* stream_ = nullptr;
};

/// A progress bar on stderr when stderr is a terminal (redrawn at most 10 times a second: count,
/// events/s and, when the total is known, percentage and ETA), and a one-line summary at the end
/// in every case.
class progress {
 public:
  /// `verb`: "exporting"/"importing"; `total`: the expected amount of work in the unit `update`
  /// measures (events or bytes), when known.
  progress(std::string verb, std::optional<std::uint64_t> total);

  /// `events` so far, `done` in the unit of `total`.
  void update(std::uint64_t events, std::uint64_t done);
  /// Clears the bar and prints `summary` + " in X s (N events/s)" as one line.
  void finish(std::uint64_t events, std::string_view summary);

 private:
  [[nodiscard]] double elapsed_seconds() const;

  std::string verb_;
  std::optional<std::uint64_t> total_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  bool drawn_ = false;
};

}  // namespace dynamo_es::cli
