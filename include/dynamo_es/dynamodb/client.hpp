#pragma once

/// \file
/// The DynamoDB client: typed operations over the DynamoDB JSON protocol (SigV4-signed HTTP POSTs
/// to `/` with `X-Amz-Target: DynamoDB_20120810.<Operation>`).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dynamo_es/dynamodb/attribute_value.hpp"
#include "dynamo_es/dynamodb/client_options.hpp"
#include "dynamo_es/dynamodb/credentials.hpp"
#include "dynamo_es/dynamodb/errors.hpp"
#include "dynamo_es/dynamodb/requests.hpp"

namespace dynamo_es::dynamodb {

/// Called once per Query page, in order; return false to stop paging.
using query_page_callback = std::function<bool(query_response& page)>;

/// A DynamoDB client.
///
/// Thread-safety: one client may be used from any number of threads at once; every operation is
/// `const` and the shared state (resolved configuration, connection pool) is immutable or
/// internally synchronised. Movable, not copyable; a moved-from client may only be destroyed or
/// assigned to.
///
/// Retries: every operation follows `client_options::retry` (AWS standard mode: 3 attempts,
/// full-jitter backoff, a retry quota shared by the client, a total deadline, clock-skew
/// correction). Ambiguous failures (the request may have been applied) are re-sent only for reads
/// and for a TransactWriteItems with a ClientRequestToken; other writes throw at once with
/// `ambiguous()` true. See retry_options.hpp and docs/retries-and-idempotency.md.
///
/// Errors: every operation throws `dynamodb_error` or a subclass (see errors.hpp) on failure,
/// once the retry policy has given up, and `serialization_error` for a response it cannot
/// decode.
class client {
 public:
  /// Resolves region, credentials and endpoint (see `client_options`) once, now. Throws
  /// `configuration_error` when one cannot be resolved.
  explicit client(const client_options& options = {});
  ~client();
  client(client&& other) noexcept;
  client& operator=(client&& other) noexcept;
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// The region requests are signed for.
  [[nodiscard]] const std::string& region() const noexcept;
  /// Where requests go.
  [[nodiscard]] const dynamodb::endpoint& endpoint() const noexcept;

  // --- Tables -------------------------------------------------------------------------------

  /// CreateTable. Returns the new table's description (status `creating` on AWS; `active` at once
  /// on DynamoDB Local). Throws `resource_in_use` when the table exists.
  table_description create_table(const create_table_request& request) const;
  /// DescribeTable. Throws `resource_not_found` when there is no such table.
  [[nodiscard]] table_description describe_table(const std::string& table_name) const;
  /// DeleteTable; does not wait for the deletion to finish. Throws `resource_not_found`.
  table_description delete_table(const std::string& table_name) const;

  // --- Items --------------------------------------------------------------------------------

  [[nodiscard]] get_item_response get_item(const get_item_request& request) const;
  /// Throws `conditional_check_failed` when the condition is false.
  put_item_response put_item(const put_item_request& request) const;
  /// Throws `conditional_check_failed` when the condition is false.
  update_item_response update_item(const update_item_request& request) const;
  /// Throws `conditional_check_failed` when the condition is false.
  delete_item_response delete_item(const delete_item_request& request) const;

  // --- Query --------------------------------------------------------------------------------

  /// One Query page.
  [[nodiscard]] query_response query(const query_request& request) const;
  /// Follows `LastEvaluatedKey` from `request.exclusive_start_key` to the end (empty pages
  /// included), calling `on_page` for each page until it returns false. `request.limit` is the
  /// page size. Returns the number of pages fetched.
  std::size_t for_each_query_page(query_request request, const query_page_callback& on_page) const;
  /// Every item of every page, in order.
  [[nodiscard]] std::vector<attribute_map> query_all(query_request request) const;

  // --- Transactions -------------------------------------------------------------------------

  /// TransactWriteItems. Throws `transaction_canceled` (with per-action reasons) when a condition
  /// fails, `idempotent_parameter_mismatch` when `client_request_token` was used for a different
  /// request.
  transact_write_items_response transact_write_items(
      const transact_write_items_request& request) const;

  // --- Low level ----------------------------------------------------------------------------

  /// Sends `json_body` as the operation `operation` (e.g. "ListTables", with target prefix
  /// `DynamoDB_20120810.`) and returns the response body of a 200. Errors and retries as above;
  /// only read operations count as idempotent here (the body is not inspected for a token).
  [[nodiscard]] std::string call(std::string_view operation, std::string json_body) const;

 private:
  class impl;
  [[nodiscard]] const impl& checked_impl() const;
  std::unique_ptr<impl> impl_;
};

}  // namespace dynamo_es::dynamodb
