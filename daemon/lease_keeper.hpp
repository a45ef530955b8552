#pragma once
// The lease thread: takes, renews and hands back this process's source leases on its own thread
// and connection, a round every ttl/6, so a slow database or a busy I/O thread never lets a lease
// lapse unnoticed. Each round's outcome goes to a callback; the caller (the I/O thread, via post)
// stops work on sources that were lost.
//
// Every lease statement waits a bounded time (store::lease_timeouts_for): a lease row locked by a
// stuck session makes that source "busy" for the round, and the round goes on with the others; a
// round starts no further optional step once it ran past its budget (a renewal period; renewing
// may use two). A held lease that cannot be renewed stays in use only while its last
// confirmation is still trusted; then it is dropped, and taken back once its row is free.
// A failing round is logged once, and once more when rounds work again.
//
// Two modes:
//   shared: `sluice run`. Sources are shared with other instances by daemon/lease_plan; the
//           round also lists unfinished backfill jobs of the sources held.
//   fixed:  `sync`, `backfill`, `reset`. The first round takes what it can of a fixed set; later
//           rounds only renew (a one-shot command never takes a source over midway).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/backfill_jobs.hpp"
#include "store/database.hpp"
#include "store/leases.hpp"

namespace sluice::daemon {

struct lease_round {
  bool ok = false;
  std::string error;           // why the round failed (no secrets)
  std::set<std::string> held;  // ours after this round
  // Fixed mode, first round: every lease row after it (holder_of names who holds what we could
  // not take). Empty otherwise: later rounds only need `held`, and the shared mode's plan reads
  // the rows it needs itself.
  std::vector<store::lease_row> leases;
  std::vector<store::backfill_job> jobs;  // shared mode: unfinished jobs of held sources
  std::size_t instances = 0;              // shared mode: live instances, us included
  // Sources whose lease row another session kept locked past the lock timeout this round (not
  // taken, or not renewed); tried again next round.
  std::set<std::string> busy;
  // Shared mode: leases handed over this round by the sharing plan (not lost).
  std::set<std::string> released;
  // Shared mode: held sources the plan hands over once idle: start nothing new on them.
  std::set<std::string> draining;
  // Our leases are safe to use until then (local monotonic clock): the earliest of the held
  // leases' last confirmation (the start of the round that renewed or took it) plus two thirds
  // of the TTL. Work on a source must stop if no round confirms it by then.
  std::chrono::steady_clock::time_point valid_until{};
};

// This process as a lease holder: "<instance>#<tag>", `instance` being [daemon] instance
// ("<hostname>:<pid>" by default) and the tag the first 16 hex digits of this process's random
// instance id. Unique per process, so two processes never share leases by name: not two
// containers whose daemons are both pid 1, and not two processes given the same configured
// instance name (a restarted process does not inherit its predecessor's leases by name either;
// it takes them when the old process is certainly gone or its leases expire).
store::lease_identity lease_identity_of(const std::string& instance);
// A one-shot command (sync, backfill, reset) as a lease holder:
// "<hostname>:<pid>/<command>#<tag>". Never the configured instance name, so a command run with
// the daemon's own config file reads as a command in the tables.
store::lease_identity one_shot_identity(const std::string& command);

// "'host:123#9f86d081884c7d65' (lease until 2026-11-24T10:00:00Z)": who holds a source, for
// messages.
std::string describe_holder(const store::lease_row& lease);

// The live lease row of `source` in `round` (fixed mode's first round lists them), or null.
const store::lease_row* live_lease_of(const lease_round& round, const std::string& source);

// Who holds `source` according to `round` (describe_holder), "a session that keeps its lease row
// locked" when the round found the row locked, or "another process" when the round shows no live
// lease (it was released or expired in between).
std::string holder_of(const lease_round& round, const std::string& source);

class lease_keeper {
public:
  enum class mode { shared, fixed };

  lease_keeper(store::database_options db, store::lease_identity me, std::chrono::seconds ttl,
               mode m, std::vector<std::string> wanted);
  ~lease_keeper();  // stop()
  lease_keeper(const lease_keeper&) = delete;
  lease_keeper& operator=(const lease_keeper&) = delete;

  // One round now, on the caller's thread (before start(): the first round, whose result
  // READY=1 and the one-shot commands wait for).
  lease_round round_now();

  // Starts the thread; on_round runs on it after every round (post to your own executor).
  void start(std::function<void(const lease_round&)> on_round);

  void set_wanted(std::vector<std::string> sources);  // shared: the configured sources (reload)
  void set_busy(std::set<std::string> sources);       // never handed over while busy
  // Hands back one source now (a one-shot command finished with it).
  void release(const std::string& source);

  // When the last round finished (successfully or not): the watchdog's sign of life.
  std::chrono::steady_clock::time_point last_round() const;

  // Stops the thread, then hands back every lease we hold and leaves the instance table.
  void stop();

  std::chrono::seconds ttl() const noexcept { return ttl_; }
  const store::lease_identity& identity() const noexcept { return me_; }

private:
  using steady = std::chrono::steady_clock;

  void loop();
  lease_round round_locked(bool first);
  void hand_back(std::vector<std::string> sources);
  void renew_held(lease_round& round, steady::time_point started, steady::time_point deadline);
  void share(lease_round& round, const std::vector<std::string>& wanted,
             const std::set<std::string>& busy, steady::time_point started,
             steady::time_point deadline);
  bool take(const std::string& source, lease_round& round, steady::time_point started);
  void forget_unconfirmed();
  void note_busy(const lease_round& round);
  void note_outcome(const lease_round& round);
  std::chrono::milliseconds period() const;

  store::database_options db_;
  store::lease_identity me_;
  std::chrono::seconds ttl_;
  mode mode_;

  // Guards the requests from other threads (never held across a database call, so the I/O
  // thread never waits for the database here).
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<std::string> wanted_;
  std::set<std::string> busy_;
  std::vector<std::string> to_release_;
  // Touched only by the round (the thread, or the caller of round_now before start).
  bool stopped_ = false;
  std::set<std::string> held_;
  std::vector<std::string> unreleased_;  // asked to hand back, but the row was locked
  // Per held source: until when its last confirmation (renewal or take) is trusted.
  std::map<std::string, steady::time_point> valid_;
  std::size_t instances_ = 0;  // last heartbeat's count, kept over a busy round
  std::string failing_;        // the error of the last failed round, "" after a good one
  std::size_t failed_rounds_ = 0;
  std::set<std::string> busy_noted_;  // sources whose locked row was already logged
  std::string sharing_stalled_;       // why the last round could not share, "" if it could
  std::unique_ptr<store::lease_store> leases_;
  std::unique_ptr<store::backfill_store> jobs_;
  std::function<void(const lease_round&)> on_round_;
  std::atomic<std::chrono::steady_clock::rep> last_round_{0};
  std::thread thread_;
};

}  // namespace sluice::daemon
