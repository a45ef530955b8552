// `sluice sync`: one pass over the selected streams, all sources concurrently on one I/O thread,
// rows committed by the writer thread. Each stream's failure is recorded and logged once, here;
// the other streams carry on.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "daemon/commands.hpp"
#include "daemon/source_runtime.hpp"
#include "store/batch_writer.hpp"
#include "store/migrations.hpp"
#include "store/state.hpp"

namespace sluice::daemon {
namespace {

namespace asio = boost::asio;

struct stream_job {
  source_runtime* source;
  connectors::stream_spec spec;
  bool ok = false;
};

// Streams whose API hides edits and deletions get a full walk on `--full`, on their first run,
// and whenever the last full run is older than the source's full_refresh_interval.
bool full_refresh_due(const connectors::stream_spec& spec, const source_config& src,
                      const std::optional<std::string>& cursor, store::state& state) {
  if (!spec.full_refresh) return false;
  if (!cursor) return true;
  auto last = state.last_full_run(src.name, spec.name);
  if (!last) return true;
  auto now = std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
  return now - *last >= src.full_refresh_interval;
}

asio::awaitable<void> run_one_stream(stream_job& job, store::state& state,
                                     store::batch_writer& writer, bool full_requested) {
  const auto& src = *job.source->config;
  const std::string& stream = job.spec.name;
  const std::string label = src.name + "/" + stream;
  auto started = std::chrono::steady_clock::now();

  store::run_outcome outcome;
  std::int64_t run_id = 0;
  try {
    // The cursor is given on full runs too: a full walk may resume from it and must never move
    // a high-water mark backwards.
    std::optional<std::string> cursor = state.cursor(src.name, stream);
    bool full = full_requested || full_refresh_due(job.spec, src, cursor, state);
    std::string mode = full ? "full"
                            : (job.spec.mode == connectors::stream_mode::snapshot ? "snapshot" : "incremental");
    run_id = state.begin_run(src.name, stream, mode);
    auto sink = writer.open(co_await asio::this_coro::executor, src.name, stream, *job.spec.table, run_id);
    connectors::stream_run run{src, stream, full, cursor, *job.source->http, *sink, outcome.counters};
    outcome.totals = co_await job.source->connector->run(run);
    outcome.status = outcome.totals.suspicious ? "suspicious" : "succeeded";
  } catch (const error& e) {
    outcome.status = "failed";
    outcome.error = e.kind();
    outcome.error_message = e.what();
  } catch (const std::exception& e) {
    outcome.status = "failed";
    outcome.error = error_kind::data;
    outcome.error_message = std::string("internal error: ") + e.what();
  }

  if (outcome.counters.warnings > 0)
    spdlog::warn("{}: {} record field(s) unusable, stored as NULL (raw keeps them); first: {}",
                 label, outcome.counters.warnings, outcome.counters.first_warning);
  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const auto& t = outcome.totals;
  const auto& c = outcome.counters;
  if (outcome.status == "suspicious")
    spdlog::warn("{}: snapshot looks incomplete, nothing was marked deleted: {}", label,
                 outcome.totals.suspicious_reason);
  if (outcome.status == "failed") {
    spdlog::error("{}: failed ({}): {} [{} requests, {} throttled; committed before failure: {} inserted, {} updated]",
                  label, to_string(*outcome.error), outcome.error_message, c.requests, c.throttled,
                  t.inserted, t.updated);
  } else {
    spdlog::info("{}: {} records, {} inserted, {} updated, {} deleted; {} requests ({} throttled, {} retried) in {:.1f}s",
                 label, t.records, t.inserted, t.updated, t.deleted, c.requests, c.throttled,
                 c.retries, seconds);
  }
  if (run_id != 0) {
    try {
      state.finish_run(run_id, outcome);
    } catch (const std::exception& e) {
      spdlog::error("{}: could not record the run: {}", label, e.what());
      outcome.status = "failed";
    }
  }
  job.ok = outcome.status != "failed";
}

}  // namespace

int run_sync(const config& cfg, const sync_request& request) {
  // Selection errors are usage errors: the names are checked before anything is contacted.
  for (const auto& name : request.sources) {
    if (std::none_of(cfg.sources.begin(), cfg.sources.end(),
                     [&](const source_config& s) { return s.name == name; })) {
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
    auto report = store::migrate(cfg.database);
    if (!report.applied.empty())
      spdlog::info("schema {}: migrated to version {}", cfg.database.schema, report.to_version);
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return exit_code::unavailable;
  }

  std::unique_ptr<store::state> state;
  std::unique_ptr<store::batch_writer> writer;
  try {
    state = std::make_unique<store::state>(cfg.database);
    writer = std::make_unique<store::batch_writer>(cfg.database);
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return exit_code::unavailable;
  }

  // SIGINT/SIGTERM: stop fetching; batches already queued still commit with their cursors.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::warn("signal {}: stopping; committed work is kept", sig);
    for (auto& rt : sources) rt->http->shutdown();
  });

  std::size_t remaining = jobs.size();
  for (auto& job : jobs) {
    asio::co_spawn(io, run_one_stream(job, *state, *writer, request.full),
                   [&](std::exception_ptr) {
                     if (--remaining == 0) signals.cancel();
                   });
  }
  io.run();
  writer->stop();
  for (auto& rt : sources) rt->http->shutdown();

  auto failed = std::count_if(jobs.begin(), jobs.end(), [](const stream_job& j) { return !j.ok; });
  if (failed > 0) {
    spdlog::error("sync finished: {} of {} streams failed", failed, jobs.size());
    return exit_code::stream_failed;
  }
  spdlog::info("sync finished: {} streams succeeded", jobs.size());
  return exit_code::ok;
}

}  // namespace sluice::daemon
