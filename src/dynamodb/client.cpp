#include "dynamo_es/dynamodb/client.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "dynamo_es/error.hpp"
#include "dynamodb/codec.hpp"
#include "dynamodb/error_mapping.hpp"
#include "dynamodb/retry_clock.hpp"
#include "dynamodb/retry_observer.hpp"
#include "dynamodb/retry_policy.hpp"
#include "dynamodb/retry_quota.hpp"
#include "dynamodb/sigv4.hpp"
#include "dynamodb/tls_warning.hpp"

namespace dynamo_es::dynamodb {
namespace {

constexpr std::string_view content_type = "application/x-amz-json-1.0";
constexpr std::string_view target_prefix = "DynamoDB_20120810.";
constexpr std::string_view user_agent = "dynamo-es/0.1";

bool is_loopback(const endpoint& where) {
  const std::string& host = where.host;
  return host == "localhost" || host.starts_with("127.") || host == "::1" || host == "[::1]";
}

// Local needs *some* region and key pair, and checks no signature: a missing one is not worth an
// error there. Anywhere else it is a configuration mistake and the resolver's error stands.
constexpr std::string_view local_access_key_id = "dynamoeslocal";  // Local accepts only [A-Za-z0-9]
constexpr std::string_view local_secret_access_key = "local";
constexpr std::string_view local_region = "us-east-1";

// Credentials an error message must never quote (issue 4, item 8). A proxy or front end that
// echoes the request in its error page repeats the X-Amz-Security-Token header, and the error
// mapping quotes (up to 200 bytes of) such a body; so before an error is built from a response,
// what it repeats of the session token or the secret key is replaced by `***`. Strings shorter
// than `min_length` are no AWS credential (secret keys have 40 characters, session tokens
// hundreds) but placeholders such as Local's "local", and masking them would only mangle
// messages.
class credential_mask {
 public:
  static constexpr std::size_t min_length = 8;
  static constexpr std::string_view replacement = "***";

  credential_mask() = default;
  explicit credential_mask(const credentials& creds) {
    add(creds.session_token);
    add(creds.secret_access_key);
  }

  // The exception for the failed `result`, as `detail::make_error` built it (`failure`), or
  // rebuilt from a copy of `result` in which the credentials are masked when they appear in it.
  [[nodiscard]] std::exception_ptr error_for(std::string_view operation, const http_result& result,
                                             std::exception_ptr failure) const {
    if (!appears_in(result)) return failure;
    // A body that fails its checksum is not quoted (the error says only "does not match").
    if (result.status == transport_status::ok && !detail::checksum_matches(result)) {
      return failure;
    }
    http_result masked;
    masked.status = result.status;
    masked.http_status = result.http_status;
    masked.body = masked_text(result.body);
    masked.error_message = masked_text(result.error_message);
    for (const auto& header : result.headers) {
      // Checked above against the original body; it cannot match the masked one.
      if (header.name == "x-amz-crc32") continue;
      masked.headers.push_back({header.name, masked_text(header.value)});
    }
    return detail::make_error(operation, masked);
  }

 private:
  void add(const std::string& secret) {
    if (secret.size() < min_length) return;
    forms_.push_back(secret);
    // JSON may escape '/' as "\/" (PHP's and many Java encoders do), and AWS secrets and tokens
    // hold '/': the error mapping would decode that form back into the plain secret.
    std::string escaped;
    for (const char c : secret) {
      if (c == '/') escaped += '\\';
      escaped += c;
    }
    if (escaped != secret) forms_.push_back(std::move(escaped));
  }

  [[nodiscard]] bool appears_in(std::string_view text) const {
    return std::any_of(forms_.begin(), forms_.end(), [text](const std::string& form) {
      return text.find(form) != std::string_view::npos;
    });
  }

  [[nodiscard]] bool appears_in(const http_result& result) const {
    return appears_in(result.body) || appears_in(result.error_message) ||
           std::any_of(result.headers.begin(), result.headers.end(),
                       [this](const http_header& header) { return appears_in(header.value); });
  }

  [[nodiscard]] std::string masked_text(std::string text) const {
    for (const auto& form : forms_) {
      for (auto at = text.find(form); at != std::string::npos;
           at = text.find(form, at + replacement.size())) {
        text.replace(at, form.size(), replacement);
      }
    }
    return text;
  }

  std::vector<std::string> forms_;
};

}  // namespace

class client::impl {
 public:
  explicit impl(const client_options& options) {
    std::exception_ptr region_error;
    try {
      region_ = resolve_region(options.region);
    } catch (const configuration_error&) {
      region_error = std::current_exception();
    }
    endpoint_ =
        resolve_endpoint(options.endpoint_url, region_error ? std::string(local_region) : region_);
    if (region_error) {
      if (!is_loopback(endpoint_)) {
        std::rethrow_exception(region_error);
      }
      region_ = std::string(local_region);
    }
    try {
      credentials_ = resolve_credentials(options.credentials, options.profile);
    } catch (const configuration_error&) {
      if (!is_loopback(endpoint_)) {
        throw;
      }
      credentials_ = credentials{std::string(local_access_key_id),
                                 std::string(local_secret_access_key), std::string()};
    }
    mask_ = credential_mask(credentials_);
    url_ = endpoint_.url();
    retry_ = options.retry;
    retry_.max_attempts = std::max(retry_.max_attempts, 1);
    quota_ = std::make_unique<detail::retry_quota>(retry_);
    transport_ = options.transport;
    if (!transport_) {
      curl_transport_options transport_options;
      transport_options.connect_timeout = options.connect_timeout;
      transport_options.request_timeout = options.request_timeout;
      transport_options.max_connections = options.max_connections;
      transport_options.low_speed_time = options.stall_timeout;
      transport_options.low_speed_bytes_per_second = options.stall_min_bytes_per_second;
      transport_options.verify_tls = options.verify_tls;
      endpoint_.verify_tls = options.verify_tls;
      if (!options.verify_tls && detail::is_https_url(url_)) {
        // Loud at once rather than at the first request, which may come much later; the
        // transport then stays quiet so that the line appears once.
        detail::write_unverified_tls_warning(url_, "client_options::verify_tls");
        transport_ = detail::make_curl_transport_warned_about(transport_options, url_);
      } else {
        transport_ = make_curl_transport(transport_options);
      }
    }
  }

  // One signed attempt. Every attempt is signed anew, so that X-Amz-Date stays fresh and a
  // corrected clock takes effect.
  [[nodiscard]] http_result send_once(std::string_view operation, http_request& request,
                                      std::chrono::system_clock::time_point signing_time) const {
    std::string target(target_prefix);
    target += operation;
    detail::signing_request to_sign{.method = "POST",
                                    .target = "/",
                                    .headers = {{"Content-Type", std::string(content_type)},
                                                {"Host", endpoint_.host_header},
                                                {"X-Amz-Target", std::move(target)}},
                                    .body = request.body};
    detail::signing_params params;
    params.creds = credentials_;
    params.region = region_;
    params.time = signing_time;
    detail::signature signed_request = detail::sign(to_sign, params);

    request.headers.clear();
    request.headers.reserve(to_sign.headers.size() + signed_request.headers_to_add.size() + 1);
    for (auto& header : to_sign.headers) {
      request.headers.push_back({std::move(header.name), std::move(header.value)});
    }
    for (auto& header : signed_request.headers_to_add) {
      request.headers.push_back({std::move(header.name), std::move(header.value)});
    }
    request.headers.push_back({"User-Agent", std::string(user_agent)});
    return transport_->send(request);
  }

  // The retry loop of AWS standard mode around `send_once` (see retry_policy.hpp and
  // docs/retries-and-idempotency.md). `idempotent`: the call may be re-sent after an ambiguous
  // failure (a read, or a TransactWriteItems with a ClientRequestToken).
  [[nodiscard]] std::string call(std::string_view operation, std::string body,
                                 bool idempotent) const {
    http_request request;
    request.url = url_;
    request.body = std::move(body);
    detail::call_retry_state state(retry_, quota_.get(), idempotent,
                                   std::chrono::steady_clock::now());
    for (;;) {
      if (const auto budget = state.attempt_budget(std::chrono::steady_clock::now())) {
        request.timeout = *budget;
      }
      const auto signing_time = clock_.now();
      http_result result = send_once(operation, request, signing_time);
      std::exception_ptr failure = detail::make_error(operation, result);
      if (failure) failure = mask_.error_for(operation, result, std::move(failure));
      if (!failure) {
        state.on_success();
        detail::call_observer::report(state.attempts(), state.any_ambiguous());
        return std::move(result.body);
      }
      const auto delay = on_failed_attempt(state, failure, result, signing_time);
      if (!delay) {
        detail::call_observer::report(state.attempts(), state.any_ambiguous());
        std::rethrow_exception(failure);
      }
      if (delay->count() > 0) std::this_thread::sleep_for(*delay);
      state.next_attempt();
    }
  }

  // Reads may always be re-sent; any other operation only when not ambiguous.
  [[nodiscard]] std::string call(std::string_view operation, std::string body) const {
    return call(operation, std::move(body), detail::is_read_operation(operation));
  }

  // Classifies the failed attempt, corrects the clock when DynamoDB says it is off, and decides.
  // On giving up, writes the retry history into the error that is about to be thrown.
  std::optional<std::chrono::milliseconds> on_failed_attempt(
      detail::call_retry_state& state, const std::exception_ptr& failure, const http_result& result,
      std::chrono::system_clock::time_point signing_time) const {
    try {
      std::rethrow_exception(failure);
    } catch (dynamodb_error& error) {
      const auto failure_class = detail::classify_failure(error);
      bool corrected = false;
      if (failure_class.kind == detail::failure_kind::clock_skew && retry_.correct_clock_skew) {
        if (const auto date = result.header("date")) {
          if (const auto server_time = detail::parse_http_date(*date)) {
            corrected =
                clock_.correct(signing_time, *server_time, std::chrono::system_clock::now());
          }
        }
      }
      std::uniform_real_distribution<double> unit(0.0, 1.0);
      const auto delay = state.on_failure(failure_class, corrected,
                                          std::chrono::steady_clock::now(), unit(random_engine()));
      if (!delay) {
        detail::retry_annotation::annotate(error, state.attempts(),
                                           state.earlier_attempt_ambiguous());
      }
      return delay;
    }
  }

  static std::mt19937_64& random_engine() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return engine;
  }

  std::string region_;
  dynamodb::endpoint endpoint_;
  credentials credentials_;
  credential_mask mask_;
  std::string url_;
  std::shared_ptr<http_transport> transport_;
  retry_options retry_;
  // Shared by every call of this client (AWS standard mode's quota is per client).
  std::unique_ptr<detail::retry_quota> quota_;
  mutable detail::signing_clock clock_;
};

client::client(const client_options& options) : impl_(std::make_unique<impl>(options)) {}
client::~client() = default;
client::client(client&& other) noexcept = default;
client& client::operator=(client&& other) noexcept = default;

const std::string& client::region() const noexcept {
  return impl_->region_;
}
const dynamodb::endpoint& client::endpoint() const noexcept {
  return impl_->endpoint_;
}

const client::impl& client::checked_impl() const {
  if (!impl_) {
    throw error("dynamodb::client used after it was moved from");
  }
  return *impl_;
}

table_description client::create_table(const create_table_request& request) const {
  const std::string body = checked_impl().call("CreateTable", detail::encode_create_table(request));
  return detail::decode_table_description(body, "TableDescription");
}

table_description client::describe_table(const std::string& table_name) const {
  const std::string body =
      checked_impl().call("DescribeTable", detail::encode_table_name(table_name));
  return detail::decode_table_description(body, "Table");
}

table_description client::delete_table(const std::string& table_name) const {
  const std::string body =
      checked_impl().call("DeleteTable", detail::encode_table_name(table_name));
  return detail::decode_table_description(body, "TableDescription");
}

get_item_response client::get_item(const get_item_request& request) const {
  return detail::decode_get_item(checked_impl().call("GetItem", detail::encode_get_item(request)));
}

put_item_response client::put_item(const put_item_request& request) const {
  return {
      detail::decode_attributes(checked_impl().call("PutItem", detail::encode_put_item(request)))};
}

update_item_response client::update_item(const update_item_request& request) const {
  return {detail::decode_attributes(
      checked_impl().call("UpdateItem", detail::encode_update_item(request)))};
}

delete_item_response client::delete_item(const delete_item_request& request) const {
  return {detail::decode_attributes(
      checked_impl().call("DeleteItem", detail::encode_delete_item(request)))};
}

query_response client::query(const query_request& request) const {
  return detail::decode_query(checked_impl().call("Query", detail::encode_query(request)));
}

std::size_t client::for_each_query_page(query_request request,
                                        const query_page_callback& on_page) const {
  std::size_t pages = 0;
  for (;;) {
    query_response page = query(request);
    ++pages;
    // Taken before the callback, which may move from the page.
    attribute_map next = std::move(page.last_evaluated_key);
    page.last_evaluated_key = next;
    if (!on_page(page) || next.empty()) {
      return pages;
    }
    request.exclusive_start_key = std::move(next);
  }
}

std::vector<attribute_map> client::query_all(query_request request) const {
  std::vector<attribute_map> items;
  for_each_query_page(std::move(request), [&items](query_response& page) {
    if (items.empty()) {
      items = std::move(page.items);
    } else {
      items.insert(items.end(), std::make_move_iterator(page.items.begin()),
                   std::make_move_iterator(page.items.end()));
    }
    return true;
  });
  return items;
}

transact_write_items_response client::transact_write_items(
    const transact_write_items_request& request) const {
  static_cast<void>(checked_impl().call("TransactWriteItems",
                                        detail::encode_transact_write_items(request),
                                        /*idempotent=*/!request.client_request_token.empty()));
  return {};
}

std::string client::call(std::string_view operation, std::string json_body) const {
  return checked_impl().call(operation, std::move(json_body));
}

}  // namespace dynamo_es::dynamodb
