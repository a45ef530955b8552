#pragma once
// Incidents: the conditions an operator is told about (a stream failing, stale, a snapshot held
// back by the safety valve, a lost lease, rejected credentials), each opened once when it starts
// and resolved once when it ends, however many runs it lasts. Pure bookkeeping: observations go
// in, the events to announce come out; what announces them is daemon/webhook.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "core/error.hpp"
#include "daemon/freshness.hpp"

namespace sluice::daemon {

enum class incident_kind {
  stream_failing,
  stream_stale,
  snapshot_held_back,
  lease_lost,
  auth_rejected
};
enum class severity { info, warning, critical };

std::string_view to_string(incident_kind kind) noexcept;
std::string_view to_string(severity s) noexcept;
severity severity_named(std::string_view name);  // info | warning | critical (else warning)

struct incident {
  incident_kind kind{};
  severity level = severity::warning;
  std::string source;
  std::string stream;   // empty for a source's incidents (lease lost, credentials rejected)
  std::string summary;  // what happened, one line
  std::chrono::system_clock::time_point opened_at{};

  std::string id() const;  // "stream_stale:eu/reviews", stable for the incident's life
};

struct incident_event {
  bool resolved = false;
  incident what;
  std::string resolution;  // resolved: how it ended
  std::chrono::system_clock::time_point at{};
};

// What a finished run tells (daemon/stream_runner's result, reduced to what matters here).
struct run_observation {
  std::string status;  // succeeded | suspicious | failed | cancelled
  std::optional<error_kind> error;
  std::string message;            // failed: the error
  std::string suspicious_reason;  // suspicious: why nothing was deleted
};

class incident_tracker {
public:
  using clock = std::chrono::system_clock;
  using events = std::vector<incident_event>;

  explicit incident_tracker(int failing_runs) : failing_runs_(failing_runs) {}

  events on_run(const std::string& source, const std::string& stream, const run_observation& run,
                clock::time_point now);
  events on_verdict(const freshness::verdict& v, clock::time_point now);
  events on_lease_lost(const std::string& source, const std::string& why, clock::time_point now);
  // The lease is ours again, or (`elsewhere`) lease rounds work and the source is free for, or
  // held by, another instance.
  events on_lease_settled(const std::string& source, bool held_here, clock::time_point now);

  // A source taken (or a restart): what the run history says, so an incident another process
  // already announced is not announced again. Opens silently.
  void seed(const std::string& source, const std::string& stream, int failures_in_a_row,
            const std::string& last_status, clock::time_point now);
  // A source handed over, lost or removed: its stream incidents and rejected credentials are
  // left to whoever pulls it next (silently: the next holder judges afresh). A lease_lost
  // incident stays until on_lease_settled.
  void forget_streams(const std::string& source);

  int failures_in_a_row(const std::string& source, const std::string& stream) const;
  bool is_open(incident_kind kind, const std::string& source, const std::string& stream) const;
  std::vector<incident> open_incidents() const;

private:
  using key = std::tuple<incident_kind, std::string, std::string>;
  void open(events& out, incident_kind kind, severity level, const std::string& source,
            const std::string& stream, std::string summary, clock::time_point now);
  void resolve(events& out, incident_kind kind, const std::string& source,
               const std::string& stream, std::string resolution, clock::time_point now);

  int failing_runs_;
  std::map<key, incident> open_;
  std::map<std::pair<std::string, std::string>, int> failures_;
};

}  // namespace sluice::daemon
