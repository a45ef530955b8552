#include "store/merge_sql.hpp"

#include <string_view>

#include "store/first_value.hpp"
#include "store/redact.hpp"

namespace sluice::store {
namespace {

std::string join_columns(const table_def& table, std::string_view prefix) {
  std::string out;
  for (const auto& col : table.columns) {
    out += ", ";
    out += prefix;
    out += quote_identifier(col.name);
  }
  return out;
}

std::string target_name(const std::string& schema, const table_def& table) {
  return schema + "." + quote_identifier(table.name);
}

// The SET list of the merge's ON CONFLICT DO UPDATE, content_hash and synced_at excepted.
std::string update_assignments(const table_def& table) {
  std::string updates;
  for (const auto& col : table.columns) {
    if (col.name == "external_id") continue;
    const std::string name = quote_identifier(col.name);
    // A stored first value (first_value.hpp) survives the incoming one unless that is NULL.
    updates += keeps_first_value(table, col.name) ? first_value_assignment(name)
                                                  : name + " = EXCLUDED." + name;
    updates += ", ";
  }
  return updates;
}

}  // namespace

std::string cursor_sql(const std::string& schema) {
  return "INSERT INTO " + schema +
         ".sync_state (source, stream, cursor, updated_at) "
         "VALUES ($1, $2, $3::jsonb, now()) ON CONFLICT (source, stream) DO UPDATE "
         "SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at";
}

std::string run_progress_sql(const std::string& schema) {
  return "UPDATE " + schema +
         ".sync_runs SET records = records + $2, inserted = inserted + $3, "
         "updated = updated + $4, deleted = deleted + $5, requests = greatest(requests, $6) "
         "WHERE id = $1";
}

// One statement per commit for all of its ids. Ids seen before (a resumed walk re-reading a
// page) are found by the key probe and not written again.
std::string seen_sql(const std::string& schema) {
  return "INSERT INTO " + schema +
         ".snapshot_seen (source, stream, external_id) "
         "SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING";
}

std::string forget_seen_sql(const std::string& schema) {
  return "DELETE FROM " + schema + ".snapshot_seen WHERE source = $1 AND stream = $2";
}

std::string backfill_progress_sql(const std::string& schema) {
  return "UPDATE " + schema +
         ".backfill_jobs SET progress = coalesce($2::jsonb, progress), "
         "records = records + $3, updated_at = now() WHERE id = $1";
}

std::string staging_name(const table_def& table) {
  return "pg_temp." + quote_identifier("sluice_stage_" + std::string(table.name));
}

std::string drop_staging_sql(const table_def& table) {
  return "DROP TABLE IF EXISTS " + staging_name(table);
}

// CREATE TABLE AS copies the column types without the defaults and constraints, so COPY
// evaluates nothing per row.
std::string create_staging_sql(const std::string& schema, const table_def& table) {
  const std::string columns = "source" + join_columns(table, "") + ", content_hash";
  return "CREATE TEMP TABLE " + staging_name(table) + " ON COMMIT DELETE ROWS AS SELECT " +
         columns + " FROM " + target_name(schema, table) + " WITH NO DATA";
}

std::string merge_statement(const table_def& table) {
  return "sluice_merge_" + std::string(table.name);
}

std::string merge_sql(const std::string& schema, const table_def& table) {
  const std::string target = target_name(schema, table);
  const std::string staging = staging_name(table);
  const std::string columns = "source" + join_columns(table, "") + ", content_hash";
  const std::string prefixed_columns = "s.source" + join_columns(table, "s.") + ", s.content_hash";
  // Only rows that are new or whose content hash differs reach the upsert, so unchanged rows are
  // not rewritten, not locked, and cost no WAL. The lookup is a LATERAL ... LIMIT 1 so that it
  // stays one primary-key probe per staged row: as a plain join the planner, which knows nothing
  // about the staging table, tends to hash the whole target table on every commit. The upsert's
  // own WHERE keeps this right if another process changed a row after our snapshot; xmax = 0
  // tells an inserted row from an updated one. `deleted` counts rows whose deleted_at goes from
  // NULL (or no row) to a value; every sub-statement sees the table as it was before the insert.
  const std::string lookup =
      " LEFT JOIN LATERAL (SELECT t.content_hash, t.deleted_at FROM " + target +
      " t WHERE t.source = s.source AND t.external_id = s.external_id LIMIT 1) old ON true"
      " WHERE old.content_hash IS DISTINCT FROM s.content_hash";
  return "WITH written AS ("
         " INSERT INTO " +
         target + " AS t (" + columns +
         ")"
         " SELECT " +
         prefixed_columns + " FROM " + staging + " s" + lookup +
         " ON CONFLICT (source, external_id) DO UPDATE SET " + update_assignments(table) +
         "content_hash = EXCLUDED.content_hash, synced_at = now()"
         " WHERE t.content_hash IS DISTINCT FROM EXCLUDED.content_hash"
         " RETURNING t.xmax = 0 AS inserted"
         "), deleted AS ("
         " SELECT count(*) AS n FROM " +
         staging + " s" + lookup +
         " AND s.deleted_at IS NOT NULL AND old.deleted_at IS NULL"
         ") SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),"
         " (SELECT n FROM deleted) FROM written";
}

std::string hashes_sql(const std::string& schema, const table_def& table) {
  // One primary-key probe per id whatever the statistics say. Two earlier forms grew with the
  // table during a first load, before any ANALYZE: `external_id = ANY($2)` (prepared, a generic
  // plan that scanned the table) and a plain join on the unnested ids (planned as a hash join
  // over every row of the source, estimated at a handful). A LATERAL ... LIMIT 1 cannot be
  // flattened into a join, so the planner is left with the probe, as in merge_sql.
  return "SELECT k.id, encode(t.content_hash, 'hex') FROM unnest($2::text[]) AS k(id) "
         "CROSS JOIN LATERAL (SELECT content_hash FROM " +
         target_name(schema, table) + " WHERE source = $1 AND external_id = k.id LIMIT 1) AS t";
}

}  // namespace sluice::store
