#include "connectors/fetcher.hpp"

#include <utility>

#include "net/http_client.hpp"

namespace sluice::connectors {

fetcher::fetcher(net::http_client& http)
    : send_([&http](net::request req, run_counters* counters) {
        return http.send(std::move(req), counters);
      }) {}

boost::asio::awaitable<net::response> fetcher::send(net::request req, run_counters* counters) {
  co_return co_await send_(std::move(req), counters);
}

boost::asio::awaitable<net::response> fetcher::get(std::string url, run_counters* counters) {
  net::request req;
  req.url = std::move(url);
  co_return co_await send_(std::move(req), counters);
}

}  // namespace sluice::connectors
