#pragma once
// The bookkeeping side of the store: cursors, run history, status. One connection, used from the
// daemon's control flow (not the writer thread).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/run_counters.hpp"
#include "core/sink.hpp"
#include "core/time.hpp"
#include "store/database.hpp"

namespace sluice::store {

struct run_outcome {
  std::string status;  // "succeeded" | "failed" | "cancelled" | "suspicious"
  write_totals totals;
  run_counters counters;
  std::optional<error_kind> error;  // set when failed
  std::string error_message;        // already free of secrets
};

struct stream_status {
  std::string source;
  std::string stream;
  std::optional<std::string> cursor;  // JSON text
  std::optional<timestamp> cursor_updated_at;
  // The latest run, if any.
  std::optional<std::int64_t> last_run_id;
  std::string last_mode;
  std::string last_status;  // running | succeeded | failed | cancelled | suspicious
  std::optional<timestamp> last_started_at;
  std::optional<timestamp> last_finished_at;
  std::int64_t last_records = 0, last_inserted = 0, last_updated = 0, last_deleted = 0,
               last_warnings = 0, last_requests = 0, last_throttled = 0;
  std::string last_error;
  std::optional<timestamp> last_success_at;
  std::int64_t rows = 0;     // live rows of this source in the stream's table
  std::string lease_holder;  // empty when no live lease
};

// A stream's freshness objective, as the configuration says (table stream_objectives).
struct stream_objective {
  std::string source, stream;
  duration max_staleness{};
  bool operator==(const stream_objective&) const = default;
};

// What the run history says about a stream's health: what a restarted daemon starts from.
struct stream_health {
  std::string source, stream;
  std::optional<timestamp> last_success_at;  // newest succeeded or suspicious run's end
  int failures_in_a_row = 0;                 // failed runs after the newest success
  std::string last_status;                   // of the newest finished run
};

class state {
public:
  explicit state(const database_options& db);  // throws sluice::error(kind database)
  ~state();
  state(const state&) = delete;
  state& operator=(const state&) = delete;

  std::optional<std::string> cursor(std::string_view source, std::string_view stream);

  // When the latest run in mode "full" that succeeded (or was suspicious: it still read
  // everything) finished; nullopt when there was none.
  std::optional<timestamp> last_full_run(std::string_view source, std::string_view stream);

  // Inserts a sync_runs row with status 'running' for `holder` (the lease holder running it;
  // empty: none) and returns its id. Rows of the same stream still 'running' are closed as
  // 'interrupted' in the same transaction: one stream runs once at a time under its source's
  // lease, so they were abandoned (a process that died, or lost the connection that would have
  // finished them).
  std::int64_t begin_run(std::string_view source, std::string_view stream, std::string_view mode,
                         std::string_view holder = {});
  // Closes as 'interrupted' every 'running' row whose holder no longer holds a live lease on its
  // source (the process stopped or lost the source) or is `exiting_holder` (a process about to
  // exit, whose runs have all ended). Returns how many.
  std::int64_t close_abandoned_runs(std::string_view exiting_holder = {});
  // Never leaves the row 'running' when the database is reachable at all: texts are made valid
  // UTF-8 and bounded first, and when the update still fails it is retried once with a fixed
  // message (the first failure is rethrown).
  void finish_run(std::int64_t run_id, const run_outcome& outcome);

  // `tables` maps each (source, stream) the configuration knows to its table, so status can
  // count rows; streams that have state in the database but are no longer configured are listed
  // too (with rows = 0).
  struct stream_key {
    std::string source, stream, table;
  };
  std::vector<stream_status> status(const std::vector<stream_key>& configured);

  // Forgets cursors; an empty stream means every stream of the source. Returns rows removed.
  std::int64_t reset(std::string_view source, std::string_view stream);

  std::string server_version();  // "PostgreSQL 15.18"

  // Writes the objectives (rows whose value is unchanged are not touched).
  void set_objectives(const std::vector<stream_objective>& objectives);
  // Every stream with runs in sync_runs.
  std::vector<stream_health> health();

private:
  void record_run_end(std::int64_t run_id, const run_outcome& outcome, const std::string& message,
                      const std::string& warning);

  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::store
