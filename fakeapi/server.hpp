#pragma once
// HTTP/1.1 and HTTPS listeners: one coroutine per connection on a single-threaded io_context,
// keep-alive, Content-Length responses, idle timeouts. Everything else is the router's job.
#include "fakeapi/router.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>

namespace sluice::fakeapi {

struct server_timeouts {
  std::chrono::seconds idle{30};       // waiting for (the rest of) a request
  std::chrono::seconds handshake{10};  // TLS handshake and shutdown
  std::chrono::seconds write{60};      // sending one response
};

// Binds and listens now, so the caller can report the port before serving starts.
boost::asio::ip::tcp::acceptor bind_listener(boost::asio::io_context& ioc,
                                             const boost::asio::ip::tcp::endpoint& endpoint);

// Serves the acceptor's connections from the io_context. `routes` and `tls` must outlive it.
void serve_http(boost::asio::ip::tcp::acceptor acceptor, router& routes, server_timeouts timeouts);
void serve_https(boost::asio::ip::tcp::acceptor acceptor, router& routes,
                 boost::asio::ssl::context& tls, server_timeouts timeouts);

}  // namespace sluice::fakeapi
