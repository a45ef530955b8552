#pragma once
// What runs when on the sources this instance holds: each stream every interval (jittered, backed
// off while failing, never before the time the API asked the source to wait), backfill jobs when
// the source has no backfill in flight, and a verification every verify_interval. Run ends feed
// the metrics, the alerting and the health reports. A stream a `sluice sync` asked for
// (stream_slot::requested) starts as soon as it is free, even when paused. A paused stream
// (daemon/pause_set.hpp) starts nothing: no live run, no backfill job, no verification; a run
// already in flight finishes. All on the I/O thread; the timing rules themselves are in
// daemon/schedule.hpp.
#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "daemon/alerting.hpp"
#include "daemon/daemon_metrics.hpp"
#include "daemon/health.hpp"
#include "daemon/pause_set.hpp"
#include "daemon/source_slot.hpp"
#include "daemon/stream_runner.hpp"
#include "daemon/verify_runner.hpp"
#include "store/backfill_jobs.hpp"

namespace sluice::daemon {

class scheduler {
public:
  using steady = std::chrono::steady_clock;

  // `after_run` runs whenever a run of any kind ended (the daemon may be waiting to stop).
  scheduler(boost::asio::io_context& io, run_context& ctx, verify_context& vctx,
            daemon_metrics& metrics, alerting& alerts, health& health, const pause_set& pauses,
            std::function<void()> after_run);

  // The unfinished backfill jobs of the sources we hold, as the last lease round listed them.
  void set_jobs(std::vector<store::backfill_job> jobs) { pending_jobs_ = std::move(jobs); }
  // The source's lease was just taken: its streams start soon, its verification is scheduled.
  void on_taken(const slot_ptr& slot, steady::time_point now);
  // Starts whatever is due on the source now (nothing when it is not ours to pull).
  void start_due(const slot_ptr& slot, steady::time_point now);
  // When the source's next verification is due (unknown until read from the database).
  void schedule_verify(const slot_ptr& slot);
  // Told of every live run's end, with the number of the run among the stream's starts
  // (stream_slot::starts): how handed-over requests learn their outcome.
  using run_observer = std::function<void(source_slot&, const std::string& stream,
                                          std::uint64_t run, const stream_result&)>;
  void observe_runs(run_observer observer) { observer_ = std::move(observer); }

private:
  void start_stream(const slot_ptr& slot, std::size_t index);
  void end_stream(source_slot& slot, stream_slot& st, bool forced, std::uint64_t run,
                  const stream_result& result);
  void start_backfill(const slot_ptr& slot, store::backfill_job job);
  void end_backfill(source_slot& slot, const store::backfill_job& job, const stream_result& result);
  void start_verify(const slot_ptr& slot);
  void start_backfill_due(const slot_ptr& slot, steady::time_point now);
  bool paused(const source_slot& slot, const std::string& stream) const {
    return pauses_.paused(slot.config->name, stream);
  }
  std::function<boost::asio::awaitable<bool>()> forced_full_walk(const slot_ptr& slot,
                                                                 const std::string& stream);

  boost::asio::io_context& io_;
  run_context& ctx_;
  verify_context& vctx_;
  daemon_metrics& metrics_;
  alerting& alerts_;
  health& health_;
  const pause_set& pauses_;
  std::function<void()> after_run_;
  run_observer observer_;
  std::mt19937_64 rng_;
  std::vector<store::backfill_job> pending_jobs_;
};

}  // namespace sluice::daemon
