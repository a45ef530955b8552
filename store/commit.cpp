#include "store/commit.hpp"

#include <exception>
#include <optional>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <pqxx/except>
#include <pqxx/result>
#include <spdlog/spdlog.h>

// tablewriter is deprecated in favour of stream_to, but stream_to keeps its raw-line entry point
// private and converts field by field. tablewriter::write_raw_line hands our pre-encoded COPY
// text to libpq as it is, which is what makes the writer run close to plain COPY speed.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <pqxx/tablewriter>
#pragma GCC diagnostic pop

#include "core/error.hpp"
#include "store/copy_encoder.hpp"
#include "store/fence.hpp"
#include "store/merge_sql.hpp"
#include "store/redact.hpp"
#include "store/sql_values.hpp"

namespace sluice::store {
namespace {

bool is_unique_violation(const std::exception& e) {
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql != nullptr && sql->sqlstate() == "23505";
}

// The column that says which of two versions of a record is newer, if the table has one.
std::optional<std::size_t> version_column(const table_def& table) {
  for (std::string_view name : {"updated_at", "modified_at"})
    for (std::size_t i = 0; i < table.columns.size(); ++i)
      if (table.columns[i].name == name && table.columns[i].type == column_type::timestamptz)
        return i;
  return std::nullopt;
}

// Whether `candidate`, met after `kept` in the answer, replaces it: unless both carry an update
// time and the one kept is strictly newer, the later one wins.
bool supersedes(const row& candidate, const row& kept, std::optional<std::size_t> version) {
  if (!version) return true;
  const auto* a = std::get_if<timestamp>(&candidate[*version]);
  const auto* b = std::get_if<timestamp>(&kept[*version]);
  return a == nullptr || b == nullptr || !(*a < *b);
}

// One row per key for a commit, in the order of first appearance. A page may repeat a record
// (a page boundary that shifted while paging, or a vendor listing one record twice with an older
// version last), and ON CONFLICT cannot touch one row twice in a statement anyway: the newest
// version by the table's update time wins, else the last one.
std::vector<const row*> newest_versions(const table_def& table, const std::vector<job>& group) {
  std::vector<const row*> rows;
  std::size_t total = 0;
  for (const auto& j : group) total += j.batch.rows.size();
  rows.reserve(total);
  const auto version = version_column(table);
  std::unordered_map<std::string_view, std::size_t> slot;  // key -> index into rows
  slot.reserve(total);
  for (const auto& j : group)
    for (const auto& r : j.batch.rows) {
      const auto* id = std::get_if<std::string>(&r[0]);
      if (id == nullptr) {
        rows.push_back(&r);
        continue;
      }
      auto [at, inserted] = slot.try_emplace(*id, rows.size());
      if (inserted)
        rows.push_back(&r);
      else if (supersedes(r, *rows[at->second], version))
        rows[at->second] = &r;
    }
  return rows;
}

// The ids of `rows` as a text[] literal, for one statement for the whole commit.
std::string id_array(const std::vector<const row*>& rows) {
  std::string ids = "{";
  for (const row* r : rows)
    if (const auto* id = std::get_if<std::string>(&(*r)[0])) append_array_element(ids, *id);
  ids += '}';
  return ids;
}

}  // namespace

void fence(pqxx::work& tx, const sink_state& sink) {
  if (sink.lease_holder.empty()) return;
  check_lease(tx.exec_prepared(statement::fence, sink.source), sink.source, sink.lease_holder,
              "batch not committed");
}

void report(const writer_options& options, const sink_state& sink, std::int64_t records,
            const write_totals& totals, std::chrono::steady_clock::time_point began) {
  if (!options.on_commit) return;
  commit_report r;
  r.source = sink.source;
  r.stream = sink.stream;
  r.records = records;
  r.inserted = totals.inserted;
  r.updated = totals.updated;
  r.deleted = totals.deleted;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  // The transaction has committed: a failing observer must not turn it into a failed batch.
  try {
    options.on_commit(r);
  } catch (const std::exception& e) {
    spdlog::warn("{}/{}: commit observer failed: {}", sink.source, sink.stream, e.what());
  }
}

write_totals batch_commit::commit(const sink_state& sink, std::vector<job>& group) {
  std::vector<const row*> rows = newest_versions(*sink.table, group);
  std::size_t total = 0;
  for (const auto& j : group) total += j.batch.rows.size();

  // The newest cursor of the group commits with all of the group's rows.
  const std::string* cursor = nullptr;
  for (const auto& j : group)
    if (j.batch.cursor_after) cursor = &*j.batch.cursor_after;

  const auto records = static_cast<std::int64_t>(total);
  const bool seen = group.front().record_seen;
  bool classify = true;
  for (;;) {
    try {
      return connection_.with_reconnects(
          true, [&] { return commit_rows(sink, rows, cursor, records, classify, seen); });
    } catch (const std::exception& e) {
      // Another process inserted one of the keys we found missing (leases make this rare): the
      // transaction rolled back, so do it again the slow way, where ON CONFLICT settles it.
      if (!classify || !is_unique_violation(e) || !connection_.is_open()) throw;
      spdlog::debug("{}/{}: a key appeared concurrently; merging the commit instead", sink.source,
                    sink.stream);
      classify = false;
    }
  }
}

// Encodes every row as a COPY line into lines_ and records its id in the connection's `sent`.
std::vector<batch_commit::line_span> batch_commit::encode(const sink_state& sink,
                                                          const std::vector<const row*>& rows) {
  lines_.clear();
  sent_rows& sent = connection_.sent;
  sent = {sink.source, {}, {}};
  sent.ids.reserve(rows.size());
  std::vector<line_span> spans;
  spans.reserve(rows.size());
  for (const row* r : rows) {
    const std::size_t begin = lines_.size();
    append_copy_row(lines_, sink.line_prefix, *sink.table, *r);
    const auto* id = std::get_if<std::string>(&(*r)[0]);
    spans.push_back(
        {begin, lines_.size(), id != nullptr ? std::string_view(*id) : std::string_view()});
    sent.ids.push_back(spans.back().id);
  }
  return spans;
}

// Splits the lines by the target's content hashes (commit_rows says why): unchanged rows are
// left out, rows whose key does not exist are fresh, the others changed.
batch_commit::classified batch_commit::classify_lines(pqxx::work& tx, const sink_state& sink,
                                                      const std::vector<const row*>& rows,
                                                      const std::string& ids,
                                                      const std::vector<line_span>& spans) const {
  const table_def& table = *sink.table;
  classified out;
  // Not a prepared statement: after five executions PostgreSQL may keep a generic plan made
  // while the table was empty (a sequential scan), and every later batch of a first load would
  // scan the whole table (measured: 200,000 reviews took 64 s instead of 7 s). An unnamed
  // statement is planned with the table as it is now: primary-key probes.
  const pqxx::result existing =
      tx.exec_params(hashes_sql(connection_.schema(), table), sink.source, ids);
  std::unordered_map<std::string_view, std::string_view> hashes;
  hashes.reserve(existing.size());
  for (const auto& e : existing)
    hashes.emplace(std::string_view(e[0].c_str(), e[0].size()),
                   std::string_view(e[1].c_str(), e[1].size()));
  const std::size_t deleted_at = table.columns.size() - 1;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto* id = std::get_if<std::string>(&(*rows[i])[0]);
    auto found = id != nullptr ? hashes.find(*id) : hashes.end();
    if (found == hashes.end()) {
      out.fresh.push_back(spans[i]);
      if (!std::holds_alternative<std::monostate>((*rows[i])[deleted_at])) ++out.deleted;
      continue;
    }
    // Each line ends in the content hash as 32 hex digits and a newline.
    const std::string_view line_hash(lines_.data() + spans[i].end - 33, 32);
    if (found->second != line_hash) out.changed.push_back(spans[i]);
  }
  return out;
}

// One transaction. With `classify`, the rows' content hashes are first compared with the
// target's (one primary-key lookup for the whole commit): unchanged rows are dropped before
// anything is sent, rows whose key does not exist are COPYed straight into the target (plain
// COPY speed for first loads), and only changed rows take the staging table and the upsert.
// Without it (the fallback), every row takes the upsert. With `record_seen` (a snapshot is in
// progress), every id of the commit, unchanged rows included, is added to snapshot_seen in the
// same transaction, so the ids remembered never run ahead of or behind the committed rows.
write_totals batch_commit::commit_rows(const sink_state& sink, const std::vector<const row*>& rows,
                                       const std::string* cursor, std::int64_t records,
                                       bool classify, bool record_seen) {
  const table_def& table = *sink.table;
  pqxx::connection& conn = connection_.get();
  if (!rows.empty()) connection_.prepare_table(table);
  std::vector<line_span> spans = encode(sink, rows);

  write_totals totals;
  totals.records = records;
  const auto began = std::chrono::steady_clock::now();
  pqxx::work tx(conn);
  fence(tx, sink);
  classified split;
  std::string ids;
  if ((classify || record_seen) && !rows.empty()) ids = id_array(rows);
  if (classify && !rows.empty()) {
    split = classify_lines(tx, sink, rows, ids, spans);
    totals.deleted += split.deleted;
  } else {
    split.changed = std::move(spans);
  }

  if (!split.fresh.empty()) {
    copy_lines(tx, connection_.schema() + "." + quote_identifier(table.name), table, split.fresh);
    totals.inserted += static_cast<std::int64_t>(split.fresh.size());
  }
  if (!split.changed.empty()) {
    copy_lines(tx, staging_name(table), table, split.changed);
    auto counts = tx.exec_prepared1(merge_statement(table));
    totals.inserted += counts[0].as<std::int64_t>();
    totals.updated += counts[1].as<std::int64_t>();
    totals.deleted += counts[2].as<std::int64_t>();
  }
  if (record_seen && !rows.empty())
    tx.exec_prepared0(statement::seen, sink.source, sink.stream, ids);
  store_position(tx, sink, cursor, records);
  if (sink.run_id > 0)
    tx.exec_prepared0(statement::run_progress, sink.run_id, records, totals.inserted,
                      totals.updated, totals.deleted);
  tx.commit();
  report(options_, sink, records, totals, began);
  // Give back the memory of an exceptionally large commit.
  if (lines_.capacity() > (64u << 20)) std::string().swap(lines_);
  return totals;
}

// Where a commit's position goes: the stream's cursor, or for a backfill its job's progress (the
// live cursor never moves backwards because of a backfill).
void batch_commit::store_position(pqxx::work& tx, const sink_state& sink, const std::string* cursor,
                                  std::int64_t records) {
  if (!sink.backfill_job) {
    if (cursor != nullptr) tx.exec_prepared0(statement::cursor, sink.source, sink.stream, *cursor);
    return;
  }
  std::optional<std::string> progress;
  if (cursor != nullptr) progress = *cursor;
  const auto updated =
      tx.exec_prepared0(statement::backfill_progress, *sink.backfill_job, progress, records);
  // Without its job row the progress would be lost, and a resumed job would start over.
  if (updated.affected_rows() != 1)
    throw error(error_kind::data, fmt::format("{}/{}: backfill job {} does not exist", sink.source,
                                              sink.stream, *sink.backfill_job));
}

// Sends encoded lines with COPY in chunks of about 1MB: one libpq call each, no per-row work
// beyond a memcpy.
void batch_commit::copy_lines(pqxx::work& tx, const std::string& table_name, const table_def& table,
                              const std::vector<line_span>& which) {
  std::vector<std::string> columns{"source"};
  for (const auto& col : table.columns) columns.push_back(quote_identifier(col.name));
  columns.emplace_back("content_hash");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  pqxx::tablewriter copy(tx, table_name, columns.begin(), columns.end());
#pragma GCC diagnostic pop
  constexpr std::size_t chunk = 1 << 20;
  buffer_.clear();
  sent_rows& sent = connection_.sent;
  sent.copy_ids.clear();
  for (const auto& span : which) sent.copy_ids.push_back(span.id);
  for (const auto& span : which) {
    buffer_.append(lines_, span.begin, span.end - span.begin);
    if (buffer_.size() >= chunk) {
      buffer_.pop_back();  // write_raw_line adds the last newline itself
      copy.write_raw_line(buffer_);
      buffer_.clear();
    }
  }
  if (!buffer_.empty()) {
    buffer_.pop_back();
    copy.write_raw_line(buffer_);
  }
  copy.complete();
}

}  // namespace sluice::store
