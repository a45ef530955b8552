#include "tests/support/webhook_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace sluice::test {

webhook_receiver::webhook_receiver(bool up) {
  down_ = !up;
  listen_on(0, up);
  thread_ = std::thread([this] { loop(); });
}

webhook_receiver::~webhook_receiver() {
  stop_ = true;
  thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string webhook_receiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

// Down, the port is bound without listening: connections are refused, and no client socket can
// take the port as its own ephemeral port (on loopback a client may otherwise connect to itself,
// and the receiver could not come back). Coming up listens on the same socket, so the port is
// never free for a moment.
void webhook_receiver::listen_on(int port, bool listening) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      (listening && ::listen(fd, 16) != 0))
    throw std::runtime_error(std::string("webhook_receiver: cannot listen on port ") +
                             std::to_string(port) + ": " + std::strerror(errno));
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  listen_fd_ = fd;
  listening_ = listening;
}

void webhook_receiver::come_up() { down_ = false; }

void webhook_receiver::answer_with(unsigned status, std::chrono::milliseconds delay) {
  status_ = status;
  delay_ms_ = delay.count();
}

std::vector<std::string> webhook_receiver::bodies() const {
  std::lock_guard lock(mutex_);
  return bodies_;
}

// The listener is opened and closed on this thread only, so `down` really refuses connections.
void webhook_receiver::loop() {
  while (!stop_) {
    if (!down_ && !listening_) {
      if (::listen(listen_fd_, 16) != 0) throw std::runtime_error("webhook_receiver: listen");
      listening_ = true;
    }
    if (!listening_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    serve(fd);
    ::close(fd);
  }
}

void webhook_receiver::serve(int fd) {
  std::string data;
  char buf[4096];
  std::size_t header_end = std::string::npos;
  std::size_t length = 0;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) return;
    auto n = ::read(fd, buf, sizeof buf);
    if (n <= 0) return;
    data.append(buf, static_cast<std::size_t>(n));
    if (header_end == std::string::npos &&
        (header_end = data.find("\r\n\r\n")) != std::string::npos) {
      auto at = data.find("Content-Length:");
      if (at == std::string::npos) at = data.find("content-length:");
      if (at != std::string::npos && at < header_end)
        length = std::strtoul(data.c_str() + at + 15, nullptr, 10);
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + length) break;
  }
  ++requests_;
  std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
  const unsigned status = status_;
  if (status / 100 == 2) {
    std::lock_guard lock(mutex_);
    bodies_.push_back(data.substr(header_end + 4, length));
  }
  std::string answer = "HTTP/1.1 " + std::to_string(status) +
                       " X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
  [[maybe_unused]] auto written = ::write(fd, answer.data(), answer.size());
}

}  // namespace sluice::test
