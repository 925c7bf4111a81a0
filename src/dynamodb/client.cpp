#include "dynamo_es/dynamodb/client.hpp"

#include <chrono>

#include "dynamo_es/error.hpp"
#include "dynamodb/codec.hpp"
#include "dynamodb/error_mapping.hpp"
#include "dynamodb/sigv4.hpp"

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
constexpr std::string_view local_access_key_id = "dynamo-es-local";
constexpr std::string_view local_secret_access_key = "local";
constexpr std::string_view local_region = "us-east-1";

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
    url_ = endpoint_.url();
    transport_ = options.transport;
    if (!transport_) {
      curl_transport_options transport_options;
      transport_options.connect_timeout = options.connect_timeout;
      transport_options.request_timeout = options.request_timeout;
      transport_options.max_connections = options.max_connections;
      transport_options.verify_tls = endpoint_.verify_tls;
      transport_ = make_curl_transport(transport_options);
    }
  }

  // One signed attempt. A retry loop (a later addition) wraps exactly this call, re-signing each
  // attempt so that X-Amz-Date stays fresh.
  [[nodiscard]] http_result send_once(std::string_view operation, std::string body) const {
    http_request request;
    request.url = url_;
    request.body = std::move(body);

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
    params.time = std::chrono::system_clock::now();
    detail::signature signed_request = detail::sign(to_sign, params);

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

  [[nodiscard]] std::string call(std::string_view operation, std::string body) const {
    http_result result = send_once(operation, std::move(body));
    detail::throw_if_failed(operation, result);
    return std::move(result.body);
  }

  std::string region_;
  dynamodb::endpoint endpoint_;
  credentials credentials_;
  std::string url_;
  std::shared_ptr<http_transport> transport_;
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
  static_cast<void>(
      checked_impl().call("TransactWriteItems", detail::encode_transact_write_items(request)));
  return {};
}

std::string client::call(std::string_view operation, std::string json_body) const {
  return checked_impl().call(operation, std::move(json_body));
}

}  // namespace dynamo_es::dynamodb
