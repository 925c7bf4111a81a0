#include "support/dynamodb_local.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace dynamo_es::testing {
namespace {

using namespace std::chrono_literals;

constexpr auto startup_budget = 90s;

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// Distinguishes this process from every other one that uses the same Local (parallel ctest,
// reruns against DYNAMO_ES_TEST_ENDPOINT): a pid alone repeats across runs.
const std::string& process_token() {
  static const std::string token = [] {
    constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device device;
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    std::string out;
    for (int i = 0; i < 8; ++i) {
      out.push_back(alphabet[pick(device)]);
    }
    return out;
  }();
  return token;
}

std::string keep_chars(std::string_view text, bool allow_table_punctuation) {
  std::string out;
  for (const char c : text) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum) {
      out.push_back(c);
    } else if (allow_table_punctuation) {
      out.push_back(c == '-' || c == '.' ? c : '_');
    }
  }
  return out;
}

// A port the kernel reports free right now. Another process could take it before java binds
// it; Local then fails to start and the error says so (rare enough not to loop over).
int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::runtime_error(std::string("socket(): ") + std::strerror(errno));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int saved = errno;
    ::close(fd);
    throw std::runtime_error(std::string("cannot find a free port: ") + std::strerror(saved));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// posix_spawn with owned argument strings.
pid_t spawn(const std::vector<std::string>& args, const posix_spawn_file_actions_t* actions) {
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (const auto& arg : args) {
    argv.push_back(const_cast<char*>(arg.c_str()));
  }
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, argv[0], actions, nullptr, argv.data(), environ);
  if (rc != 0) {
    throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
  }
  return pid;
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

bool reap(pid_t pid, std::chrono::milliseconds budget) {
  const auto deadline = std::chrono::steady_clock::now() + budget;
  for (;;) {
    int status = 0;
    const pid_t rc = ::waitpid(pid, &status, WNOHANG);
    if (rc == pid || (rc < 0 && errno == ECHILD)) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace

dynamodb_local::dynamodb_local() {
  const std::string external = env_or_empty("DYNAMO_ES_TEST_ENDPOINT");
  if (!external.empty()) {
    endpoint_url_ = external;
    wait_until_ready();
    return;
  }
  std::string directory = env_or_empty("DYNAMODB_LOCAL_DIR");
  if (directory.empty()) {
    directory = DYNAMO_ES_DYNAMODB_LOCAL_DIR;
  }
  if (directory.empty() || !std::filesystem::exists(directory + "/DynamoDBLocal.jar")) {
    throw std::runtime_error(
        "DynamoDB Local not found (no DynamoDBLocal.jar in \"" + directory +
        "\"): run scripts/setup.sh, set DYNAMODB_LOCAL_DIR to the folder holding the jar, or set "
        "DYNAMO_ES_TEST_ENDPOINT to a running instance");
  }
  start(directory);
  try {
    wait_until_ready();
  } catch (...) {
    stop();
    throw;
  }
}

dynamodb_local::~dynamodb_local() {
  stop();
}

dynamodb_local& dynamodb_local::shared() {
  // A failed start is remembered: every later test fails at once with the same message instead
  // of waiting for another start-up timeout.
  static std::exception_ptr failure;
  static std::unique_ptr<dynamodb_local> instance;
  static std::once_flag once;
  std::call_once(once, [] {
    try {
      instance = std::make_unique<dynamodb_local>();
    } catch (...) {
      failure = std::current_exception();
    }
  });
  if (failure) {
    std::rethrow_exception(failure);
  }
  return *instance;
}

void dynamodb_local::start(const std::string& directory) {
  const int port = free_loopback_port();
  endpoint_url_ = "http://127.0.0.1:" + std::to_string(port);

  std::string log_template =
      (std::filesystem::temp_directory_path() / "dynamo-es-dynamodb-local-XXXXXX").string();
  const int log_fd = ::mkostemp(log_template.data(), O_CLOEXEC);
  if (log_fd < 0) {
    throw std::runtime_error(std::string("cannot create the java log file: ") +
                             std::strerror(errno));
  }
  // The file is unlinked at once: java writes through its copy of the descriptor and this
  // process reads through `log_fd_`, so nothing is left behind however the process ends.
  ::unlink(log_template.c_str());
  log_fd_ = log_fd;

  std::string java = env_or_empty("JAVA");
  if (java.empty()) {
    java = "java";
  }
  const std::vector<std::string> args = {
      java,        "-Djava.library.path=" + directory + "/DynamoDBLocal_lib",
      "-jar",      directory + "/DynamoDBLocal.jar",
      "-inMemory", "-disableTelemetry",
      "-port",     std::to_string(port)};
  for (const auto& arg : args) {
    command_ += (command_.empty() ? "" : " ") + arg;
  }

  {
    file_actions actions;
    ::posix_spawn_file_actions_addopen(actions.get(), 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_adddup2(actions.get(), log_fd, 1);
    ::posix_spawn_file_actions_adddup2(actions.get(), log_fd, 2);
    java_pid_ = spawn(args, actions.get());
  }

  // The watchdog blocks reading a pipe whose only write end this process holds (close-on-exec,
  // so no other child inherits it). When this process ends in any way, the read sees EOF and the
  // watchdog kills java; the destructor kills the watchdog first, so it never fires on a reused
  // pid.
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return;  // no watchdog: the destructor still stops java on a normal exit
  }
  file_actions actions;
  ::posix_spawn_file_actions_adddup2(actions.get(), pipe_fds[0], 0);
  try {
    watchdog_pid_ = spawn(
        {"/bin/sh", "-c", "read _ignored; kill -9 " + std::to_string(java_pid_) + " 2>/dev/null"},
        actions.get());
    watchdog_fd_ = pipe_fds[1];
  } catch (...) {
    ::close(pipe_fds[1]);
  }
  ::close(pipe_fds[0]);
}

void dynamodb_local::wait_until_ready() {
  dynamodb::client_options probe_options;
  probe_options.endpoint_url = endpoint_url_;
  probe_options.region = "us-east-1";
  probe_options.credentials = dynamodb::credentials{"dynamoesprobe", "local", ""};
  probe_options.connect_timeout = 500ms;
  probe_options.request_timeout = 2s;
  probe_options.max_connections = 1;
  const dynamodb::client probe(std::move(probe_options));

  const auto deadline = std::chrono::steady_clock::now() + startup_budget;
  std::string last_error;
  for (;;) {
    try {
      static_cast<void>(probe.call("ListTables", "{}"));
      return;
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    if (java_pid_ > 0) {
      int status = 0;
      if (::waitpid(java_pid_, &status, WNOHANG) == java_pid_) {
        java_pid_ = -1;
        throw std::runtime_error("DynamoDB Local exited during start-up (" + command_ +
                                 "); its log:\n" + log_tail());
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error(
          "DynamoDB Local at " + endpoint_url_ + " did not answer within " +
          std::to_string(startup_budget.count()) + " s (" +
          (command_.empty() ? std::string("DYNAMO_ES_TEST_ENDPOINT") : command_) +
          "); last error: " + last_error + "\nlog:\n" + log_tail());
    }
    std::this_thread::sleep_for(100ms);
  }
}

void dynamodb_local::stop() noexcept {
  if (watchdog_pid_ > 0) {
    ::kill(watchdog_pid_, SIGKILL);
    reap(watchdog_pid_, 5s);
    watchdog_pid_ = -1;
  }
  if (watchdog_fd_ >= 0) {
    ::close(watchdog_fd_);
    watchdog_fd_ = -1;
  }
  if (java_pid_ > 0) {
    ::kill(java_pid_, SIGTERM);
    if (!reap(java_pid_, 10s)) {
      ::kill(java_pid_, SIGKILL);
      reap(java_pid_, 10s);
    }
    java_pid_ = -1;
  }
  if (log_fd_ >= 0) {
    ::close(log_fd_);
    log_fd_ = -1;
  }
}

std::string dynamodb_local::log_tail() const {
  if (log_fd_ < 0) {
    return "(no log: attached to DYNAMO_ES_TEST_ENDPOINT)";
  }
  constexpr off_t limit = 4000;
  struct stat info {};
  if (::fstat(log_fd_, &info) != 0) {
    return "(log unreadable)";
  }
  const off_t start = info.st_size > limit ? info.st_size - limit : 0;
  std::string text(static_cast<std::size_t>(info.st_size - start), '\0');
  const ssize_t got = ::pread(log_fd_, text.data(), text.size(), start);
  text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return start > 0 ? "..." + text : text;
}

dynamodb::client_options dynamodb_local::options(std::string_view isolation_key) const {
  dynamodb::client_options out;
  out.endpoint_url = endpoint_url_;
  out.region = "us-east-1";
  std::string key = keep_chars(isolation_key, false);
  if (key.size() > 40) {
    // Long keys keep a readable prefix plus a hash of the whole key, so they stay distinct.
    std::ostringstream hashed;
    hashed << key.substr(0, 24) << std::hex << std::hash<std::string>{}(key);
    key = hashed.str();
  }
  // Local parses the key id out of "Credential=<id>/<date>/...": letters and digits only.
  out.credentials = dynamodb::credentials{"T" + key + process_token(), "local", ""};
  return out;
}

std::string unique_table_name(std::string_view prefix) {
  static std::atomic<unsigned> counter{0};
  std::string name = keep_chars(prefix, true);
  if (name.size() > 180) {
    name.resize(180);
  }
  name += "-" + process_token() + "-" + std::to_string(++counter);
  return name;
}

temporary_table::temporary_table(const dynamodb::client& client,
                                 const dynamodb::create_table_request& request)
    : client_(client), name_(request.table_name), description_(client.create_table(request)) {}

temporary_table::~temporary_table() {
  try {
    static_cast<void>(client_.delete_table(name_));
  } catch (const std::exception&) {
    // Already deleted by the test, or Local is gone: nothing left to clean up.
  }
}

dynamodb::create_table_request event_table_request(std::string table_name) {
  using namespace dynamodb;
  create_table_request request;
  request.table_name = std::move(table_name);
  request.attribute_definitions = {{"Id", scalar_type::string},
                                   {"Playhead", scalar_type::number},
                                   {"Feed", scalar_type::string},
                                   {"GlobalPosition", scalar_type::number}};
  request.key_schema = {{"Id", key_type::hash}, {"Playhead", key_type::range}};
  global_secondary_index index;
  index.index_name = "Feed-GlobalPosition-index";
  index.key_schema = {{"Feed", key_type::hash}, {"GlobalPosition", key_type::range}};
  index.projection.type = projection_type::all;
  request.global_secondary_indexes.push_back(std::move(index));
  request.billing_mode = billing_mode::pay_per_request;
  return request;
}

}  // namespace dynamo_es::testing
