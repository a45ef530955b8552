// `sluice status`: per stream, the cursor, the last run and its counts, errors, the lease.
#include <cstdio>

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "daemon/commands.hpp"
#include "daemon/source_runtime.hpp"
#include "store/backfill_jobs.hpp"
#include "store/state.hpp"

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
    out += std::string(k) + "=" + (val.is_string() ? std::string(val.as_string()) : boost::json::serialize(val));
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

}  // namespace

int run_status(const config& cfg, bool json) {
  std::vector<store::state::stream_key> keys;
  boost::asio::io_context io{1};
  for (const auto& src : cfg.sources) {
    auto rt = make_source_runtime(io.get_executor(), src);
    for (const auto& spec : rt.selected_streams({}))
      keys.push_back({src.name, spec.name, std::string(spec.table->name)});
  }
  store::state state(cfg.database);
  auto rows = state.status(keys);
  // The latest backfill jobs of each source (a few; the table keeps them all).
  store::backfill_store backfills(cfg.database);
  std::vector<store::backfill_job> jobs;
  for (const auto& src : cfg.sources)
    for (auto& job : backfills.recent(src.name, 5)) jobs.push_back(std::move(job));

  if (json) {
    boost::json::array out;
    for (const auto& s : rows) {
      boost::json::object o;
      o["source"] = s.source;
      o["stream"] = s.stream;
      o["cursor"] = json_or_null(s.cursor);
      o["cursor_updated_at"] = s.cursor_updated_at ? boost::json::value(when(s.cursor_updated_at)) : nullptr;
      o["rows"] = s.rows;
      o["lease_holder"] = s.lease_holder.empty() ? boost::json::value(nullptr) : boost::json::value(s.lease_holder);
      o["last_success_at"] = s.last_success_at ? boost::json::value(when(s.last_success_at)) : nullptr;
      if (s.last_run_id) {
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
        r["error"] = s.last_error.empty() ? boost::json::value(nullptr) : boost::json::value(s.last_error);
        o["last_run"] = std::move(r);
      } else {
        o["last_run"] = nullptr;
      }
      boost::json::array stream_jobs;
      for (const auto& job : jobs)
        if (job.source == s.source && job.stream == s.stream) stream_jobs.push_back(job_json(job));
      o["backfill_jobs"] = std::move(stream_jobs);
      out.push_back(std::move(o));
    }
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return exit_code::ok;
  }

  std::printf("%-20s %-12s %-10s %-10s %-28s %-44s %s\n", "SOURCE", "STREAM", "ROWS", "LAST RUN",
              "FINISHED", "CURSOR", "DETAIL");
  for (const auto& s : rows) {
    std::string detail;
    if (s.last_run_id) {
      detail = s.last_mode + ": " + std::to_string(s.last_records) + " records, " +
               std::to_string(s.last_inserted) + " inserted, " + std::to_string(s.last_updated) +
               " updated, " + std::to_string(s.last_deleted) + " deleted, " +
               std::to_string(s.last_requests) + " requests";
      if (s.last_warnings) detail += ", " + std::to_string(s.last_warnings) + " warnings";
      if (!s.last_error.empty()) detail += "; error: " + s.last_error;
    }
    if (!s.lease_holder.empty()) detail += (detail.empty() ? "" : "; ") + std::string("lease: ") + s.lease_holder;
    std::printf("%-20s %-12s %-10lld %-10s %-28s %-44s %s\n", s.source.c_str(), s.stream.c_str(),
                static_cast<long long>(s.rows), s.last_run_id ? s.last_status.c_str() : "never",
                s.last_finished_at ? when(s.last_finished_at).c_str() : "-",
                cursor_text(s.cursor).c_str(), detail.c_str());
  }
  if (!jobs.empty()) {
    std::printf("\n%-8s %-20s %-12s %-10s %-10s %-56s %s\n", "BACKFILL", "SOURCE", "STREAM", "STATUS",
                "RECORDS", "RANGE", "DETAIL");
    for (const auto& job : jobs) {
      std::string detail = job.holder.empty() ? "" : "by " + job.holder;
      if (job.progress && job.status != "succeeded") detail += (detail.empty() ? "" : "; ") + std::string("at ") + cursor_text(job.progress);
      if (!job.error.empty()) detail += (detail.empty() ? "" : "; ") + std::string("error: ") + job.error;
      std::printf("%-8lld %-20s %-12s %-10s %-10lld %-56s %s\n", static_cast<long long>(job.id),
                  job.source.c_str(), job.stream.c_str(), job.status.c_str(),
                  static_cast<long long>(job.records), store::describe_range(job).c_str(), detail.c_str());
    }
  }
  return exit_code::ok;
}

}  // namespace sluice::daemon
