// `sluice backfill`: re-read a historical range of one source's streams. The request becomes a
// job row per stream (backfill_jobs); whoever holds the source's lease runs it: a `sluice run`
// instance (at lower priority than its live pulls), else this command, which takes the lease
// itself. Progress commits with each batch, so a job interrupted by a crash resumes when the
// same command runs again (or when a daemon picks it up). The live cursor is never touched.
#include <algorithm>
#include <csignal>
#include <memory>

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

std::optional<timestamp> time_option(const std::string& text, const char* option, bool& bad) {
  if (text.empty()) return std::nullopt;
  auto t = parse_timestamp(text);  // a bare date is midnight UTC
  if (!t) {
    spdlog::error("{} {}: not a time (use e.g. 2024-01-31 or 2024-01-31T12:00:00Z)", option, text);
    bad = true;
  }
  return t;
}

}  // namespace

int run_backfill(const config& cfg, const backfill_request& request) {
  const source_config* src = find_source(cfg, request.source);
  if (!src) {
    spdlog::error("--source {}: no such source in {}", request.source, cfg.file.string());
    return exit_code::usage;
  }
  bool bad = false;
  auto since = time_option(request.since, "--since", bad);
  auto until = time_option(request.until, "--until", bad);
  if (bad) return exit_code::usage;
  if (since && until && *since >= *until) {
    spdlog::error("--since {} is not before --until {}", request.since, request.until);
    return exit_code::usage;
  }

  asio::io_context io{1};
  auto rt = std::make_unique<source_runtime>(make_source_runtime(io.get_executor(), *src));
  std::vector<connectors::stream_spec> streams;
  std::string names;
  for (auto& spec : rt->selected_streams({})) {
    names += (names.empty() ? "" : ", ") + spec.name;
    if (request.stream.empty() ? spec.backfill : spec.name == request.stream) streams.push_back(spec);
  }
  if (!request.stream.empty() && streams.empty()) {
    spdlog::error("--stream {}: source '{}' has no such stream (streams: {})", request.stream,
                  src->name, names);
    return exit_code::usage;
  }
  for (const auto& spec : streams)
    if (!spec.backfill) {
      spdlog::error("--stream {}: source '{}' reads this stream whole on every run, so there is "
                    "no range to backfill; `sluice sync --full --source {}` re-reads it now",
                    spec.name, src->name, src->name);
      return exit_code::usage;
    }
  if (streams.empty()) {
    spdlog::error("source '{}' ({}) has no stream that can be backfilled; `sluice sync --full` "
                  "re-reads everything", src->name, src->kind);
    return exit_code::usage;
  }

  std::unique_ptr<store::state> state;
  std::unique_ptr<store::backfill_store> jobs;
  std::vector<store::backfill_job> todo;
  try {
    migrate_schema(cfg);
    state = std::make_unique<store::state>(cfg.database);
    jobs = std::make_unique<store::backfill_store>(cfg.database);
    for (const auto& spec : streams) {
      auto job = jobs->find_unfinished(src->name, spec.name, since, until);
      if (job) {
        spdlog::info("backfill job {} ({}/{}, {}): resuming{}", job->id, src->name, spec.name,
                     store::describe_range(*job), job->progress ? " from its last committed position" : "");
      } else {
        job = jobs->create(src->name, spec.name, since, until);
        spdlog::info("backfill job {} ({}/{}, {}): created", job->id, src->name, spec.name,
                     store::describe_range(*job));
      }
      todo.push_back(*job);
    }
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return e.kind() == error_kind::config ? exit_code::config : exit_code::unavailable;
  }

  lease_keeper leases(cfg.database, one_shot_identity("backfill"), cfg.daemon.lease_ttl,
                      lease_keeper::mode::fixed, {src->name});
  auto first = leases.round_now();
  if (!first.ok) {
    spdlog::error("{}", first.error);
    return exit_code::unavailable;
  }
  if (!first.held.count(src->name)) {
    spdlog::info("source '{}' is held by {}: a `sluice run` holder runs the job(s) at low priority; "
                 "follow them with `sluice status`. If the holder is a one-shot command, run this "
                 "command again when it is done.", src->name, holder_of(first, src->name));
    return exit_code::ok;
  }

  std::unique_ptr<store::batch_writer> writer;
  try {
    writer = std::make_unique<store::batch_writer>(cfg.database);
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return e.kind() == error_kind::config ? exit_code::config : exit_code::unavailable;
  }
  bool lost = false;
  leases.start([&](const lease_round& round) {
    if (!round.ok || round.held.count(src->name)) return;
    asio::post(io, [&] {
      lost = true;
      rt->shutdown();
    });
  });

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    spdlog::warn("signal {}: stopping; progress is kept and the job resumes on the next run", sig);
    rt->shutdown();
  });

  blocking_thread db;
  run_context ctx{db, *state, *jobs, *writer, leases.identity().holder};
  std::size_t remaining = todo.size();
  std::size_t failed = 0;
  for (const auto& job : todo) {
    auto spec = *std::find_if(streams.begin(), streams.end(),
                              [&](const connectors::stream_spec& s) { return s.name == job.stream; });
    asio::co_spawn(
        io,
        [&, job, spec]() -> asio::awaitable<void> {
          stream_request request{*rt, spec, false, job};
          auto result = co_await run_stream(ctx, std::move(request));
          if (!result.ok()) ++failed;
        },
        [&](std::exception_ptr) {
          if (--remaining == 0) signals.cancel();
        });
  }
  io.run();
  writer->stop();
  db.join();
  leases.stop();
  if (lost) spdlog::error("source '{}': lease lost during the backfill; run the command again", src->name);
  if (failed > 0) {
    spdlog::error("backfill finished: {} of {} job(s) failed or were interrupted", failed, todo.size());
    return exit_code::stream_failed;
  }
  spdlog::info("backfill finished: {} job(s) succeeded", todo.size());
  return exit_code::ok;
}

}  // namespace sluice::daemon
