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

// One line per key for a commit, in the order of first appearance. A page may repeat a record
// (a page boundary that shifted while paging, or a vendor listing one record twice with an older
// version last), and ON CONFLICT cannot touch one row twice in a statement anyway: the newest
// version by the table's update time wins, else the last one.
std::vector<batch_commit::line_span> newest_versions(const std::vector<job>& group) {
  std::size_t total = 0;
  for (const auto& j : group) total += j.rows.rows.size();
  std::vector<batch_commit::line_span> lines;
  std::vector<const encoded_row*> kept;  // beside lines: the row each line came from
  lines.reserve(total);
  kept.reserve(total);
  std::unordered_map<std::string_view, std::size_t> slot;  // key -> index into lines
  slot.reserve(total);
  for (const auto& j : group)
    for (const auto& r : j.rows.rows) {
      batch_commit::line_span span{j.rows.line(r), r.id ? std::string_view(*r.id) : "",
                                   r.id.has_value(), r.arrives_deleted};
      auto [at, inserted] =
          r.id ? slot.try_emplace(*r.id, lines.size()) : std::pair{slot.end(), true};
      if (inserted) {
        lines.push_back(span);
        kept.push_back(&r);
      } else if (supersedes(r, *kept[at->second])) {
        lines[at->second] = span;
        kept[at->second] = &r;
      }
    }
  return lines;
}

// The keys of `lines` as a text[] literal, for one statement for the whole commit.
std::string id_array(const std::vector<batch_commit::line_span>& lines) {
  std::string ids = "{";
  for (const auto& l : lines)
    if (l.keyed) append_array_element(ids, l.id);
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
  const std::vector<line_span> lines = newest_versions(group);
  std::size_t total = 0;
  for (const auto& j : group) total += j.rows.rows.size();

  // The newest cursor of the group commits with all of the group's rows.
  const std::string* cursor = nullptr;
  for (const auto& j : group)
    if (j.cursor_after) cursor = &*j.cursor_after;

  const auto records = static_cast<std::int64_t>(total);
  const bool seen = group.front().record_seen;
  bool classify = true;
  for (;;) {
    try {
      return connection_.with_reconnects(
          true, [&] { return commit_rows(sink, lines, cursor, records, classify, seen); });
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

// Splits the lines by the target's content hashes (commit_rows says why): unchanged rows are
// left out, rows whose key does not exist are fresh, the others changed.
batch_commit::classified batch_commit::classify_lines(pqxx::work& tx, const sink_state& sink,
                                                      const std::string& ids,
                                                      const std::vector<line_span>& lines) const {
  const table_def& table = *sink.table;
  classified out;
  // Not a prepared statement: after five executions PostgreSQL may keep a generic plan made
  // while the table was empty (a sequential scan), and every later batch of a first load would
  // scan the whole table (measured: 200,000 reviews took 64 s instead of 7 s). An unnamed
  // statement is planned with the table as it is now; hashes_sql says why it is a LATERAL.
  const pqxx::result existing =
      tx.exec_params(hashes_sql(connection_.schema(), table), sink.source, ids);
  std::unordered_map<std::string_view, std::string_view> hashes;
  hashes.reserve(existing.size());
  for (const auto& e : existing)
    hashes.emplace(std::string_view(e[0].c_str(), e[0].size()),
                   std::string_view(e[1].c_str(), e[1].size()));
  for (const line_span& l : lines) {
    auto found = l.keyed ? hashes.find(l.id) : hashes.end();
    if (found == hashes.end()) {
      out.fresh.push_back(l);
      if (l.arrives_deleted) ++out.deleted;
      continue;
    }
    // Each line ends in the content hash as 32 hex digits and a newline.
    if (found->second != l.line.substr(l.line.size() - 33, 32)) out.changed.push_back(l);
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
write_totals batch_commit::commit_rows(const sink_state& sink, const std::vector<line_span>& lines,
                                       const std::string* cursor, std::int64_t records,
                                       bool classify, bool record_seen) {
  const table_def& table = *sink.table;
  pqxx::connection& conn = connection_.get();
  if (!lines.empty()) connection_.prepare_table(table);
  sent_rows& sent = connection_.sent;
  sent = {sink.source, {}, {}};
  sent.ids.reserve(lines.size());
  for (const auto& l : lines) sent.ids.push_back(l.id);

  write_totals totals;
  totals.records = records;
  const auto began = std::chrono::steady_clock::now();
  pqxx::work tx(conn);
  fence(tx, sink);
  classified split;
  std::string ids;
  if ((classify || record_seen) && !lines.empty()) ids = id_array(lines);
  if (classify && !lines.empty()) {
    split = classify_lines(tx, sink, ids, lines);
    totals.deleted += split.deleted;
  } else {
    split.changed = lines;
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
  if (record_seen && !lines.empty())
    tx.exec_prepared0(statement::seen, sink.source, sink.stream, ids);
  store_position(tx, sink, cursor, records);
  if (sink.run_id > 0)
    tx.exec_prepared0(statement::run_progress, sink.run_id, records, totals.inserted,
                      totals.updated, totals.deleted, sink.requests.load());
  tx.commit();
  report(options_, sink, records, totals, began);
  // Give back the memory of an exceptionally large commit.
  if (buffer_.capacity() > (4u << 20)) std::string().swap(buffer_);
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
    buffer_.append(span.line);
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
