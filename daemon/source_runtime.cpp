#include "daemon/source_runtime.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace sluice::daemon {

void source_runtime::shutdown() {
  http->shutdown();
  backfill_http->shutdown();
}

std::vector<connectors::stream_spec> source_runtime::selected_streams(
    const std::vector<std::string>& only) const {
  std::vector<connectors::stream_spec> out;
  for (auto& spec : connector->streams()) {
    const auto& configured = config->streams;
    if (!configured.empty() &&
        std::find(configured.begin(), configured.end(), spec.name) == configured.end())
      continue;
    if (!only.empty() && std::find(only.begin(), only.end(), spec.name) == only.end()) continue;
    out.push_back(std::move(spec));
  }
  return out;
}

source_runtime make_source_runtime(boost::asio::any_io_executor executor,
                                   const source_config& source,
                                   std::function<void(const net::request_event&)> observer) {
  source_runtime rt;
  rt.config = &source;
  rt.kind = connectors::find_kind(source.kind);
  if (!rt.kind)
    throw error(error_kind::config, "source " + source.name + ": unknown kind " + source.kind);
  rt.connector = rt.kind->make(source);
  // A small burst: enough to overlap a few streams' first requests, never a spike the vendor
  // would notice.
  double per_second = source.rate_limit.per_second;
  double burst = per_second <= 0 ? 1.0 : std::clamp(per_second, 1.0, 10.0);
  rt.budget = std::make_shared<net::token_bucket>(per_second, burst);
  net::client_options options;
  options.source = source.name;
  auto step = std::chrono::duration_cast<std::chrono::milliseconds>(source.timeout);
  options.timeouts = net::timeouts::uniform(step);
  options.ca_file = source.ca_file;
  options.proxy = source.proxy;
  options.observer = std::move(observer);
  // One authenticator for both clients: a Digest nonce or a renewed token serves either.
  auto auth = rt.kind->make_authenticator(source);
  rt.http = std::make_unique<net::http_client>(executor, options, rt.budget, auth);
  options.priority = net::request_priority::low;
  rt.backfill_http = std::make_unique<net::http_client>(executor, options, rt.budget, auth);
  return rt;
}

}  // namespace sluice::daemon
