#include "daemon/daemon_metrics.hpp"

#include <chrono>

#include "daemon/stream_runner.hpp"
#include "daemon/verify_runner.hpp"
#include "net/http_client.hpp"
#include "store/batch_writer.hpp"

namespace sluice::daemon {
namespace {

double unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

daemon_metrics::daemon_metrics() {
  auto& r = registry_;
  r.describe("sluice_build_info", metric_type::gauge,
             "Always 1; the version label says which sluice runs.");
  r.set("sluice_build_info", {{"version", SLUICE_VERSION}}, 1);
  r.describe("sluice_records_total", metric_type::counter,
             "Records committed to PostgreSQL (each batch's rows, changed or not).");
  r.describe("sluice_rows_written_total", metric_type::counter,
             "Rows inserted, updated (content changed) or marked deleted.");
  r.describe("sluice_http_requests_total", metric_type::counter,
             "HTTP request attempts to source APIs by status code (code=\"none\": no answer).");
  r.describe("sluice_http_throttled_total", metric_type::counter, "429 answers from source APIs.");
  r.describe("sluice_http_retries_total", metric_type::counter,
             "Requests repeated after a transient failure.");
  r.describe("sluice_batch_commit_seconds", metric_type::histogram,
             "Time from BEGIN to COMMIT of one batch transaction.",
             {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  r.describe("sluice_stream_runs_total", metric_type::counter,
             "Stream runs ended, by status (succeeded, failed, suspicious) and mode.");
  r.describe("sluice_stream_last_success_timestamp_seconds", metric_type::gauge,
             "Unix time the stream's last successful run ended.");
  r.describe(
      "sluice_stream_cursor_lag_seconds", metric_type::gauge,
      "Now minus the instant the stream's committed cursor stands at (time-cursor streams).");
  r.describe("sluice_lease_held", metric_type::gauge,
             "1 while this instance holds the source's lease and pulls it, else 0.");
  r.describe("sluice_config_reloads_total", metric_type::counter,
             "SIGHUP reloads by result (applied, refused).");
  r.describe("sluice_verify_runs_total", metric_type::counter,
             "Stream verifications ended, by outcome (matched, repaired, drift, failed, "
             "unsupported).");
  r.describe("sluice_budget_wait_seconds_total", metric_type::counter,
             "Seconds requests waited for the source's own rate budget (rate_limit).");
  r.describe("sluice_source_configured", metric_type::gauge,
             "1 for every source this instance's configuration names, whoever holds it.");
  r.describe("sluice_stream_max_staleness_seconds", metric_type::gauge,
             "The stream's freshness objective: its newest successful run must be younger.");
  r.describe("sluice_stream_stale", metric_type::gauge,
             "1 while the newest successful run of a stream this instance pulls is older than its "
             "objective (or none succeeded in that time), else 0.");
  r.describe("sluice_stream_paused", metric_type::gauge,
             "1 while an operator has paused the stream (sluice pause): no new run starts and it "
             "is not judged stale, else 0.");
  r.describe("sluice_stream_consecutive_failures", metric_type::gauge,
             "Failed runs of the stream since its last success.");
  r.describe("sluice_stream_snapshot_held_back", metric_type::gauge,
             "1 while the stream's last snapshot was held back by the deletion safety valve "
             "(run recorded as suspicious), else 0.");
  r.describe("sluice_alerts_sent_total", metric_type::counter,
             "Incident events for [alerts] webhook_url, by result (sent, failed, dropped).");
  r.describe("sluice_stream_drift_records", metric_type::gauge,
             "Records by which the table and the API's count differed at the end of the "
             "stream's last verification (|api - table|).");
}

void daemon_metrics::on_request(const std::string& source, const net::request_event& e) {
  registry_.add("sluice_http_requests_total",
                {{"source", source}, {"code", e.status ? std::to_string(e.status) : "none"}});
  if (e.throttled) registry_.add("sluice_http_throttled_total", {{"source", source}});
  if (e.retry) registry_.add("sluice_http_retries_total", {{"source", source}});
  if (e.budget_wait_seconds > 0)
    registry_.add("sluice_budget_wait_seconds_total", {{"source", source}}, e.budget_wait_seconds);
}

void daemon_metrics::on_commit(const store::commit_report& r) {
  metric_labels l{{"source", r.source}, {"stream", r.stream}};
  registry_.add("sluice_records_total", l, static_cast<double>(r.records));
  for (auto [op, n] :
       {std::pair{"inserted", r.inserted}, {"updated", r.updated}, {"deleted", r.deleted}})
    registry_.add("sluice_rows_written_total",
                  {{"source", r.source}, {"stream", r.stream}, {"op", op}}, static_cast<double>(n));
  registry_.observe("sluice_batch_commit_seconds", l, r.seconds);
}

void daemon_metrics::on_run(const std::string& source, const std::string& stream,
                            const stream_result& result) {
  // The last success is set by daemon/alerting, for live runs only (a backfill is not fresh data).
  registry_.add("sluice_stream_runs_total",
                {{"source", source}, {"stream", stream}, {"status", result.status}});
}

void daemon_metrics::on_verify(const std::string& source, const std::string& stream,
                               const verify_result& result) {
  registry_.add("sluice_verify_runs_total", {{"outcome", result.outcome}});
  if (auto drift = result.drift())
    registry_.set("sluice_stream_drift_records", {{"source", source}, {"stream", stream}},
                  static_cast<double>(*drift));
}

void daemon_metrics::set_cursor_time(const std::string& source, const std::string& stream,
                                     std::optional<timestamp> at) {
  if (!at) return;
  std::lock_guard lock(mutex_);
  cursor_times_[{source, stream}] = *at;
}

void daemon_metrics::on_tick() {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::system_clock::now();
  for (const auto& [key, at] : cursor_times_)
    registry_.set("sluice_stream_cursor_lag_seconds",
                  {{"source", key.first}, {"stream", key.second}},
                  std::max(0.0, std::chrono::duration<double>(now - at).count()));
}

void daemon_metrics::set_lease(const std::string& source, bool held) {
  registry_.set("sluice_lease_held", {{"source", source}}, held ? 1 : 0);
}

void daemon_metrics::set_configured(const std::string& source, const std::string& kind) {
  registry_.set("sluice_source_configured", {{"source", source}, {"kind", kind}}, 1);
}

void daemon_metrics::set_last_success(const std::string& source, const std::string& stream,
                                      std::chrono::system_clock::time_point at) {
  registry_.set("sluice_stream_last_success_timestamp_seconds",
                {{"source", source}, {"stream", stream}}, unix_seconds(at));
}

void daemon_metrics::set_freshness(const std::string& source, const std::string& stream,
                                   double objective_seconds, bool stale) {
  metric_labels l{{"source", source}, {"stream", stream}};
  registry_.set("sluice_stream_max_staleness_seconds", l, objective_seconds);
  registry_.set("sluice_stream_stale", l, stale ? 1 : 0);
}

void daemon_metrics::set_paused(const std::string& source, const std::string& stream, bool paused) {
  registry_.set("sluice_stream_paused", {{"source", source}, {"stream", stream}}, paused ? 1 : 0);
}

void daemon_metrics::set_stream_trouble(const std::string& source, const std::string& stream,
                                        int failures_in_a_row, bool held_back) {
  metric_labels l{{"source", source}, {"stream", stream}};
  registry_.set("sluice_stream_consecutive_failures", l, failures_in_a_row);
  registry_.set("sluice_stream_snapshot_held_back", l, held_back ? 1 : 0);
}

void daemon_metrics::on_alert(const char* result) {
  registry_.add("sluice_alerts_sent_total", {{"result", result}});
}

void daemon_metrics::forget_stream_health(const std::string& source) {
  for (const char* name :
       {"sluice_stream_max_staleness_seconds", "sluice_stream_stale", "sluice_stream_paused",
        "sluice_stream_consecutive_failures", "sluice_stream_snapshot_held_back"})
    registry_.remove_matching(name, "source", source);
}

void daemon_metrics::on_reload(bool ok) {
  registry_.add("sluice_config_reloads_total", {{"result", ok ? "applied" : "refused"}});
}

void daemon_metrics::forget_source(const std::string& source) {
  {
    std::lock_guard lock(mutex_);
    std::erase_if(cursor_times_, [&](const auto& kv) { return kv.first.first == source; });
  }
  for (const char* name :
       {"sluice_records_total", "sluice_rows_written_total", "sluice_http_requests_total",
        "sluice_http_throttled_total", "sluice_http_retries_total", "sluice_batch_commit_seconds",
        "sluice_stream_runs_total", "sluice_stream_last_success_timestamp_seconds",
        "sluice_stream_cursor_lag_seconds", "sluice_lease_held", "sluice_stream_drift_records",
        "sluice_budget_wait_seconds_total", "sluice_source_configured"})
    registry_.remove_matching(name, "source", source);
  forget_stream_health(source);
}

}  // namespace sluice::daemon
