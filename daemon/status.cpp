// `sluice status`: per stream, the cursor, the last run and its counts, errors, the lease, and
// whether an operator paused it. `--watch` redraws the table every interval until interrupted; a
// run in flight shows the records and requests its commits have counted so far (the writer adds
// them to its sync_runs row with every commit).
#include <csignal>
#include <cstdio>
#include <thread>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "core/redaction.hpp"
#include "daemon/commands.hpp"
#include "daemon/pause_set.hpp"
#include "daemon/source_runtime.hpp"
#include "store/backfill_jobs.hpp"
#include "store/control.hpp"
#include "store/run_requests.hpp"
#include "store/state.hpp"
#include "store/verifications.hpp"

namespace sluice::daemon {
namespace {

std::string when(const std::optional<timestamp>& t) { return t ? format_timestamp(*t) : ""; }

boost::json::value json_or_null(const std::optional<std::string>& text) {
  if (!text) return nullptr;
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  return ec ? boost::json::value(text->c_str()) : v;
}

// A compact one-line cursor for the text table: {"update_date":"..."} -> update_date=...
std::string cursor_text(const std::optional<std::string>& text) {
  if (!text) return "-";
  boost::system::error_code ec;
  auto v = boost::json::parse(*text, ec);
  if (ec || !v.is_object()) return *text;
  std::string out;
  for (const auto& [k, val] : v.as_object()) {
    if (!out.empty()) out += ' ';
    out += std::string(k) + "=" +
           (val.is_string() ? std::string(val.as_string()) : boost::json::serialize(val));
  }
  return out.empty() ? "-" : out;
}

boost::json::object job_json(const store::backfill_job& job) {
  boost::json::object o;
  o["id"] = job.id;
  o["since"] = job.since ? boost::json::value(when(job.since)) : nullptr;
  o["until"] = job.until ? boost::json::value(when(job.until)) : nullptr;
  o["status"] = job.status;
  o["records"] = job.records;
  o["progress"] = json_or_null(job.progress);
  o["holder"] = job.holder.empty() ? boost::json::value(nullptr) : boost::json::value(job.holder);
  o["created_at"] = job.created_at ? boost::json::value(when(job.created_at)) : nullptr;
  o["finished_at"] = job.finished_at ? boost::json::value(when(job.finished_at)) : nullptr;
  o["error"] = job.error.empty() ? boost::json::value(nullptr) : boost::json::value(job.error);
  return o;
}

boost::json::value count_or_null(const std::optional<std::int64_t>& n) {
  return n ? boost::json::value(*n) : boost::json::value(nullptr);
}

boost::json::value verification_json(const std::optional<store::verification>& v) {
  if (!v) return nullptr;
  boost::json::object o;
  o["id"] = v->id;
  o["outcome"] = v->outcome;
  o["dry_run"] = v->dry_run;
  o["started_at"] = when(v->started_at);
  o["finished_at"] = v->finished_at ? boost::json::value(when(v->finished_at)) : nullptr;
  o["api_count"] = count_or_null(v->api_count);
  o["table_count"] = count_or_null(v->table_count);
  o["ranges_probed"] = v->ranges_probed;
  o["ranges_drifted"] = v->ranges_drifted;
  o["rows_repaired"] = v->rows_repaired;
  o["rows_deleted"] = v->rows_deleted;
  o["requests"] = v->requests;
  o["error"] = v->error.empty() ? boost::json::value(nullptr) : boost::json::value(v->error);
  o["details"] = json_or_null(v->details.empty() ? std::nullopt : std::optional(v->details));
  return o;
}

// The last verification of each stream that has one, below the streams.
void print_verifications(const std::vector<store::stream_status>& rows,
                         const std::vector<std::optional<store::verification>>& verified) {
  bool header = false;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& v = verified[i];
    if (!v) continue;
    if (!header) {
      std::printf("\n%-20s %-12s %-12s %-28s %-10s %-10s %s\n", "VERIFIED", "STREAM", "OUTCOME",
                  "FINISHED", "API", "TABLE", "DETAIL");
      header = true;
    }
    auto count = [](const std::optional<std::int64_t>& n) { return n ? std::to_string(*n) : "-"; };
    std::string detail = std::to_string(v->ranges_probed) + " probed, " +
                         std::to_string(v->ranges_drifted) + " drifted, " +
                         std::to_string(v->rows_repaired) + " repaired, " +
                         std::to_string(v->rows_deleted) + " marked deleted, " +
                         std::to_string(v->requests) + " requests";
    if (v->dry_run) detail += " (dry run)";
    if (!v->error.empty()) detail += "; error: " + v->error;
    std::printf("%-20s %-12s %-12s %-28s %-10s %-10s %s\n", rows[i].source.c_str(),
                rows[i].stream.c_str(), v->outcome.c_str(),
                v->finished_at ? when(v->finished_at).c_str() : "-", count(v->api_count).c_str(),
                count(v->table_count).c_str(), detail.c_str());
  }
}

// Stored errors are masked again on their way out: rows written before a key was known to be
// echoed (or by an older sluice) may still quote it.
void mask_errors(std::vector<store::stream_status>& rows, std::vector<store::backfill_job>& jobs,
                 std::vector<std::optional<store::verification>>& verified) {
  for (auto& s : rows) s.last_error = redact(s.last_error);
  for (auto& job : jobs) job.error = redact(job.error);
  for (auto& v : verified)
    if (v) v->error = redact(v->error);
}

// What `status` shows: every stream's state, the recent backfill jobs, the latest
// verification of each stream (errors masked).
struct status_report {
  std::vector<store::stream_status> rows;
  std::vector<store::backfill_job> jobs;
  std::vector<std::optional<store::verification>> verified;  // one per row
  pause_set pauses;
  std::vector<store::run_request> requests;  // runs handed to daemons: open ones, the latest done
};

// The connections status reads through, opened once (--watch reads again every interval).
struct status_reader {
  explicit status_reader(const config& cfg)
      : state(cfg.database), backfills(cfg.database), journal(cfg.database) {
    boost::asio::io_context io{1};
    for (const auto& src : cfg.sources) {
      auto rt = make_source_runtime(io.get_executor(), src);
      for (const auto& spec : rt.selected_streams({}))
        keys.push_back({src.name, spec.name, std::string(spec.table->name)});
    }
    for (const auto& src : cfg.sources) sources.push_back(src.name);
    try {
      control.emplace(cfg.database);
      requests.emplace(cfg.database);
    } catch (const std::exception&) {
      // Without the control connections nothing shows as paused or requested; the rest reads.
    }
  }
  std::vector<std::string> sources;
  std::vector<store::state::stream_key> keys;
  store::state state;
  store::backfill_store backfills;
  store::verification_store journal;
  std::optional<store::control> control;
  std::optional<store::run_requests> requests;
};

// No pauses when the schema predates them (a daemon not yet upgraded migrates it). The reasons are
// free text typed by people: masked like every other text status prints.
pause_set read_pauses(status_reader& reader) {
  if (!reader.control) return {};
  try {
    auto pauses = reader.control->list_pauses();
    for (auto& p : pauses) p.reason = redact(p.reason);
    return pause_set(std::move(pauses));
  } catch (const std::exception&) {
    return {};
  }
}

status_report read_report(const config& cfg, status_reader& reader) {
  status_report report;
  report.rows = reader.state.status(reader.keys);
  // The latest backfill jobs of each source (a few; the table keeps them all).
  for (const auto& src : cfg.sources)
    for (auto& job : reader.backfills.recent(src.name, 5)) report.jobs.push_back(std::move(job));
  for (const auto& s : report.rows)
    report.verified.push_back(reader.journal.latest(s.source, s.stream));
  report.pauses = read_pauses(reader);
  try {
    if (reader.requests) report.requests = reader.requests->recent(reader.sources, 5);
  } catch (const std::exception&) {
    // The schema predates run requests: there are none.
  }
  mask_errors(report.rows, report.jobs, report.verified);
  return report;
}

// The freshness objective of a configured stream (nullopt: no longer configured).
std::optional<duration> objective_of(const config& cfg, const store::stream_status& s) {
  const auto* src = find_source(cfg, s.source);
  if (!src) return std::nullopt;
  return src->max_staleness_of(s.stream);
}

// The daemon's rule on the run history: "stale" when the newest successful run is older than the
// objective or none succeeded; "pending" before the first run; "-" when not configured; "paused"
// while an operator paused it (the daemon does not judge it then either).
std::string freshness_of(const config& cfg, const store::stream_status& s,
                         const pause_set& pauses) {
  if (pauses.paused(s.source, s.stream)) return "paused";
  const auto objective = objective_of(cfg, s);
  if (!objective) return "-";
  if (!s.last_run_id) return "pending";
  const auto now = std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
  return s.last_success_at && now - *s.last_success_at <= *objective ? "ok" : "stale";
}

boost::json::value last_run_json(const store::stream_status& s) {
  if (!s.last_run_id) return nullptr;
  boost::json::object r;
  r["id"] = *s.last_run_id;
  r["mode"] = s.last_mode;
  r["status"] = s.last_status;
  r["started_at"] = when(s.last_started_at);
  r["finished_at"] = s.last_finished_at ? boost::json::value(when(s.last_finished_at)) : nullptr;
  r["records"] = s.last_records;
  r["inserted"] = s.last_inserted;
  r["updated"] = s.last_updated;
  r["deleted"] = s.last_deleted;
  r["warnings"] = s.last_warnings;
  r["requests"] = s.last_requests;
  r["throttled"] = s.last_throttled;
  r["error"] =
      s.last_error.empty() ? boost::json::value(nullptr) : boost::json::value(s.last_error);
  return r;
}

void add_pause_json(boost::json::object& o, const store::stream_pause* p) {
  o["paused"] = p != nullptr;
  o["pause_reason"] = p ? boost::json::value(p->reason) : nullptr;
  o["paused_by"] = p ? boost::json::value(p->paused_by) : nullptr;
  o["paused_at"] = p ? boost::json::value(when(p->paused_at)) : nullptr;
}

void print_json(const config& cfg, const status_report& report) {
  boost::json::array out;
  for (std::size_t i = 0; i < report.rows.size(); ++i) {
    const auto& s = report.rows[i];
    boost::json::object o;
    o["source"] = s.source;
    o["stream"] = s.stream;
    const auto objective = objective_of(cfg, s);
    const auto freshness = freshness_of(cfg, s, report.pauses);
    o["freshness"] = freshness == "-" ? boost::json::value(nullptr) : boost::json::value(freshness);
    o["max_staleness_seconds"] =
        objective ? boost::json::value(
                        std::chrono::duration_cast<std::chrono::seconds>(*objective).count())
                  : boost::json::value(nullptr);
    o["cursor"] = json_or_null(s.cursor);
    o["cursor_updated_at"] =
        s.cursor_updated_at ? boost::json::value(when(s.cursor_updated_at)) : nullptr;
    o["rows"] = s.rows;
    o["lease_holder"] =
        s.lease_holder.empty() ? boost::json::value(nullptr) : boost::json::value(s.lease_holder);
    o["last_success_at"] =
        s.last_success_at ? boost::json::value(when(s.last_success_at)) : nullptr;
    o["last_run"] = last_run_json(s);
    add_pause_json(o, report.pauses.find(s.source, s.stream));
    boost::json::array stream_jobs;
    for (const auto& job : report.jobs)
      if (job.source == s.source && job.stream == s.stream) stream_jobs.push_back(job_json(job));
    o["backfill_jobs"] = std::move(stream_jobs);
    o["last_verification"] = verification_json(report.verified[i]);
    out.push_back(std::move(o));
  }
  std::printf("%s\n", boost::json::serialize(out).c_str());
}

// The DETAIL column: the latest run's counts (so far, for a run in flight), the pause, the lease.
std::string stream_detail(const store::stream_status& s, const store::stream_pause* pause) {
  std::string detail;
  if (s.last_run_id && s.last_status == "running") {
    detail = s.last_mode + " run #" + std::to_string(*s.last_run_id) + " in flight since " +
             when(s.last_started_at) + ": " + std::to_string(s.last_records) + " records so far, " +
             std::to_string(s.last_inserted) + " inserted, " + std::to_string(s.last_updated) +
             " updated, " + std::to_string(s.last_requests) + " requests";
  } else if (s.last_run_id) {
    detail = s.last_mode + ": " + std::to_string(s.last_records) + " records, " +
             std::to_string(s.last_inserted) + " inserted, " + std::to_string(s.last_updated) +
             " updated, " + std::to_string(s.last_deleted) + " deleted, " +
             std::to_string(s.last_requests) + " requests";
    if (s.last_warnings) detail += ", " + std::to_string(s.last_warnings) + " warnings";
    if (!s.last_error.empty()) detail += "; error: " + s.last_error;
  }
  if (pause) {
    detail += (detail.empty() ? "" : "; ") + std::string("paused by ") + pause->paused_by;
    if (pause->stream == store::all_streams) detail += " (whole source)";
    if (!pause->reason.empty()) detail += ": " + pause->reason;
  }
  if (!s.lease_holder.empty())
    detail += (detail.empty() ? "" : "; ") + std::string("lease: ") + s.lease_holder;
  return detail;
}

void print_streams(const config& cfg, const std::vector<store::stream_status>& rows,
                   const pause_set& pauses) {
  std::printf("%-20s %-12s %-10s %-10s %-8s %-28s %-44s %s\n", "SOURCE", "STREAM", "ROWS",
              "LAST RUN", "FRESH", "FINISHED", "CURSOR", "DETAIL");
  for (const auto& s : rows) {
    const auto detail = stream_detail(s, pauses.find(s.source, s.stream));
    std::printf("%-20s %-12s %-10lld %-10s %-8s %-28s %-44s %s\n", s.source.c_str(),
                s.stream.c_str(), static_cast<long long>(s.rows),
                s.last_run_id ? s.last_status.c_str() : "never",
                freshness_of(cfg, s, pauses).c_str(),
                s.last_finished_at ? when(s.last_finished_at).c_str() : "-",
                cursor_text(s.cursor).c_str(), detail.c_str());
  }
}

void print_backfills(const std::vector<store::backfill_job>& jobs) {
  if (jobs.empty()) return;
  std::printf("\n%-8s %-20s %-12s %-10s %-10s %-56s %s\n", "BACKFILL", "SOURCE", "STREAM", "STATUS",
              "RECORDS", "RANGE", "DETAIL");
  for (const auto& job : jobs) {
    std::string detail = job.holder.empty() ? "" : "by " + job.holder;
    if (job.progress && job.status != "succeeded")
      detail += (detail.empty() ? "" : "; ") + std::string("at ") + cursor_text(job.progress);
    if (!job.error.empty())
      detail += (detail.empty() ? "" : "; ") + std::string("error: ") + job.error;
    std::printf("%-8lld %-20s %-12s %-10s %-10lld %-56s %s\n", static_cast<long long>(job.id),
                job.source.c_str(), job.stream.c_str(), job.status.c_str(),
                static_cast<long long>(job.records), store::describe_range(job).c_str(),
                detail.c_str());
  }
}

// Runs `sluice sync` handed to the daemons: what waits, what runs where, how the last ones ended.
void print_requests(const std::vector<store::run_request>& requests) {
  if (requests.empty()) return;
  std::printf("\n%-8s %-20s %-20s %-10s %-5s %-24s %s\n", "REQUEST", "SOURCE", "STREAMS", "STATE",
              "EXIT", "REQUESTED", "DETAIL");
  for (const auto& r : requests) {
    std::string streams = r.streams.empty() ? "all" : "";
    for (const auto& s : r.streams) streams += (streams.empty() ? "" : ",") + s;
    if (r.full) streams += " (full)";
    std::string detail = "by " + r.requested_by;
    if (!r.claimed_by.empty())
      detail += (r.state == "running" ? "; on " : "; ran on ") + r.claimed_by;
    std::printf("%-8lld %-20s %-20s %-10s %-5s %-24s %s\n", static_cast<long long>(r.id),
                r.source.c_str(), streams.c_str(), r.state.c_str(),
                r.exit_code ? std::to_string(*r.exit_code).c_str() : "-",
                format_timestamp(r.requested_at).c_str(), detail.c_str());
  }
}

volatile std::sig_atomic_t watch_stop = 0;
extern "C" void on_watch_signal(int) { watch_stop = 1; }

void print_report(const config& cfg, const status_report& report, bool json) {
  if (json) {
    print_json(cfg, report);
    return;
  }
  print_streams(cfg, report.rows, report.pauses);
  print_verifications(report.rows, report.verified);
  print_backfills(report.jobs);
  print_requests(report.requests);
}

// Redraws until SIGINT or SIGTERM. On a terminal each table replaces the last (cursor home, clear
// screen); into a pipe or a file, tables follow each other, each under its time, so a log of them
// reads in order. A failed read is printed and retried at the next interval.
int watch_status(const config& cfg, status_reader& reader, const status_options& options) {
  std::signal(SIGINT, on_watch_signal);
  std::signal(SIGTERM, on_watch_signal);
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  const auto seconds = std::chrono::duration<double>(options.interval).count();
  while (!watch_stop) {
    const auto now = std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
    if (terminal) std::fputs("\033[H\033[2J", stdout);
    std::printf("sluice status at %s, every %gs%s\n", format_timestamp(now).c_str(), seconds,
                terminal ? " (Ctrl-C to stop)" : "");
    try {
      print_report(cfg, read_report(cfg, reader), options.json);
    } catch (const std::exception& e) {
      std::printf("cannot read the status: %s\n", redact(e.what()).c_str());
    }
    if (!terminal) std::fputs("\n", stdout);
    std::fflush(stdout);
    // Short sleeps, so Ctrl-C ends the watch at once.
    const auto until = std::chrono::steady_clock::now() + options.interval;
    while (!watch_stop && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  return exit_code::ok;
}

}  // namespace

int run_status(const config& cfg, const status_options& options) {
  status_reader reader(cfg);
  if (options.watch) return watch_status(cfg, reader, options);
  print_report(cfg, read_report(cfg, reader), options.json);
  return exit_code::ok;
}

}  // namespace sluice::daemon
