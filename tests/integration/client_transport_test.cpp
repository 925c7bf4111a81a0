// The curl transport on real sockets: DynamoDB Local from many threads over pooled keep-alive
// connections, a refused connection, and a loopback listener that never answers (a timeout after
// the request was sent, i.e. an ambiguous failure).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "integration/client_fixture.hpp"

namespace dynamo_es::dynamodb {
namespace {

using namespace std::chrono_literals;
using client_transport = client_integration;

// A loopback socket; listening or not. The kernel completes connections to a listening socket
// (backlog) even though nothing ever accepts or answers.
class loopback_socket {
 public:
  explicit loopback_socket(bool listening) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
        (listening && ::listen(fd_, 16) != 0)) {
      throw std::runtime_error("cannot set up a loopback socket");
    }
    port_ = ntohs(address.sin_port);
  }
  ~loopback_socket() { ::close(fd_); }
  loopback_socket(const loopback_socket&) = delete;
  loopback_socket& operator=(const loopback_socket&) = delete;

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

client client_for(const std::string& url) {
  client_options options;
  options.endpoint_url = url;
  options.region = "us-east-1";
  options.credentials = credentials{"unreachable", "x", ""};
  options.connect_timeout = 1s;
  options.request_timeout = 500ms;
  return client(std::move(options));
}

TEST_F(client_transport, one_client_serves_four_threads) {
  const std::string& table = events();
  constexpr int threads = 4;
  constexpr int items_per_thread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const std::string id = "thread-" + std::to_string(t);
      for (int i = 1; i <= items_per_thread; ++i) {
        try {
          put_item_request put_request;
          put_request.table_name = table;
          put_request.item = event(id, i, t * 1000 + i);
          put_request.condition_expression = "attribute_not_exists(Id)";
          static_cast<void>(db().put_item(put_request));
          get_item_request get_request;
          get_request.table_name = table;
          get_request.key = key(id, i);
          get_request.consistent_read = true;
          const auto read = db().get_item(get_request).item;
          if (!read || read->at("GlobalPosition").as_int64() != t * 1000 + i) {
            ++failures;
          }
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++failures;
        }
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < threads; ++t) {
    query_request request;
    request.table_name = table;
    request.key_condition_expression = "Id = :id";
    request.expression_attribute_values = {
        {":id", attribute_value::string("thread-" + std::to_string(t))}};
    EXPECT_EQ(db().query_all(request).size(), static_cast<std::size_t>(items_per_thread));
  }
}

TEST(client_transport_failures, a_refused_connection_is_not_ambiguous) {
  std::string url;
  {
    const loopback_socket bound_not_listening(false);
    url = bound_not_listening.url();
  }
  try {
    static_cast<void>(client_for(url).call("ListTables", "{}"));
    FAIL() << "no exception";
  } catch (const transport_error& e) {
    EXPECT_EQ(e.status(), transport_status::connect_failed) << e.what();
    EXPECT_FALSE(e.ambiguous());
    EXPECT_TRUE(e.retryable());
    EXPECT_EQ(e.http_status(), 0);
  }
}

TEST(client_transport_failures, a_silent_server_times_out_ambiguously) {
  const loopback_socket silent(true);
  try {
    static_cast<void>(client_for(silent.url()).call("TransactWriteItems", "{}"));
    FAIL() << "no exception";
  } catch (const transport_error& e) {
    EXPECT_EQ(e.status(), transport_status::timeout) << e.what();
    EXPECT_TRUE(e.ambiguous());
    EXPECT_EQ(e.operation(), "TransactWriteItems");
  }
}

}  // namespace
}  // namespace dynamo_es::dynamodb
