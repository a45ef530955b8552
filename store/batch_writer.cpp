#include "store/batch_writer.hpp"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>
#include <spdlog/spdlog.h>

// tablewriter is deprecated in favour of stream_to, but stream_to keeps its raw-line entry point
// private and converts field by field. tablewriter::write_raw_line hands our pre-encoded COPY
// text to libpq as it is, which is what makes the writer run close to plain COPY speed.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <pqxx/tablewriter>
#pragma GCC diagnostic pop

#include "store/connection.hpp"
#include "store/call_deadline.hpp"
#include "store/copy_encoder.hpp"
#include "store/fence.hpp"
#include "store/first_value.hpp"
#include "store/redact.hpp"
#include "store/row_check.hpp"
#include "store/sql_failure.hpp"
#include "store/sql_values.hpp"

namespace sluice::store {
namespace {

namespace asio = boost::asio;

// A suspended write() or flush(), completed from the writer thread. The completion is posted
// to the coroutine's executor, and a work guard keeps that executor's run() from returning while
// the coroutine waits for us.
class waiter {
public:
  virtual ~waiter() = default;
  virtual void complete() = 0;
};

template <typename Handler>
class handler_waiter final : public waiter {
public:
  handler_waiter(Handler handler, const asio::any_io_executor& fallback)
      : work_(asio::get_associated_executor(handler, fallback)), handler_(std::move(handler)) {}

  void complete() override {
    asio::post(work_.get_executor(), [h = std::move(handler_)]() mutable { std::move(h)(); });
    work_.reset();
  }

private:
  asio::executor_work_guard<asio::associated_executor_t<Handler, asio::any_io_executor>> work_;
  Handler handler_;
};

using waiter_list = std::vector<std::unique_ptr<waiter>>;

void complete_all(waiter_list& waiters) {
  waiter_list ready = std::move(waiters);
  waiters.clear();
  for (auto& w : ready) w->complete();
}

// One stream run's view of the writer. Fields below `guarded` belong to core::mutex.
struct sink_state {
  asio::any_io_executor executor;
  std::string source;
  std::string stream;
  const table_def* table = nullptr;
  std::int64_t run_id = 0;
  std::string lease_holder;                 // sink_options::lease_holder
  std::optional<std::int64_t> backfill_job;  // sink_options::backfill_job
  std::string line_prefix;  // the source, COPY-encoded, plus a tab

  // guarded
  write_totals totals;
  std::size_t pending = 0;  // jobs queued or being committed
  std::exception_ptr failure;
  waiter_list flush_waiters;
  bool in_snapshot = false;  // between begin_snapshot() and complete_snapshot(), as queued
  std::optional<snapshot_result> snapshot_outcome;  // set by the writer thread
};

enum class job_kind {
  rows,              // a batch: rows and/or a cursor
  forget_seen,       // begin_snapshot(resume = false)
  complete_snapshot,
};

// Jobs of one sink run in the order they were queued, so a snapshot's start and end fall exactly
// between the batches written before and after them.
struct job {
  std::shared_ptr<sink_state> sink;
  record_batch batch;  // complete_snapshot: only its cursor_after
  job_kind kind = job_kind::rows;
  bool record_seen = false;          // rows: written during a snapshot
  double max_delete_fraction = 0.0;  // complete_snapshot
};

// What the writer thread and the sinks share. Sinks keep it alive, so a sink that outlives its
// writer fails cleanly (kind cancelled) instead of touching freed memory.
struct core {
  writer_options options;
  database_options db;

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<job> queue;
  std::size_t queued_rows = 0;
  bool stopping = false;
  waiter_list room_waiters;

  bool has_room() const { return queued_rows <= options.max_queued_rows; }

  // Records the first failure of a sink and discards its queued batches: their cursors must not
  // commit past rows that did not.
  void fail(sink_state& sink, std::exception_ptr e) {
    if (!sink.failure) sink.failure = std::move(e);
    for (auto it = queue.begin(); it != queue.end();) {
      if (it->sink.get() == &sink) {
        queued_rows -= it->batch.rows.size();
        --sink.pending;
        it = queue.erase(it);
      } else {
        ++it;
      }
    }
    if (sink.pending == 0) complete_all(sink.flush_waiters);
  }
};

error cancelled_error() {
  return error(error_kind::cancelled, "the database writer is shutting down");
}

// Suspends the calling coroutine until `ready` holds (checked under the lock, so no wake-up is
// lost between the check and the registration). Deliberately not a coroutine itself: it returns
// the operation's awaitable, so no extra frame holds copies of the shared pointers.
template <typename Ready, typename Select>
asio::awaitable<void> wait_until(const std::shared_ptr<core>& c,
                                 const std::shared_ptr<sink_state>& s, Ready ready, Select list) {
  return asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [c, s, ready, list](auto handler) {
        auto w = std::make_unique<handler_waiter<decltype(handler)>>(std::move(handler),
                                                                     s->executor);
        std::unique_lock lock(c->mutex);
        if (ready(*c, *s)) {
          lock.unlock();
          w->complete();
          return;
        }
        list(*c, *s).push_back(std::move(w));
      },
      asio::use_awaitable);
}

class writer_sink final : public sink {
public:
  writer_sink(std::shared_ptr<core> c, std::shared_ptr<sink_state> s)
      : core_(std::move(c)), state_(std::move(s)) {}

  asio::awaitable<void> write(record_batch batch) override {
    const table_def& table = *state_->table;
    if (batch.table != nullptr && batch.table != &table)
      throw error(error_kind::data, fmt::format("a batch for table {} was written to the sink of {}",
                                                batch.table->name, table.name));
    for (const auto& r : batch.rows) {
      if (r.size() != table.columns.size())
        throw error(error_kind::data, fmt::format("a row for {} has {} cells instead of {}",
                                                  table.name, r.size(), table.columns.size()));
      check_storable(state_->source, state_->stream, table, r);
    }
    batch.table = &table;

    bool must_wait = false;
    {
      std::lock_guard lock(core_->mutex);
      if (state_->failure) std::rethrow_exception(state_->failure);
      if (core_->stopping) throw cancelled_error();
      state_->totals.records += static_cast<std::int64_t>(batch.rows.size());
      if (batch.rows.empty() && !batch.cursor_after) co_return;
      core_->queued_rows += batch.rows.size();
      ++state_->pending;
      job j{state_, std::move(batch)};
      j.record_seen = state_->in_snapshot;
      core_->queue.push_back(std::move(j));
      must_wait = !core_->has_room();
    }
    core_->wake.notify_one();
    if (!must_wait) co_return;

    co_await wait_until(
        core_, state_,
        [](const core& c, const sink_state& s) { return c.has_room() || c.stopping || s.failure; },
        [](core& c, sink_state&) -> waiter_list& { return c.room_waiters; });
    std::lock_guard lock(core_->mutex);
    if (state_->failure) std::rethrow_exception(state_->failure);
  }

  write_totals committed() const override {
    std::lock_guard lock(core_->mutex);
    return state_->totals;
  }

  asio::awaitable<write_totals> flush() override {
    co_await wait_until(
        core_, state_, [](const core&, const sink_state& s) { return s.pending == 0; },
        [](core&, sink_state& s) -> waiter_list& { return s.flush_waiters; });
    std::lock_guard lock(core_->mutex);
    if (state_->failure) std::rethrow_exception(state_->failure);
    co_return state_->totals;
  }

  asio::awaitable<void> begin_snapshot(bool resume) override {
    refuse_snapshot_of_backfill();
    {
      std::lock_guard lock(core_->mutex);
      if (state_->failure) std::rethrow_exception(state_->failure);
      if (core_->stopping) throw cancelled_error();
      state_->in_snapshot = true;
      // Resuming keeps what the interrupted run saw: nothing to do in the database.
      if (resume) co_return;
      job j{state_, {}};
      j.kind = job_kind::forget_seen;
      ++state_->pending;
      core_->queue.push_back(std::move(j));
    }
    core_->wake.notify_one();
  }

  asio::awaitable<snapshot_result> complete_snapshot(
      double max_delete_fraction, std::optional<std::string> cursor_after) override {
    // NaN or a negative fraction would disarm or distort the valve: read them as "delete
    // nothing"; above 1 means the same as 1.
    if (!(max_delete_fraction >= 0.0)) max_delete_fraction = 0.0;
    if (max_delete_fraction > 1.0) max_delete_fraction = 1.0;
    refuse_snapshot_of_backfill();
    {
      std::lock_guard lock(core_->mutex);
      if (state_->failure) std::rethrow_exception(state_->failure);
      if (core_->stopping) throw cancelled_error();
      // Without begin_snapshot nothing was recorded, and whatever an older run left behind
      // would decide what gets deleted.
      if (!state_->in_snapshot)
        throw std::logic_error("complete_snapshot() of " + state_->source + "/" +
                               state_->stream + " without begin_snapshot()");
      state_->in_snapshot = false;
      state_->snapshot_outcome.reset();
      job j{state_, {}};
      j.kind = job_kind::complete_snapshot;
      j.batch.cursor_after = std::move(cursor_after);
      j.max_delete_fraction = max_delete_fraction;
      ++state_->pending;
      core_->queue.push_back(std::move(j));
    }
    core_->wake.notify_one();
    co_await wait_until(
        core_, state_, [](const core&, const sink_state& s) { return s.pending == 0; },
        [](core&, sink_state& s) -> waiter_list& { return s.flush_waiters; });
    std::lock_guard lock(core_->mutex);
    if (state_->failure) std::rethrow_exception(state_->failure);
    if (!state_->snapshot_outcome) throw cancelled_error();
    co_return *state_->snapshot_outcome;
  }

private:
  // A backfill reads a range, not everything: completing it as a snapshot would mark every row
  // outside the range deleted.
  void refuse_snapshot_of_backfill() const {
    if (state_->backfill_job)
      throw error(error_kind::data,
                  fmt::format("{}/{}: a backfill is never a snapshot (backfill job {})",
                              state_->source, state_->stream, *state_->backfill_job));
  }

  std::shared_ptr<core> core_;
  std::shared_ptr<sink_state> state_;
};

std::string join_columns(const table_def& table, std::string_view prefix) {
  std::string out;
  for (const auto& col : table.columns) {
    out += ", ";
    out += prefix;
    out += quote_identifier(col.name);
  }
  return out;
}

// libpq's multi-line "ERROR:  ...\nCONTEXT:  ..." as one log-friendly line.
std::string one_line(std::string text) {
  if (auto at = text.find("ERROR:  "); at != std::string::npos) text.erase(at, 8);
  for (char& c : text)
    if (c == '\n') c = ' ';
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

// Where one encoded row sits in impl::lines.
struct line_span {
  std::size_t begin, end;  // end is one past the newline
  std::string_view id;     // the record's, to name it when PostgreSQL refuses the line
};

// A share as a percentage for a log line: "81.2", "50".
std::string percent(double share) { return fmt::format("{:.4g}", share * 100.0); }

// The safety valve of DESIGN.md section 6. Exactly `max_fraction` of the live rows may go; the
// tolerance only absorbs the rounding of max_fraction * live (vanished is a whole number).
std::optional<std::string> valve_reason(std::int64_t seen, std::int64_t live,
                                        std::int64_t vanished, double max_fraction) {
  if (seen == 0 && live > 0)
    return fmt::format("the snapshot was empty while {} rows are live", live);
  const double allowed = max_fraction * static_cast<double>(live);
  if (static_cast<double>(vanished) > allowed + 1e-9 * allowed)
    return fmt::format("would mark {} of {} live rows deleted ({}%, max {}%)", vanished, live,
                       percent(static_cast<double>(vanished) / static_cast<double>(live)),
                       percent(max_fraction));
  return std::nullopt;
}

bool is_unique_violation(const std::exception& e) {
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql != nullptr && sql->sqlstate() == "23505";
}

}  // namespace

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

// Everything the writer thread owns: the connection and what was set up on it.
struct batch_writer::impl {
  std::shared_ptr<core> shared;
  std::unique_ptr<pqxx::connection> conn;
  std::set<std::string_view> staged_tables;  // staging table + statements exist on `conn`
  std::string lines;   // the commit's rows, COPY-encoded
  sent_rows sent;      // the ids of the transaction in progress, to name a refused record
  std::string buffer;  // one chunk on its way to libpq
  std::string schema;  // quoted
  std::thread thread;

  void run();
  std::vector<job> next_group(std::unique_lock<std::mutex>& lock);
  void process(std::vector<job>& group);
  write_totals commit(const sink_state& sink, std::vector<job>& group);
  write_totals commit_rows(const sink_state& sink, const std::vector<const row*>& rows,
                           const std::string* cursor, std::int64_t records, bool classify,
                           bool record_seen);
  void forget_seen(const sink_state& sink);

  // Runs `f` (one transaction) until it succeeds, repeating it on a new connection while the
  // connection is lost (a restart, a terminated backend, a server that stopped answering) until
  // [database] reconnect_for is spent. Repeating is safe: nothing was committed, or, for an
  // in-doubt COMMIT (lost while committing), the repeat writes the same upserts and cursor again.
  // Except a snapshot's completion: had it happened, its ids would be gone and a repeat would
  // report a false alarm, so `repeat_in_doubt` is false there.
  template <typename F>
  auto with_reconnects(bool repeat_in_doubt, F f) {
    reconnect_pacing pacing(shared->db.reconnect_for);
    for (;;) {
      std::string lost;
      try {
        if (!conn || !conn->is_open()) open_connection();
        call_deadline deadline(conn->sock(), guarded_connection::limits_for(shared->db).call_deadline);
        try {
          return f();
        } catch (const std::exception& e) {
          if (!deadline.expired()) throw;
          lost = fmt::format("the server did not answer within {}s",
                             guarded_connection::limits_for(shared->db).call_deadline.count() / 1000);
        }
      } catch (const pqxx::in_doubt_error& e) {
        if (!repeat_in_doubt) throw;
        lost = "lost during COMMIT: " + one_line(redact_secrets(e.what(), shared->db.url));
      } catch (const error& e) {
        if (e.kind() != error_kind::database || conn) throw;  // a refused lease, a missing job
        lost = e.what();                                       // connecting failed
      } catch (const std::exception& e) {
        if (!connection_lost(e, conn.get())) throw;
        lost = one_line(redact_secrets(e.what(), shared->db.url));
      }
      conn.reset();
      if (pacing.attempts() == 0)
        spdlog::warn("database writer lost its connection ({}); reconnecting", lost);
      if (!pacing.pause() || (shared->stopping && pacing.attempts() > 2))
        throw error(error_kind::database,
                    fmt::format("the database connection was lost and not re-established within "
                                "{}s: {}", shared->db.reconnect_for.count() / 1000, lost));
    }
  }
  snapshot_result complete_snapshot(const sink_state& sink, const job& j);
  void fence(pqxx::work& tx, const sink_state& sink);
  void store_position(pqxx::work& tx, const sink_state& sink, const std::string* cursor,
                      std::int64_t records);
  void report(const sink_state& sink, std::int64_t records, const write_totals& totals,
              std::chrono::steady_clock::time_point began);
  void copy_lines(pqxx::work& tx, const std::string& table_name, const table_def& table,
                  const std::vector<line_span>& which);
  void open_connection();
  void prepare_table(const table_def& table);
  std::string staging_name(const table_def& table) const {
    return "pg_temp." + quote_identifier("sluice_stage_" + std::string(table.name));
  }
};

void batch_writer::impl::open_connection() {
  conn = connect(shared->db, "sluice-writer");
  // temp_buffers only takes effect before the session first touches a temporary table; the
  // default 8MB would push a 10,000-row staging table out to disk on every commit. JIT would
  // spend more time compiling the merge than running it. Every statement of this session finds
  // target rows by primary key; with sequential scans off, the merge's plan (prepared once,
  // perhaps while the table was still empty) can never turn into a scan of the whole table per
  // staged row as the table grows.
  pqxx::nontransaction tx(*conn);
  tx.exec("SET temp_buffers = '128MB'; SET jit = off; SET enable_seqscan = off");
  tx.commit();
  staged_tables.clear();
  conn->prepare("sluice_cursor",
                "INSERT INTO " + schema +
                    ".sync_state (source, stream, cursor, updated_at) "
                    "VALUES ($1, $2, $3::jsonb, now()) ON CONFLICT (source, stream) DO UPDATE "
                    "SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at");
  conn->prepare("sluice_run_progress",
                "UPDATE " + schema +
                    ".sync_runs SET records = records + $2, inserted = inserted + $3, "
                    "updated = updated + $4, deleted = deleted + $5 WHERE id = $1");
  // One statement per commit for all of its ids. Ids seen before (a resumed walk re-reading a
  // page) are found by the key probe and not written again.
  conn->prepare("sluice_seen",
                "INSERT INTO " + schema +
                    ".snapshot_seen (source, stream, external_id) "
                    "SELECT $1, $2, unnest($3::text[]) ON CONFLICT DO NOTHING");
  conn->prepare("sluice_forget_seen",
                "DELETE FROM " + schema + ".snapshot_seen WHERE source = $1 AND stream = $2");
  // FOR SHARE: a takeover (an UPDATE of this row) waits until our transaction ends, so the lease
  // cannot change hands between this check and our COMMIT. Several sinks of one source share it.
  conn->prepare("sluice_fence", fence_query(schema));
  conn->prepare("sluice_backfill_progress",
                "UPDATE " + schema +
                    ".backfill_jobs SET progress = coalesce($2::jsonb, progress), "
                    "records = records + $3, updated_at = now() WHERE id = $1");
}

// The first statement of every transaction of a sink with a lease: nothing of the transaction
// commits unless we still hold the source's lease.
void batch_writer::impl::fence(pqxx::work& tx, const sink_state& sink) {
  if (sink.lease_holder.empty()) return;
  check_lease(tx.exec_prepared("sluice_fence", sink.source), sink.source, sink.lease_holder,
              "batch not committed");
}

// Where a commit's position goes: the stream's cursor, or for a backfill its job's progress (the
// live cursor never moves backwards because of a backfill).
void batch_writer::impl::store_position(pqxx::work& tx, const sink_state& sink,
                                        const std::string* cursor, std::int64_t records) {
  if (!sink.backfill_job) {
    if (cursor != nullptr) tx.exec_prepared0("sluice_cursor", sink.source, sink.stream, *cursor);
    return;
  }
  std::optional<std::string> progress;
  if (cursor != nullptr) progress = *cursor;
  const auto updated =
      tx.exec_prepared0("sluice_backfill_progress", *sink.backfill_job, progress, records);
  // Without its job row the progress would be lost, and a resumed job would start over.
  if (updated.affected_rows() != 1)
    throw error(error_kind::data, fmt::format("{}/{}: backfill job {} does not exist",
                                              sink.source, sink.stream, *sink.backfill_job));
}

void batch_writer::impl::report(const sink_state& sink, std::int64_t records,
                                const write_totals& totals,
                                std::chrono::steady_clock::time_point began) {
  if (!shared->options.on_commit) return;
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
    shared->options.on_commit(r);
  } catch (const std::exception& e) {
    spdlog::warn("{}/{}: commit observer failed: {}", sink.source, sink.stream, e.what());
  }
}

// Per connection and table: a staging table that only ever holds one transaction's rows, and
// the merge statement, prepared once.
void batch_writer::impl::prepare_table(const table_def& table) {
  if (staged_tables.contains(table.name)) return;
  const std::string target = schema + "." + quote_identifier(table.name);
  const std::string staging = staging_name(table);
  const std::string columns = "source" + join_columns(table, "") + ", content_hash";
  const std::string prefixed_columns = "s.source" + join_columns(table, "s.") + ", s.content_hash";
  {
    // Outside the data transaction: a rolled-back batch must not take the table with it.
    // CREATE TABLE AS copies the column types without the defaults and constraints, so COPY
    // evaluates nothing per row.
    pqxx::nontransaction tx(*conn);
    tx.exec("DROP TABLE IF EXISTS " + staging);
    tx.exec("CREATE TEMP TABLE " + staging + " ON COMMIT DELETE ROWS AS SELECT " + columns +
            " FROM " + target + " WITH NO DATA");
    tx.commit();
  }

  std::string updates;
  for (const auto& col : table.columns) {
    if (col.name == "external_id") continue;
    const std::string name = quote_identifier(col.name);
    // A stored first value (first_value.hpp) survives the incoming one unless that is NULL.
    updates += keeps_first_value(table, col.name) ? first_value_assignment(name)
                                                  : name + " = EXCLUDED." + name;
    updates += ", ";
  }
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
  const std::string merge =
      "WITH written AS ("
      " INSERT INTO " + target + " AS t (" + columns + ")"
      " SELECT " + prefixed_columns + " FROM " + staging + " s" + lookup +
      " ON CONFLICT (source, external_id) DO UPDATE SET " + updates +
      "content_hash = EXCLUDED.content_hash, synced_at = now()"
      " WHERE t.content_hash IS DISTINCT FROM EXCLUDED.content_hash"
      " RETURNING t.xmax = 0 AS inserted"
      "), deleted AS ("
      " SELECT count(*) AS n FROM " + staging + " s" + lookup +
      " AND s.deleted_at IS NOT NULL AND old.deleted_at IS NULL"
      ") SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted),"
      " (SELECT n FROM deleted) FROM written";
  conn->prepare("sluice_merge_" + std::string(table.name), merge);
  conn->prepare("sluice_hashes_" + std::string(table.name),
                "SELECT external_id, encode(content_hash, 'hex') FROM " + target +
                    " WHERE source = $1 AND external_id = ANY($2::text[])");
  staged_tables.insert(table.name);
}

write_totals batch_writer::impl::commit(const sink_state& sink, std::vector<job>& group) {
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
      return with_reconnects(true, [&] { return commit_rows(sink, rows, cursor, records, classify, seen); });
    } catch (const std::exception& e) {
      // Another process inserted one of the keys we found missing (leases make this rare): the
      // transaction rolled back, so do it again the slow way, where ON CONFLICT settles it.
      if (!classify || !is_unique_violation(e) || !conn || !conn->is_open()) throw;
      spdlog::debug("{}/{}: a key appeared concurrently; merging the commit instead", sink.source,
                    sink.stream);
      classify = false;
    }
  }
}

// One transaction. With `classify`, the rows' content hashes are first compared with the
// target's (one primary-key lookup for the whole commit): unchanged rows are dropped before
// anything is sent, rows whose key does not exist are COPYed straight into the target (plain
// COPY speed for first loads), and only changed rows take the staging table and the upsert.
// Without it (the fallback), every row takes the upsert. With `record_seen` (a snapshot is in
// progress), every id of the commit, unchanged rows included, is added to snapshot_seen in the
// same transaction, so the ids remembered never run ahead of or behind the committed rows.
write_totals batch_writer::impl::commit_rows(const sink_state& sink,
                                             const std::vector<const row*>& rows,
                                             const std::string* cursor, std::int64_t records,
                                             bool classify, bool record_seen) {
  const table_def& table = *sink.table;
  if (!conn || !conn->is_open()) open_connection();
  if (!rows.empty()) prepare_table(table);

  lines.clear();
  sent = {sink.source, {}, {}};
  sent.ids.reserve(rows.size());
  std::vector<line_span> spans;
  spans.reserve(rows.size());
  for (const row* r : rows) {
    const std::size_t begin = lines.size();
    append_copy_row(lines, sink.line_prefix, table, *r);
    const auto* id = std::get_if<std::string>(&(*r)[0]);
    spans.push_back({begin, lines.size(), id != nullptr ? std::string_view(*id) : std::string_view()});
    sent.ids.push_back(spans.back().id);
  }

  write_totals totals;
  totals.records = records;
  const auto began = std::chrono::steady_clock::now();
  pqxx::work tx(*conn);
  fence(tx, sink);
  std::vector<line_span> fresh, changed;
  std::string ids;
  if ((classify || record_seen) && !rows.empty()) {
    ids = "{";
    for (const row* r : rows)
      if (const auto* id = std::get_if<std::string>(&(*r)[0])) append_array_element(ids, *id);
    ids += '}';
  }
  if (classify && !rows.empty()) {
    const pqxx::result existing =
        tx.exec_prepared("sluice_hashes_" + std::string(table.name), sink.source, ids);
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
        fresh.push_back(spans[i]);
        if (!std::holds_alternative<std::monostate>((*rows[i])[deleted_at])) ++totals.deleted;
        continue;
      }
      // Each line ends in the content hash as 32 hex digits and a newline.
      const std::string_view line_hash(lines.data() + spans[i].end - 33, 32);
      if (found->second != line_hash) changed.push_back(spans[i]);
    }
  } else {
    changed = std::move(spans);
  }

  if (!fresh.empty()) {
    copy_lines(tx, schema + "." + quote_identifier(table.name), table, fresh);
    totals.inserted += static_cast<std::int64_t>(fresh.size());
  }
  if (!changed.empty()) {
    copy_lines(tx, staging_name(table), table, changed);
    auto counts = tx.exec_prepared1("sluice_merge_" + std::string(table.name));
    totals.inserted += counts[0].as<std::int64_t>();
    totals.updated += counts[1].as<std::int64_t>();
    totals.deleted += counts[2].as<std::int64_t>();
  }
  if (record_seen && !rows.empty())
    tx.exec_prepared0("sluice_seen", sink.source, sink.stream, ids);
  store_position(tx, sink, cursor, records);
  if (sink.run_id > 0)
    tx.exec_prepared0("sluice_run_progress", sink.run_id, records, totals.inserted,
                      totals.updated, totals.deleted);
  tx.commit();
  report(sink, records, totals, began);
  // Give back the memory of an exceptionally large commit.
  if (lines.capacity() > (64u << 20)) std::string().swap(lines);
  return totals;
}

// begin_snapshot without resume: a new snapshot must not inherit an abandoned one's ids. Its
// own transaction, committed before the sink's next batch.
void batch_writer::impl::forget_seen(const sink_state& sink) {
  if (!conn || !conn->is_open()) open_connection();
  sent = {sink.source, {}, {}};
  const auto began = std::chrono::steady_clock::now();
  pqxx::work tx(*conn);
  // A process that lost the lease must not wipe the ids of the new holder's snapshot.
  fence(tx, sink);
  tx.exec_prepared0("sluice_forget_seen", sink.source, sink.stream);
  tx.commit();
  report(sink, 0, {}, began);
}

// One transaction: count, apply the safety valve, mark the vanished rows, forget the ids, store
// the cursor. The scope is this source's rows in this stream's table; other sources' rows are
// never looked at.
snapshot_result batch_writer::impl::complete_snapshot(const sink_state& sink, const job& j) {
  if (!conn || !conn->is_open()) open_connection();
  sent = {sink.source, {}, {}};
  const std::string target = schema + "." + quote_identifier(sink.table->name);
  const std::string seen_table = schema + ".snapshot_seen";
  snapshot_result result;
  const auto began = std::chrono::steady_clock::now();
  pqxx::work tx(*conn);
  fence(tx, sink);
  // This session keeps sequential scans off for its key probes (open_connection); here the
  // whole source is compared with the whole snapshot, which is what scans and hash joins are for.
  // No nested loops: snapshot_seen has just been filled and has no statistics yet, so the
  // planner takes it for tiny and would rescan it once per live row (measured: a 100,000-row
  // snapshot took minutes instead of a tenth of a second).
  tx.exec("SET LOCAL enable_seqscan = on; SET LOCAL enable_nestloop = off");
  result.seen = tx.exec_params1("SELECT count(*) FROM " + seen_table +
                                    " WHERE source = $1 AND stream = $2",
                                sink.source, sink.stream)[0]
                    .as<std::int64_t>();
  // The seen table's key makes the join match at most once per row.
  const auto counts = tx.exec_params1(
      "SELECT count(*), count(*) FILTER (WHERE s.external_id IS NULL) FROM " + target +
          " t LEFT JOIN " + seen_table +
          " s ON s.source = $1 AND s.stream = $2 AND s.external_id = t.external_id"
          " WHERE t.source = $1 AND t.deleted_at IS NULL",
      sink.source, sink.stream);
  result.live_before = counts[0].as<std::int64_t>();
  result.vanished = counts[1].as<std::int64_t>();

  if (auto reason = valve_reason(result.seen, result.live_before, result.vanished,
                                 j.max_delete_fraction)) {
    result.suspicious = true;
    result.reason = std::move(*reason);
  } else if (result.vanished > 0) {
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
    result.deleted = static_cast<std::int64_t>(marked.affected_rows());
  }
  tx.exec_prepared0("sluice_forget_seen", sink.source, sink.stream);
  if (j.batch.cursor_after)
    tx.exec_prepared0("sluice_cursor", sink.source, sink.stream, *j.batch.cursor_after);
  if (sink.run_id > 0 && result.deleted > 0)
    tx.exec_prepared0("sluice_run_progress", sink.run_id, 0, 0, 0, result.deleted);
  tx.commit();
  write_totals totals;
  totals.deleted = result.deleted;
  report(sink, 0, totals, began);
  return result;
}

// Sends encoded lines with COPY in chunks of about 1MB: one libpq call each, no per-row work
// beyond a memcpy.
void batch_writer::impl::copy_lines(pqxx::work& tx, const std::string& table_name,
                                    const table_def& table, const std::vector<line_span>& which) {
  std::vector<std::string> columns{"source"};
  for (const auto& col : table.columns) columns.push_back(quote_identifier(col.name));
  columns.emplace_back("content_hash");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  pqxx::tablewriter copy(tx, table_name, columns.begin(), columns.end());
#pragma GCC diagnostic pop
  constexpr std::size_t chunk = 1 << 20;
  buffer.clear();
  sent.copy_ids.clear();
  for (const auto& span : which) sent.copy_ids.push_back(span.id);
  for (const auto& span : which) {
    buffer.append(lines, span.begin, span.end - span.begin);
    if (buffer.size() >= chunk) {
      buffer.pop_back();  // write_raw_line adds the last newline itself
      copy.write_raw_line(buffer);
      buffer.clear();
    }
  }
  if (!buffer.empty()) {
    buffer.pop_back();
    copy.write_raw_line(buffer);
  }
  copy.complete();
}

std::vector<job> batch_writer::impl::next_group(std::unique_lock<std::mutex>& lock) {
  (void)lock;
  core& c = *shared;
  std::vector<job> group;
  std::size_t rows = 0;
  while (!c.queue.empty()) {
    job& front = c.queue.front();
    if (!group.empty()) {
      // Only batches of one sink on the same side of a snapshot boundary share a commit;
      // snapshot steps run on their own.
      const job& first = group.front();
      if (front.sink != first.sink || front.kind != job_kind::rows ||
          first.kind != job_kind::rows || front.record_seen != first.record_seen ||
          rows + front.batch.rows.size() > c.options.max_rows_per_commit)
        break;
    }
    rows += front.batch.rows.size();
    group.push_back(std::move(front));
    c.queue.pop_front();
  }
  c.queued_rows -= rows;
  if (c.has_room()) complete_all(c.room_waiters);
  return group;
}

void batch_writer::impl::process(std::vector<job>& group) {
  sink_state& sink = *group.front().sink;
  const job_kind kind = group.front().kind;
  write_totals totals;
  std::optional<snapshot_result> snapshot;
  std::exception_ptr failure;
  try {
    switch (kind) {
      case job_kind::rows: totals = commit(sink, group); break;
      case job_kind::forget_seen:
        with_reconnects(true, [&] { forget_seen(sink); });
        break;
      case job_kind::complete_snapshot:
        snapshot = with_reconnects(false, [&] { return complete_snapshot(sink, group.front()); });
        break;
    }
  } catch (const error&) {
    failure = std::current_exception();
  } catch (const std::exception& e) {
    std::string context;
    switch (kind) {
      case job_kind::rows:
        context = fmt::format("cannot write {}/{} to table {}", sink.source, sink.stream,
                              sink.table->name);
        break;
      case job_kind::forget_seen:
        context = fmt::format("cannot start the snapshot of {}/{}", sink.source, sink.stream);
        break;
      case job_kind::complete_snapshot:
        context = fmt::format("cannot complete the snapshot of {}/{} in table {}", sink.source,
                              sink.stream, sink.table->name);
        break;
    }
    // A refused statement is told by its complaint and the record's id, never the row's content.
    const bool refused = dynamic_cast<const pqxx::sql_error*>(&e) != nullptr;
    const std::string why = refused ? describe_sql_failure(e.what(), sent) : one_line(e.what());
    failure = std::make_exception_ptr(
        error(error_kind::database, context + ": " + redact_secrets(why, shared->db.url)));
  } catch (...) {
    failure = std::make_exception_ptr(error(
        error_kind::database, fmt::format("cannot write {}/{}: unknown failure", sink.source,
                                          sink.stream)));
  }
  // A lost connection is replaced before the next commit; its temp tables went with it.
  if (failure && conn && !conn->is_open()) conn.reset();

  std::lock_guard lock(shared->mutex);
  if (failure) {
    sink.pending -= group.size();
    shared->fail(sink, failure);
  } else {
    sink.totals.inserted += totals.inserted;
    sink.totals.updated += totals.updated;
    sink.totals.deleted += totals.deleted;
    if (snapshot) {
      sink.totals.deleted += snapshot->deleted;
      if (snapshot->suspicious) {
        sink.totals.suspicious = true;
        sink.totals.suspicious_reason = snapshot->reason;
      }
      sink.snapshot_outcome = std::move(snapshot);
    }
    sink.pending -= group.size();
    if (sink.pending == 0) complete_all(sink.flush_waiters);
  }
  if (shared->has_room()) complete_all(shared->room_waiters);
}

void batch_writer::impl::run() {
  for (;;) {
    std::vector<job> group;
    {
      std::unique_lock lock(shared->mutex);
      shared->wake.wait(lock, [&] { return shared->stopping || !shared->queue.empty(); });
      if (shared->stopping) {
        auto cancelled = std::make_exception_ptr(cancelled_error());
        while (!shared->queue.empty()) {
          auto s = shared->queue.front().sink;
          shared->fail(*s, cancelled);
        }
        complete_all(shared->room_waiters);
        return;
      }
      group = next_group(lock);
    }
    process(group);
  }
}

batch_writer::batch_writer(database_options db, writer_options options)
    : impl_(std::make_unique<impl>()) {
  impl_->shared = std::make_shared<core>();
  impl_->shared->options = options;
  impl_->shared->db = std::move(db);
  impl_->schema = quote_identifier(impl_->shared->db.schema);
  try {
    impl_->open_connection();
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw database_error("cannot prepare the database writer", e, impl_->shared->db);
  }
  impl_->thread = std::thread([writer = impl_.get()] { writer->run(); });
}

batch_writer::~batch_writer() { stop(); }

std::unique_ptr<sink> batch_writer::open(boost::asio::any_io_executor executor, std::string source,
                                         std::string stream, const table_def& table,
                                         std::int64_t run_id) {
  sink_options options;
  options.source = std::move(source);
  options.stream = std::move(stream);
  options.table = &table;
  options.run_id = run_id;
  return open(std::move(executor), std::move(options));
}

std::unique_ptr<sink> batch_writer::open(boost::asio::any_io_executor executor,
                                         sink_options options) {
  if (options.table == nullptr)
    throw std::invalid_argument("batch_writer::open: sink_options.table of " + options.source +
                                "/" + options.stream + " is not set");
  auto s = std::make_shared<sink_state>();
  s->executor = std::move(executor);
  s->source = std::move(options.source);
  s->stream = std::move(options.stream);
  s->table = options.table;
  s->run_id = options.run_id;
  s->lease_holder = std::move(options.lease_holder);
  s->backfill_job = options.backfill_job;
  append_copy_text(s->line_prefix, s->source);
  s->line_prefix += '\t';
  return std::make_unique<writer_sink>(impl_->shared, std::move(s));
}

void batch_writer::stop() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->shared->mutex);
    impl_->shared->stopping = true;
  }
  impl_->shared->wake.notify_all();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->conn.reset();
}

}  // namespace sluice::store
