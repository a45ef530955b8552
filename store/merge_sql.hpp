#pragma once
// The text of the writer's statements: the ones prepared once per connection (cursor, run
// progress, snapshot ids, backfill progress) and, per table, the staging table, the content-hash
// lookup and the merge. `schema` is always quoted.
#include <string>

#include "core/table.hpp"

namespace sluice::store {

// The names the statements below are prepared under on the writer's connection.
namespace statement {
inline constexpr const char* cursor = "sluice_cursor";
inline constexpr const char* run_progress = "sluice_run_progress";
inline constexpr const char* seen = "sluice_seen";
inline constexpr const char* forget_seen = "sluice_forget_seen";
inline constexpr const char* fence = "sluice_fence";
inline constexpr const char* backfill_progress = "sluice_backfill_progress";
}  // namespace statement

// $1 source, $2 stream, $3 cursor (JSON text): upserts the stream's sync_state row.
std::string cursor_sql(const std::string& schema);
// $1 run id, $2 records, $3 inserted, $4 updated, $5 deleted: added to the sync_runs row.
std::string run_progress_sql(const std::string& schema);
// $1 source, $2 stream, $3 ids (text[]): remembered as seen by the snapshot in progress.
std::string seen_sql(const std::string& schema);
// $1 source, $2 stream: forgets what the stream's snapshot saw.
std::string forget_seen_sql(const std::string& schema);
// $1 job id, $2 progress (JSON text or NULL), $3 records: the backfill job's progress.
std::string backfill_progress_sql(const std::string& schema);

// The session's staging table of `table`, in pg_temp.
std::string staging_name(const table_def& table);
// Creates the staging table of `table` anew (two statements, for a nontransaction).
std::string drop_staging_sql(const table_def& table);
std::string create_staging_sql(const std::string& schema, const table_def& table);

// The name the per-table merge is prepared under.
std::string merge_statement(const table_def& table);

// Moves the staging table's rows into the target, new or changed rows only; answers one row:
// inserted, updated, newly deleted.
std::string merge_sql(const std::string& schema, const table_def& table);
// $1 source, $2 ids (text[]): external_id and the content hash in hex of those that exist. Sent
// unprepared (store/commit.cpp says why).
std::string hashes_sql(const std::string& schema, const table_def& table);

}  // namespace sluice::store
