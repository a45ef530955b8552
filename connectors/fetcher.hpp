#pragma once
// The network as a stream sees it: one request in, its 2xx answer out, or sluice::error. In
// production a fetcher is the source's net::http_client (rate budget, retries, authentication);
// tests give it a function that answers from canned bodies, and drive a connector through its
// public run() and check() without any of its internals exported.
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "core/run_counters.hpp"
#include "net/http.hpp"

namespace sluice::net {
class http_client;
}

namespace sluice::connectors {

class fetcher {
public:
  // Sends one request; `counters`, when given, counts requests, 429s and retries.
  using function = std::function<boost::asio::awaitable<net::response>(net::request req,
                                                                       run_counters* counters)>;

  // Implicit on purpose: everything that runs a stream holds an http_client and passes it on.
  fetcher(net::http_client& http);  // NOLINT(google-explicit-constructor)
  explicit fetcher(function send) : send_(std::move(send)) {}

  boost::asio::awaitable<net::response> send(net::request req, run_counters* counters = nullptr);
  boost::asio::awaitable<net::response> get(std::string url, run_counters* counters = nullptr);

private:
  function send_;
};

}  // namespace sluice::connectors
