#include "support/fault_proxy.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <utility>

namespace dynamo_es::testing {
namespace {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// How often blocked reads look at the stop flag.
constexpr auto poll_slice = 100ms;
// How long the proxy waits for DynamoDB Local's answer before giving up on a connection.
constexpr auto upstream_timeout = 60s;
// Larger heads are not HTTP from our client; the connection is dropped.
constexpr std::size_t max_head_bytes = 64 * 1024;

// Owns one file descriptor.
class unique_fd {
 public:
  unique_fd() = default;
  explicit unique_fd(int fd) : fd_(fd) {}
  ~unique_fd() { reset(); }
  unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  unique_fd& operator=(unique_fd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Closes with SO_LINGER 0, so that the peer gets a RST instead of a FIN.
  void reset_connection() noexcept {
    if (fd_ < 0) return;
    const linger abort{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    reset();
  }

 private:
  int fd_ = -1;
};

// One HTTP/1.1 message as it went over the wire.
struct http_message {
  std::string head;  // start line and headers, with the final CRLF CRLF
  std::string body;
  int status = 0;  // responses only
  bool close_after = false;

  [[nodiscard]] std::string raw() const { return head + body; }
};

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

// The value of the first header `name` in `head`, if any.
std::optional<std::string_view> header_value(std::string_view head, std::string_view name) {
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string_view::npos) {
    line_start += 2;
    const auto line_end = head.find("\r\n", line_start);
    if (line_end == std::string_view::npos || line_end == line_start) break;
    const auto line = head.substr(line_start, line_end - line_start);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos && iequals(trim(line.substr(0, colon)), name)) {
      return trim(line.substr(colon + 1));
    }
    line_start = line_end;
  }
  return std::nullopt;
}

bool send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return true;
}

// Reads more bytes from `fd` into `buffer`; false on EOF, error, stop or deadline.
bool read_more(int fd, std::string& buffer, const std::atomic<bool>& stopping,
               std::optional<clock::time_point> deadline) {
  for (;;) {
    if (stopping.load()) return false;
    if (deadline && clock::now() >= *deadline) return false;
    pollfd entry{fd, POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(poll_slice.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return false;
    if (ready == 0) continue;
    char chunk[16 * 1024];
    const auto got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(got));
    return true;
  }
}

// Reads one message (head + Content-Length body) from `fd`; bytes past it stay in `buffer`.
// nullopt when the peer closed, the message is not one this proxy understands, or it stopped.
std::optional<http_message> read_message(int fd, std::string& buffer, bool response,
                                         const std::atomic<bool>& stopping,
                                         std::optional<clock::time_point> deadline) {
  std::size_t head_end = std::string::npos;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (buffer.size() > max_head_bytes) return std::nullopt;
    if (!read_more(fd, buffer, stopping, deadline)) return std::nullopt;
  }
  http_message message;
  message.head = buffer.substr(0, head_end + 4);
  buffer.erase(0, head_end + 4);
  if (header_value(message.head, "transfer-encoding")) return std::nullopt;  // not needed here
  std::size_t length = 0;
  if (const auto value = header_value(message.head, "content-length")) {
    try {
      length = static_cast<std::size_t>(std::stoull(std::string(*value)));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (response) {
    // "HTTP/1.1 200 OK"
    const auto space = message.head.find(' ');
    if (space == std::string::npos) return std::nullopt;
    message.status = std::atoi(message.head.c_str() + space + 1);
    if (message.status >= 100 && message.status < 200) length = 0;  // interim: no body
  }
  while (buffer.size() < length) {
    if (!read_more(fd, buffer, stopping, deadline)) return std::nullopt;
  }
  message.body = buffer.substr(0, length);
  buffer.erase(0, length);
  const auto connection = header_value(message.head, "connection");
  message.close_after = connection && iequals(*connection, "close");
  return message;
}

// A response the proxy makes up instead of asking the upstream.
std::string canned_response(int status, std::string_view reason, std::string_view error_type,
                            std::string_view message) {
  const std::string body = std::string(R"({"__type":"com.amazonaws.dynamodb.v20120810#)") +
                           std::string(error_type) + R"(","message":")" + std::string(message) +
                           "\"}";
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Type: application/x-amz-json-1.0\r\nx-amzn-RequestId: fault-proxy"
         "\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::optional<std::string> canned_response_for(fault_kind kind) {
  switch (kind) {
    case fault_kind::internal_error_500:
      return canned_response(
          500, "Internal Server Error", "InternalFailure",
          "The request processing has failed because of an unknown error, exception or failure.");
    case fault_kind::service_unavailable_503:
      return canned_response(503, "Service Unavailable", "ServiceUnavailable",
                             "The service is currently unavailable or busy.");
    case fault_kind::throttling:
      return canned_response(400, "Bad Request", "ThrottlingException",
                             "Rate of requests exceeds the allowed throughput.");
    case fault_kind::provisioned_throughput_exceeded:
      return canned_response(400, "Bad Request", "ProvisionedThroughputExceededException",
                             "The level of configured provisioned throughput for the table was "
                             "exceeded. Consider increasing your provisioning level with the "
                             "UpdateTable API.");
    default:
      return std::nullopt;
  }
}

bool is_loopback(const sockaddr* address) {
  if (address->sa_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
  }
  if (address->sa_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    return IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
  }
  return false;
}

// Splits `http://host:port[/]` into host and port.
std::pair<std::string, std::uint16_t> parse_upstream(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (url.rfind(scheme, 0) != 0) {
    throw std::invalid_argument("fault_proxy: upstream must be an http:// URL, got \"" + url +
                                "\"");
  }
  auto rest = url.substr(scheme.size());
  if (const auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon + 1 == rest.size()) {
    throw std::invalid_argument("fault_proxy: upstream URL needs a port: \"" + url + "\"");
  }
  auto host = rest.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const auto port = std::stoul(rest.substr(colon + 1));
  if (port == 0 || port > 65535) {
    throw std::invalid_argument("fault_proxy: bad upstream port in \"" + url + "\"");
  }
  return {host, static_cast<std::uint16_t>(port)};
}

unique_fd connect_to(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return {};
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
  for (const auto* entry = found; entry != nullptr; entry = entry->ai_next) {
    if (!is_loopback(entry->ai_addr)) continue;  // only loopback targets, ever
    unique_fd fd(::socket(entry->ai_family, entry->ai_socktype | SOCK_CLOEXEC, entry->ai_protocol));
    if (!fd.valid()) continue;
    if (::connect(fd.get(), entry->ai_addr, entry->ai_addrlen) == 0) {
      const int one = 1;
      ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      return fd;
    }
  }
  return {};
}

// True when a kept-alive upstream connection was closed by the server while idle (readable with
// nothing to read, or an error). Sending on it would lose the request.
bool went_stale(int fd) {
  pollfd entry{fd, POLLIN, 0};
  if (::poll(&entry, 1, 0) <= 0) return false;
  char byte = 0;
  return ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) <= 0;
}

}  // namespace

const std::array<fault_kind, fault_kind_count>& all_fault_kinds() noexcept {
  static constexpr std::array<fault_kind, fault_kind_count> kinds{
      fault_kind::reset_before_request, fault_kind::reset_before_response,
      fault_kind::truncate_response,    fault_kind::delay_response,
      fault_kind::internal_error_500,   fault_kind::service_unavailable_503,
      fault_kind::throttling,           fault_kind::provisioned_throughput_exceeded};
  return kinds;
}

std::string_view to_string(fault_kind kind) noexcept {
  switch (kind) {
    case fault_kind::reset_before_request:
      return "reset_before_request";
    case fault_kind::reset_before_response:
      return "reset_before_response";
    case fault_kind::truncate_response:
      return "truncate_response";
    case fault_kind::delay_response:
      return "delay_response";
    case fault_kind::internal_error_500:
      return "internal_error_500";
    case fault_kind::service_unavailable_503:
      return "service_unavailable_503";
    case fault_kind::throttling:
      return "throttling";
    case fault_kind::provisioned_throughput_exceeded:
      return "provisioned_throughput_exceeded";
  }
  return "unknown";
}

bool forwards_request(fault_kind kind) noexcept {
  return kind == fault_kind::reset_before_response || kind == fault_kind::truncate_response ||
         kind == fault_kind::delay_response;
}

std::uint64_t fault_proxy_counts::total_injected() const noexcept {
  std::uint64_t total = 0;
  for (const auto n : injected) total += n;
  return total;
}

fault_proxy::fault_proxy(fault_proxy_options options)
    : options_(std::move(options)), random_(options_.seed), fault_rate_(options_.fault_rate) {
  if (options_.kinds.empty()) throw std::invalid_argument("fault_proxy: no fault kinds");
  if (!(fault_rate_ >= 0.0 && fault_rate_ <= 1.0)) {
    throw std::invalid_argument("fault_proxy: fault_rate must be in [0, 1]");
  }
  std::tie(upstream_host_, upstream_port_) = parse_upstream(options_.upstream_url);
  if (!connect_to(upstream_host_, upstream_port_).valid()) {
    throw std::invalid_argument("fault_proxy: cannot connect to the loopback upstream " +
                                options_.upstream_url);
  }

  unique_fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listener.valid())
    throw std::runtime_error("fault_proxy: socket: " + std::string(std::strerror(errno)));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;  // ephemeral
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listener.get(), 128) != 0) {
    throw std::runtime_error("fault_proxy: bind/listen: " + std::string(std::strerror(errno)));
  }
  socklen_t length = sizeof address;
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  listen_fd_ = listener.get();
  accept_thread_ = std::thread([this, fd = std::move(listener)]() mutable {
    accept_loop();
    fd.reset();
  });
}

fault_proxy::~fault_proxy() {
  {
    const std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (accept_thread_.joinable()) accept_thread_.join();
}

std::string fault_proxy::url() const {
  return "http://127.0.0.1:" + std::to_string(port_);
}

void fault_proxy::set_fault_rate(double rate) {
  if (!(rate >= 0.0 && rate <= 1.0)) {
    throw std::invalid_argument("fault_proxy: fault_rate must be in [0, 1]");
  }
  const std::lock_guard lock(decide_mutex_);
  fault_rate_ = rate;
}

fault_proxy_counts fault_proxy::counts() const {
  fault_proxy_counts out;
  out.requests = requests_.load();
  out.forwarded = forwarded_.load();
  for (std::size_t i = 0; i < fault_kind_count; ++i) out.injected[i] = injected_[i].load();
  return out;
}

void fault_proxy::accept_loop() {
  while (!stopping_.load()) {
    reap_finished_connections();
    pollfd entry{listen_fd_, POLLIN, 0};
    const int ready = ::poll(&entry, 1, static_cast<int>(poll_slice.count()));
    if (ready <= 0) continue;
    const int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    const int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    auto finished = std::make_shared<std::atomic<bool>>(false);
    connections_.push_back({std::thread([this, client, finished] {
                              serve(client);
                              *finished = true;
                            }),
                            finished});
  }
  // Connection threads see `stopping_` within one poll slice.
  for (auto& c : connections_) c.thread.join();
  connections_.clear();
}

void fault_proxy::reap_finished_connections() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (it->finished->load()) {
      it->thread.join();
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

std::optional<fault_kind> fault_proxy::decide(std::string_view request_head) {
  if (!options_.target_filter.empty()) {
    const auto target = header_value(request_head, "x-amz-target");
    if (!target || target->find(options_.target_filter) == std::string_view::npos) {
      return std::nullopt;
    }
  }
  std::optional<fault_kind> kind;
  {
    const std::lock_guard lock(decide_mutex_);
    if (std::uniform_real_distribution<double>(0.0, 1.0)(random_) < fault_rate_) {
      const auto index =
          std::uniform_int_distribution<std::size_t>(0, options_.kinds.size() - 1)(random_);
      kind = options_.kinds[index];
    }
  }
  if (kind) ++injected_[static_cast<std::size_t>(*kind)];
  return kind;
}

bool fault_proxy::wait_for_delay() {
  std::unique_lock lock(stop_mutex_);
  return !stop_signal_.wait_for(lock, options_.delay, [this] { return stopping_.load(); });
}

void fault_proxy::serve(int client_fd) {
  unique_fd client(client_fd);
  unique_fd upstream;
  std::string from_client;
  std::string from_upstream;
  for (;;) {
    const auto request = read_message(client.get(), from_client, false, stopping_, std::nullopt);
    if (!request) return;
    ++requests_;
    const auto fault = decide(request->head);

    if (fault == fault_kind::reset_before_request) {
      client.reset_connection();
      return;
    }
    if (fault) {
      if (const auto canned = canned_response_for(*fault)) {
        if (!send_all(client.get(), *canned) || request->close_after) return;
        continue;
      }
    }

    // Forward on this connection's own upstream connection, reopened when Local closed it.
    if (upstream.valid() && went_stale(upstream.get())) {
      upstream.reset();
      from_upstream.clear();
    }
    if (!upstream.valid()) upstream = connect_to(upstream_host_, upstream_port_);
    if (!upstream.valid() || !send_all(upstream.get(), request->raw())) {
      client.reset_connection();
      return;
    }
    ++forwarded_;
    const auto deadline = clock::now() + upstream_timeout;
    std::string response_bytes;
    std::optional<http_message> response;
    for (;;) {  // interim 1xx answers travel with the final one
      response = read_message(upstream.get(), from_upstream, true, stopping_, deadline);
      if (!response) break;
      response_bytes += response->raw();
      if (response->status >= 200) break;
    }
    if (!response) {
      client.reset_connection();
      return;
    }
    if (response->close_after) {
      upstream.reset();
      from_upstream.clear();
    }

    if (fault == fault_kind::reset_before_response) {
      client.reset_connection();
      return;
    }
    if (fault == fault_kind::truncate_response) {
      // Half of the body after the whole head; a body too short to cut loses half of the head.
      const auto keep = response->body.size() >= 2
                            ? response_bytes.size() - response->body.size() / 2
                            : response_bytes.size() / 2;
      static_cast<void>(send_all(client.get(), std::string_view(response_bytes).substr(0, keep)));
      ::shutdown(client.get(), SHUT_WR);
      return;
    }
    if (fault == fault_kind::delay_response && !wait_for_delay()) return;
    if (!send_all(client.get(), response_bytes) || response->close_after || request->close_after) {
      return;
    }
  }
}

}  // namespace dynamo_es::testing
