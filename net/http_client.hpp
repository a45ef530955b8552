#pragma once
// The HTTPS client one source uses: connection reuse per origin, TLS verification, timeouts on
// every step, the source's rate budget, retries, authentication and the error-kind mapping.
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/run_counters.hpp"
#include "core/secret.hpp"
#include "net/authenticator.hpp"
#include "net/http.hpp"
#include "net/retry_policy.hpp"
#include "net/timeouts.hpp"
#include "net/token_bucket.hpp"

namespace sluice::net {

// One attempt's outcome, for metrics (daemon /metrics): requests by status, throttling, retries.
struct request_event {
  unsigned status = 0;             // HTTP status; 0 when no answer arrived (network error, timeout)
  bool throttled = false;          // a 429
  bool retry = false;              // this attempt repeats an earlier one
  double budget_wait_seconds = 0;  // waited for the source's rate budget before this attempt
};

enum class request_priority { normal, low };

struct client_options {
  std::string source;  // names the source in error messages
  net::timeouts timeouts;
  std::string ca_file;  // extra PEM trust anchor besides the system store
  std::size_t body_limit = 256u << 20;
  retry_policy retry;
  std::string user_agent = "sluice/0.1";
  std::size_t max_connections_per_origin = 4;  // open at once, per client (bounds descriptors)
  // Backfill clients use `low`: they share the source's budget but take tokens only when live
  // pulls leave some (token_bucket::try_take_now).
  request_priority priority = request_priority::normal;
  // Called once per attempt, on the client's executor (no locks needed by the client).
  std::function<void(const request_event&)> observer;
  // The source's `proxy`: a URL (`http://[user:password@]host:port`) every request goes through,
  // "" for none; nullopt follows the environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY: see
  // net/proxy_settings.hpp and docs/networking.md).
  std::optional<secret> proxy;
};

// Single-threaded: a client, its pool and the token bucket it is given are used from the one
// io_context thread that runs the network coroutines (no locks). Destroying the client shuts it
// down like shutdown(); requests still in flight keep its internals alive until they finish.
class http_client {
public:
  http_client(boost::asio::any_io_executor executor, client_options options,
              std::shared_ptr<token_bucket> budget, std::shared_ptr<authenticator> auth);
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  // Sends the request (auth applied, budget respected, transient failures retried) and returns
  // the 2xx answer. Anything else throws sluice::error with its kind, the HTTP status, and a
  // message naming the source, the method and the URL without its query string, the status and
  // at most 200 bytes of the body; the error also carries the attempt count and that body
  // excerpt as fields (error::attempts, error::body_excerpt), for callers that act on them.
  // `counters`, when given, counts requests, 429s and retries.
  // A Retry-After beyond retry.max_retry_after is not waited for: the request fails at once
  // with the time to retry, and the source's budget holds its other requests until then.
  boost::asio::awaitable<response> send(request req, run_counters* counters = nullptr);
  boost::asio::awaitable<response> get(std::string url, run_counters* counters = nullptr);

  // Closes idle connections; requests in flight fail with kind `cancelled`.
  void shutdown();

  // Closes idle keep-alive connections now (each holds a descriptor until it is reused or found
  // stale); requests in flight keep theirs. The client stays usable.
  void close_idle();

private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace sluice::net
