#pragma once
// What one configured source needs at run time: its connector, its rate budget (shared by all its
// streams) and its HTTP client.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "connectors/connector.hpp"
#include "connectors/registry.hpp"
#include "core/source_config.hpp"
#include "net/http_client.hpp"
#include "net/token_bucket.hpp"

namespace sluice::daemon {

struct source_runtime {
  const source_config* config = nullptr;
  const connectors::kind_info* kind = nullptr;
  std::unique_ptr<connectors::connector> connector;
  std::shared_ptr<net::token_bucket> budget;
  std::unique_ptr<net::http_client> http;
  // Backfill requests: the same budget, low priority (live pulls go first), its own connections.
  std::unique_ptr<net::http_client> backfill_http;

  // Ends both clients: requests in flight fail with kind `cancelled` (stop signal, lost lease).
  void shutdown();

  // The streams to run: the configured subset (or all), filtered by `only` when non-empty.
  std::vector<connectors::stream_spec> selected_streams(const std::vector<std::string>& only) const;
};

// `observer`, when set, sees every request attempt of both clients (metrics).
source_runtime make_source_runtime(boost::asio::any_io_executor executor,
                                   const source_config& source,
                                   std::function<void(const net::request_event&)> observer = {});

}  // namespace sluice::daemon
