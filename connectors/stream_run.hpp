#pragma once
// What a stream is (stream_spec) and everything one run of it gets (stream_run).
#include <optional>
#include <string>

#include "connectors/fetcher.hpp"
#include "core/run_counters.hpp"
#include "core/run_log.hpp"
#include "core/sink.hpp"
#include "core/source_config.hpp"
#include "core/table.hpp"
#include "core/time.hpp"

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
  bool full = false;  // --full or a due full refresh: re-read everything
  // The committed cursor (JSON text); nullopt on a first run. Also given on full runs: a full
  // walk ignores its position but may resume an interrupted full walk recorded in it, and must
  // never move a high-water mark backwards.
  std::optional<std::string> cursor;
  fetcher http;
  sink& out;
  run_counters& counters;
  // Set on a backfill run (only for streams with stream_spec::backfill). Then `cursor` is the
  // job's progress (nullopt when the job starts), every batch's cursor_after is the new progress
  // (the daemon routes it to backfill_jobs.progress, never to the live cursor), `full` is false,
  // the walk covers the range only, and nothing is treated as a snapshot (no deletions).
  std::optional<backfill_range> backfill{};
  // The run's own lines go through it, so they name the run (`eu/reviews#42: ...`, or fields in
  // JSON and the journal): no need to repeat the source or the stream in a message.
  run_log log{};
};

}  // namespace sluice::connectors
