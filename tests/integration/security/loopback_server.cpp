#include "integration/security/loopback_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <stdexcept>

namespace dynamo_es::security_testing {
namespace {

int listen_on_loopback(int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(fd, 16) != 0) {
    ::close(fd);
    throw std::runtime_error("bind/listen on 127.0.0.1 failed");
  }
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return fd;
}

// The end of the request: headers, then Content-Length bytes of body. A TLS ClientHello sent to
// the plain server counts as complete at once, so the client meets a non-TLS answer right away.
bool complete(const std::string& data) {
  if (!data.empty() && data.front() == '\x16') return true;
  const auto end = data.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::size_t length = 0;
  const auto header = data.find("ontent-Length:");
  if (header != std::string::npos && header < end) {
    length = std::strtoul(data.c_str() + header + 14, nullptr, 10);
  }
  return data.size() >= end + 4 + length;
}

}  // namespace

reply reply::http(int status, std::string body, std::string extra_headers) {
  reply out;
  out.bytes = "HTTP/1.1 " + std::to_string(status) +
              " Scripted\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\nConnection: close\r\n" + extra_headers + "\r\n" + body;
  return out;
}

struct tls_identity::impl {
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  SSL_CTX* context = nullptr;
};

tls_identity::tls_identity() : impl_(std::make_unique<impl>()) {
  auto& i = *impl_;
  i.key = EVP_EC_gen("P-256");
  i.certificate = X509_new();
  if (i.key == nullptr || i.certificate == nullptr) throw std::runtime_error("OpenSSL alloc");
  X509_set_version(i.certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(i.certificate), 1);
  X509_gmtime_adj(X509_getm_notBefore(i.certificate), -60);
  X509_gmtime_adj(X509_getm_notAfter(i.certificate), 86400);
  X509_set_pubkey(i.certificate, i.key);
  X509_NAME* name = X509_get_subject_name(i.certificate);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(i.certificate, name);
  // The name matches 127.0.0.1, so only the untrusted (self-signed) issuer can fail a check.
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, i.certificate, i.certificate, nullptr, nullptr, 0);
  X509_EXTENSION* san =
      X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  X509_add_ext(i.certificate, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(i.certificate, i.key, EVP_sha256());
  i.context = SSL_CTX_new(TLS_server_method());
  if (i.context == nullptr || SSL_CTX_use_certificate(i.context, i.certificate) != 1 ||
      SSL_CTX_use_PrivateKey(i.context, i.key) != 1) {
    throw std::runtime_error("cannot set up the TLS server context");
  }
}

tls_identity::~tls_identity() {
  SSL_CTX_free(impl_->context);
  X509_free(impl_->certificate);
  EVP_PKEY_free(impl_->key);
}

loopback_server::loopback_server(handler respond, const tls_identity* tls)
    : respond_(std::move(respond)), tls_(tls) {
  // A client that gives up mid-answer must not kill the test process with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  listen_fd_ = listen_on_loopback(port_);
  thread_ = std::thread([this] { run(); });
}

loopback_server::~loopback_server() {
  stop_ = true;
  thread_.join();
  for (const int fd : hung_) ::close(fd);
  ::close(listen_fd_);
}

std::string loopback_server::url(bool https) const {
  return std::string(https ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

void loopback_server::run() {
  while (!stop_) {
    pollfd waiting{listen_fd_, POLLIN, 0};
    if (::poll(&waiting, 1, 50) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd >= 0) serve(fd);
  }
}

void loopback_server::serve(int fd) {
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  SSL* ssl = nullptr;
  if (tls_ != nullptr) {
    ssl = SSL_new(tls_->get().context);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) <= 0) {
      ++failed_handshakes_;
      SSL_free(ssl);
      ::close(fd);
      return;
    }
  }
  std::string request;
  char buffer[4096];
  while (!complete(request)) {
    const auto n = ssl != nullptr ? SSL_read(ssl, buffer, sizeof buffer)
                                  : static_cast<int>(::recv(fd, buffer, sizeof buffer, 0));
    if (n <= 0) break;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  ++requests_;
  const reply answer = respond_(request);
  if (answer.what == reply::action::hang && ssl == nullptr) {
    hung_.push_back(fd);
    return;
  }
  if (answer.what == reply::action::respond) {
    if (ssl != nullptr) {
      SSL_write(ssl, answer.bytes.data(), static_cast<int>(answer.bytes.size()));
    } else {
      ::send(fd, answer.bytes.data(), answer.bytes.size(), MSG_NOSIGNAL);
    }
  }
  if (ssl != nullptr) {
    SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  ::close(fd);
}

int closed_port() {
  int port = 0;
  const int fd = listen_on_loopback(port);
  ::close(fd);
  return port;
}

int loopback_server::await_failed_handshakes(int at_least, std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (failed_handshakes_.load() < at_least && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return failed_handshakes_.load();
}

}  // namespace dynamo_es::security_testing
