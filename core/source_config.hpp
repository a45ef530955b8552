#pragma once
// One [sources.NAME] table of the configuration, resolved: defaults of the connector kind applied,
// secrets read from their inline, _env or _file form.
#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/rate.hpp"
#include "core/secret.hpp"
#include "core/time.hpp"

namespace sluice {

// A freshness objective: the newest successful run of a stream must be younger than this. Given
// for the whole source, per stream, or both (a stream's own value wins); without one, a stream
// may be 3 x the source's interval old, at least an hour (one or two failed runs are no news).
struct staleness_objective {
  std::optional<duration> all;
  std::map<std::string, duration, std::less<>> by_stream;

  duration for_stream(std::string_view stream, duration interval) const {
    if (auto it = by_stream.find(stream); it != by_stream.end()) return it->second;
    if (all) return *all;
    return std::max<duration>(3 * interval, std::chrono::hours{1});
  }
  bool operator==(const staleness_objective&) const = default;
};

struct source_config {
  std::string name;      // the table key; stored as `source` in every row
  std::string kind;      // cloutly | partoo | cloudapp | clevertim
  std::string base_url;  // API prefix that endpoint paths are appended to (no trailing slash)

  secret api_key;        // partoo, cloutly, clevertim
  std::string username;  // cloudapp
  secret password;       // cloudapp

  rate rate_limit;  // requests per second for the whole source
  duration interval = std::chrono::minutes{15};
  duration lookback = std::chrono::hours{1};  // the kind's default (partoo: 48h) unless set
  duration full_refresh_interval = std::chrono::hours{24};
  duration timeout = std::chrono::seconds{60};
  std::optional<timestamp> start_date;
  std::vector<std::string> streams;  // empty: every stream of the kind
  std::string ca_file;               // extra trust anchor (PEM); empty: system store only
  // Forward proxy URL (`http://[user:password@]host:port`; may carry a password). nullopt: the
  // environment's (HTTPS_PROXY, HTTP_PROXY, NO_PROXY); "": no proxy, whatever the environment.
  std::optional<secret> proxy;
  double max_delete_fraction = 0.5;
  // How often `sluice run` reconciles the streams' tables with the APIs' counts; 0: never.
  duration verify_interval = std::chrono::hours{6};
  // IANA zone of the account's local times (clevertim task dates); validated at load.
  std::string timezone = "UTC";
  staleness_objective max_staleness;

  // The freshness objective of one of this source's streams.
  duration max_staleness_of(std::string_view stream) const {
    return max_staleness.for_stream(stream, interval);
  }
};

}  // namespace sluice
