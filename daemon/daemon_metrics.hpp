#pragma once
// What `sluice run` reports on /metrics, in the daemon's own terms (a request answered, a batch
// committed, a run ended, a lease held); the names and labels live here, in one place. Every
// method may be called from any thread.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/time.hpp"
#include "daemon/metrics.hpp"

namespace sluice::net {
struct request_event;
}
namespace sluice::store {
struct commit_report;
}

namespace sluice::daemon {

struct stream_result;
struct verify_result;

class daemon_metrics {
public:
  daemon_metrics();

  void on_request(const std::string& source, const net::request_event& event);
  void on_commit(const store::commit_report& report);
  void on_run(const std::string& source, const std::string& stream, const stream_result& result);
  void on_verify(const std::string& source, const std::string& stream, const verify_result& result);
  void set_cursor_time(const std::string& source, const std::string& stream,
                       std::optional<timestamp> at);
  void set_lease(const std::string& source, bool held);
  void set_configured(const std::string& source, const std::string& kind);
  // Freshness and incidents of a stream this instance pulls (daemon/alerting).
  void set_last_success(const std::string& source, const std::string& stream,
                        std::chrono::system_clock::time_point at);
  void set_freshness(const std::string& source, const std::string& stream, double objective_seconds,
                     bool stale);
  void set_paused(const std::string& source, const std::string& stream, bool paused);
  void set_stream_trouble(const std::string& source, const std::string& stream,
                          int failures_in_a_row, bool held_back);
  void on_alert(const char* result);  // sent | failed | dropped
  // The source is no longer pulled here: its freshness and trouble gauges go (its holder reports).
  void forget_stream_health(const std::string& source);
  void on_reload(bool ok);
  void forget_source(const std::string& source);
  void on_tick();  // recomputes cursor lag gauges

  std::string render() const { return registry_.render(); }

private:
  metrics_registry registry_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, timestamp> cursor_times_;
};

}  // namespace sluice::daemon
