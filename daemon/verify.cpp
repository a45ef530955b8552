// `sluice verify`: each selected stream's table against its API's own count, drift localized and
// repaired (daemon/verify_runner.hpp). Like `sync` it takes each source's lease first
// (daemon/one_shot.hpp), so it never repairs a source that a daemon or a sync is pulling, and it
// spends the source's budget. Sources are verified concurrently, the streams of one source one
// after the other.
#include <algorithm>
#include <cstdio>
#include <memory>

#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "daemon/commands.hpp"
#include "daemon/one_shot.hpp"
#include "daemon/verify_runner.hpp"
#include "store/census.hpp"
#include "store/verifications.hpp"

namespace sluice::daemon {
namespace {

namespace asio = boost::asio;

struct verify_job {
  source_runtime* source;
  connectors::stream_spec spec;
  std::optional<verify_result> result;  // unset: not verified (lease held elsewhere, stopped)
  std::string skipped;                  // why, when not verified
};

std::string count_text(const std::optional<std::int64_t>& n) {
  return n ? std::to_string(*n) : "-";
}

void print_line(const verify_job& job) {
  const std::string name = job.source->config->name + "/" + job.spec.name;
  if (!job.result) {
    std::printf("%s: not verified: %s\n", name.c_str(), redact(job.skipped).c_str());
    return;
  }
  const auto& r = *job.result;
  const auto& rep = r.report;
  // Messages quote vendor answers: masked like every text that leaves the process.
  std::string detail = redact(r.outcome == "failed" ? r.message : rep.note);
  std::printf(
      "%s: %s; api %s, table %s; %lld ranges probed, %lld drifted; %lld rows repaired, "
      "%lld marked deleted; %lld requests%s%s\n",
      name.c_str(), r.outcome.c_str(), count_text(rep.api_count).c_str(),
      count_text(rep.table_count).c_str(), static_cast<long long>(rep.ranges_probed),
      static_cast<long long>(rep.ranges_drifted), static_cast<long long>(rep.rows_repaired),
      static_cast<long long>(rep.rows_deleted), static_cast<long long>(r.counters.requests),
      detail.empty() ? "" : "; ", detail.c_str());
}

boost::json::value count_json(const std::optional<std::int64_t>& n) {
  return n ? boost::json::value(*n) : boost::json::value(nullptr);
}

boost::json::object job_json(const verify_job& job, bool dry_run) {
  boost::json::object o;
  o["source"] = job.source->config->name;
  o["stream"] = job.spec.name;
  o["dry_run"] = dry_run;
  if (!job.result) {
    o["outcome"] = "skipped";
    o["error"] = job.skipped;
    return o;
  }
  const auto& r = *job.result;
  o["outcome"] = r.outcome;
  o["api_count"] = count_json(r.report.api_count);
  o["table_count"] = count_json(r.report.table_count);
  o["ranges_probed"] = r.report.ranges_probed;
  o["ranges_drifted"] = r.report.ranges_drifted;
  o["rows_repaired"] = r.report.rows_repaired;
  o["rows_deleted"] = r.report.rows_deleted;
  o["requests"] = r.counters.requests;
  o["seconds"] = r.seconds;
  o["note"] = r.report.note;
  o["error"] = r.message.empty() ? boost::json::value(nullptr) : boost::json::value(r.message);
  boost::system::error_code ec;
  auto details = boost::json::parse(r.report.details, ec);
  o["details"] = ec ? boost::json::value(nullptr) : std::move(details);
  return o;
}

// Usage errors are found before anything is contacted; nullopt when the selection is good.
std::optional<int> check_selection(const config& cfg, const verify_options& options,
                                   const std::vector<verify_job>& jobs) {
  for (const auto& name : options.sources)
    if (!find_source(cfg, name)) {
      spdlog::error("--source {}: no such source in {}", name, cfg.file.string());
      return exit_code::usage;
    }
  if (jobs.empty()) {
    spdlog::error("nothing to verify: no configured stream matches the selection");
    return exit_code::usage;
  }
  for (const auto& name : options.streams)
    if (std::none_of(jobs.begin(), jobs.end(),
                     [&](const verify_job& j) { return j.spec.name == name; })) {
      spdlog::error("--stream {}: no selected source has this stream", name);
      return exit_code::usage;
    }
  return std::nullopt;
}

// A repair by full walk is a run of the stream like `sync --full`'s, in sync_runs.
std::function<asio::awaitable<bool>()> full_walk_of(run_context& ctx, source_runtime& rt,
                                                    const connectors::stream_spec& spec) {
  return [&ctx, &rt, spec]() -> asio::awaitable<bool> {
    stream_request request{rt, spec, true, std::nullopt};
    auto result = co_await run_stream(ctx, std::move(request));
    co_return result.ok() && result.status != "suspicious";
  };
}

// One coroutine per source: its streams one after the other.
asio::awaitable<void> verify_source(verify_context& ctx, std::vector<verify_job*> jobs,
                                    bool dry_run) {
  for (auto* job : jobs) {
    verify_request request{*job->source, job->spec, dry_run, false,
                           full_walk_of(ctx.run, *job->source, job->spec)};
    job->result = co_await verify_stream(ctx, std::move(request));
  }
}

int exit_status(const std::vector<verify_job>& jobs) {
  for (const auto& job : jobs)
    if (!job.result || !job.result->ok()) return exit_code::stream_failed;
  return exit_code::ok;
}

void print_results(const std::vector<verify_job>& jobs, const verify_options& options) {
  if (options.json) {
    boost::json::array out;
    for (const auto& job : jobs) out.push_back(job_json(job, options.dry_run));
    std::printf("%s\n", redact(boost::json::serialize(out)).c_str());
  } else {
    for (const auto& job : jobs) print_line(job);
  }
  std::fflush(stdout);
}

// The jobs of the selected streams, one source's after the other.
std::vector<verify_job> select(one_shot& command, const config& cfg,
                               const verify_options& options) {
  std::vector<verify_job> jobs;
  for (const auto& src : cfg.sources) {
    const auto& only = options.sources;
    if (!only.empty() && std::find(only.begin(), only.end(), src.name) == only.end()) continue;
    auto& rt = command.add_source(src);
    for (auto& spec : rt.selected_streams(options.streams))
      jobs.push_back({&rt, spec, std::nullopt, ""});
  }
  return jobs;
}

// The verification journal and the census, beside the stores every one-shot command opens.
struct verify_stores {
  std::unique_ptr<store::verification_store> journal;
  std::unique_ptr<store::census> census;
};

std::optional<int> open_verify_stores(const config& cfg, verify_stores& s) {
  try {
    s.journal = std::make_unique<store::verification_store>(cfg.database);
    s.census = std::make_unique<store::census>(cfg.database);
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return exit_code_for(e);
  }
  return std::nullopt;
}

// One task per source with something to verify: its streams one after the other.
std::vector<one_shot::task> tasks_for(one_shot& command, std::vector<verify_job>& jobs,
                                      verify_stores& stores, bool dry_run) {
  std::vector<one_shot::task> tasks;
  for (const auto& rt : command.sources()) {
    std::vector<verify_job*> mine;
    for (auto& job : jobs)
      if (job.source == rt.get() && job.skipped.empty()) mine.push_back(&job);
    if (mine.empty()) continue;
    tasks.push_back([&stores, mine, dry_run](run_context& run) -> asio::awaitable<void> {
      verify_context ctx{run, *stores.journal, *stores.census};
      co_await verify_source(ctx, mine, dry_run);
    });
  }
  return tasks;
}

}  // namespace

int run_verify(const config& cfg, const verify_options& options) {
  one_shot command(cfg, "verify");
  auto jobs = select(command, cfg, options);
  if (auto usage = check_selection(cfg, options, jobs)) return *usage;
  if (auto failed = command.open_stores()) return *failed;
  verify_stores stores;
  if (auto failed = open_verify_stores(cfg, stores)) return *failed;
  if (auto failed = command.take_leases()) return *failed;
  for (auto& job : jobs)
    if (!command.holds(job.source->config->name))
      job.skipped =
          holder_of(command.first_round(), job.source->config->name) + " is working on this source";
  // A lost lease or a signal stops a source: rows already repaired are kept, and nothing
  // half-read is marked (fencing refuses the rest).
  command.run(tasks_for(command, jobs, stores, options.dry_run),
              {"stopping; repaired rows are kept, nothing half-read is marked", false});
  print_results(jobs, options);
  return exit_status(jobs);
}

}  // namespace sluice::daemon
