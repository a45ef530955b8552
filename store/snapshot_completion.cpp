#include "store/snapshot_completion.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <pqxx/transaction>

#include "store/commit.hpp"
#include "store/merge_sql.hpp"
#include "store/redact.hpp"

namespace sluice::store {
namespace {

// A share as a percentage for a log line: "81.2", "50".
std::string percent(double share) { return fmt::format("{:.4g}", share * 100.0); }

// The snapshot's counts, before anything is marked: result.seen, live_before and vanished.
void count(pqxx::work& tx, const std::string& target, const std::string& seen_table,
           const sink_state& sink, snapshot_result& result) {
  result.seen =
      tx.exec_params1("SELECT count(*) FROM " + seen_table + " WHERE source = $1 AND stream = $2",
                      sink.source, sink.stream)[0]
          .as<std::int64_t>();
  // The seen table's key makes the join match at most once per row.
  const auto counts =
      tx.exec_params1("SELECT count(*), count(*) FILTER (WHERE s.external_id IS NULL) FROM " +
                          target + " t LEFT JOIN " + seen_table +
                          " s ON s.source = $1 AND s.stream = $2 AND s.external_id = t.external_id"
                          " WHERE t.source = $1 AND t.deleted_at IS NULL",
                      sink.source, sink.stream);
  result.live_before = counts[0].as<std::int64_t>();
  result.vanished = counts[1].as<std::int64_t>();
}

// Marks the live rows of the source that the snapshot did not see; returns how many.
std::int64_t mark_vanished(pqxx::work& tx, const std::string& target, const std::string& seen_table,
                           const sink_state& sink) {
  // content_hash '\x00' can never equal a real (16-byte) hash: the row's hash covered the
  // deleted_at the connector sent (NULL), so if the record comes back unchanged, the writer's
  // hash check must not skip it, or deleted_at would never be cleared.
  const auto marked = tx.exec_params0(
      "UPDATE " + target +
          " t SET deleted_at = now(), synced_at = now(), content_hash = '\\x00'"
          " WHERE t.source = $1 AND t.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM " +
          seen_table +
          " s WHERE s.source = $1 AND s.stream = $2 AND s.external_id = t.external_id)",
      sink.source, sink.stream);
  return static_cast<std::int64_t>(marked.affected_rows());
}

// The safety valve: why marking `vanished` of `live` rows deleted would be wrong, or nullopt when
// it may go ahead. Exactly `max_fraction` of the live rows may go; the tolerance only absorbs
// the rounding of max_fraction * live (vanished is a whole number).
std::optional<std::string> valve_reason(std::int64_t seen, std::int64_t live, std::int64_t vanished,
                                        double max_fraction) {
  if (seen == 0 && live > 0)
    return fmt::format("the snapshot was empty while {} rows are live", live);
  const double allowed = max_fraction * static_cast<double>(live);
  if (static_cast<double>(vanished) > allowed + 1e-9 * allowed)
    return fmt::format("would mark {} of {} live rows deleted ({}%, max {}%)", vanished, live,
                       percent(static_cast<double>(vanished) / static_cast<double>(live)),
                       percent(max_fraction));
  return std::nullopt;
}

}  // namespace

void forget_seen(writer_connection& connection, const writer_options& options,
                 const sink_state& sink) {
  pqxx::connection& conn = connection.get();
  connection.sent = {sink.source, {}, {}};
  const auto began = std::chrono::steady_clock::now();
  pqxx::work tx(conn);
  // A process that lost the lease must not wipe the ids of the new holder's snapshot.
  fence(tx, sink);
  tx.exec_prepared0(statement::forget_seen, sink.source, sink.stream);
  tx.commit();
  report(options, sink, 0, {}, began);
}

snapshot_result complete_snapshot(writer_connection& connection, const writer_options& options,
                                  const sink_state& sink, const job& j) {
  pqxx::connection& conn = connection.get();
  connection.sent = {sink.source, {}, {}};
  const std::string target = connection.schema() + "." + quote_identifier(sink.table->name);
  const std::string seen_table = connection.schema() + ".snapshot_seen";
  snapshot_result result;
  const auto began = std::chrono::steady_clock::now();
  pqxx::work tx(conn);
  fence(tx, sink);
  // This session keeps sequential scans off for its key probes (writer_connection::open); here
  // the whole source is compared with the whole snapshot, which is what scans and hash joins are
  // for. No nested loops: snapshot_seen has just been filled and has no statistics yet, so the
  // planner takes it for tiny and would rescan it once per live row (measured: a 100,000-row
  // snapshot took minutes instead of a tenth of a second).
  tx.exec("SET LOCAL enable_seqscan = on; SET LOCAL enable_nestloop = off");
  count(tx, target, seen_table, sink, result);

  if (auto reason =
          valve_reason(result.seen, result.live_before, result.vanished, j.max_delete_fraction)) {
    result.suspicious = true;
    result.reason = std::move(*reason);
  } else if (result.vanished > 0) {
    result.deleted = mark_vanished(tx, target, seen_table, sink);
  }
  tx.exec_prepared0(statement::forget_seen, sink.source, sink.stream);
  if (j.cursor_after)
    tx.exec_prepared0(statement::cursor, sink.source, sink.stream, *j.cursor_after);
  if (sink.run_id > 0 && result.deleted > 0)
    tx.exec_prepared0(statement::run_progress, sink.run_id, 0, 0, 0, result.deleted,
                      sink.requests.load());
  tx.commit();
  write_totals totals;
  totals.deleted = result.deleted;
  report(options, sink, 0, totals, began);
  return result;
}

}  // namespace sluice::store
