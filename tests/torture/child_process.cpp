#include "torture/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace dynamo_es::torture_testing {
namespace {

[[noreturn]] void fail(const std::string& what, int error_number) {
  throw std::runtime_error(what + ": " + std::strerror(error_number));
}

// RAII for posix_spawn_file_actions_t.
class file_actions {
 public:
  file_actions() { ::posix_spawn_file_actions_init(&actions_); }
  ~file_actions() { ::posix_spawn_file_actions_destroy(&actions_); }
  file_actions(const file_actions&) = delete;
  file_actions& operator=(const file_actions&) = delete;
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
};

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const auto name = text.substr(0, text.find('='));
    if (overrides.find(name) == overrides.end()) out.push_back(text);
  }
  for (const auto& [name, value] : overrides) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& text : strings) out.push_back(text.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

temporary_file::temporary_file(const std::string& prefix) {
  const char* dir = std::getenv("TMPDIR");
  std::string pattern =
      std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/" + prefix + ".XXXXXX";
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) fail("mkstemp(" + pattern + ")", errno);
  ::close(fd);
  path_ = pattern;
}

temporary_file::~temporary_file() {
  std::error_code ignored;
  std::filesystem::remove(path_, ignored);
}

std::string temporary_file::read() const {
  std::ifstream in(path_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string self_executable() {
  std::error_code error;
  auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) throw std::runtime_error("cannot resolve /proc/self/exe: " + error.message());
  return path.string();
}

child_process::child_process(const std::vector<std::string>& argv,
                             const std::map<std::string, std::string>& environment)
    : output_("dynamo-es-child-output") {
  if (argv.empty()) throw std::runtime_error("child_process needs a program");
  const int out = ::open(output_.path().c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (out < 0) fail("open(" + output_.path() + ")", errno);
  file_actions actions;
  ::posix_spawn_file_actions_adddup2(actions.get(), out, STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(actions.get(), out, STDERR_FILENO);
  ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  auto args = argv;
  auto env = merged_environment(environment);
  auto arg_pointers = pointers(args);
  auto env_pointers = pointers(env);
  const int rc = ::posix_spawn(&pid_, args[0].c_str(), actions.get(), nullptr, arg_pointers.data(),
                               env_pointers.data());
  ::close(out);
  if (rc != 0) {
    pid_ = -1;
    fail("cannot start " + args[0], rc);
  }
}

child_process::~child_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

child_result child_process::wait(std::chrono::milliseconds timeout) {
  child_result result;
  if (pid_ <= 0) throw std::runtime_error("child_process::wait called twice");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const pid_t rc = ::waitpid(pid_, &status, WNOHANG);
    if (rc == pid_) break;
    if (rc < 0 && errno != EINTR) fail("waitpid", errno);
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      result.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  if (WIFEXITED(status)) {
    result.exited = true;
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = WTERMSIG(status);
  }
  result.output = output_.read();
  return result;
}

}  // namespace dynamo_es::torture_testing
