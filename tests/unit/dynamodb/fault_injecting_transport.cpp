#include "unit/dynamodb/fault_injecting_transport.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>

#include "dynamodb/crc32.hpp"
#include "dynamodb/sigv4.hpp"

namespace dynamo_es::testing {
namespace {

using dynamodb::http_request;
using dynamodb::http_result;
using dynamodb::transport_status;

std::string header_of(const http_request& request, std::string_view name) {
  for (const auto& h : request.headers) {
    if (std::equal(h.name.begin(), h.name.end(), name.begin(), name.end(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return h.value;
    }
  }
  return {};
}

http_result transport_failure(transport_status status, std::string message) {
  http_result result;
  result.status = status;
  result.error_message = std::move(message) + " (fault-injecting test double)";
  return result;
}

// `YYYYMMDD'T'HHMMSS'Z'` -> time point; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_amz_date(const std::string& text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  try {
    const int year = std::stoi(text.substr(0, 4));
    const unsigned month = static_cast<unsigned>(std::stoi(text.substr(4, 2)));
    const unsigned day = static_cast<unsigned>(std::stoi(text.substr(6, 2)));
    const std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                           std::chrono::day(day)};
    if (!date.ok()) return std::nullopt;
    return std::chrono::sys_days(date) + std::chrono::hours(std::stoi(text.substr(9, 2))) +
           std::chrono::minutes(std::stoi(text.substr(11, 2))) +
           std::chrono::seconds(std::stoi(text.substr(13, 2)));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// RFC 9110 IMF-fixdate, as DynamoDB's `Date` header.
std::string http_date(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day date(days);
  const std::chrono::hh_mm_ss clock(seconds - days);
  static constexpr const char* weekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                weekdays[std::chrono::weekday(days).c_encoding()],
                static_cast<unsigned>(date.day()), months[static_cast<unsigned>(date.month()) - 1],
                static_cast<int>(date.year()), static_cast<int>(clock.hours().count()),
                static_cast<int>(clock.minutes().count()),
                static_cast<int>(clock.seconds().count()));
  return buffer;
}

// A TransactionCanceledException with `code` for each action of the request.
http_result cancellation(const std::string& body, std::string_view code) {
  std::size_t actions = 1;
  try {
    actions = nlohmann::json::parse(body).at("TransactItems").size();
  } catch (const std::exception&) {
  }
  nlohmann::json reasons = nlohmann::json::array();
  for (std::size_t i = 0; i < actions; ++i) {
    reasons.push_back({{"Code", code}, {"Message", std::string(code) + " (test double)"}});
  }
  http_result result = scripted_transport::error(
      400, "TransactionCanceledException",
      "Transaction cancelled, please refer cancellation reasons for specific reasons");
  auto json = nlohmann::json::parse(result.body);
  json["CancellationReasons"] = reasons;
  result.body = json.dump();
  return result;
}

}  // namespace

std::string_view to_string(fault f) noexcept {
  switch (f) {
    case fault::none:
      return "none";
    case fault::timeout:
      return "timeout";
    case fault::timeout_after_apply:
      return "timeout_after_apply";
    case fault::reset_before_send:
      return "reset_before_send";
    case fault::reset_after_send:
      return "reset_after_send";
    case fault::cut_body:
      return "cut_body";
    case fault::corrupt_body:
      return "corrupt_body";
    case fault::internal_error:
      return "internal_error";
    case fault::service_unavailable:
      return "service_unavailable";
    case fault::throttling:
      return "throttling";
    case fault::throughput_exceeded:
      return "throughput_exceeded";
    case fault::throttled_cancellation:
      return "throttled_cancellation";
    case fault::conflicted_cancellation:
      return "conflicted_cancellation";
    case fault::internal_error_after_apply:
      return "internal_error_after_apply";
  }
  return "none";
}

std::string operation_of(const http_request& request) {
  const auto target = header_of(request, "X-Amz-Target");
  const auto dot = target.find('.');
  return dot == std::string::npos ? std::string() : target.substr(dot + 1);
}

// --- scripted_transport -------------------------------------------------------------------------

http_result scripted_transport::send(const http_request&) {
  std::lock_guard lock(mutex_);
  ++received_;
  if (responses_.empty()) return ok("{}");
  http_result next = std::move(responses_.front());
  responses_.pop_front();
  return next;
}

void scripted_transport::push(http_result result) {
  std::lock_guard lock(mutex_);
  responses_.push_back(std::move(result));
}

http_result scripted_transport::ok(std::string body) {
  http_result result;
  result.status = transport_status::ok;
  result.http_status = 200;
  result.headers = {{"x-amzn-requestid", "scripted"},
                    {"x-amz-crc32", std::to_string(dynamodb::detail::crc32(body))}};
  result.body = std::move(body);
  return result;
}

http_result scripted_transport::error(int status, std::string_view name, std::string_view message) {
  http_result result;
  result.status = transport_status::ok;
  result.http_status = status;
  result.headers = {{"x-amzn-requestid", "scripted-error"}};
  result.body = nlohmann::json{{"__type", "com.amazonaws.dynamodb.v20120810#" + std::string(name)},
                               {"Message", std::string(message)}}
                    .dump();
  return result;
}

std::size_t scripted_transport::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

// --- fault_injecting_transport ------------------------------------------------------------------

fault_injecting_transport::fault_injecting_transport(
    std::shared_ptr<dynamodb::http_transport> inner)
    : inner_(std::move(inner)) {
  if (!inner_) throw std::invalid_argument("fault_injecting_transport needs an inner transport");
}

fault_injecting_transport::fault_injecting_transport() {
  auto scripted = std::make_shared<scripted_transport>();
  scripted_ = scripted.get();
  inner_ = std::move(scripted);
}

void fault_injecting_transport::plan(std::string operation, std::vector<fault> faults) {
  std::lock_guard lock(mutex_);
  auto& queue = plans_[std::move(operation)];
  queue.insert(queue.end(), faults.begin(), faults.end());
}

void fault_injecting_transport::set_rule(rule decide) {
  std::lock_guard lock(mutex_);
  rule_ = std::move(decide);
}

void fault_injecting_transport::on_fault(fault_hook hook) {
  std::lock_guard lock(mutex_);
  hook_ = std::move(hook);
}

void fault_injecting_transport::set_server_clock_offset(std::chrono::seconds offset) {
  std::lock_guard lock(mutex_);
  server_offset_ = offset;
}

void fault_injecting_transport::set_timeouts_wait(bool wait) {
  std::lock_guard lock(mutex_);
  timeouts_wait_ = wait;
}

std::vector<exchange> fault_injecting_transport::exchanges() const {
  std::lock_guard lock(mutex_);
  return history_;
}

std::size_t fault_injecting_transport::count(std::string_view operation) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(history_.begin(), history_.end(),
                    [&](const exchange& e) { return e.operation == operation; }));
}

std::size_t fault_injecting_transport::injected(fault f) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(std::count_if(
      history_.begin(), history_.end(), [&](const exchange& e) { return e.injected == f; }));
}

void fault_injecting_transport::clear_history() {
  std::lock_guard lock(mutex_);
  history_.clear();
}

fault fault_injecting_transport::choose(const exchange& request, std::size_t index) {
  for (const auto& key : {request.operation, std::string()}) {
    const auto it = plans_.find(key);
    if (it != plans_.end() && !it->second.empty()) {
      const fault next = it->second.front();
      it->second.pop_front();
      return next;
    }
  }
  return rule_ ? rule_(request, index) : fault::none;
}

std::optional<http_result> fault_injecting_transport::skew_rejection(const exchange& record) const {
  if (server_offset_ == std::chrono::seconds::zero()) return std::nullopt;
  const auto server_now = std::chrono::system_clock::now() + server_offset_;
  const auto signed_at = parse_amz_date(record.amz_date);
  if (signed_at && std::chrono::abs(server_now - *signed_at) <= std::chrono::minutes(5)) {
    return std::nullopt;
  }
  const auto limit = dynamodb::detail::amz_date(server_now - std::chrono::minutes(5));
  http_result rejected = scripted_transport::error(
      400, "InvalidSignatureException",
      "Signature expired: " + record.amz_date + " is now earlier than " + limit + " (" +
          dynamodb::detail::amz_date(server_now) + " - 5 min.)");
  rejected.headers.push_back({"date", http_date(server_now)});
  return rejected;
}

http_result fault_injecting_transport::send(const http_request& request) {
  exchange record;
  record.operation = operation_of(request);
  record.body = request.body;
  record.amz_date = header_of(request, "X-Amz-Date");
  record.authorization = header_of(request, "Authorization");
  record.timeout = request.timeout;

  fault chosen = fault::none;
  fault_hook hook;
  bool wait = false;
  std::optional<http_result> rejected;
  {
    std::lock_guard lock(mutex_);
    rejected = skew_rejection(record);
    if (!rejected) chosen = choose(record, history_.size());
    hook = hook_;
    wait = timeouts_wait_;
  }
  record.injected = chosen;
  record.skew_rejected = rejected.has_value();

  http_result result;
  if (rejected) {
    result = std::move(*rejected);
  } else {
    if ((chosen == fault::timeout || chosen == fault::timeout_after_apply) && wait) {
      const auto budget = request.timeout.count() > 0 ? request.timeout : std::chrono::seconds(2);
      std::this_thread::sleep_for(
          std::min<std::chrono::milliseconds>(budget, std::chrono::seconds(2)));
    }
    result = inject(chosen, request, record);
  }
  {
    std::lock_guard lock(mutex_);
    history_.push_back(record);
  }
  if (chosen != fault::none && hook) hook(record);
  return result;
}

http_result fault_injecting_transport::inject(fault f, const http_request& request,
                                              exchange& record) {
  const auto forward = [&] {
    record.forwarded = true;
    return inner_->send(request);
  };
  switch (f) {
    case fault::none:
      return forward();
    case fault::timeout:
      return transport_failure(transport_status::timeout, "Operation timed out");
    case fault::timeout_after_apply:
      static_cast<void>(forward());
      return transport_failure(transport_status::timeout, "Operation timed out");
    case fault::reset_before_send:
      return transport_failure(transport_status::send_failed, "Connection reset by peer");
    case fault::reset_after_send:
      static_cast<void>(forward());
      return transport_failure(transport_status::receive_failed, "Connection reset by peer");
    case fault::cut_body: {
      const auto answer = forward();
      return transport_failure(transport_status::receive_failed,
                               "transfer closed with " +
                                   std::to_string(answer.body.size() / 2 + 1) +
                                   " bytes remaining to read");
    }
    case fault::corrupt_body: {
      auto answer = forward();
      if (answer.status != transport_status::ok) return answer;
      // The checksum of what DynamoDB sent, over a body that changed on the way.
      const auto crc = std::to_string(dynamodb::detail::crc32(answer.body));
      std::erase_if(answer.headers,
                    [](const dynamodb::http_header& h) { return h.name == "x-amz-crc32"; });
      answer.headers.push_back({"x-amz-crc32", crc});
      answer.body = answer.body.empty() ? std::string("?") : answer.body;
      answer.body.back() = answer.body.back() == '}' ? ']' : '}';
      return answer;
    }
    case fault::internal_error:
      return scripted_transport::error(500, "InternalServerError", "Internal server error");
    case fault::service_unavailable:
      return scripted_transport::error(503, "ServiceUnavailable", "Service unavailable");
    case fault::throttling:
      return scripted_transport::error(400, "ThrottlingException", "Rate of requests exceeds");
    case fault::throughput_exceeded:
      return scripted_transport::error(400, "ProvisionedThroughputExceededException",
                                       "The level of configured provisioned throughput for the "
                                       "table was exceeded");
    case fault::throttled_cancellation:
      return cancellation(request.body, "ThrottlingError");
    case fault::conflicted_cancellation:
      return cancellation(request.body, "TransactionConflict");
    case fault::internal_error_after_apply:
      static_cast<void>(forward());
      return scripted_transport::error(500, "InternalServerError", "Internal server error");
  }
  return forward();
}

}  // namespace dynamo_es::testing
