#include "integration/store/store_test_support.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "support/dynamodb_local.hpp"

namespace dynamo_es::store_testing {
namespace {

std::string operation_of(const dynamodb::http_request& request) {
  for (const auto& header : request.headers) {
    if (header.name == "X-Amz-Target") {
      const auto dot = header.value.find('.');
      return dot == std::string::npos ? header.value : header.value.substr(dot + 1);
    }
  }
  return {};
}

}  // namespace

recording_transport::recording_transport(std::shared_ptr<dynamodb::http_transport> inner)
    : inner_(std::move(inner)) {}

dynamodb::http_result recording_transport::send(const dynamodb::http_request& request) {
  const auto operation = operation_of(request);
  editor edit;
  {
    std::scoped_lock lock(mutex_);
    requests_.push_back({operation, request.body});
    edit = editor_;
  }
  auto result = inner_->send(request);
  if (edit) edit(request, operation, result);
  return result;
}

void recording_transport::set_editor(editor edit) {
  std::scoped_lock lock(mutex_);
  editor_ = std::move(edit);
}

std::vector<recorded_request> recording_transport::requests() const {
  std::scoped_lock lock(mutex_);
  return requests_;
}

std::size_t recording_transport::count(std::string_view operation) const {
  std::scoped_lock lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(requests_.begin(), requests_.end(),
                    [&](const recorded_request& r) { return r.operation == operation; }));
}

std::size_t recording_transport::total() const {
  std::scoped_lock lock(mutex_);
  return requests_.size();
}

void recording_transport::clear() {
  std::scoped_lock lock(mutex_);
  requests_.clear();
}

void index_lag::hide(std::int64_t position, int reads) {
  std::scoped_lock lock(mutex_);
  remaining_[position] = reads;
}

int index_lag::hidden_count() const {
  std::scoped_lock lock(mutex_);
  return hidden_;
}

void index_lag::operator()(const dynamodb::http_request& request, std::string_view operation,
                           dynamodb::http_result& result) {
  if (operation != "Query" || result.http_status != 200 ||
      request.body.find("Feed-GlobalPosition-index") == std::string::npos) {
    return;
  }
  auto body = nlohmann::json::parse(result.body);
  auto& items = body["Items"];
  std::scoped_lock lock(mutex_);
  bool edited = false;
  for (auto it = items.begin(); it != items.end();) {
    const auto position = std::stoll((*it)["GlobalPosition"]["N"].get<std::string>());
    const auto hidden = remaining_.find(position);
    if (hidden != remaining_.end() && hidden->second > 0) {
      --hidden->second;
      ++hidden_;
      edited = true;
      it = items.erase(it);
    } else {
      ++it;
    }
  }
  if (!edited) return;
  body["Count"] = items.size();
  result.body = body.dump();
  // The body no longer matches DynamoDB's checksum; the client skips the check without one.
  std::erase_if(result.headers,
                [](const dynamodb::http_header& h) { return h.name == "x-amz-crc32"; });
}

void store_fixture::SetUp() {
  auto client_options = testing::dynamodb_local::shared().options("dynamodb-store-integration");
  transport_ = std::make_shared<recording_transport>(dynamodb::make_curl_transport());
  client_options.transport = transport_;
  client_ = std::make_shared<const dynamodb::client>(std::move(client_options));
  table_ = testing::unique_table_name("store");
  store_ = std::make_unique<dynamodb_event_store>(client_, options());
  store_->create_table();
  transport_->clear();
}

void store_fixture::TearDown() {
  transport_->set_editor(nullptr);
  try {
    store_->delete_table();
  } catch (const std::exception&) {
    // Best effort; Local is in memory.
  }
}

dynamodb_event_store_options store_fixture::options() const {
  dynamodb_event_store_options result;
  result.table_name = table_;
  return result;
}

std::unique_ptr<dynamodb_event_store> store_fixture::another_store(
    dynamodb_event_store_options store_options) const {
  return std::make_unique<dynamodb_event_store>(client_, std::move(store_options));
}

std::int64_t store_fixture::counter() const {
  dynamodb::get_item_request request;
  request.table_name = table_;
  request.key = {{"Id", dynamodb::attribute_value::string("_counter")},
                 {"Playhead", dynamodb::attribute_value::number(0)}};
  request.consistent_read = true;
  const auto response = client_->get_item(request);
  if (!response.item) return -1;
  return response.item->at("Value").as_int64();
}

void store_fixture::php_reserve(std::int64_t count) const {
  dynamodb::update_item_request request;
  request.table_name = table_;
  request.key = {{"Id", dynamodb::attribute_value::string("_counter")},
                 {"Playhead", dynamodb::attribute_value::number(0)}};
  request.update_expression = "ADD #v :inc";
  request.expression_attribute_names = {{"#v", "Value"}};
  request.expression_attribute_values = {{":inc", dynamodb::attribute_value::number(count)}};
  request.return_values = dynamodb::return_value::updated_new;
  static_cast<void>(client_->update_item(request));
}

void store_fixture::put_raw(dynamodb::attribute_map item) const {
  dynamodb::put_item_request request;
  request.table_name = table_;
  request.item = std::move(item);
  static_cast<void>(client_->put_item(request));
}

std::vector<std::int64_t> store_fixture::feed_positions() {
  std::vector<std::int64_t> positions;
  std::int64_t after = 0;
  for (;;) {
    const auto page =
        store_->load_replay_page_after_global_position(criteria::create(), after, 1000);
    for (const auto& event : page.events()) positions.push_back(event.global_position);
    // A page stopped at a gap does not advance: the caller's test decides what that means.
    if (!page.has_more() || page.last_processed_global_position() == after) return positions;
    after = page.last_processed_global_position();
  }
}

domain_message make_event(const std::string& id, std::int64_t playhead, std::size_t payload_bytes) {
  std::string json =
      payload_bytes == 0 ? "[]" : "{\"p\":\"" + std::string(payload_bytes, 'x') + "\"}";
  return domain_message(id, playhead, metadata{}, serialized_payload{"App\\Event", std::move(json)},
                        date_time::from_string("2026-05-01T00:00:00.000000+00:00"));
}

domain_event_stream make_events(const std::string& id, std::int64_t first, std::size_t count,
                                std::size_t payload_bytes) {
  std::vector<domain_message> messages;
  for (std::size_t i = 0; i < count; ++i) {
    messages.push_back(make_event(id, first + static_cast<std::int64_t>(i), payload_bytes));
  }
  return domain_event_stream(std::move(messages));
}

}  // namespace dynamo_es::store_testing
