#pragma once
// The daemon's configured sources, each in a slot that outlives its runtime: a reload (SIGHUP)
// adds, changes or removes sources, but a source's runs in flight keep the runtime they started
// with, so a change takes effect (and a removed source goes) only once the source is idle. A
// lost lease ends the runtime's requests at once; the runtime is rebuilt once idle. All on the
// I/O thread.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "connectors/connector.hpp"
#include "core/source_config.hpp"
#include "daemon/daemon_metrics.hpp"
#include "daemon/source_runtime.hpp"

namespace sluice::daemon {

struct stream_slot {
  using steady = std::chrono::steady_clock;

  connectors::stream_spec spec;
  steady::time_point next_due{};
  int failures = 0;
  bool running = false;
  // A verification found drift that only the stream's full walk repairs: its next run is full.
  bool force_full = false;
  int forced_runs = 0;     // forced full runs ended so far (a verification waits for one)
  bool forced_ok = false;  // how the last one ended
  // A `sluice sync` handed a run of this stream to us (daemon/request_runner.hpp): the next run
  // starts as soon as the stream is free, paused or not, full when the request said --full.
  bool requested = false;
  bool requested_full = false;
  std::uint64_t starts = 0;  // runs started so far: a request is answered by a later one
};

struct source_slot {
  using steady = std::chrono::steady_clock;

  std::shared_ptr<const source_config> config;
  std::unique_ptr<source_runtime> rt;
  std::vector<stream_slot> streams;
  std::shared_ptr<const source_config> pending;  // a reload changed it: applied once idle
  bool removing = false;                         // a reload removed it: dropped once idle
  bool stale_runtime = false;  // its clients were shut down (lease lost): rebuilt once idle
  bool held = false;
  // The sharing plan hands it to another instance once idle (lease_round::draining).
  bool draining = false;
  bool backfill_running = false;
  steady::time_point backfill_not_before{};
  int backfill_failures = 0;
  bool verify_running = false;
  std::optional<steady::time_point> verify_due;  // unset: verify_interval 0, or not known yet
  // The API told the source to come back later (a Retry-After longer than a run waits): none of
  // its runs starts before. Kept here too, since a rebuilt runtime has a fresh budget.
  steady::time_point not_before{};

  // Takes over the pause of the source's budget, if it is later; returns the latest.
  steady::time_point note_pause();
  bool idle() const;
  // Nothing may start on it: not ours, or waiting for a change that applies once idle.
  bool frozen() const { return !held || draining || removing || pending || stale_runtime; }
};

using slot_ptr = std::shared_ptr<source_slot>;

class source_slots {
public:
  // Runtimes run on `executor`; every request attempt is counted in `metrics`.
  source_slots(boost::asio::any_io_executor executor, daemon_metrics& metrics);

  void add(const source_config& src);
  // The configured sources (the ones a reload removed excluded): the leases wanted.
  std::vector<std::string> names() const;
  const std::map<std::string, slot_ptr>& all() const noexcept { return slots_; }
  std::size_t size() const noexcept { return slots_.size(); }
  // Sources with runs in flight: their leases are never handed over.
  std::set<std::string> busy() const;
  bool all_idle() const;

  // A reload's sources: new ones are added, changed ones wait for idle, missing ones are marked
  // removed (they start nothing new and are dropped once idle).
  void reload(const std::vector<source_config>& next);
  // Applies what waited for each idle source (drop, new configuration, rebuilt runtime); returns
  // the sources whose configuration changed, since their verification schedule starts over.
  std::vector<slot_ptr> settle();

  // Stop pulling: in-flight requests end with `cancelled`, the runtime is rebuilt once idle.
  void lose(source_slot& slot, const std::string& why);
  void lose_all(const std::string& why);
  // Ends every runtime's clients (stopping).
  void shutdown_all();

private:
  void build_runtime(source_slot& slot);

  boost::asio::any_io_executor executor_;
  daemon_metrics& metrics_;
  std::map<std::string, slot_ptr> slots_;
};

}  // namespace sluice::daemon
