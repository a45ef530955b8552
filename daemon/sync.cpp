// `sluice sync`: one pass over the selected streams, all sources concurrently on one I/O thread,
// rows committed by the writer thread (daemon/one_shot.hpp). It takes each source's lease first,
// so it never pulls a source that a daemon or another sync is pulling. A source a running daemon
// holds is handed to that daemon, and its outcome reported as if run here (daemon/sync_handoff);
// a source another one-shot command holds fails with a message naming the holder, and the others
// carry on.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "daemon/commands.hpp"
#include "daemon/one_shot.hpp"
#include "daemon/pause_set.hpp"
#include "daemon/sync_handoff.hpp"

namespace sluice::daemon {
namespace {

namespace asio = boost::asio;

struct stream_job {
  source_runtime* source;
  connectors::stream_spec spec;
  bool ok = false;
  bool interrupted = false;  // cancelled: a stop signal or a lost lease
};

bool selection_ok(const sync_request& request, const std::vector<stream_job>& jobs) {
  if (jobs.empty()) {
    spdlog::error("nothing to sync: no configured stream matches the selection");
    return false;
  }
  for (const auto& name : request.streams) {
    if (std::none_of(jobs.begin(), jobs.end(),
                     [&](const stream_job& j) { return j.spec.name == name; })) {
      spdlog::error("--stream {}: no selected source has this stream", name);
      return false;
    }
  }
  return true;
}

// Selection errors are usage errors: the names are checked before anything is contacted.
bool sources_exist(const config& cfg, const sync_request& request) {
  for (const auto& name : request.sources) {
    if (!find_source(cfg, name)) {
      spdlog::error("--source {}: no such source in {}", name, cfg.file.string());
      return false;
    }
  }
  return true;
}

int outcome(const std::vector<stream_job>& jobs, const handed_outcome& handed) {
  const auto total = jobs.size() + handed.streams + handed.interrupted;
  const auto failed = handed.failed + handed.interrupted +
                      std::count_if(jobs.begin(), jobs.end(), [](const auto& j) { return !j.ok; });
  const auto interrupted =
      handed.interrupted +
      std::count_if(jobs.begin(), jobs.end(), [](const auto& j) { return j.interrupted; });
  if (handed.exit_code != 0) return handed.exit_code;
  if (failed > 0) {
    if (interrupted == failed)
      spdlog::warn("sync interrupted: {} of {} streams did not finish; committed work is kept",
                   interrupted, total);
    else
      spdlog::error("sync finished: {} of {} streams failed", failed, total);
    return exit_code::stream_failed;
  }
  spdlog::info("sync finished: {} streams succeeded", total);
  return exit_code::ok;
}

// The sources this command could not take: a daemon's get a request for their selected streams
// (all the daemon has when none were named), the others fail here.
bool hand_over(const one_shot& command, const sync_request& request,
               const std::vector<stream_job>& jobs, sync_handoff& handoff) {
  sync_handoff::selection others;
  for (const auto& job : jobs) {
    const auto& name = job.source->config->name;
    if (command.holds(name)) continue;
    auto& streams = others[name];
    if (!request.streams.empty()) streams.push_back(job.spec.name);
  }
  if (!handoff.hand_over(command.first_round(), others, request.full)) return false;
  for (const auto& name : handoff.refused())
    spdlog::error("source '{}': not synced: {} is working on it (sluice backfill or another sync)",
                  name, holder_of(command.first_round(), name));
  return true;
}

// An explicit sync runs a paused stream anyway: the pause is an instruction to the daemons'
// scheduler, and the operator asking for this run is the one who can lift it. Said once per stream.
void warn_paused(const config& cfg, const std::vector<stream_job>& jobs) {
  try {
    store::control control(cfg.database);
    const pause_set pauses(control.list_pauses());
    for (const auto& job : jobs)
      if (const auto* p = pauses.find(job.source->config->name, job.spec.name))
        spdlog::warn(
            "{}/{}: paused by {}{}{}; syncing it anyway (an explicit sync overrides a "
            "pause; the daemons still wait for `sluice resume`)",
            job.source->config->name, job.spec.name, p->paused_by, p->reason.empty() ? "" : ": ",
            p->reason);
  } catch (const std::exception& e) {
    spdlog::debug("could not read the paused streams: {}", e.what());
  }
}

}  // namespace

int run_sync(const config& cfg, const sync_request& request) {
  if (!sources_exist(cfg, request)) return exit_code::usage;
  one_shot command(cfg, "sync");
  std::vector<stream_job> jobs;
  for (const auto& src : cfg.sources) {
    const auto& only = request.sources;
    if (!only.empty() && std::find(only.begin(), only.end(), src.name) == only.end()) continue;
    auto& rt = command.add_source(src);
    for (auto& spec : rt.selected_streams(request.streams)) jobs.push_back({&rt, spec});
  }
  if (!selection_ok(request, jobs)) return exit_code::usage;
  if (auto failed = command.open_stores()) return *failed;
  warn_paused(cfg, jobs);
  if (auto failed = command.take_leases()) return *failed;

  sync_handoff handoff(cfg);
  if (!hand_over(command, request, jobs, handoff)) return exit_code::unavailable;
  // Counted from the daemons' reports instead.
  std::erase_if(jobs, [&](const stream_job& j) {
    const auto& handed = handoff.handed();
    return std::any_of(handed.begin(), handed.end(),
                       [&](const handed_run& h) { return h.source == j.source->config->name; });
  });

  std::vector<one_shot::task> tasks;
  for (auto& job : jobs) {
    if (!command.holds(job.source->config->name)) continue;
    tasks.push_back([&job, full = request.full](run_context& ctx) -> asio::awaitable<void> {
      stream_request request{*job.source, job.spec, full, std::nullopt};
      auto result = co_await run_stream(ctx, std::move(request));
      job.ok = result.ok();
      job.interrupted = result.status == "cancelled";
    });
  }
  command.run(tasks, {"stopping; committed work is kept", true});
  if (!handoff.handed().empty() && request.no_wait) {
    spdlog::info("not waiting (--no-wait): the daemons record the outcome in run_requests");
    return jobs.empty() ? exit_code::ok : outcome(jobs, {});
  }
  // Stopped by a signal: the handed runs are not waited for either.
  return outcome(jobs, command.stopped() ? handoff.abandon() : handoff.wait());
}

}  // namespace sluice::daemon
