#pragma once
// Cloutly (shared/apis/cloutly.md): reviews, a newest-first walk with a periodic full walk
// (walk.hpp); businesses, a snapshot every run. Records become rows in mapping.hpp.
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "connectors/connector.hpp"
#include "net/authenticator.hpp"
#include "net/http.hpp"

namespace sluice::connectors::cloutly {

std::unique_ptr<connector> make_connector(const source_config& source);

// The `x-api-key` header with the source's api_key, sent verbatim.
std::shared_ptr<net::authenticator> make_authenticator(const source_config& source);

// The run loops behind connector::run and connector::check, with the network passed in as `get`
// (http_client::get in production) so tests drive them against canned answers.

// One GET of an absolute URL; returns the 2xx answer or throws sluice::error.
using fetch = std::function<boost::asio::awaitable<net::response>(std::string url)>;

struct pull {
  const source_config& source;
  bool full = false;
  std::optional<std::string> cursor;
  sink& out;
  run_counters& counters;
  fetch get;
  // A backfill run (reviews only): `cursor` is the job's progress (walk.hpp, backfill_progress).
  std::optional<backfill_range> backfill{};
};

// Walks GET /reviews (walk.hpp); a full walk is wrapped in begin_snapshot/complete_snapshot, a
// backfill walk never is. A full walk that read fewer distinct reviews than the listing reported
// (reviews_walk::shortfall) does not complete its snapshot: it commits its final cursor, marks
// nothing deleted, and returns why, for the run to be recorded as suspicious.
boost::asio::awaitable<std::optional<std::string>> pull_reviews(pull p);
// GET /businesses as one snapshot; there is no cursor.
boost::asio::awaitable<void> pull_businesses(pull p);
// GET /reviews?limit=1: "authenticated; 30 reviews".
boost::asio::awaitable<std::string> check_source(std::string source_name, std::string base_url,
                                                 fetch get);

}  // namespace sluice::connectors::cloutly
