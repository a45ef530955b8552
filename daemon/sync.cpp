// `sluice sync`: one pass over the selected streams, all sources concurrently on one I/O thread,
// rows committed by the writer thread. It takes each source's lease first (DESIGN.md section 8),
// so it never pulls a source that a daemon or another sync is pulling; a source it cannot take
// fails its streams with a message naming the holder, and the others carry on.
#include <algorithm>
#include <csignal>
#include <memory>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "daemon/commands.hpp"
#include "daemon/lease_keeper.hpp"
#include "daemon/source_runtime.hpp"
#include "daemon/stream_runner.hpp"
#include "store/backfill_jobs.hpp"
#include "store/batch_writer.hpp"
#include "store/state.hpp"

namespace sluice::daemon {
namespace {

namespace asio = boost::asio;

struct stream_job {
  source_runtime* source;
  connectors::stream_spec spec;
  bool ok = false;
  bool interrupted = false;  // cancelled: a stop signal or a lost lease
};

}  // namespace

int run_sync(const config& cfg, const sync_request& request) {
  // Selection errors are usage errors: the names are checked before anything is contacted.
  for (const auto& name : request.sources) {
    if (!find_source(cfg, name)) {
      spdlog::error("--source {}: no such source in {}", name, cfg.file.string());
      return exit_code::usage;
    }
  }

  asio::io_context io{1};
  std::vector<std::unique_ptr<source_runtime>> sources;
  for (const auto& src : cfg.sources) {
    if (!request.sources.empty() &&
        std::find(request.sources.begin(), request.sources.end(), src.name) == request.sources.end())
      continue;
    sources.push_back(std::make_unique<source_runtime>(make_source_runtime(io.get_executor(), src)));
  }

  std::vector<stream_job> jobs;
  for (auto& rt : sources)
    for (auto& spec : rt->selected_streams(request.streams)) jobs.push_back({rt.get(), spec});
  if (jobs.empty()) {
    spdlog::error("nothing to sync: no configured stream matches the selection");
    return exit_code::usage;
  }
  for (const auto& name : request.streams) {
    if (std::none_of(jobs.begin(), jobs.end(), [&](const stream_job& j) { return j.spec.name == name; })) {
      spdlog::error("--stream {}: no selected source has this stream", name);
      return exit_code::usage;
    }
  }

  try {
    migrate_schema(cfg);
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return e.kind() == error_kind::config ? exit_code::config : exit_code::unavailable;
  }

  std::unique_ptr<store::state> state;
  std::unique_ptr<store::backfill_store> backfills;
  std::unique_ptr<store::batch_writer> writer;
  std::vector<std::string> wanted;
  for (auto& rt : sources) wanted.push_back(rt->config->name);
  lease_keeper leases(cfg.database, one_shot_identity("sync"), cfg.daemon.lease_ttl,
                      lease_keeper::mode::fixed, wanted);
  lease_round first;
  try {
    state = std::make_unique<store::state>(cfg.database);
    backfills = std::make_unique<store::backfill_store>(cfg.database);
    writer = std::make_unique<store::batch_writer>(cfg.database);
    first = leases.round_now();
    if (!first.ok) throw error(error_kind::database, first.error);
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return e.kind() == error_kind::config ? exit_code::config : exit_code::unavailable;
  }

  // Sources someone else holds: their streams fail now, with who holds them.
  std::set<std::string> held = first.held;
  for (auto& rt : sources) {
    if (held.count(rt->config->name)) continue;
    spdlog::error("source '{}': not synced: {} is working on it (sluice run or another sync)",
                  rt->config->name, holder_of(first, rt->config->name));
  }

  // A lease lost midway (this process was paused past the TTL and another took over): stop
  // pulling that source. Fencing in the writer already refuses its commits.
  leases.start([&](const lease_round& round) {
    if (!round.ok) return;
    asio::post(io, [&, kept = round.held] {
      for (auto& rt : sources)
        if (held.count(rt->config->name) && !kept.count(rt->config->name)) {
          held.erase(rt->config->name);
          rt->shutdown();
        }
    });
  });

  // SIGINT/SIGTERM: stop fetching; batches already queued still commit with their cursors.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::warn("signal {}: stopping; committed work is kept", sig);
    for (auto& rt : sources) {
      rt->shutdown();
    }
  });

  blocking_thread db;
  run_context ctx{db, *state, *backfills, *writer, leases.identity().holder};
  std::size_t remaining = 0;
  for (auto& job : jobs) {
    if (!held.count(job.source->config->name)) continue;
    ++remaining;
    asio::co_spawn(
        io,
        [&ctx, &job, full = request.full]() -> asio::awaitable<void> {
          stream_request request{*job.source, job.spec, full, std::nullopt};
          auto result = co_await run_stream(ctx, std::move(request));
          job.ok = result.ok();
          job.interrupted = result.status == "cancelled";
        },
        [&](std::exception_ptr) {
          if (--remaining == 0) signals.cancel();
        });
  }
  if (remaining == 0) signals.cancel();
  io.run();
  writer->stop();
  db.join();
  // A run whose end was lost with the database connection must not stay 'running'.
  try {
    state->close_abandoned_runs(leases.identity().holder);
  } catch (const std::exception& e) {
    spdlog::warn("could not close this process's unfinished runs: {}", e.what());
  }
  leases.stop();
  for (auto& rt : sources) rt->shutdown();

  auto failed = std::count_if(jobs.begin(), jobs.end(), [](const stream_job& j) { return !j.ok; });
  auto interrupted =
      std::count_if(jobs.begin(), jobs.end(), [](const stream_job& j) { return j.interrupted; });
  if (failed > 0) {
    if (interrupted == failed)
      spdlog::warn("sync interrupted: {} of {} streams did not finish; committed work is kept",
                   interrupted, jobs.size());
    else
      spdlog::error("sync finished: {} of {} streams failed", failed, jobs.size());
    return exit_code::stream_failed;
  }
  spdlog::info("sync finished: {} streams succeeded", jobs.size());
  return exit_code::ok;
}

}  // namespace sluice::daemon
