#pragma once
// One run of one stream, the same for `sync`, `run` and `backfill`: read the cursor (or the
// backfill job's progress), record the run in sync_runs, let the connector pull into a sink, and
// record the outcome. Failures are classified, logged once here, and recorded; they never
// escape, so one stream's failure cannot stop another. Bookkeeping runs on the blocking thread:
// the I/O thread never waits for the database.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <spdlog/common.h>

#include "connectors/connector.hpp"
#include "core/error.hpp"
#include "core/sink.hpp"
#include "daemon/blocking_thread.hpp"
#include "daemon/source_runtime.hpp"
#include "store/backfill_jobs.hpp"
#include "store/batch_writer.hpp"
#include "store/state.hpp"

namespace sluice::daemon {

// Shared by every run of one process. `state` and `jobs` are used only on `db`'s thread.
struct run_context {
  blocking_thread& db;
  store::state& state;
  store::backfill_store& jobs;
  store::batch_writer& writer;
  std::string lease_holder;  // fencing for every sink (empty: none)
  // The daemon: a run that changed nothing logs at debug (it counts them in a summary line);
  // with hundreds of sources one info line per run would drown everything else.
  bool quiet_unchanged = false;
};

struct stream_request {
  source_runtime& source;
  connectors::stream_spec spec;
  bool full_requested = false;                  // sync --full
  std::optional<store::backfill_job> backfill;  // set: run this job instead of a live pull
};

struct stream_result {
  std::string status;  // succeeded | suspicious | failed | cancelled (stopped, lease lost)
  std::optional<error_kind> error;
  std::string message;
  write_totals totals;
  run_counters counters;
  std::optional<std::string> cursor;  // the committed cursor after the run (live runs)
  std::int64_t run_id = 0;            // its sync_runs row (0: a backfill, or none recorded)
  double seconds = 0;

  bool ok() const { return status == "succeeded" || status == "suspicious"; }
  // Succeeded without writing anything and without a warning: nothing worth a log line.
  bool unchanged() const {
    return status == "succeeded" && totals.inserted == 0 && totals.updated == 0 &&
           totals.deleted == 0 && counters.warnings == 0;
  }
};

// Never throws. Pass a named request (std::move it): GCC 12 destroys a braced temporary passed
// by value to a coroutine twice.
boost::asio::awaitable<stream_result> run_stream(run_context& ctx, stream_request request);

// The line a run ends with ("120 records, 3 inserted, ..." or "failed (auth): ..."), and its level
// (info, warn when interrupted, error when failed): what the run logs, and what a daemon reports
// to the `sluice sync` that handed it the run.
std::string outcome_line(const stream_result& result);
spdlog::level::level_enum outcome_level(std::string_view status);
inline spdlog::level::level_enum outcome_level(const stream_result& result) {
  return outcome_level(result.status);
}

// Streams whose API hides edits and deletions get a full walk on `--full`, on their first run,
// and whenever the last full run is older than the source's full_refresh_interval.
bool full_refresh_due(const connectors::stream_spec& spec, const source_config& src,
                      const std::optional<std::string>& cursor, store::state& state);

}  // namespace sluice::daemon
