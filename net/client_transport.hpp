#pragma once
// The HTTP client's transport: one request on a pooled connection, plain or TLS, every step
// under its deadline. It knows nothing of budgets, credentials or retries (the policies').
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/secret.hpp"
#include "net/client_target.hpp"
#include "net/http.hpp"
#include "net/proxy_settings.hpp"
#include "net/timeouts.hpp"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace sluice::net {

class connection_pool;

struct transport_options {
  std::string source;  // names the source in messages
  net::timeouts timeouts;
  std::string ca_file;
  std::size_t body_limit = 256u << 20;
  std::string user_agent;
  std::size_t max_connections_per_origin = 4;
  std::optional<secret> proxy;  // client_options::proxy
};

// Throws sluice::error (kind `client`) for a header that must not go on the wire; `what` names
// the request. Called before an attempt is counted: such a request is never sent.
void check_headers(const request& req, const std::string& what);

class client_transport {
public:
  // Throws sluice::error (kind config) for a `ca_file` it cannot load or a proxy URL (option or
  // environment) it cannot use.
  client_transport(boost::asio::any_io_executor executor, transport_options options);
  ~client_transport();
  client_transport(const client_transport&) = delete;
  client_transport& operator=(const client_transport&) = delete;

  // Sends `req` to `t` and returns the answer as received (body still encoded), whatever its
  // status. Throws transport_failure. A reused connection the server closed while idle is
  // replaced once, silently. Cancellation through the awaiting coroutine's cancellation slot.
  boost::asio::awaitable<response> exchange(const target& t, const request& req);

  bool stopped() const noexcept { return stopped_; }
  const transport_options& options() const noexcept { return options_; }
  void close_idle();
  void shutdown();

private:
  boost::asio::ssl::context& tls_context();

  boost::asio::any_io_executor executor_;
  transport_options options_;
  std::shared_ptr<connection_pool> pool_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // shared per trust configuration
  proxy_settings proxies_;  // the source's `proxy` or the environment's, read at construction
  bool stopped_ = false;
};

}  // namespace sluice::net
