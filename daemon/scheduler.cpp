#include "daemon/scheduler.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "daemon/schedule.hpp"
#include "daemon/verify_pass.hpp"

namespace sluice::daemon {

namespace asio = boost::asio;

scheduler::scheduler(asio::io_context& io, run_context& ctx, verify_context& vctx,
                     daemon_metrics& metrics, alerting& alerts, health& health,
                     const pause_set& pauses, std::function<void()> after_run)
    : io_(io),
      ctx_(ctx),
      vctx_(vctx),
      metrics_(metrics),
      alerts_(alerts),
      health_(health),
      pauses_(pauses),
      after_run_(std::move(after_run)),
      rng_(std::random_device{}()) {}

void scheduler::on_taken(const slot_ptr& slot, steady::time_point now) {
  // Start soon, spread over a couple of seconds so sources taken together do not all send their
  // first requests in the same instant.
  for (auto& s : slot->streams)
    s.next_due = std::max(s.next_due, now + first_run_delay(s.spec.name.size(), rng_));
  schedule_verify(slot);
}

void scheduler::start_due(const slot_ptr& slot, steady::time_point now) {
  if (slot->frozen()) return;
  if (now < slot->not_before) return;  // the API asked this source to wait
  // A paused stream keeps its next_due: when resumed it runs at once if that time has passed
  // (it is overdue), else at its normal time.
  for (std::size_t i = 0; i < slot->streams.size(); ++i) {
    const auto& st = slot->streams[i];
    if (st.running) continue;
    // An explicit request overrides a pause, as a one-shot `sluice sync` does.
    if (st.requested || (st.next_due <= now && !paused(*slot, st.spec.name))) start_stream(slot, i);
  }
  start_backfill_due(slot, now);
  if (!slot->verify_running && slot->verify_due && now >= *slot->verify_due) start_verify(slot);
}

// One backfill at a time per source, the oldest job of a stream that is not paused first.
void scheduler::start_backfill_due(const slot_ptr& slot, steady::time_point now) {
  if (slot->backfill_running || now < slot->backfill_not_before) return;
  for (const auto& job : pending_jobs_)
    if (job.source == slot->config->name && !paused(*slot, job.stream)) {
      start_backfill(slot, job);
      return;
    }
}

void scheduler::start_stream(const slot_ptr& slot, std::size_t index) {
  slot->streams[index].running = true;
  asio::co_spawn(
      io_,
      [this, slot, index]() -> asio::awaitable<void> {
        auto& st = slot->streams[index];
        const bool forced = st.force_full;
        const bool full = forced || st.requested_full;
        st.force_full = st.requested = st.requested_full = false;
        const auto run = ++st.starts;
        stream_request request{*slot->rt, st.spec, full, std::nullopt};
        auto result = co_await run_stream(ctx_, std::move(request));
        end_stream(*slot, st, forced, run, result);
      },
      asio::detached);
}

void scheduler::end_stream(source_slot& slot, stream_slot& st, bool forced, std::uint64_t run,
                           const stream_result& result) {
  st.running = false;
  if (forced) {
    st.forced_ok = result.ok() && result.status != "suspicious";
    ++st.forced_runs;
  }
  const auto& src = *slot.config;
  metrics_.on_run(src.name, st.spec.name, result);
  alerts_.on_run(src.name, st.spec.name, result);
  health_.count_run(result);
  if (result.cursor)
    metrics_.set_cursor_time(src.name, st.spec.name,
                             slot.rt->connector->cursor_time(st.spec.name, *result.cursor));
  if (result.ok()) {
    st.failures = 0;
  } else {
    if (counts_toward_backoff(*result.error)) ++st.failures;
    health_.note_failure(src.name + "/" + st.spec.name + ": " + result.message);
  }
  // A verification asked for a full walk while this run was in flight: it runs next. Not before
  // the time the API asked the source to wait, though.
  st.next_due =
      std::max(st.force_full ? steady::now()
                             : steady::now() + next_run_delay(src.interval, st.failures, rng_),
               slot.note_pause());
  health_.update_status();
  if (observer_) observer_(slot, st.spec.name, run, result);
  after_run_();
}

void scheduler::start_backfill(const slot_ptr& slot, store::backfill_job job) {
  auto spec = std::find_if(slot->streams.begin(), slot->streams.end(),
                           [&](const stream_slot& s) { return s.spec.name == job.stream; });
  if (spec == slot->streams.end() || !spec->spec.backfill) {
    // Not a stream of this configuration (a reload removed it): leave the job for later.
    slot->backfill_not_before = steady::now() + std::chrono::minutes{1};
    return;
  }
  slot->backfill_running = true;
  asio::co_spawn(
      io_,
      [this, slot, job, stream = spec->spec]() -> asio::awaitable<void> {
        stream_request request{*slot->rt, stream, false, job};
        auto result = co_await run_stream(ctx_, std::move(request));
        end_backfill(*slot, job, result);
      },
      asio::detached);
}

void scheduler::end_backfill(source_slot& slot, const store::backfill_job& job,
                             const stream_result& result) {
  slot.backfill_running = false;
  slot.note_pause();
  metrics_.on_run(job.source, job.stream, result);
  if (result.ok()) {
    slot.backfill_failures = 0;
  } else {
    ++slot.backfill_failures;
    slot.backfill_not_before = steady::now() + backfill_retry_delay(slot.backfill_failures);
  }
  // Done or failed for good: the next lease round no longer lists it.
  std::erase_if(pending_jobs_, [&](const store::backfill_job& j) { return j.id == job.id; });
  after_run_();
}

// When the source's next verification is due: verify_interval after its last one (kept across
// restarts in the verifications table), so that restarting the daemon neither skips nor repeats
// verifications. Read off the I/O thread; until then none is due.
void scheduler::schedule_verify(const slot_ptr& slot) {
  slot->verify_due.reset();
  const duration interval = slot->config->verify_interval;
  if (interval <= duration::zero()) return;
  asio::co_spawn(
      io_,
      [this, slot, interval]() -> asio::awaitable<void> {
        std::optional<timestamp> last;
        try {
          last =
              co_await ctx_.db.run([&] { return vctx_.journal.last_finished(slot->config->name); });
        } catch (const std::exception& e) {
          spdlog::warn("source '{}': {}; next verification in {}", slot->config->name, e.what(),
                       format_duration(interval));
        }
        duration wait = interval;
        if (last) {
          const auto since =
              std::chrono::duration_cast<duration>(std::chrono::system_clock::now() - *last);
          wait = std::clamp(interval - since, duration::zero(), interval);
        }
        if (!slot->verify_running) slot->verify_due = steady::now() + wait;
      },
      asio::detached);
}

// Verifications run beside live pulls: requests at low priority, repairs safe against concurrent
// writes of the same stream (see connectors/partoo/verify.hpp). Only a repair by full walk takes
// the stream's own slot, as its next run.
void scheduler::start_verify(const slot_ptr& slot) {
  slot->verify_running = true;
  slot->verify_due.reset();
  std::vector<connectors::stream_spec> streams;
  for (const auto& s : slot->streams)
    if (!paused(*slot, s.spec.name)) streams.push_back(s.spec);
  verify_pass pass{
      *slot->rt, std::move(streams),
      [this, slot](const std::string& stream) { return forced_full_walk(slot, stream); },
      [this, slot] { return !health_.stopping() && slot->held; },
      [this, slot](const std::string& stream, const verify_result& result) {
        metrics_.on_verify(slot->config->name, stream, result);
        if (result.outcome == "failed" || result.outcome == "drift")
          health_.note_failure(slot->config->name + "/" + stream + ": verification " +
                               result.outcome);
      }};
  asio::co_spawn(
      io_,
      [this, slot, pass = std::move(pass)]() mutable -> asio::awaitable<void> {
        co_await run_verify_pass(vctx_, std::move(pass));
        slot->verify_running = false;
        slot->note_pause();
        // Its requests' connections: the next verification is hours away.
        slot->rt->backfill_http->close_idle();
        if (slot->config->verify_interval > duration::zero())
          slot->verify_due = steady::now() + slot->config->verify_interval;
        health_.update_status();
        after_run_();
      },
      asio::detached);
}

// "The stream's next run is full", and the wait for that run to end.
std::function<asio::awaitable<bool>()> scheduler::forced_full_walk(const slot_ptr& slot,
                                                                   const std::string& stream) {
  return [this, slot, stream]() -> asio::awaitable<bool> {
    std::size_t index = 0;
    while (index < slot->streams.size() && slot->streams[index].spec.name != stream) ++index;
    if (index == slot->streams.size()) co_return false;
    const int before = slot->streams[index].forced_runs;
    slot->streams[index].force_full = true;
    slot->streams[index].next_due = steady::now();
    asio::steady_timer timer(io_);
    while (slot->streams[index].forced_runs == before) {
      // Paused meanwhile: the repair waits for no run that will not start.
      if (health_.stopping() || !slot->held || paused(*slot, stream)) co_return false;
      timer.expires_after(std::chrono::milliseconds{200});
      co_await timer.async_wait(asio::use_awaitable);
    }
    co_return slot->streams[index].forced_ok;
  };
}

}  // namespace sluice::daemon
