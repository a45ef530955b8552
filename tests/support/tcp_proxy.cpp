#include "tests/support/tcp_proxy.hpp"

#include <stdexcept>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sluice::test {
namespace {

int connect_to(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (auto* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

tcp_proxy::tcp_proxy(std::string target_host, int target_port)
    : host_(std::move(target_host)), target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("tcp_proxy: cannot listen");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { loop(); });
}

tcp_proxy::~tcp_proxy() {
  stop_ = true;
  thread_.join();
  close_pairs();
  for (int fd : pending_) ::close(fd);
  ::close(listen_fd_);
}

std::string tcp_proxy::url_through(const std::string& database_url) const {
  // postgresql://user:pw@HOST:PORT/db -> ...@127.0.0.1:OURS/db
  const auto at = database_url.rfind('@');
  const auto slash = database_url.find('/', at);
  return database_url.substr(0, at + 1) + "127.0.0.1:" + std::to_string(port_) +
         database_url.substr(slash);
}

void tcp_proxy::freeze() { mode_ = mode::frozen; }
void tcp_proxy::cut() { mode_ = mode::cut; }
void tcp_proxy::restore() { mode_ = mode::forward; }

void tcp_proxy::close_pairs() {
  for (auto& p : pairs_) {
    ::close(p.client);
    ::close(p.server);
  }
  pairs_.clear();
}

bool tcp_proxy::pump(int from, int to) {
  char buffer[16384];
  const ssize_t n = ::read(from, buffer, sizeof buffer);
  if (n <= 0) return false;
  for (ssize_t sent = 0; sent < n;) {
    const ssize_t w = ::write(to, buffer + sent, static_cast<std::size_t>(n - sent));
    if (w <= 0) return false;
    sent += w;
  }
  return true;
}

bool tcp_proxy::connect_pending() {
  for (int client : pending_) {
    const int server = connect_to(host_, target_port_);
    if (server < 0)
      ::close(client);
    else
      pairs_.push_back({client, server});
  }
  pending_.clear();
  return true;
}

void tcp_proxy::loop() {
  while (!stop_) {
    const mode now = mode_;
    if (now == mode::cut) {
      close_pairs();
      for (int fd : pending_) ::close(fd);
      pending_.clear();
    }
    if (now == mode::forward && !pending_.empty()) connect_pending();
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    if (now == mode::forward)
      for (const auto& p : pairs_) {
        fds.push_back({p.client, POLLIN, 0});
        fds.push_back({p.server, POLLIN, 0});
      }
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      const int client = ::accept(listen_fd_, nullptr, nullptr);
      if (client >= 0) {
        if (mode_ == mode::cut)  // as of now: a restore may have come during the poll
          ::close(client);
        else
          pending_.push_back(client);  // connected upstream now (forward) or on restore (frozen)
      }
    }
    std::vector<pair> kept;
    for (std::size_t i = 0; i < pairs_.size() && now == mode::forward; ++i) {
      const auto& p = pairs_[i];
      bool ok = true;
      if (fds[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) ok = pump(p.client, p.server);
      if (ok && (fds[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)))
        ok = pump(p.server, p.client);
      if (ok) {
        kept.push_back(p);
      } else {
        ::close(p.client);
        ::close(p.server);
      }
    }
    if (now == mode::forward) pairs_ = std::move(kept);
  }
}

}  // namespace sluice::test
