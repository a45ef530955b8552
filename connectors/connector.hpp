#pragma once
// What every source connector provides. A connector knows its API and its mapping to rows; it
// reaches the network through net::http_client and the database only through sluice::sink.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "connectors/verification.hpp"
#include "core/run_counters.hpp"
#include "core/sink.hpp"
#include "core/source_config.hpp"
#include "core/table.hpp"
#include "core/time.hpp"

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
  // `sluice backfill` can re-read a time range of this stream (stream_run::backfill). Snapshot
  // streams read everything on every run, so they have nothing to backfill.
  bool backfill = false;
};

// The historical range of a backfill run: `since` inclusive, `until` exclusive; either may be
// open. What the range bounds is the stream's own order (Partoo reviews: update_date; Cloutly
// reviews: createdAt), documented by each connector.
struct backfill_range {
  std::optional<timestamp> since;
  std::optional<timestamp> until;
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
  // Set on a backfill run (only for streams with stream_spec::backfill). Then `cursor` is the
  // job's progress (nullopt when the job starts), every batch's cursor_after is the new progress
  // (the daemon routes it to backfill_jobs.progress, never to the live cursor), `full` is false,
  // the walk covers the range only, and nothing is treated as a snapshot (no deletions).
  std::optional<backfill_range> backfill{};
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

  // The instant a committed cursor of `stream` stands at (Partoo reviews: its update_date;
  // Cloutly reviews: its high-water mark), for the cursor-lag metric; nullopt when the stream has
  // no time cursor or the text is not one. Never throws.
  virtual std::optional<timestamp> cursor_time(std::string_view stream,
                                               const std::string& cursor) const {
    (void)stream;
    (void)cursor;
    return std::nullopt;
  }

  // Compares the API's own count of `run.stream`'s records with the table and, unless
  // run.dry_run, repairs what disagrees (connectors/verification.hpp). Requests go through
  // run.http, rows through run.out (never with a cursor: a verification does not move the live
  // cursor), table facts and deletion marks through run.table. Throws sluice::error. The default
  // is for streams whose API reports no count: snapshot streams re-read everything on every run,
  // which is their verification.
  virtual boost::asio::awaitable<verify_report> verify(verify_run& run);
};

}  // namespace sluice::connectors
