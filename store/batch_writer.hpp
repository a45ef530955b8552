#pragma once
// The writer thread: the only place data rows reach PostgreSQL. Connectors' batches arrive through
// sinks (one per stream run) into a bounded queue; the thread COPYs them into a staging table,
// merges only new or changed rows into the target, and stores the batch's cursor, all in one
// transaction.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "core/run_counters.hpp"
#include "core/sink.hpp"
#include "core/table.hpp"
#include "store/database.hpp"

namespace sluice::store {

// One committed transaction, reported to writer_options::on_commit (on the writer thread).
struct commit_report {
  std::string source{};
  std::string stream{};
  std::int64_t records = 0;  // rows in the transaction
  std::int64_t inserted = 0;
  std::int64_t updated = 0;
  std::int64_t deleted = 0;
  double seconds = 0;  // BEGIN to COMMIT
};

struct writer_options {
  // Back-pressure: write() waits beyond this many rows waiting (the commit in flight is not
  // counted): one commit's worth fills while the other runs, and the queue holds each row as its
  // COPY text (about 1.5 KB for a review), so more only costs memory (bench/README.md).
  std::size_t max_queued_rows = 4'000;
  std::size_t max_rows_per_commit = 4'000;  // consecutive batches of one stream are coalesced
  // How long a commit smaller than max_rows_per_commit waits for the stream's next pages when
  // nothing else is queued. When the writer keeps up with the fetching, every page would
  // otherwise be its own transaction: 200,000 reviews made 1,432 commits of about 140 rows, and
  // the per-commit costs (fence, hash lookup, COPY start, cursor, run progress) held a first load
  // to 0.39x plain COPY. The wait ends early on a flush, a snapshot step, another stream's batch
  // or a stop, so it only ever delays the cursor of a stream that is still fetching.
  std::chrono::milliseconds commit_linger{100};
  // Called after each successful commit, on the writer thread (metrics). Must not block.
  std::function<void(const commit_report&)> on_commit{};
};

// What one sink writes and where its cursor goes.
struct sink_options {
  std::string source{};
  std::string stream{};
  const table_def* table = nullptr;
  std::int64_t run_id = 0;  // the sync_runs row of this run (0: none)
  // Fencing: when non-empty, every transaction of this sink first locks the source's lease row
  // (FOR KEY SHARE) and fails with kind `cancelled` ("lease lost") unless this holder still holds
  // an unexpired lease. A process that lost its lease (paused, partitioned) can then never commit
  // stale rows or move a cursor after another process took the source over.
  std::string lease_holder{};
  // Backfill: cursor_after of each batch is stored as backfill_jobs.progress of this job (with
  // records += rows, updated_at = now()) in the batch's transaction; sync_state is never touched.
  std::optional<std::int64_t> backfill_job{};
  // The run's counters, read when a batch is written (on the caller's thread, where the run
  // updates them): each commit records the requests made so far in its sync_runs row, so a run
  // in flight shows its progress in requests as well as records. Null: not recorded.
  const run_counters* counters = nullptr;
};

class batch_writer {
public:
  // Connects (throws sluice::error kind database) and starts the thread.
  batch_writer(database_options db, writer_options options = {});
  ~batch_writer();  // stop()
  batch_writer(const batch_writer&) = delete;
  batch_writer& operator=(const batch_writer&) = delete;

  // A sink for one run of one stream. Completions are delivered on `executor`. `run_id` is the
  // sync_runs row of this run.
  std::unique_ptr<sink> open(boost::asio::any_io_executor executor, std::string source,
                             std::string stream, const table_def& table, std::int64_t run_id);
  std::unique_ptr<sink> open(boost::asio::any_io_executor executor, sink_options options);

  // Finishes the batch in flight, fails queued ones with kind cancelled, joins the thread.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sluice::store
