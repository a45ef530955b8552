#include "store/census.hpp"

#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "core/error.hpp"
#include "store/connection.hpp"
#include "store/fence.hpp"
#include "store/redact.hpp"
#include "store/sql_values.hpp"

namespace sluice::store {
namespace {

// Names that go into SQL text: only sluice's own tables and their timestamptz columns.
void check_column(const table_def& table, std::string_view column) {
  for (const auto& c : table.columns)
    if (c.name == column && c.type == column_type::timestamptz) return;
  throw std::invalid_argument(
      fmt::format("census: {}.{} is not a timestamptz column", table.name, column));
}

// Counts per span before anything is marked.
struct span_tally {
  std::int64_t rows = 0;
  std::int64_t seen = 0;
  std::int64_t vanished = 0;
};

std::string percent(double share) { return fmt::format("{:.4g}", share * 100.0); }

// The snapshot valve, per span: a range re-read may not mark more than max_delete_fraction of
// its live rows.
std::optional<std::string> valve_reason(const span_tally& t, double max_fraction) {
  if (t.rows > 0 && t.seen == 0) return fmt::format("none of the span's {} rows came back", t.rows);
  const double allowed = max_fraction * static_cast<double>(t.rows);
  if (static_cast<double>(t.vanished) > allowed + 1e-9 * allowed)
    return fmt::format("would mark {} of the span's {} rows deleted ({}%, max {}%)", t.vanished,
                       t.rows,
                       percent(static_cast<double>(t.vanished) / static_cast<double>(t.rows)),
                       percent(max_fraction));
  return std::nullopt;
}

}  // namespace

struct census::impl {
  database_options db;
  std::string schema;  // quoted
  std::unique_ptr<guarded_connection> conn;

  std::string table(const table_def& t) const { return schema + "." + quote_identifier(t.name); }

  // Alias t. Rows marked vanished hold their mark while it is at least as recent as their last
  // write. The table's name is one of sluice's own (a connector's table description), safe as a
  // literal.
  std::string presence_sql(const table_def& t, row_presence presence) const {
    if (presence == row_presence::live) return "t.deleted_at IS NULL";
    return "(t.deleted_at IS NULL OR NOT EXISTS (SELECT 1 FROM " + schema +
           ".verification_marks m WHERE m.source = t.source AND m.table_name = '" +
           std::string(t.name) +
           "' AND m.external_id = t.external_id AND m.marked_at >= t.synced_at))";
  }

  // The rows of one span: source $1, bounds $2 and $3. An absent bound is still referenced
  // (as NULL): PostgreSQL must be able to type every parameter it is sent.
  std::string span_sql(const vanish_request& r, const time_span& span) const {
    std::string where = "t.source = $1 AND " + presence_sql(*r.table, r.presence);
    const std::string col =
        r.time_column.empty() ? std::string() : "t." + quote_identifier(r.time_column);
    where += span.from ? " AND " + col + " >= $2::timestamptz" : " AND $2::timestamptz IS NULL";
    where += span.to ? " AND " + col + " <= $3::timestamptz" : " AND $3::timestamptz IS NULL";
    return where;
  }

  span_tally tally(pqxx::work& tx, std::string_view source, const vanish_request& r,
                   const time_span& span);
  std::int64_t mark(pqxx::work& tx, std::string_view source, std::int64_t verification_id,
                    const vanish_request& r, const time_span& span);
};

census::census(const database_options& db) : impl_(std::make_unique<impl>()) {
  impl_->db = db;
  impl_->schema = quote_identifier(db.schema);
  impl_->conn = std::make_unique<guarded_connection>(db, "sluice-verify");
}

census::~census() = default;

std::vector<timestamp> census::times(std::string_view source, const table_def& table,
                                     std::string_view column, row_presence presence) {
  check_column(table, column);
  return impl_->conn->run("cannot read the table's times", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    const std::string col = "t." + quote_identifier(column);
    const auto r = tx.exec_params("SELECT " + micros(col) + " FROM " + impl_->table(table) +
                                      " t WHERE t.source = $1 AND " + col + " IS NOT NULL AND " +
                                      impl_->presence_sql(table, presence) + " ORDER BY 1",
                                  std::string(source));
    std::vector<timestamp> out;
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(timestamp(duration(row[0].as<std::int64_t>())));
    return out;
  });
}

std::int64_t census::count(std::string_view source, const table_def& table, row_presence presence) {
  return impl_->conn->run("cannot count the table's rows", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return tx
        .exec_params1("SELECT count(*) FROM " + impl_->table(table) +
                          " t WHERE t.source = $1 AND " + impl_->presence_sql(table, presence),
                      std::string(source))[0]
        .as<std::int64_t>();
  });
}

timestamp census::clock() {
  return impl_->conn->run("cannot read the database's clock", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return *read_time(tx.exec1("SELECT " + micros("clock_timestamp()"))[0]);
  });
}

span_tally census::impl::tally(pqxx::work& tx, std::string_view source, const vanish_request& r,
                               const time_span& span) {
  const auto counts = tx.exec_params1(
      "SELECT count(*), count(s.external_id), count(*) FILTER (WHERE s.external_id IS NULL AND "
      "t.synced_at < $4::timestamptz) FROM " +
          table(*r.table) +
          " t LEFT JOIN pg_temp.sluice_verify_seen s ON s.external_id = t.external_id WHERE " +
          span_sql(r, span),
      std::string(source), time_param(span.from), time_param(span.to),
      format_timestamp(r.read_started));
  return {counts[0].as<std::int64_t>(), counts[1].as<std::int64_t>(), counts[2].as<std::int64_t>()};
}

// Marks the span's vanished rows: live ones get deleted_at; every one gets a cleared
// content_hash (so that the record coming back is rewritten, which undoes the mark) and a mark.
std::int64_t census::impl::mark(pqxx::work& tx, std::string_view source,
                                std::int64_t verification_id, const vanish_request& r,
                                const time_span& span) {
  const auto done = tx.exec_params1(
      "WITH gone AS (UPDATE " + table(*r.table) +
          " t SET deleted_at = coalesce(t.deleted_at, now()), synced_at = now(), "
          "content_hash = '\\x00' WHERE " +
          span_sql(r, span) +
          " AND t.synced_at < $4::timestamptz AND NOT EXISTS (SELECT 1 FROM "
          "pg_temp.sluice_verify_seen s WHERE s.external_id = t.external_id) "
          "RETURNING t.external_id, t.deleted_at = now() AS newly), "
          "marked AS (INSERT INTO " +
          schema +
          ".verification_marks (source, table_name, external_id, marked_at, verification_id) "
          "SELECT $1, '" +
          std::string(r.table->name) +
          "', g.external_id, now(), $5 FROM gone g ON CONFLICT (source, table_name, "
          "external_id) DO UPDATE SET marked_at = EXCLUDED.marked_at, "
          "verification_id = EXCLUDED.verification_id RETURNING 1) "
          "SELECT count(*) FILTER (WHERE newly) FROM gone",
      std::string(source), time_param(span.from), time_param(span.to),
      format_timestamp(r.read_started),
      verification_id > 0 ? std::optional<std::int64_t>(verification_id) : std::nullopt);
  return done[0].as<std::int64_t>();
}

namespace {

// The ids the API returned, as a temporary table for anti-joins (a text[] compared row by row
// would cost rows x ids). Dropped with the transaction.
void load_seen(pqxx::work& tx, const std::vector<std::string>& seen) {
  tx.exec("CREATE TEMP TABLE sluice_verify_seen (external_id text PRIMARY KEY) ON COMMIT DROP");
  tx.exec_params0("INSERT INTO pg_temp.sluice_verify_seen SELECT DISTINCT unnest($1::text[])",
                  text_array_literal(seen));
  tx.exec("ANALYZE pg_temp.sluice_verify_seen");
}

void check_request(const vanish_request& r) {
  if (r.table == nullptr) throw std::invalid_argument("census: vanish_request without a table");
  if (!r.time_column.empty()) {
    check_column(*r.table, r.time_column);
  } else if (r.spans.size() != 1 || r.spans.front() != time_span{}) {
    throw std::invalid_argument("census: spans without a time column must be one open span");
  }
}

}  // namespace

vanish_result census::mark_vanished(std::string_view source, std::string_view lease_holder,
                                    std::int64_t verification_id, const vanish_request& request) {
  check_request(request);
  return impl_->conn->run("cannot mark vanished rows", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    fence(tx, impl_->schema, source, lease_holder, "nothing was marked");
    load_seen(tx, request.seen);
    vanish_result out;
    for (const auto& span : request.spans) {
      const span_tally t = impl_->tally(tx, source, request, span);
      out.rows += t.rows;
      out.vanished += t.vanished;
      if (request.count_only) continue;
      if (auto reason = valve_reason(t, request.max_delete_fraction)) {
        if (out.held++ == 0) out.reason = std::move(*reason);
        continue;
      }
      if (t.vanished > 0) out.deleted += impl_->mark(tx, source, verification_id, request, span);
    }
    out.suspicious = out.held > 0;
    if (request.count_only) return out;  // rolled back: nothing changes
    // A record the API returned again is no longer gone, whatever an older mark said.
    tx.exec_params0("DELETE FROM " + impl_->schema +
                        ".verification_marks m USING pg_temp.sluice_verify_seen s WHERE "
                        "m.source = $1 AND m.table_name = $2 AND m.external_id = s.external_id",
                    std::string(source), std::string(request.table->name));
    tx.commit();
    return out;
  });
}

}  // namespace sluice::store
