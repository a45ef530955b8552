#pragma once
// A small HTTP/1.1 server for the daemon's own endpoints (/metrics, /healthz, /readyz): GET and
// HEAD only, keep-alive, a timeout on every step, bounded request size, a connection limit. It is
// not a general web server: plain HTTP, meant for 127.0.0.1 or a scraping network.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

#include "net/http.hpp"

namespace sluice::net {

struct server_options {
  std::string host = "127.0.0.1";  // address or name to bind ("::1", "0.0.0.0", "localhost")
  std::uint16_t port = 0;          // 0: any free port (tests); see local_port()
  std::chrono::milliseconds step_timeout{10'000};  // read of one request, write of one answer
  std::size_t max_connections = 64;
};

// Answers one request. Runs on the server's executor; must not block. `target` is the request
// target (path and query). Non-GET/HEAD methods get 405 without calling it.
using request_handler = std::function<response(std::string_view target)>;

class http_server {
public:
  // Binds and listens (throws sluice::error kind config naming the address when it cannot bind),
  // then accepts on `executor` until stop().
  http_server(boost::asio::any_io_executor executor, server_options options,
              request_handler handler);
  ~http_server();  // stop()
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  std::uint16_t local_port() const noexcept;
  // Stops accepting and closes open connections. Idempotent.
  void stop();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace sluice::net
