#include "daemon/alerting.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <spdlog/spdlog.h>

#include "daemon/blocking_thread.hpp"
#include "daemon/config.hpp"
#include "daemon/daemon_metrics.hpp"
#include "daemon/stream_runner.hpp"

namespace sluice::daemon {

namespace asio = boost::asio;

alerting::alerting(asio::any_io_executor executor, const alerts_options& options,
                   std::string instance, std::chrono::seconds lease_ttl, daemon_metrics& metrics,
                   blocking_thread& db, store::state& state, const pause_set& pauses)
    : executor_(executor),
      lease_ttl_(lease_ttl),
      metrics_(metrics),
      db_(db),
      state_(state),
      pauses_(pauses),
      incidents_(options.failing_runs),
      webhook_(executor, options, std::move(instance), metrics) {}

void alerting::announce(const incident_tracker::events& events) {
  for (const auto& e : events) {
    // The log says it too, so an operator without a webhook sees the same incidents.
    if (e.resolved)
      spdlog::info("incident resolved: {}", e.resolution);
    else
      spdlog::warn("incident open ({}): {}", to_string(e.what.level), e.what.summary);
    webhook_.post(e);
  }
}

void alerting::on_tick(const std::vector<store::stream_objective>& held) {
  const auto now = clock::now();
  std::set<std::string> sources;
  for (const auto& h : held) {
    sources.insert(h.source);
    if (!watched_.count(h.source)) to_seed_.insert(h.source);
    freshness_.watch(h.source, h.stream, h.max_staleness, std::nullopt, now);
    freshness_.set_paused(h.source, h.stream, pauses_.paused(h.source, h.stream), now);
  }
  for (const auto& s : watched_)
    if (!sources.count(s)) forget(s);
  watched_ = std::move(sources);
  seed_taken();
  write_objectives(held);
  for (const auto& v : freshness_.judge(now)) {
    metrics_.set_freshness(v.source, v.stream, std::chrono::duration<double>(v.objective).count(),
                           v.stale);
    metrics_.set_paused(v.source, v.stream, v.paused);
    announce(incidents_.on_verdict(v, now));
    metrics_.set_stream_trouble(
        v.source, v.stream, incidents_.failures_in_a_row(v.source, v.stream),
        incidents_.is_open(incident_kind::snapshot_held_back, v.source, v.stream));
  }
}

// Handed over, lost or removed: whoever pulls it next judges it (its lease_lost incident stays
// until the lease settles).
void alerting::forget(const std::string& source) {
  freshness_.forget_source(source);
  incidents_.forget_streams(source);
  metrics_.forget_stream_health(source);
  to_seed_.erase(source);
}

void alerting::on_run(const std::string& source, const std::string& stream,
                      const stream_result& result) {
  const auto now = clock::now();
  if (result.ok()) {
    freshness_.on_success(source, stream, now);
    metrics_.set_last_success(source, stream, now);
  }
  run_observation run{result.status, result.error, result.message, result.totals.suspicious_reason};
  announce(incidents_.on_run(source, stream, run, now));
}

void alerting::on_lease_lost(const std::string& source, const std::string& why) {
  const auto now = clock::now();
  lost_.try_emplace(source, now);
  announce(incidents_.on_lease_lost(source, why, now));
}

void alerting::on_lease_round(const std::set<std::string>& held) {
  const auto now = clock::now();
  for (auto it = lost_.begin(); it != lost_.end();) {
    const bool here = held.count(it->first) > 0;
    // Two TTLs after the loss, with rounds working, the lease has expired for everyone: another
    // instance may take it (whether one does is the SluiceSourceUnheld alert's question).
    if (!here && now - it->second < 2 * lease_ttl_) {
      ++it;
      continue;
    }
    announce(incidents_.on_lease_settled(it->first, here, now));
    it = lost_.erase(it);
  }
}

// One history read at a time, for every source taken since the last one.
void alerting::seed_taken() {
  if (seeding_ || to_seed_.empty() || std::chrono::steady_clock::now() < retry_at_) return;
  seeding_ = true;
  asio::co_spawn(
      executor_,
      [this, sources = std::exchange(to_seed_, {})]() -> asio::awaitable<void> {
        try {
          auto rows = co_await db_.run([this] { return state_.health(); });
          const auto now = clock::now();
          for (const auto& h : rows) {
            if (!sources.count(h.source) || !watched_.count(h.source)) continue;
            if (h.last_success_at) {
              const auto at = std::chrono::time_point_cast<clock::duration>(*h.last_success_at);
              freshness_.on_success(h.source, h.stream, at);
              metrics_.set_last_success(h.source, h.stream, at);
            }
            incidents_.seed(h.source, h.stream, h.failures_in_a_row, h.last_status, now);
          }
        } catch (const std::exception& e) {
          spdlog::warn(
              "could not read the run history for freshness ({}); trying again in a minute",
              e.what());
          to_seed_.insert(sources.begin(), sources.end());
          retry_at_ = std::chrono::steady_clock::now() + std::chrono::minutes{1};
        }
        seeding_ = false;
      },
      asio::detached);
}

void alerting::write_objectives(const std::vector<store::stream_objective>& now) {
  if (writing_ || std::chrono::steady_clock::now() < retry_at_ || now == written_) return;
  writing_ = true;
  asio::co_spawn(
      executor_,
      [this, now]() -> asio::awaitable<void> {
        try {
          co_await db_.run([this, &now] { state_.set_objectives(now); });
          written_ = now;
        } catch (const std::exception& e) {
          spdlog::warn("could not record the freshness objectives ({}); trying again in a minute",
                       e.what());
          retry_at_ = std::chrono::steady_clock::now() + std::chrono::minutes{1};
        }
        writing_ = false;
      },
      asio::detached);
}

void alerting::shutdown() { webhook_.shutdown(); }

}  // namespace sluice::daemon
