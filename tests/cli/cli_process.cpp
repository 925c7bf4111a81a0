#include "cli/cli_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace dynamo_es::testing {
namespace {

std::vector<std::string> child_environment(const cli_environment& extra) {
  std::vector<std::string> out;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    if (text.rfind("AWS_", 0) == 0 || text.rfind("DYNAMO_ES_", 0) == 0) continue;
    out.push_back(text);
  }
  for (const auto& [name, value] : extra) out.push_back(name + "=" + value);
  return out;
}

std::string temp_path(const char* what) {
  std::string path = "/tmp/dynamo-es-cli-test-" + std::to_string(::getpid()) + "-XXXXXX";
  std::vector<char> buffer(path.begin(), path.end());
  buffer.push_back('\0');
  const int fd = ::mkstemp(buffer.data());
  if (fd < 0) throw std::runtime_error(std::string("mkstemp for ") + what + " failed");
  ::close(fd);
  return buffer.data();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

// posix_spawn with stdin/stdout/stderr redirected as given (-1: a path to open instead).
pid_t spawn(const std::string& binary, const std::vector<std::string>& args,
            const cli_environment& env, const std::string& stdin_path, int stdout_fd,
            const std::string& stdout_path, const std::string& stderr_path) {
  std::vector<std::string> argv_text{binary};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  auto env_text = child_environment(env);
  std::vector<char*> envp;
  for (auto& entry : env_text) envp.push_back(entry.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
  if (stdout_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    posix_spawn_file_actions_addclose(&actions, stdout_fd);
  } else {
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_TRUNC, 0);
  }
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_TRUNC, 0);
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("posix_spawn " + binary + ": " + std::strerror(rc));
  return pid;
}

// Waits for `pid` until `deadline`; kills it after that. Returns the exit code (128 + signal).
int reap(pid_t pid, std::chrono::steady_clock::time_point deadline, bool& timed_out) {
  timed_out = false;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return -1;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

std::vector<std::string> cli_result::lines() const {
  std::vector<std::string> result;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) result.push_back(line);
  return result;
}

cli_result run_cli(const std::string& binary, const std::vector<std::string>& args,
                   const cli_environment& env, const std::string& stdin_text,
                   std::chrono::seconds timeout) {
  const std::string in_path = temp_path("stdin");
  const std::string out_path = temp_path("stdout");
  const std::string err_path = temp_path("stderr");
  write_file(in_path, stdin_text);
  const pid_t pid = spawn(binary, args, env, in_path, -1, out_path, err_path);
  bool timed_out = false;
  cli_result result;
  result.exit_code = reap(pid, std::chrono::steady_clock::now() + timeout, timed_out);
  result.out = read_file(out_path);
  result.err = read_file(err_path);
  if (timed_out) result.err += "\n[test harness: killed after the timeout]";
  std::remove(in_path.c_str());
  std::remove(out_path.c_str());
  std::remove(err_path.c_str());
  return result;
}

running_cli::running_cli(const std::string& binary, const std::vector<std::string>& args,
                         const cli_environment& env)
    : err_path_(temp_path("stderr")) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_ = spawn(binary, args, env, "/dev/null", fds[1], {}, err_path_);
  ::close(fds[1]);
  out_fd_ = fds[0];
}

running_cli::~running_cli() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) ::close(out_fd_);
  std::remove(err_path_.c_str());
}

std::optional<std::string> running_cli::next_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto newline = buffer_.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd fd{out_fd_, POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[4096];
    const ssize_t n = ::read(out_fd_, chunk, sizeof chunk);
    if (n <= 0) return std::nullopt;  // EOF: the process closed stdout
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

void running_cli::send(int signal) const {
  ::kill(pid_, signal);
}

cli_result running_cli::wait(std::chrono::milliseconds timeout) {
  cli_result result;
  bool timed_out = false;
  // Drain stdout while waiting, so that a full pipe cannot block the child.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      result.exit_code = WIFEXITED(status)     ? WEXITSTATUS(status)
                         : WIFSIGNALED(status) ? 128 + WTERMSIG(status)
                                               : -1;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      result.exit_code = reap(pid_, deadline, timed_out);
      break;
    }
    pollfd fd{out_fd_, POLLIN, 0};
    if (::poll(&fd, 1, 5) > 0) {
      char chunk[4096];
      const ssize_t n = ::read(out_fd_, chunk, sizeof chunk);
      if (n > 0) buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }
  pid_ = -1;
  for (;;) {
    char chunk[4096];
    const ssize_t n = ::read(out_fd_, chunk, sizeof chunk);
    if (n <= 0) break;
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
  result.out = std::move(buffer_);
  result.err = read_file(err_path_);
  if (timed_out) result.err += "\n[test harness: killed after the timeout]";
  return result;
}

}  // namespace dynamo_es::testing
