#include "daemon/health.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/redaction.hpp"
#include "daemon/notify.hpp"

namespace sluice::daemon {
namespace {

// How often the runs that changed nothing (logged at debug) are summed up in one info line.
constexpr auto summary_every = std::chrono::minutes{1};

}  // namespace

health::health(const daemon_options& cfg, daemon_metrics& metrics, const source_slots& slots)
    : lease_ttl_(cfg.lease_ttl), metrics_(metrics), slots_(slots) {}

void health::become_ready() {
  watchdog_ = systemd::watchdog_interval();
  phase_ = phase::ready;
  update_status();
  systemd::notify("READY=1");
  window_start_ = steady::now();
}

void health::on_lease_round(const lease_round& round) {
  last_round_ok_ = round.ok;
  last_round_error_ = round.error;
  if (!round.ok) return;
  last_round_ok_at_ = steady::now();
  instances_ = round.instances;
}

void health::count_run(const stream_result& result) {
  ++window_runs_;
  window_unchanged_ += result.unchanged();
  window_failed_ += !result.ok() && result.status != "cancelled";
}

bool health::on_tick(steady::time_point now) {
  metrics_.on_tick();
  const bool summary_due = now - window_start_ >= summary_every;
  if (summary_due) log_summary(now);
  // The watchdog hears from us only while both loops live: this one, and the lease thread (a
  // lease thread stuck in a database call would let leases lapse while we keep pulling).
  if (watchdog_) {
    auto lease_age = now - leases_->last_round();
    if (lease_age < std::max<steady::duration>(*watchdog_, lease_ttl_))
      systemd::notify("WATCHDOG=1");
  }
  return summary_due;
}

// One line per minute instead of one per unchanged run: how many runs there were, and how many
// of them changed nothing (each of those logged at debug only).
void health::log_summary(steady::time_point now) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now - window_start_).count();
  if (window_runs_ > 0)
    spdlog::info("last {}s: {} stream run(s), {} changed nothing, {} failed", seconds, window_runs_,
                 window_unchanged_, window_failed_);
  window_start_ = now;
  window_runs_ = window_unchanged_ = window_failed_ = 0;
}

void health::update_status() {
  std::size_t held = 0, running = 0;
  for (const auto& [name, slot] : slots_.all()) {
    held += slot->held;
    for (const auto& s : slot->streams) running += s.running;
    running += slot->backfill_running;
    running += slot->verify_running;
  }
  std::string status = stopping() ? "stopping"
                                  : "holding " + std::to_string(held) + " of " +
                                        std::to_string(slots_.size()) + " source(s) (" +
                                        std::to_string(instances_) + " instance(s)); " +
                                        std::to_string(running) + " run(s) in flight";
  if (!last_round_ok_)
    status += "; database: " + last_round_error_;
  else if (!last_error_.empty())
    status += "; last failure: " + last_error_;
  if (status.size() > 400) status.resize(400);
  systemd::notify("STATUS=" + redact(status));
}

// /readyz: the body, and its status in `status`.
std::string health::readiness(unsigned& status) const {
  status = 503;
  if (phase_ == phase::stopping) return "stopping\n";
  if (phase_ == phase::starting) return "starting\n";
  if (!last_round_ok_) return "database unreachable: " + redact(last_round_error_) + "\n";
  // A database that stops answering without closing anything fails no call for a while: rounds
  // that do not come back say it as surely as rounds that fail.
  if (auto silent = steady::now() - last_round_ok_at_; silent > ready_within())
    return "database not answering: no lease round completed for " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(silent).count()) + "s\n";
  status = 200;
  return "ready\n";
}

net::response health::endpoint(std::string_view target) {
  auto path = target.substr(0, target.find('?'));
  net::response r;
  auto text = [&](unsigned status, std::string body) {
    r.status = status;
    r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
    r.body = std::move(body);
  };
  if (path == "/metrics") {
    r.status = 200;
    r.headers.push_back({"Content-Type", "text/plain; version=0.0.4; charset=utf-8"});
    r.body = metrics_.render();
  } else if (path == "/healthz") {
    // Alive: the scheduler loop ticked recently (this handler runs on the same thread, so a
    // stuck thread would not answer at all) and the lease thread is not stuck.
    auto lease_age = steady::now() - leases_->last_round();
    if (lease_age > std::max<steady::duration>(std::chrono::seconds{30}, lease_ttl_ * 2))
      text(503, "lease thread stuck\n");
    else
      text(200, "ok\n");
  } else if (path == "/readyz") {
    unsigned status = 0;
    std::string body = readiness(status);
    text(status, std::move(body));
  } else {
    text(404, "not found; try /metrics, /healthz or /readyz\n");
  }
  return r;
}

}  // namespace sluice::daemon
