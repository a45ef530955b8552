#pragma once
// Drives a connector through its public face, as the daemon does (connector::run and
// connector::check), with canned answers behind the fetcher seam instead of a network.
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/awaitable.hpp>

#include "connectors/connector.hpp"
#include "net/http.hpp"
#include "core/sink.hpp"
#include "tests/support/run_sync.hpp"

namespace sluice::test {

// A fake server that answers by URL alone (GET-only APIs).
using url_answer = std::function<boost::asio::awaitable<net::response>(std::string url)>;
// A fake server that looks at the whole request (method, headers).
using request_answer = std::function<boost::asio::awaitable<net::response>(net::request req)>;

inline connectors::fetcher by_url(url_answer answer) {
  return connectors::fetcher(
      [answer = std::move(answer)](net::request req, run_counters*) { return answer(req.url); });
}

inline connectors::fetcher by_request(request_answer answer) {
  return connectors::fetcher([answer = std::move(answer)](net::request req, run_counters*) {
    return answer(std::move(req));
  });
}

// One run of `stream` as the daemon makes it: the stream's loop, then the closing flush (which
// the tests' sinks leave out of their records when they are about the loop alone). Returns why
// the run is suspicious (a snapshot held back), or nullopt.
inline std::optional<std::string> run_stream(
    connectors::connector& c, const source_config& source, std::string stream,
    connectors::fetcher network, sink& out, run_counters& counters, bool full = false,
    std::optional<std::string> cursor = std::nullopt,
    std::optional<connectors::backfill_range> range = std::nullopt) {
  connectors::stream_run run{source, std::move(stream), full, std::move(cursor), network,
                             out,    counters,          range};
  auto totals = run_sync(c.run(run));
  if (!totals.suspicious) return std::nullopt;
  return totals.suspicious_reason;
}

}  // namespace sluice::test
