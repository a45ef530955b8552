#pragma once
// How the daemon tells the world it is alive and working: /metrics, /healthz and /readyz, the
// systemd watchdog, the STATUS= line, and a summary line a minute for the runs that changed
// nothing (each of those is logged at debug only: with hundreds of sources one info line per run
// would drown everything else). All on the I/O thread.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/config.hpp"
#include "daemon/daemon_metrics.hpp"
#include "daemon/lease_keeper.hpp"
#include "daemon/source_slot.hpp"
#include "daemon/stream_runner.hpp"
#include "net/http_server.hpp"

namespace sluice::daemon {

class health {
public:
  using steady = std::chrono::steady_clock;
  enum class phase { starting, ready, stopping };

  health(const daemon_options& cfg, daemon_metrics& metrics, const source_slots& slots);

  // The lease thread whose rounds /healthz and the watchdog watch; before the loop runs.
  void watch(const lease_keeper& leases) { leases_ = &leases; }
  void set_phase(phase p) { phase_ = p; }
  bool stopping() const noexcept { return phase_ == phase::stopping; }
  // READY=1 from now on; also reads the watchdog interval systemd gave us.
  void become_ready();

  void on_lease_round(const lease_round& round);
  bool last_round_ok() const noexcept { return last_round_ok_; }
  // The latest failure of a stream or a verification ("source/stream: ..."), for STATUS=.
  void note_failure(std::string what) { last_error_ = std::move(what); }
  void count_run(const stream_result& result);

  // Every scheduler tick: metrics gauges, the minute's summary line, the watchdog. True when
  // a new summary window started (the minute's housekeeping is due).
  bool on_tick(steady::time_point now);
  void update_status();
  net::response endpoint(std::string_view target);

private:
  void log_summary(steady::time_point now);
  std::string readiness(unsigned& status) const;
  // /readyz fails when no lease round succeeded for this long: two renewals missed.
  steady::duration ready_within() const {
    return std::max<steady::duration>(std::chrono::seconds{5}, lease_ttl_ / 3);
  }

  std::chrono::seconds lease_ttl_;
  daemon_metrics& metrics_;
  const source_slots& slots_;
  const lease_keeper* leases_ = nullptr;
  phase phase_ = phase::starting;
  std::optional<std::chrono::microseconds> watchdog_;

  bool last_round_ok_ = false;
  std::string last_round_error_;
  steady::time_point last_round_ok_at_{};
  std::size_t instances_ = 1;
  std::string last_error_;

  // Stream runs since the last summary line.
  steady::time_point window_start_{};
  std::size_t window_runs_ = 0;
  std::size_t window_unchanged_ = 0;
  std::size_t window_failed_ = 0;
};

}  // namespace sluice::daemon
