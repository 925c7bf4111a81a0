// The libcurl transport: a pool of easy handles, each owning one keep-alive connection, checked
// out for the duration of a request so that any number of threads can send at once.

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb/http_transport.hpp"
#include "dynamo_es/error.hpp"
#include "dynamodb/tls_warning.hpp"

namespace dynamo_es::dynamodb {
namespace {

// curl_global_init is not thread-safe and must run once before any other curl call; a function
// local static gives both. curl_global_cleanup is deliberately never called: other libraries in
// the process may still use curl at exit.
void ensure_curl_initialised() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    throw error(std::string("curl_global_init failed: ") + curl_easy_strerror(code));
  }
}

struct easy_deleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
using easy_handle = std::unique_ptr<CURL, easy_deleter>;

struct slist_deleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using header_list = std::unique_ptr<curl_slist, slist_deleter>;

// `sent` tells whether any request bytes may have left this host.
transport_status map_code(CURLcode code, bool sent) {
  switch (code) {
    case CURLE_OK:
      return transport_status::ok;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return transport_status::connect_failed;
    case CURLE_OPERATION_TIMEDOUT:
      // A timeout before any byte was sent cannot have delivered the request.
      return sent ? transport_status::timeout : transport_status::connect_failed;
    case CURLE_SEND_ERROR:
      return transport_status::send_failed;
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
      return transport_status::receive_failed;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
      return transport_status::tls_error;
    default:
      return transport_status::other;
  }
}

// Collects one response. Reset per request.
struct response_sink {
  std::string body;
  std::vector<http_header> headers;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<response_sink*>(user);
  sink->body.append(data, size * count);
  return size * count;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' ||
                           text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

size_t write_header(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<response_sink*>(user);
  const std::string_view line(data, size * count);
  if (line.starts_with("HTTP/")) {
    sink->headers.clear();  // a new response (e.g. after an interim 1xx) starts over
    return size * count;
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(trim(line.substr(0, colon)));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    sink->headers.push_back({std::move(name), std::string(trim(line.substr(colon + 1)))});
  }
  return size * count;
}

class curl_transport final : public http_transport {
 public:
  explicit curl_transport(const curl_transport_options& options)
      : options_(options), capacity_(std::max<std::size_t>(options.max_connections, 1)) {
    ensure_curl_initialised();
  }

  http_result send(const http_request& request) override {
    if (!options_.verify_tls) tls_warning_.before_request(request.url);  // loud, once per URL
    checked_out_handle handle(*this);
    return perform(handle.get(), request);
  }

  // See detail::make_curl_transport_warned_about.
  void already_warned(std::string_view url) { tls_warning_.already_warned(url); }

 private:
  // RAII checkout: takes an idle handle (or makes one while under capacity, or waits) and gives
  // it back on destruction, so its connection stays open for the next request.
  class checked_out_handle {
   public:
    explicit checked_out_handle(curl_transport& owner) : owner_(owner), handle_(owner.acquire()) {}
    ~checked_out_handle() { owner_.release(std::move(handle_)); }
    checked_out_handle(const checked_out_handle&) = delete;
    checked_out_handle& operator=(const checked_out_handle&) = delete;
    [[nodiscard]] CURL* get() const noexcept { return handle_.get(); }

   private:
    curl_transport& owner_;
    easy_handle handle_;
  };

  easy_handle acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !idle_.empty() || live_ < capacity_; });
    if (!idle_.empty()) {
      easy_handle handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
    ++live_;
    lock.unlock();
    easy_handle handle(curl_easy_init());
    if (!handle) {
      std::lock_guard relock(mutex_);
      --live_;
      available_.notify_one();
      throw error("curl_easy_init failed");
    }
    return handle;
  }

  void release(easy_handle handle) noexcept {
    {
      std::lock_guard lock(mutex_);
      idle_.push_back(std::move(handle));
    }
    available_.notify_one();
  }

  http_result perform(CURL* curl, const http_request& request) const {
    response_sink sink;
    header_list headers;
    for (const auto& header : request.headers) {
      append_header(headers, header.name + ": " + header.value);
    }
    // curl would add "Expect: 100-continue" to larger bodies: a round trip for nothing.
    append_header(headers, "Expect:");

    char error_buffer[CURL_ERROR_SIZE] = {};
    // Options are set on every request: curl_easy_reset would also drop the connection's cache
    // entry association, and setting them is cheap compared to the round trip.
    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(attempt_timeout(request).count()));
    // Stall detection: a connection that died silently (no RST, e.g. a vanished NAT entry) is
    // given up after `low_speed_time` instead of the whole request timeout.
    const auto low_speed_seconds =
        std::chrono::ceil<std::chrono::seconds>(options_.low_speed_time).count();
    curl_easy_setopt(
        curl, CURLOPT_LOW_SPEED_TIME,
        static_cast<long>(options_.low_speed_time.count() > 0 ? low_speed_seconds : 0));
    curl_easy_setopt(
        curl, CURLOPT_LOW_SPEED_LIMIT,
        static_cast<long>(options_.low_speed_time.count() > 0
                              ? std::max<std::size_t>(options_.low_speed_bytes_per_second, 1)
                              : 0));
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, options_.tcp_keepalive ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &write_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &sink);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);

    const CURLcode code = curl_easy_perform(curl);

    // The handle outlives this call: drop pointers into this stack frame.
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, nullptr);

    http_result result;
    if (code != CURLE_OK) {
      // On a reused connection the connect time is 0, so a sent request is recognised by its
      // size; a fresh connection that was established counts as "may have sent" to stay safe.
      curl_off_t connect_time = 0;
      long request_size = 0;
      curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connect_time);
      curl_easy_getinfo(curl, CURLINFO_REQUEST_SIZE, &request_size);
      result.status = map_code(code, connect_time > 0 || request_size > 0);
      result.error_message = error_buffer[0] != '\0' ? std::string(error_buffer)
                                                     : std::string(curl_easy_strerror(code));
      return result;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    result.status = transport_status::ok;
    result.http_status = static_cast<int>(status);
    result.headers = std::move(sink.headers);
    result.body = std::move(sink.body);
    // Spare capacity lets the JSON parser (simdjson) use the body in place instead of copying.
    result.body.reserve(result.body.size() + 64);
    return result;
  }

  // The request's own budget (what is left of the client's total deadline) when it is shorter.
  [[nodiscard]] std::chrono::milliseconds attempt_timeout(const http_request& request) const {
    if (request.timeout.count() > 0 && request.timeout < options_.request_timeout) {
      return request.timeout;
    }
    return options_.request_timeout;
  }

  static void append_header(header_list& list, const std::string& line) {
    curl_slist* extended = curl_slist_append(list.get(), line.c_str());
    if (extended == nullptr) {
      throw std::bad_alloc();
    }
    static_cast<void>(list.release());
    list.reset(extended);
  }

  const curl_transport_options options_;
  detail::unverified_tls_warning tls_warning_;
  const std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<easy_handle> idle_;
  std::size_t live_ = 0;
};

}  // namespace

std::shared_ptr<http_transport> make_curl_transport(const curl_transport_options& options) {
  return std::make_shared<curl_transport>(options);
}

namespace detail {

std::shared_ptr<http_transport> make_curl_transport_warned_about(
    const curl_transport_options& options, std::string_view url) {
  auto transport = std::make_shared<curl_transport>(options);
  transport->already_warned(url);
  return transport;
}

}  // namespace detail

}  // namespace dynamo_es::dynamodb
