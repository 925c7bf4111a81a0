#pragma once

/// \file
/// DynamoDB Local for tests: one instance per test binary, started on a free loopback port (or an
/// already running one named by `DYNAMO_ES_TEST_ENDPOINT`), plus helpers that give each suite its
/// own database and each test its own table.

#include <sys/types.h>

#include <string>
#include <string_view>

#include "dynamo_es/dynamodb/client.hpp"

namespace dynamo_es::testing {

/// A running DynamoDB Local.
///
/// Where it comes from:
///  1. `DYNAMO_ES_TEST_ENDPOINT` (e.g. `http://127.0.0.1:8000`) when set: that instance is used
///     and nothing is started;
///  2. otherwise `java ... -jar DynamoDBLocal.jar -inMemory -disableTelemetry -port N` from the
///     folder `DYNAMODB_LOCAL_DIR` (environment) or the build's `DYNAMO_ES_DYNAMODB_LOCAL_DIR`,
///     on a free 127.0.0.1 port; `JAVA` overrides the java binary.
///
/// A started instance is killed and reaped by the destructor. A watchdog process also kills it
/// when the test binary dies without running destructors (crash, SIGKILL, ctest timeout).
/// Thread-safe after construction (all accessors are const).
class dynamodb_local {
 public:
  /// Starts or attaches, then waits (at most 90 s) until Local answers a ListTables. Throws
  /// `std::runtime_error` naming the command, the reason and the end of java's log.
  dynamodb_local();
  ~dynamodb_local();
  dynamodb_local(const dynamodb_local&) = delete;
  dynamodb_local& operator=(const dynamodb_local&) = delete;

  /// The instance of this process, started on first use and stopped at exit.
  [[nodiscard]] static dynamodb_local& shared();

  /// `http://127.0.0.1:<port>` (or `DYNAMO_ES_TEST_ENDPOINT`).
  [[nodiscard]] const std::string& endpoint_url() const noexcept { return endpoint_url_; }
  /// True when this object started java (false when attached to `DYNAMO_ES_TEST_ENDPOINT`).
  [[nodiscard]] bool started() const noexcept { return java_pid_ > 0; }

  /// Client options for this instance: region us-east-1 and an access key id derived from
  /// `isolation_key` and this process, so that each isolation key gets its own database (Local
  /// keeps one per access key id and region) and concurrent or repeated test runs against one
  /// instance never share state. The same key returns the same database within a process.
  [[nodiscard]] dynamodb::client_options options(std::string_view isolation_key) const;

 private:
  void start(const std::string& directory);
  void wait_until_ready();
  void stop() noexcept;
  [[nodiscard]] std::string log_tail() const;

  std::string endpoint_url_;
  pid_t java_pid_ = -1;
  pid_t watchdog_pid_ = -1;
  int watchdog_fd_ = -1;
  int log_fd_ = -1;  // java's log, already unlinked
  std::string command_;
};

/// A table name unique in this process and across processes: `<prefix>-<process token>-<n>`,
/// with characters DynamoDB does not allow in table names replaced by `_`.
[[nodiscard]] std::string unique_table_name(std::string_view prefix);

/// Creates a table and deletes it again when it goes out of scope (deletion errors ignored).
class temporary_table {
 public:
  /// Creates `request.table_name` with `client`, which must outlive this object.
  temporary_table(const dynamodb::client& client, const dynamodb::create_table_request& request);
  ~temporary_table();
  temporary_table(const temporary_table&) = delete;
  temporary_table& operator=(const temporary_table&) = delete;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  /// The CreateTable response.
  [[nodiscard]] const dynamodb::table_description& description() const noexcept {
    return description_;
  }

 private:
  const dynamodb::client& client_;
  std::string name_;
  dynamodb::table_description description_;
};

/// The event table of the PHP package (broadway-contract.md §4.2): key Id (S, hash) + Playhead
/// (N, range), GSI `Feed-GlobalPosition-index` on Feed (S) + GlobalPosition (N) projecting ALL,
/// on-demand billing.
[[nodiscard]] dynamodb::create_table_request event_table_request(std::string table_name);

}  // namespace dynamo_es::testing
