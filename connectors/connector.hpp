#pragma once
// What every source connector provides. A connector knows its API and its mapping to rows; it
// reaches the network through net::http_client and the database only through sluice::sink.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/run_counters.hpp"
#include "core/sink.hpp"
#include "core/source_config.hpp"
#include "core/table.hpp"

namespace sluice::net {
class http_client;
class authenticator;
}  // namespace sluice::net

namespace sluice::connectors {

enum class stream_mode { incremental, snapshot };

struct stream_spec {
  std::string name;        // e.g. "reviews"
  const table_def* table;  // where its rows go
  stream_mode mode;
  // Incremental streams whose API cannot report edits or deletions (Cloutly reviews) need a
  // periodic full walk: the daemon sets stream_run::full when the last successful full run is
  // older than the source's full_refresh_interval (and on `sync --full`).
  bool full_refresh = false;
};

// Everything one run of one stream needs. The daemon owns all of it for the run's duration.
struct stream_run {
  const source_config& source;
  std::string stream;
  bool full = false;                  // --full or a due full refresh: re-read everything
  // The committed cursor (JSON text); nullopt on a first run. Also given on full runs: a full
  // walk ignores its position but may resume an interrupted full walk recorded in it, and must
  // never move a high-water mark backwards.
  std::optional<std::string> cursor;
  net::http_client& http;
  sink& out;
  run_counters& counters;
};

class connector {
public:
  virtual ~connector() = default;

  virtual std::vector<stream_spec> streams() const = 0;

  // One pass over one stream: fetch, map, hand batches (with the cursor they advance) to
  // run.out, then flush. Throws sluice::error; the caller records it and the cursor stays where
  // the last committed batch left it.
  virtual boost::asio::awaitable<write_totals> run(stream_run& run) = 0;

  // One cheap authenticated call. Returns a short description for `sluice check`
  // ("authenticated, 287 reviews"); throws sluice::error (kind auth on rejected credentials).
  virtual boost::asio::awaitable<std::string> check(net::http_client& http,
                                                    run_counters& counters) = 0;
};

}  // namespace sluice::connectors
