#pragma once
// The hand-off between the coroutines that write through sinks and the writer thread: the bounded
// job queue, each sink's state, back-pressure and the waiters that suspended coroutines leave
// behind. No SQL here; the writer thread takes groups of jobs and reports how each one ended.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/sink.hpp"
#include "core/table.hpp"
#include "store/batch_writer.hpp"
#include "store/encoded_batch.hpp"

namespace sluice::store {

// A suspended write() or flush(), completed from the writer thread. The completion is posted
// to the coroutine's executor, and a work guard keeps that executor's run() from returning while
// the coroutine waits for us.
class waiter {
public:
  virtual ~waiter() = default;
  virtual void complete() = 0;
};

using waiter_list = std::vector<std::unique_ptr<waiter>>;

void complete_all(waiter_list& waiters);

// One stream run's view of the writer. Fields below `guarded` belong to writer_queue::mutex.
struct sink_state {
  boost::asio::any_io_executor executor;
  std::string source;
  std::string stream;
  const table_def* table = nullptr;
  std::int64_t run_id = 0;
  std::string lease_holder;                  // sink_options::lease_holder
  std::optional<std::int64_t> backfill_job;  // sink_options::backfill_job
  std::string line_prefix;                   // the source, COPY-encoded, plus a tab
  const run_counters* counters = nullptr;    // sink_options::counters (the caller's thread only)
  // The run's requests when its latest batch was written: set by the caller, read by commits.
  std::atomic<std::int64_t> requests{0};

  // guarded
  write_totals totals;
  std::size_t pending = 0;  // jobs queued or being committed
  std::exception_ptr failure;
  waiter_list flush_waiters;
  bool in_snapshot = false;  // between begin_snapshot() and complete_snapshot(), as queued
  std::optional<snapshot_result> snapshot_outcome;  // set by the writer thread
};

enum class job_kind {
  rows,         // a batch: rows and/or a cursor
  forget_seen,  // begin_snapshot(resume = false)
  complete_snapshot,
};

// Jobs of one sink run in the order they were queued, so a snapshot's start and end fall exactly
// between the batches written before and after them.
struct job {
  std::shared_ptr<sink_state> sink;
  encoded_batch rows;                       // rows: encoded by the sink (encoded_batch.hpp)
  std::optional<std::string> cursor_after;  // rows and complete_snapshot
  job_kind kind = job_kind::rows;
  bool record_seen = false;          // rows: written during a snapshot
  double max_delete_fraction = 0.0;  // complete_snapshot
};

// How the writer thread's work on one group of jobs ended.
struct group_outcome {
  std::exception_ptr failure;  // set: nothing of the group committed
  write_totals totals;
  std::optional<snapshot_result> snapshot;  // complete_snapshot
};

// What the writer thread and the sinks share. Sinks keep it alive, so a sink that outlives its
// writer fails cleanly (kind cancelled) instead of touching freed memory.
struct writer_queue {
  explicit writer_queue(writer_options o) : options(std::move(o)) {}

  writer_options options;

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<job> queue;
  std::size_t queued_rows = 0;
  bool stopping = false;
  waiter_list room_waiters;

  bool has_room() const { return queued_rows <= options.max_queued_rows; }

  // Records the first failure of a sink and discards its queued batches: their cursors must not
  // commit past rows that did not. Called with `mutex` held.
  void fail(sink_state& sink, std::exception_ptr e);

  // The writer thread's next group of jobs to run as one unit; waits for one. Returns false when
  // the writer stops, after failing every queued job with kind cancelled.
  bool take(std::vector<job>& group);

  // The end of a group taken by take(): the sink's totals, or its failure, and the waiters that
  // may now go on.
  void settle(sink_state& sink, std::size_t jobs, group_outcome outcome);

  // Wakes the writer thread to fail what is queued and return.
  void stop();

private:
  // Takes the next group, waiting up to options.commit_linger for more of a small group's stream.
  std::vector<job> next_group(std::unique_lock<std::mutex>& lock);
  bool joins(const std::vector<job>& group, std::size_t rows, const job& next) const;
};

// A sink that queues into `queue`. `options.table` must be set.
std::unique_ptr<sink> open_sink(std::shared_ptr<writer_queue> queue,
                                boost::asio::any_io_executor executor, sink_options options);

}  // namespace sluice::store
