#pragma once
// What the daemon tells an operator about its streams, beyond raw counters: it judges freshness
// (daemon/freshness), keeps incidents (daemon/incidents), mirrors both in /metrics and posts
// incident events to the webhook (daemon/webhook). It only judges the sources this instance
// holds, and starts each from the run history when it takes one, so a restart or a takeover
// neither forgets a failing stream nor announces it twice. All on the I/O thread; history reads
// and objective writes go through the blocking thread.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "core/time.hpp"
#include "daemon/freshness.hpp"
#include "daemon/incidents.hpp"
#include "daemon/pause_set.hpp"
#include "daemon/webhook.hpp"
#include "store/state.hpp"

namespace sluice::daemon {

class blocking_thread;
struct stream_result;

class alerting {
public:
  using clock = std::chrono::system_clock;

  alerting(boost::asio::any_io_executor executor, const alerts_options& options,
           std::string instance, std::chrono::seconds lease_ttl, daemon_metrics& metrics,
           blocking_thread& db, store::state& state, const pause_set& pauses);

  // Every tick, with the streams of the sources held now and their objectives: judges
  // freshness (a paused stream is not stale, so no stream_stale incident), forgets sources no
  // longer held, reads the history of newly taken ones, records changed objectives.
  void on_tick(const std::vector<store::stream_objective>& held);
  // A live run ended (not a backfill: history and freshness are about live pulls).
  void on_run(const std::string& source, const std::string& stream, const stream_result& result);
  // A held lease was lost (not handed over by the sharing plan, not removed by a reload).
  void on_lease_lost(const std::string& source, const std::string& why);
  // A lease round succeeded: lost leases settle (held again, or free for others by now).
  void on_lease_round(const std::set<std::string>& held);
  // Stops the webhook: nothing more is posted.
  void shutdown();

  const incident_tracker& incidents() const { return incidents_; }

private:
  void announce(const incident_tracker::events& events);
  void seed_taken();
  void write_objectives(const std::vector<store::stream_objective>& held);
  void forget(const std::string& source);

  boost::asio::any_io_executor executor_;
  std::chrono::seconds lease_ttl_;
  daemon_metrics& metrics_;
  blocking_thread& db_;
  store::state& state_;
  const pause_set& pauses_;
  freshness freshness_;
  incident_tracker incidents_;
  webhook_notifier webhook_;

  std::set<std::string> watched_;  // sources judged last tick
  std::set<std::string> to_seed_;  // taken, history not read yet
  bool seeding_ = false;
  std::vector<store::stream_objective> written_;  // the objectives last recorded
  bool writing_ = false;
  // After a failed history read or objective write (the database is away): not before then.
  std::chrono::steady_clock::time_point retry_at_{};
  std::map<std::string, clock::time_point> lost_;  // lease_lost incidents open, since
};

}  // namespace sluice::daemon
