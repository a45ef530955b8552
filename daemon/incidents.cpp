#include "daemon/incidents.hpp"

#include <fmt/format.h>

namespace sluice::daemon {

std::string_view to_string(incident_kind kind) noexcept {
  switch (kind) {
    case incident_kind::stream_failing: return "stream_failing";
    case incident_kind::stream_stale: return "stream_stale";
    case incident_kind::snapshot_held_back: return "snapshot_held_back";
    case incident_kind::lease_lost: return "lease_lost";
    case incident_kind::auth_rejected: return "auth_rejected";
  }
  return "unknown";
}

std::string_view to_string(severity s) noexcept {
  switch (s) {
    case severity::info: return "info";
    case severity::warning: return "warning";
    case severity::critical: return "critical";
  }
  return "warning";
}

severity severity_named(std::string_view name) {
  if (name == "info") return severity::info;
  if (name == "critical") return severity::critical;
  return severity::warning;
}

std::string incident::id() const {
  return fmt::format("{}:{}{}{}", to_string(kind), source, stream.empty() ? "" : "/", stream);
}

void incident_tracker::open(events& out, incident_kind kind, severity level,
                            const std::string& source, const std::string& stream,
                            std::string summary, clock::time_point now) {
  auto [it, added] = open_.try_emplace({kind, source, stream});
  if (!added) return;  // already open: one message per incident, not per run
  it->second = incident{kind, level, source, stream, std::move(summary), now};
  out.push_back({false, it->second, "", now});
}

void incident_tracker::resolve(events& out, incident_kind kind, const std::string& source,
                               const std::string& stream, std::string resolution,
                               clock::time_point now) {
  auto it = open_.find({kind, source, stream});
  if (it == open_.end()) return;
  out.push_back({true, std::move(it->second), std::move(resolution), now});
  open_.erase(it);
}

// Rejected credentials are the source's incident (every stream fails alike), opened at the first
// rejection: they do not fix themselves. Other failures open "failing" after failing_runs in a
// row, so one transient outage between two good runs is not news.
incident_tracker::events incident_tracker::on_run(const std::string& source,
                                                  const std::string& stream,
                                                  const run_observation& run,
                                                  clock::time_point now) {
  events out;
  const std::string label = source + "/" + stream;
  if (run.status == "succeeded" || run.status == "suspicious") {
    const int failed = std::exchange(failures_[{source, stream}], 0);
    resolve(out, incident_kind::stream_failing, source, stream,
            fmt::format("{} succeeded again after {} failed run(s)", label, failed), now);
    resolve(out, incident_kind::auth_rejected, source, "",
            fmt::format("source '{}': credentials accepted again ({} succeeded)", source, label),
            now);
    if (run.status == "suspicious")
      open(out, incident_kind::snapshot_held_back, severity::warning, source, stream,
           fmt::format("{}: the snapshot would have marked too many rows deleted; nothing was "
                       "deleted (safety valve): {}",
                       label, run.suspicious_reason),
           now);
    else
      resolve(out, incident_kind::snapshot_held_back, source, stream,
              fmt::format("{}: a snapshot completed normally", label), now);
    return out;
  }
  if (run.status != "failed") return out;  // cancelled: stopping or a lost lease, not a failure
  const int failed = ++failures_[{source, stream}];
  if (run.error == error_kind::auth) {
    open(out, incident_kind::auth_rejected, severity::critical, source, "",
         fmt::format("source '{}': credentials rejected: {}", source, run.message), now);
    return out;
  }
  if (failed >= failing_runs_)
    open(out, incident_kind::stream_failing, severity::warning, source, stream,
         fmt::format("{} failing: {} run(s) in a row; last error ({}): {}", label, failed,
                     run.error ? to_string(*run.error) : "unknown", run.message),
         now);
  return out;
}

incident_tracker::events incident_tracker::on_verdict(const freshness::verdict& v,
                                                      clock::time_point now) {
  events out;
  const std::string label = v.source + "/" + v.stream;
  if (v.stale)
    open(out, incident_kind::stream_stale, severity::warning, v.source, v.stream,
         fmt::format("{} stale: {} {} (objective: younger than {})", label,
                     v.ever_succeeded ? "newest successful run ended" : "no successful run in",
                     format_duration(v.age) + (v.ever_succeeded ? " ago" : ""),
                     format_duration(v.objective)),
         now);
  else
    resolve(out, incident_kind::stream_stale, v.source, v.stream,
            fmt::format("{} fresh again (newest success {} ago)", label, format_duration(v.age)),
            now);
  return out;
}

incident_tracker::events incident_tracker::on_lease_lost(const std::string& source,
                                                         const std::string& why,
                                                         clock::time_point now) {
  events out;
  open(out, incident_kind::lease_lost, severity::warning, source, "",
       fmt::format("source '{}': lease lost: {}", source, why), now);
  return out;
}

incident_tracker::events incident_tracker::on_lease_settled(const std::string& source,
                                                            bool held_here, clock::time_point now) {
  events out;
  resolve(out, incident_kind::lease_lost, source, "",
          held_here ? fmt::format("source '{}': lease held again", source)
                    : fmt::format("source '{}': lease rounds work again; the source is free for "
                                  "or held by another instance",
                                  source),
          now);
  return out;
}

void incident_tracker::seed(const std::string& source, const std::string& stream,
                            int failures_in_a_row, const std::string& last_status,
                            clock::time_point now) {
  failures_[{source, stream}] = failures_in_a_row;
  events ignored;
  if (failures_in_a_row >= failing_runs_)
    open(ignored, incident_kind::stream_failing, severity::warning, source, stream,
         fmt::format("{}/{} failing: {} run(s) in a row", source, stream, failures_in_a_row), now);
  if (last_status == "suspicious")
    open(ignored, incident_kind::snapshot_held_back, severity::warning, source, stream,
         fmt::format("{}/{}: the last snapshot was held back by the safety valve", source, stream),
         now);
}

void incident_tracker::forget_streams(const std::string& source) {
  std::erase_if(open_, [&](const auto& kv) {
    return std::get<1>(kv.first) == source && std::get<0>(kv.first) != incident_kind::lease_lost;
  });
  std::erase_if(failures_, [&](const auto& kv) { return kv.first.first == source; });
}

int incident_tracker::failures_in_a_row(const std::string& source,
                                        const std::string& stream) const {
  auto it = failures_.find({source, stream});
  return it == failures_.end() ? 0 : it->second;
}

bool incident_tracker::is_open(incident_kind kind, const std::string& source,
                               const std::string& stream) const {
  return open_.count({kind, source, stream}) > 0;
}

std::vector<incident> incident_tracker::open_incidents() const {
  std::vector<incident> out;
  for (const auto& [k, i] : open_) out.push_back(i);
  return out;
}

}  // namespace sluice::daemon
