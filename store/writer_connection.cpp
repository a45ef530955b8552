#include "store/writer_connection.hpp"

#include <fmt/format.h>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "store/call_deadline.hpp"
#include "store/connection.hpp"
#include "store/fence.hpp"
#include "store/merge_sql.hpp"
#include "store/redact.hpp"

namespace sluice::store {

std::string one_line(std::string text) {
  if (auto at = text.find("ERROR:  "); at != std::string::npos) text.erase(at, 8);
  for (char& c : text)
    if (c == '\n') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

writer_connection::writer_connection(database_options db, const bool& stopping)
    : db_(std::move(db)), stopping_(stopping), schema_(quote_identifier(db_.schema)) {}

void writer_connection::open() {
  conn_ = connect(db_, "sluice-writer");
  // temp_buffers only takes effect before the session first touches a temporary table; the
  // default 8MB would push a 10,000-row staging table out to disk on every commit. JIT would
  // spend more time compiling the merge than running it. Every statement of this session finds
  // target rows by primary key; with sequential scans off, the merge's plan (prepared once,
  // perhaps while the table was still empty) can never turn into a scan of the whole table per
  // staged row as the table grows.
  pqxx::nontransaction tx(*conn_);
  tx.exec("SET temp_buffers = '128MB'; SET jit = off; SET enable_seqscan = off");
  tx.commit();
  staged_tables_.clear();
  prepare_session();
}

void writer_connection::prepare_session() {
  conn_->prepare(statement::cursor, cursor_sql(schema_));
  conn_->prepare(statement::run_progress, run_progress_sql(schema_));
  conn_->prepare(statement::seen, seen_sql(schema_));
  conn_->prepare(statement::forget_seen, forget_seen_sql(schema_));
  // FOR KEY SHARE: a takeover (which locks this row FOR UPDATE) waits until our transaction
  // ends, so the lease cannot change hands between this check and our COMMIT. Several sinks of
  // one source share it, and the holder's renewals do not wait for it.
  conn_->prepare(statement::fence, fence_query(schema_));
  conn_->prepare(statement::backfill_progress, backfill_progress_sql(schema_));
}

pqxx::connection& writer_connection::get() {
  if (!conn_ || !conn_->is_open()) open();
  return *conn_;
}

void writer_connection::prepare_table(const table_def& table) {
  if (staged_tables_.contains(table.name)) return;
  {
    // Outside the data transaction: a rolled-back batch must not take the table with it.
    pqxx::nontransaction tx(*conn_);
    tx.exec(drop_staging_sql(table));
    tx.exec(create_staging_sql(schema_, table));
    tx.commit();
  }
  conn_->prepare(merge_statement(table), merge_sql(schema_, table));
  staged_tables_.insert(table.name);
}

void writer_connection::repeat(bool repeat_in_doubt, const std::function<void()>& f) {
  reconnect_pacing pacing(db_.reconnect_for);
  for (;;) {
    std::string lost;
    try {
      if (!conn_ || !conn_->is_open()) open();
      call_deadline deadline(conn_->sock(), guarded_connection::limits_for(db_).call_deadline);
      try {
        return f();
      } catch (const std::exception& e) {
        if (!deadline.expired()) throw;
        lost = fmt::format("the server did not answer within {}s",
                           guarded_connection::limits_for(db_).call_deadline.count() / 1000);
      }
    } catch (const pqxx::in_doubt_error& e) {
      if (!repeat_in_doubt) throw;
      lost = "lost during COMMIT: " + one_line(redact_secrets(e.what(), db_.url));
    } catch (const error& e) {
      if (e.kind() != error_kind::database || conn_) throw;  // a refused lease, a missing job
      lost = e.what();                                       // connecting failed
    } catch (const std::exception& e) {
      if (!connection_lost(e, conn_.get())) throw;
      lost = one_line(redact_secrets(e.what(), db_.url));
    }
    conn_.reset();
    if (pacing.attempts() == 0)
      spdlog::warn("database writer lost its connection ({}); reconnecting", lost);
    if (!pacing.pause() || (stopping_ && pacing.attempts() > 2))
      throw error(error_kind::database,
                  fmt::format("the database connection was lost and not re-established within "
                              "{}s: {}",
                              db_.reconnect_for.count() / 1000, lost));
  }
}

}  // namespace sluice::store
