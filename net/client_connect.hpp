#pragma once
// Opening one connection for the HTTP client: resolve, TCP connect, through a proxy the CONNECT
// tunnel, TLS handshake with certificate verification, each step under its own deadline. Private
// to net/.
#include <functional>
#include <memory>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "net/client_target.hpp"
#include "net/proxy_url.hpp"
#include "net/timeouts.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace sluice::net {

struct connection;  // net/client_connection.hpp

struct connect_settings {
  boost::asio::any_io_executor executor;
  const timeouts& limits;
  // The TLS context for https targets, asked for only once a connection is about to use it
  // (loading the system store is not free, and plain http never needs it).
  std::function<boost::asio::ssl::context&()> tls;
  const bool& stopped;  // the client was shut down: stop at the next step
  // Resolve and connect reach this proxy instead, and a CONNECT tunnel leads to the target; TLS
  // (SNI, verification) is then the same as without it. nullptr: connect directly.
  const proxy_endpoint* proxy = nullptr;
};

// Throws transport_failure (naming the proxy, when there is one). Cancellation (the awaiting
// coroutine's cancellation slot) ends any step at once; the resolver, which cannot be interrupted,
// is abandoned to finish on its own.
boost::asio::awaitable<std::unique_ptr<connection>> open_connection(const target& t,
                                                                    connect_settings settings);

}  // namespace sluice::net
