#include "cli/output.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "dynamo_es/error.hpp"

namespace dynamo_es::cli {

line_output::line_output(std::FILE* stream, std::string name, bool flush_each_line)
    : stream_(stream), name_(std::move(name)), flush_each_line_(flush_each_line) {}

void line_output::write(std::string_view line) {
  if (std::fwrite(line.data(), 1, line.size(), stream_) != line.size() ||
      std::fputc('\n', stream_) == EOF) {
    throw error("Cannot write to " + name_ + ": " + std::strerror(errno));
  }
  if (flush_each_line_) flush();
}

void line_output::flush() {
  if (std::fflush(stream_) != 0) {
    throw error("Cannot write to " + name_ + ": " + std::strerror(errno));
  }
}

output_file::output_file(std::string path) : path_(std::move(path)), partial_(path_ + ".partial") {
  stream_ = std::fopen(partial_.c_str(), "wb");
  if (stream_ == nullptr) {
    throw error("Cannot create " + partial_ + ": " + std::strerror(errno));
  }
}

output_file::~output_file() {
  if (stream_ != nullptr) {
    std::fclose(stream_);
    std::remove(partial_.c_str());
  }
}

void output_file::commit() {
  const int closed = std::fclose(stream_);
  stream_ = nullptr;
  if (closed != 0 || std::rename(partial_.c_str(), path_.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    std::remove(partial_.c_str());
    throw error("Cannot write " + path_ + ": " + reason);
  }
}

progress::progress(std::string verb, std::optional<std::uint64_t> total)
    : verb_(std::move(verb)),
      total_(total),
      terminal_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

double progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void progress::update(std::uint64_t events, std::uint64_t done) {
  if (!terminal_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  const double seconds = elapsed_seconds();
  const double rate = seconds > 0 ? static_cast<double>(events) / seconds : 0;
  std::string line = fmt::format("{} ", verb_);
  if (total_ && *total_ > 0) {
    constexpr int width = 30;
    const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(*total_));
    const int filled = static_cast<int>(fraction * width);
    line += "[" + std::string(static_cast<std::size_t>(filled), '#') +
            std::string(static_cast<std::size_t>(width - filled), '.') + "] ";
    line += fmt::format("{:3.0f}%  ", fraction * 100);
    line += fmt::format("{} events  {:.0f} events/s", events, rate);
    if (fraction > 0 && fraction < 1) {
      const double eta = seconds * (1 - fraction) / fraction;
      line += fmt::format("  ETA {:.0f}s", eta);
    }
  } else {
    line += fmt::format("{} events  {:.0f} events/s", events, rate);
  }
  fmt::print(stderr, "\r\033[K{}", line);
  std::fflush(stderr);
}

void progress::finish(std::uint64_t events, std::string_view summary) {
  if (terminal_ && drawn_) fmt::print(stderr, "\r\033[K");
  const double seconds = elapsed_seconds();
  const double rate = seconds > 0 ? static_cast<double>(events) / seconds : 0;
  fmt::print(stderr, "{} in {:.1f} s ({:.0f} events/s)\n", summary, seconds, rate);
  std::fflush(stderr);
}

}  // namespace dynamo_es::cli
