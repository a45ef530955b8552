// `sluice backfill`: re-read a historical range of one source's streams. The request becomes a
// job row per stream (backfill_jobs); whoever holds the source's lease runs it: a `sluice run`
// instance (at lower priority than its live pulls), else this command, which takes the lease
// itself (daemon/one_shot.hpp). Progress commits with each batch, so a job interrupted by a crash
// resumes when the same command runs again (or when a daemon picks it up). The live cursor is
// never touched.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "daemon/commands.hpp"
#include "daemon/one_shot.hpp"

namespace sluice::daemon {
namespace {

namespace asio = boost::asio;
using spec_list = std::vector<connectors::stream_spec>;

std::optional<timestamp> time_option(const std::string& text, const char* option, bool& bad) {
  if (text.empty()) return std::nullopt;
  auto t = parse_timestamp(text);  // a bare date is midnight UTC
  if (!t) {
    spdlog::error("{} {}: not a time (use e.g. 2024-01-31 or 2024-01-31T12:00:00Z)", option, text);
    bad = true;
  }
  return t;
}

// The streams to backfill (all that can be, or the one asked for); empty after a usage error,
// which is logged.
spec_list select_streams(const source_runtime& rt, const std::string& only) {
  const source_config& src = *rt.config;
  spec_list streams;
  std::string names;
  for (auto& spec : rt.selected_streams({})) {
    names += (names.empty() ? "" : ", ") + spec.name;
    if (only.empty() ? spec.backfill : spec.name == only) streams.push_back(spec);
  }
  if (!only.empty() && streams.empty()) {
    spdlog::error("--stream {}: source '{}' has no such stream (streams: {})", only, src.name,
                  names);
    return {};
  }
  for (const auto& spec : streams)
    if (!spec.backfill) {
      spdlog::error(
          "--stream {}: source '{}' reads this stream whole on every run, so there is "
          "no range to backfill; `sluice sync --full --source {}` re-reads it now",
          spec.name, src.name, src.name);
      return {};
    }
  if (streams.empty())
    spdlog::error(
        "source '{}' ({}) has no stream that can be backfilled; `sluice sync --full` "
        "re-reads everything",
        src.name, src.kind);
  return streams;
}

// One job row per stream: the unfinished one for the same range (resumed), else a new one.
std::vector<store::backfill_job> jobs_for(store::backfill_store& jobs, const std::string& source,
                                          const spec_list& streams, std::optional<timestamp> since,
                                          std::optional<timestamp> until) {
  std::vector<store::backfill_job> todo;
  for (const auto& spec : streams) {
    auto job = jobs.find_unfinished(source, spec.name, since, until);
    if (job) {
      spdlog::info("backfill job {} ({}/{}, {}): resuming{}", job->id, source, spec.name,
                   store::describe_range(*job),
                   job->progress ? " from its last committed position" : "");
    } else {
      job = jobs.create(source, spec.name, since, until);
      spdlog::info("backfill job {} ({}/{}, {}): created", job->id, source, spec.name,
                   store::describe_range(*job));
    }
    todo.push_back(*job);
  }
  return todo;
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

  one_shot command(cfg, "backfill");
  auto& rt = command.add_source(*src);
  const spec_list streams = select_streams(rt, request.stream);
  if (streams.empty()) return exit_code::usage;
  if (auto failed = command.open_stores()) return *failed;
  std::vector<store::backfill_job> todo;
  try {
    todo = jobs_for(command.jobs(), src->name, streams, since, until);
  } catch (const error& e) {
    spdlog::error("{}", e.what());
    return exit_code_for(e);
  }
  if (auto failed = command.take_leases()) return *failed;
  if (!command.holds(src->name)) {
    spdlog::info(
        "source '{}' is held by {}: a `sluice run` holder runs the job(s) at low priority; "
        "follow them with `sluice status`. If the holder is a one-shot command, run this "
        "command again when it is done.",
        src->name, holder_of(command.first_round(), src->name));
    return exit_code::ok;
  }

  std::size_t failed = 0;
  std::vector<one_shot::task> tasks;
  for (const auto& job : todo) {
    auto spec =
        *std::find_if(streams.begin(), streams.end(),
                      [&](const connectors::stream_spec& s) { return s.name == job.stream; });
    tasks.push_back([&rt, &failed, job, spec](run_context& ctx) -> asio::awaitable<void> {
      stream_request request{rt, spec, false, job};
      auto result = co_await run_stream(ctx, std::move(request));
      if (!result.ok()) ++failed;
    });
  }
  command.run(tasks, {"stopping; progress is kept and the job resumes on the next run", false});
  if (command.lost().count(src->name))
    spdlog::error("source '{}': lease lost during the backfill; run the command again", src->name);
  if (failed > 0) {
    spdlog::error("backfill finished: {} of {} job(s) failed or were interrupted", failed,
                  todo.size());
    return exit_code::stream_failed;
  }
  spdlog::info("backfill finished: {} job(s) succeeded", todo.size());
  return exit_code::ok;
}

}  // namespace sluice::daemon
