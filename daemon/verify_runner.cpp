#include "daemon/verify_runner.hpp"

#include <chrono>
#include <cstdlib>

#include <boost/asio/this_coro.hpp>
#include <spdlog/spdlog.h>

#include "core/redaction.hpp"
#include "daemon/census_adapter.hpp"

namespace sluice::daemon {
namespace {

namespace asio = boost::asio;
using connectors::verify_outcome;
using connectors::verify_report;

// The connector's verification, with a sink of its own (fenced by the lease, never carrying a
// cursor) and the census; the sink is flushed before returning, so every repaired row is
// committed (or the failure thrown) by then.
asio::awaitable<verify_report> run_connector(verify_context& ctx, verify_request& request,
                                             std::int64_t id, bool dry_run,
                                             run_counters& counters) {
  const auto& src = *request.source.config;
  const std::string& stream = request.spec.name;
  auto cursor = co_await ctx.run.db.run([&] { return ctx.run.state.cursor(src.name, stream); });
  store::sink_options options;
  options.source = src.name;
  options.stream = stream;
  options.table = request.spec.table;
  options.lease_holder = ctx.run.lease_holder;
  auto sink = ctx.run.writer.open(co_await asio::this_coro::executor, std::move(options));
  census_adapter census(ctx.run.db, ctx.census, src.name, ctx.run.lease_holder, id, dry_run);
  auto& http = request.low_priority ? *request.source.backfill_http : *request.source.http;
  connectors::verify_run run{src, stream, cursor, dry_run, http, *sink, census, counters};
  auto report = co_await request.source.connector->verify(run);
  co_await sink->flush();
  co_return report;
}

// The repair of a stream that cannot localize drift: its own full walk (recorded in sync_runs
// like any run), then the counts again, without writing, for the end state.
asio::awaitable<verify_report> repair_by_full_walk(verify_context& ctx, verify_request& request,
                                                   std::int64_t id, const verify_report& found,
                                                   run_counters& counters) {
  const bool walked = co_await request.full_walk();
  auto after = co_await run_connector(ctx, request, id, true, counters);
  after.ranges_probed += found.ranges_probed;
  after.ranges_drifted = found.ranges_drifted;
  after.outcome =
      after.outcome == verify_outcome::matched ? verify_outcome::repaired : verify_outcome::drift;
  after.note = walked ? "repaired by the stream's full walk (its run is in sync_runs)"
                      : "the stream's full walk did not complete (see its run in sync_runs)";
  co_return after;
}

void log_result(const std::string& label, const verify_result& r) {
  if (r.outcome == "failed") {
    spdlog::error("{}: verification failed ({}): {} [{} requests]", label,
                  to_string(r.error.value_or(error_kind::data)), r.message, r.counters.requests);
    return;
  }
  const auto& rep = r.report;
  auto count = [](const std::optional<std::int64_t>& n) { return n ? std::to_string(*n) : "-"; };
  const std::string line = fmt::format(
      "{}: verification {}: api {}, table {}; {} probed, {} drifted; {} repaired, {} marked "
      "deleted; {} requests in {:.1f}s{}{}",
      label, r.outcome, count(rep.api_count), count(rep.table_count), rep.ranges_probed,
      rep.ranges_drifted, rep.rows_repaired, rep.rows_deleted, r.counters.requests, r.seconds,
      rep.note.empty() ? "" : "; ", rep.note);
  if (r.outcome == "drift") {
    spdlog::warn("{}", line);
  } else {
    spdlog::info("{}", line);
  }
}

store::verification record_of(std::int64_t id, const verify_result& r) {
  store::verification v;
  v.id = id;
  v.outcome = r.outcome;
  v.api_count = r.report.api_count;
  v.table_count = r.report.table_count;
  v.ranges_probed = r.report.ranges_probed;
  v.ranges_drifted = r.report.ranges_drifted;
  v.rows_repaired = r.report.rows_repaired;
  v.rows_deleted = r.report.rows_deleted;
  v.requests = r.counters.requests;
  v.error = r.message;
  v.details = r.report.details;
  return v;
}

}  // namespace

std::optional<std::int64_t> verify_result::drift() const {
  if (!report.api_count || !report.table_count) return std::nullopt;
  return std::llabs(*report.api_count - *report.table_count);
}

asio::awaitable<verify_result> verify_stream(verify_context& ctx, verify_request request) {
  const auto& src = *request.source.config;
  const std::string label =
      src.name + "/" + request.spec.name + (request.dry_run ? " (dry run)" : "");
  const auto started = std::chrono::steady_clock::now();
  verify_result result;
  std::int64_t id = 0;
  try {
    id = co_await ctx.run.db.run(
        [&] { return ctx.journal.begin(src.name, request.spec.name, request.dry_run); });
    result.report = co_await run_connector(ctx, request, id, request.dry_run, result.counters);
    if (result.report.full_walk_needed && request.full_walk && !request.dry_run)
      result.report =
          co_await repair_by_full_walk(ctx, request, id, result.report, result.counters);
    result.outcome = std::string(to_string(result.report.outcome));
  } catch (const error& e) {
    result.outcome = "failed";
    result.error = e.kind();
    // Printed by `sluice verify` as well as logged and recorded: masked once, here.
    result.message = redact(e.what());
  } catch (const std::exception& e) {
    result.outcome = "failed";
    result.error = error_kind::data;
    result.message = std::string("internal error: ") + e.what();
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  log_result(label, result);
  if (id == 0) co_return result;
  try {
    co_await ctx.run.db.run([&] { ctx.journal.finish(record_of(id, result)); });
  } catch (const std::exception& e) {
    spdlog::error("{}: could not record the verification: {}", label, e.what());
  }
  co_return result;
}

}  // namespace sluice::daemon
