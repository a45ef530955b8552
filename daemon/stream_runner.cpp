#include "daemon/stream_runner.hpp"

#include <boost/asio/this_coro.hpp>
#include <fmt/format.h>

#include "core/run_log.hpp"

namespace sluice::daemon {

namespace asio = boost::asio;

bool full_refresh_due(const connectors::stream_spec& spec, const source_config& src,
                      const std::optional<std::string>& cursor, store::state& state) {
  if (!spec.full_refresh) return false;
  if (!cursor) return true;
  auto last = state.last_full_run(src.name, spec.name);
  if (!last) return true;
  auto now = std::chrono::time_point_cast<duration>(std::chrono::system_clock::now());
  return now - *last >= src.full_refresh_interval;
}

namespace {

// Where a run starts: the cursor (or a backfill's progress), whether it re-reads everything, and
// the mode recorded for it.
struct run_start {
  std::optional<std::string> cursor;
  bool full = false;
  std::string mode;
};

asio::awaitable<run_start> start_of(run_context& ctx, const stream_request& request,
                                    const run_log& log) {
  const auto& src = *request.source.config;
  run_start start;
  if (request.backfill) {
    const auto& job = *request.backfill;
    auto fresh = co_await ctx.db.run([&] {
      ctx.jobs.mark_running(job.id,
                            ctx.lease_holder.empty() ? std::string("sluice") : ctx.lease_holder);
      return ctx.jobs.get(job.id);
    });
    start.cursor = fresh ? fresh->progress : job.progress;
    start.mode = "backfill";
    log.info("{} {}", start.cursor ? "resuming" : "starting", store::describe_range(job));
    co_return start;
  }
  auto decided = co_await ctx.db.run([&] {
    auto c = ctx.state.cursor(src.name, request.spec.name);
    bool f = request.full_requested || full_refresh_due(request.spec, src, c, ctx.state);
    return std::make_pair(c, f);
  });
  start.cursor = decided.first;
  start.full = decided.second;
  start.mode = start.full                                               ? "full"
               : request.spec.mode == connectors::stream_mode::snapshot ? "snapshot"
                                                                        : "incremental";
  co_return start;
}

// One line per run (two with warnings or a held-back snapshot); unchanged runs of the daemon at
// debug level, so a quiet account does not fill the journal.
void log_outcome(const run_log& log, const stream_result& result, bool quiet_unchanged) {
  const auto& c = result.counters;
  if (c.warnings > 0)
    log.warn("{} record field(s) unusable, stored as NULL (raw keeps them); first: {}", c.warnings,
             c.first_warning);
  if (result.status == "suspicious")
    log.warn("snapshot looks incomplete, nothing was marked deleted: {}",
             result.totals.suspicious_reason);
  auto level = outcome_level(result);
  if (level == spdlog::level::info && quiet_unchanged && result.unchanged())
    level = spdlog::level::debug;
  log.log(level, "{}", outcome_line(result));
}

// Finishes the run's sync_runs row (or the backfill job) and reads the cursor the run left. A
// failure to record is the run's failure: its row would otherwise stay open.
asio::awaitable<void> record_outcome(run_context& ctx, const stream_request& request,
                                     std::int64_t run_id, const run_log& log,
                                     stream_result& result) {
  try {
    store::run_outcome outcome;
    outcome.status = result.status;
    outcome.totals = result.totals;
    outcome.counters = result.counters;
    outcome.error = result.error;
    outcome.error_message = result.message;
    result.cursor = co_await ctx.db.run([&] {
      if (run_id != 0) ctx.state.finish_run(run_id, outcome);
      if (request.backfill) {
        // Interruptions (SIGTERM, a lost lease) and transient failures leave the job unfinished:
        // whoever holds the source next resumes it from its progress. Permanent failures end it.
        if (result.ok())
          ctx.jobs.finish(request.backfill->id, true, "");
        else if (result.error && !is_transient(*result.error) &&
                 *result.error != error_kind::cancelled)
          ctx.jobs.finish(request.backfill->id, false, result.message);
        return std::optional<std::string>{};
      }
      return ctx.state.cursor(request.source.config->name, request.spec.name);
    });
  } catch (const std::exception& e) {
    log.error("could not record the run: {}", e.what());
    result.status = "failed";
    if (!result.error) {
      result.error = error_kind::database;
      result.message = e.what();
    }
  }
}

// Where the run's rows go: its table, its sync_runs row (or backfill job), fenced by the lease;
// each commit also records the requests the run made so far (progress for `status --watch`).
store::sink_options sink_options_for(const run_context& ctx, const stream_request& request,
                                     std::int64_t run_id, const run_counters& counters) {
  store::sink_options options;
  options.source = request.source.config->name;
  options.stream = request.spec.name;
  options.table = request.spec.table;
  options.run_id = run_id;
  options.lease_holder = ctx.lease_holder;
  options.counters = &counters;
  if (request.backfill) options.backfill_job = request.backfill->id;
  return options;
}

}  // namespace

std::string outcome_line(const stream_result& result) {
  const auto& t = result.totals;
  const auto& c = result.counters;
  if (result.status == "cancelled")
    return fmt::format(
        "interrupted: {} [committed before: {} inserted, {} updated; the cursor stands where "
        "they left it]",
        result.message, t.inserted, t.updated);
  if (result.status == "failed")
    return fmt::format(
        "failed ({}): {} [{} requests, {} throttled; committed before failure: {} inserted, {} "
        "updated]",
        result.error ? to_string(*result.error) : "error", result.message, c.requests, c.throttled,
        t.inserted, t.updated);
  return fmt::format(
      "{} records, {} inserted, {} updated, {} deleted; {} requests ({} throttled, {} retried) "
      "in {:.1f}s",
      t.records, t.inserted, t.updated, t.deleted, c.requests, c.throttled, c.retries,
      result.seconds);
}

spdlog::level::level_enum outcome_level(std::string_view status) {
  if (status == "failed") return spdlog::level::err;
  if (status == "cancelled") return spdlog::level::warn;
  return spdlog::level::info;
}

asio::awaitable<stream_result> run_stream(run_context& ctx, stream_request request) {
  const auto& src = *request.source.config;
  const std::string& stream = request.spec.name;
  const bool backfill = request.backfill.has_value();
  // Every line of the run names it; a live run's id arrives with its sync_runs row.
  run_log log(log_tag{src.name, stream, 0, backfill ? request.backfill->id : 0});
  const auto started = std::chrono::steady_clock::now();
  auto& http = backfill ? *request.source.backfill_http : *request.source.http;

  stream_result result;
  std::int64_t run_id = 0;
  std::unique_ptr<sink> rows_out;
  try {
    const run_start start = co_await start_of(ctx, request, log);
    // A backfill is recorded in its job row (progress, records, error), not in sync_runs: the
    // stream's run history and freshness (status, stream_latest_runs) stay about live pulls.
    if (!backfill) {
      run_id = co_await ctx.db.run(
          [&] { return ctx.state.begin_run(src.name, stream, start.mode, ctx.lease_holder); });
      log = run_log(log_tag{src.name, stream, run_id});
      result.run_id = run_id;
    }

    rows_out = ctx.writer.open(co_await asio::this_coro::executor,
                               sink_options_for(ctx, request, run_id, result.counters));

    connectors::stream_run run{src,  stream,    start.full,     start.cursor,
                               http, *rows_out, result.counters};
    run.log = log;
    if (backfill)
      run.backfill = connectors::backfill_range{request.backfill->since, request.backfill->until};
    result.totals = co_await request.source.connector->run(run);
    result.status = result.totals.suspicious ? "suspicious" : "succeeded";
  } catch (const error& e) {
    // Stopping (SIGTERM, SIGINT) and a lost lease interrupt a run; they are not its failure.
    result.status = e.kind() == error_kind::cancelled ? "cancelled" : "failed";
    result.error = e.kind();
    result.message = e.what();
  } catch (const std::exception& e) {
    result.status = "failed";
    result.error = error_kind::data;
    result.message = std::string("internal error: ") + e.what();
  }

  // A failed or interrupted run still committed whatever its batches did before the failure.
  if (rows_out && result.status != "succeeded" && result.status != "suspicious")
    result.totals = rows_out->committed();
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log_outcome(log, result, ctx.quiet_unchanged);
  // The next run of this stream is usually minutes away, past any server's keep-alive: an idle
  // connection kept until then would only hold a descriptor (one per source adds up).
  http.close_idle();
  co_await record_outcome(ctx, request, run_id, log, result);
  co_return result;
}

}  // namespace sluice::daemon
