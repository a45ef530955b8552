// `sluice verify`: each selected stream's table against its API's own count, drift localized and
// repaired (daemon/verify_runner.hpp). Like `sync` it takes each source's lease first, so it never
// repairs a source that a daemon or a sync is pulling, and it spends the source's budget. Sources
// are verified concurrently, the streams of one source one after the other.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <memory>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "daemon/commands.hpp"
#include "daemon/lease_keeper.hpp"
#include "daemon/source_runtime.hpp"
#include "daemon/verify_runner.hpp"
#include "store/backfill_jobs.hpp"
#include "store/batch_writer.hpp"
#include "store/state.hpp"

namespace sluice::daemon {
namespace {

namespace asio = boost::asio;

struct verify_job {
  source_runtime* source;
  connectors::stream_spec spec;
  std::optional<verify_result> result;  // unset: not verified (lease held elsewhere, stopped)
  std::string skipped;                  // why, when not verified
};

// Everything the command opens, in the order it must be closed.
struct verify_stores {
  std::unique_ptr<store::state> state;
  std::unique_ptr<store::backfill_store> jobs;
  std::unique_ptr<store::batch_writer> writer;
  std::unique_ptr<store::verification_store> journal;
  std::unique_ptr<store::census> census;
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
  std::printf("%s: %s; api %s, table %s; %lld ranges probed, %lld drifted; %lld rows repaired, "
              "%lld marked deleted; %lld requests%s%s\n",
              name.c_str(), r.outcome.c_str(), count_text(rep.api_count).c_str(),
              count_text(rep.table_count).c_str(), static_cast<long long>(rep.ranges_probed),
              static_cast<long long>(rep.ranges_drifted),
              static_cast<long long>(rep.rows_repaired), static_cast<long long>(rep.rows_deleted),
              static_cast<long long>(r.counters.requests), detail.empty() ? "" : "; ",
              detail.c_str());
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

std::optional<int> open_stores(const config& cfg, verify_stores& s) {
  try {
    migrate_schema(cfg);
    s.state = std::make_unique<store::state>(cfg.database);
    s.jobs = std::make_unique<store::backfill_store>(cfg.database);
    s.writer = std::make_unique<store::batch_writer>(cfg.database);
    s.journal = std::make_unique<store::verification_store>(cfg.database);
    s.census = std::make_unique<store::census>(cfg.database);
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return e.kind() == error_kind::config ? exit_code::config : exit_code::unavailable;
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

// One run of the command: what it selected, what it opened, and the lease it took.
class verify_command {
public:
  verify_command(const config& cfg, const verify_options& options)
      : cfg_(cfg), options_(options) {}

  int run();

private:
  void select();
  void watch(lease_keeper& leases, asio::signal_set& signals);
  void spawn(verify_context& ctx, asio::signal_set& signals);

  const config& cfg_;
  const verify_options& options_;
  asio::io_context io_{1};
  std::vector<std::unique_ptr<source_runtime>> sources_;
  std::vector<verify_job> jobs_;
  std::set<std::string> held_;
  std::size_t remaining_ = 0;
};

void verify_command::select() {
  for (const auto& src : cfg_.sources) {
    const auto& only = options_.sources;
    if (!only.empty() && std::find(only.begin(), only.end(), src.name) == only.end()) continue;
    sources_.push_back(
        std::make_unique<source_runtime>(make_source_runtime(io_.get_executor(), src)));
    for (auto& spec : sources_.back()->selected_streams(options_.streams))
      jobs_.push_back({sources_.back().get(), spec, std::nullopt, ""});
  }
}

// A lease lost midway stops that source (fencing already refuses its commits and marks); a
// signal stops all: rows already repaired are kept, and nothing half-read is marked.
void verify_command::watch(lease_keeper& leases, asio::signal_set& signals) {
  leases.start([this](const lease_round& round) {
    if (!round.ok) return;
    asio::post(io_, [this, kept = round.held] {
      for (auto& rt : sources_)
        if (held_.count(rt->config->name) && !kept.count(rt->config->name)) {
          held_.erase(rt->config->name);
          rt->shutdown();
        }
    });
  });
  signals.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::warn("signal {}: stopping; repaired rows are kept, nothing half-read is marked", sig);
    for (auto& rt : sources_) rt->shutdown();
  });
}

void verify_command::spawn(verify_context& ctx, asio::signal_set& signals) {
  for (auto& rt : sources_) {
    std::vector<verify_job*> mine;
    for (auto& job : jobs_)
      if (job.source == rt.get() && job.skipped.empty()) mine.push_back(&job);
    if (mine.empty()) continue;
    ++remaining_;
    asio::co_spawn(io_, verify_source(ctx, std::move(mine), options_.dry_run),
                   [this, &signals](std::exception_ptr) {
                     if (--remaining_ == 0) signals.cancel();
                   });
  }
  if (remaining_ == 0) signals.cancel();
}

int verify_command::run() {
  select();
  if (auto usage = check_selection(cfg_, options_, jobs_)) return *usage;
  verify_stores stores;
  if (auto failed = open_stores(cfg_, stores)) return *failed;
  std::vector<std::string> wanted;
  for (auto& rt : sources_) wanted.push_back(rt->config->name);
  lease_keeper leases(cfg_.database, one_shot_identity("verify"), cfg_.daemon.lease_ttl,
                      lease_keeper::mode::fixed, wanted);
  const lease_round first = leases.round_now();
  if (!first.ok) {
    spdlog::error("{}", first.error);
    return exit_code::unavailable;
  }
  held_ = first.held;
  for (auto& job : jobs_)
    if (!held_.count(job.source->config->name))
      job.skipped = holder_of(first, job.source->config->name) + " is working on this source";

  asio::signal_set signals(io_, SIGINT, SIGTERM);
  watch(leases, signals);
  blocking_thread db;
  run_context run{db, *stores.state, *stores.jobs, *stores.writer, leases.identity().holder};
  verify_context ctx{run, *stores.journal, *stores.census};
  spawn(ctx, signals);
  io_.run();
  stores.writer->stop();
  db.join();
  leases.stop();
  for (auto& rt : sources_) rt->shutdown();
  print_results(jobs_, options_);
  return exit_status(jobs_);
}

}  // namespace

int run_verify(const config& cfg, const verify_options& options) {
  verify_command command(cfg, options);
  return command.run();
}

}  // namespace sluice::daemon
