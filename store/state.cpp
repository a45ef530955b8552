#include "store/state.hpp"

#include <mutex>
#include <set>
#include <utility>

#include <fmt/format.h>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "core/redaction.hpp"
#include "core/utf8_text.hpp"
#include "store/connection.hpp"
#include "store/redact.hpp"
#include "store/sql_values.hpp"

namespace sluice::store {
struct state::impl {
  database_options db;
  std::string schema;  // quoted
  std::unique_ptr<guarded_connection> conn;

  template <typename F>
  auto run(std::string_view what, F&& f) {
    return conn->run(what, std::forward<F>(f));
  }
};

state::state(const database_options& db) : impl_(std::make_unique<impl>()) {
  impl_->db = db;
  impl_->schema = quote_identifier(db.schema);
  impl_->conn = std::make_unique<guarded_connection>(db, "sluice");
}

state::~state() = default;

std::optional<std::string> state::cursor(std::string_view source, std::string_view stream) {
  return impl_->run("cannot read cursor", [&](pqxx::connection& c) -> std::optional<std::string> {
    pqxx::nontransaction tx(c);
    auto r = tx.exec_params("SELECT cursor::text FROM " + impl_->schema +
                                ".sync_state WHERE source = $1 AND stream = $2",
                            std::string(source), std::string(stream));
    if (r.empty() || r[0][0].is_null()) return std::nullopt;
    return r[0][0].as<std::string>();
  });
}

std::optional<timestamp> state::last_full_run(std::string_view source, std::string_view stream) {
  return impl_->run("cannot read the last full run", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    // By id, not by finished_at: the latest run is the one that started last
    // (sync_runs_stream_idx serves this).
    auto r = tx.exec_params("SELECT " + micros("finished_at") + " FROM " + impl_->schema +
                                ".sync_runs WHERE source = $1 AND stream = $2 AND mode = 'full' "
                                "AND status IN ('succeeded', 'suspicious') AND finished_at IS NOT "
                                "NULL ORDER BY id DESC LIMIT 1",
                            std::string(source), std::string(stream));
    return r.empty() ? std::nullopt : read_time(r[0][0]);
  });
}

namespace {

bool is_plain_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

constexpr std::string_view abandoned_message =
    "abandoned: the process running it stopped or lost its database connection before recording "
    "the end (what it committed is kept)";

}  // namespace

std::int64_t state::begin_run(std::string_view source, std::string_view stream,
                              std::string_view mode, std::string_view holder) {
  return impl_->run("cannot record run start", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params0("UPDATE " + impl_->schema +
                        ".sync_runs SET status = 'interrupted', finished_at = now(), "
                        "error = $3 WHERE source = $1 AND stream = $2 "
                        "AND status = 'running'",
                    std::string(source), std::string(stream), std::string(abandoned_message));
    // NULL when no lease is held (libpqxx sends a null pointer as NULL).
    const std::string holder_text(holder);
    const char* holder_param = holder.empty() ? nullptr : holder_text.c_str();
    auto r =
        tx.exec_params1("INSERT INTO " + impl_->schema +
                            ".sync_runs (source, stream, mode, status, holder) "
                            "VALUES ($1, $2, $3, 'running', $4) RETURNING id",
                        std::string(source), std::string(stream), std::string(mode), holder_param);
    tx.commit();
    return r[0].as<std::int64_t>();
  });
}

std::int64_t state::close_abandoned_runs(std::string_view exiting_holder) {
  return impl_->run("cannot close abandoned runs", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params0("UPDATE " + impl_->schema +
                                 ".sync_runs r SET status = 'interrupted', finished_at = now(), "
                                 "error = $2 WHERE r.status = 'running' AND r.holder IS NOT NULL "
                                 "AND (r.holder = $1 OR NOT EXISTS (SELECT 1 FROM " +
                                 impl_->schema +
                                 ".leases l WHERE l.source = r.source AND l.holder = r.holder AND "
                                 "l.expires_at > now()))",
                             std::string(exiting_holder), std::string(abandoned_message));
    tx.commit();
    return static_cast<std::int64_t>(r.affected_rows());
  });
}

namespace {

// Recorded texts quote vendor bodies; sync_runs keeps a bounded excerpt.
constexpr std::size_t max_recorded_text = 2000;

// Said instead of a message that PostgreSQL refused: the row must not stay 'running'.
constexpr std::string_view unrecordable_message =
    "the run's message could not be recorded (the database refused it)";

}  // namespace

void state::finish_run(std::int64_t run_id, const run_outcome& outcome) {
  // Masked before it is cut, so that a cut cannot leave half a secret unrecognised.
  const std::string message = utf8_safe(redact(outcome.error_message), max_recorded_text);
  const std::string warning = utf8_safe(redact(outcome.counters.first_warning), max_recorded_text);
  try {
    record_run_end(run_id, outcome, message, warning);
  } catch (const error&) {
    // A row left 'running' would claim the run goes on forever. The first attempt may have lost
    // its connection (the next one reconnects) or had a text refused: try once more without any
    // vendor text, and only then give up.
    try {
      const std::string fixed =
          outcome.error_message.empty() ? std::string() : std::string(unrecordable_message);
      record_run_end(run_id, outcome, fixed, "");
    } catch (const error&) {
    }
    throw;
  }
}

void state::record_run_end(std::int64_t run_id, const run_outcome& outcome,
                           const std::string& message, const std::string& warning) {
  impl_->run("cannot record run end", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto& t = outcome.totals;
    const auto& n = outcome.counters;
    // Optional text goes in as a nullable pointer: libpqxx sends a null pointer as SQL NULL.
    std::string kind = outcome.error ? std::string(to_string(*outcome.error)) : std::string();
    const char* kind_param = outcome.error ? kind.c_str() : nullptr;
    const char* error_param = message.empty() ? nullptr : message.c_str();
    const char* warning_param = warning.empty() ? nullptr : warning.c_str();
    tx.exec_params0("UPDATE " + impl_->schema +
                        ".sync_runs SET finished_at = now(), status = $2, records = $3, "
                        "inserted = $4, updated = $5, deleted = $6, warnings = $7, requests = $8, "
                        "throttled = $9, retries = $10, first_warning = $11, error_kind = $12, "
                        "error = $13 WHERE id = $1",
                    run_id, outcome.status, t.records, t.inserted, t.updated, t.deleted, n.warnings,
                    n.requests, n.throttled, n.retries, warning_param, kind_param, error_param);
    tx.commit();
  });
}

namespace {

// The configured streams, then every other stream the database has a cursor or a run of.
std::vector<state::stream_key> status_keys(pqxx::read_transaction& tx, const std::string& s,
                                           const std::vector<state::stream_key>& configured) {
  std::vector<state::stream_key> keys = configured;
  std::set<std::pair<std::string, std::string>> known;
  for (const auto& k : configured) known.emplace(k.source, k.stream);
  for (const auto& r :
       tx.exec("SELECT source, stream FROM " + s + ".sync_state UNION SELECT source, stream FROM " +
               s + ".sync_runs ORDER BY 1, 2")) {
    auto key = std::make_pair(r[0].as<std::string>(), r[1].as<std::string>());
    if (known.insert(key).second) keys.push_back({key.first, key.second, ""});
  }
  return keys;
}

void read_last_run(pqxx::read_transaction& tx, const std::string& s, stream_status& st) {
  auto run = tx.exec_params(
      "SELECT id, mode, status, " + micros("started_at") + ", " + micros("finished_at") +
          ", records, inserted, updated, deleted, warnings, requests, throttled, error FROM " + s +
          ".sync_runs WHERE source = $1 AND stream = $2 ORDER BY id DESC LIMIT 1",
      st.source, st.stream);
  if (run.empty()) return;
  const auto& r = run[0];
  st.last_run_id = r[0].as<std::int64_t>();
  st.last_mode = read_text(r[1]);
  st.last_status = read_text(r[2]);
  st.last_started_at = read_time(r[3]);
  st.last_finished_at = read_time(r[4]);
  st.last_records = r[5].as<std::int64_t>();
  st.last_inserted = r[6].as<std::int64_t>();
  st.last_updated = r[7].as<std::int64_t>();
  st.last_deleted = r[8].as<std::int64_t>();
  st.last_warnings = r[9].as<std::int64_t>();
  st.last_requests = r[10].as<std::int64_t>();
  st.last_throttled = r[11].as<std::int64_t>();
  st.last_error = read_text(r[12]);
}

stream_status read_status(pqxx::read_transaction& tx, const std::string& s,
                          const state::stream_key& k) {
  stream_status st;
  st.source = k.source;
  st.stream = k.stream;
  auto cur = tx.exec_params("SELECT cursor::text, " + micros("updated_at") + " FROM " + s +
                                ".sync_state WHERE source = $1 AND stream = $2",
                            k.source, k.stream);
  if (!cur.empty()) {
    if (!cur[0][0].is_null()) st.cursor = cur[0][0].as<std::string>();
    st.cursor_updated_at = read_time(cur[0][1]);
  }
  read_last_run(tx, s, st);
  auto success = tx.exec_params("SELECT " + micros("max(finished_at)") + " FROM " + s +
                                    ".sync_runs WHERE source = $1 AND stream = $2 AND "
                                    "status IN ('succeeded', 'suspicious')",
                                k.source, k.stream);
  st.last_success_at = read_time(success[0][0]);

  // The name comes from a connector's table description; it ends up in SQL text, so it must
  // still look like one of sluice's own table names (and is quoted besides).
  if (is_plain_name(k.table)) {
    auto rows = tx.exec_params("SELECT count(*) FROM " + s + "." + quote_identifier(k.table) +
                                   " WHERE source = $1 AND deleted_at IS NULL",
                               k.source);
    st.rows = rows[0][0].as<std::int64_t>();
  }
  auto lease = tx.exec_params(
      "SELECT holder FROM " + s + ".leases WHERE source = $1 AND expires_at > now()", k.source);
  if (!lease.empty()) st.lease_holder = read_text(lease[0][0]);
  return st;
}

}  // namespace

std::vector<stream_status> state::status(const std::vector<stream_key>& configured) {
  return impl_->run("cannot read status", [&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    std::vector<stream_status> out;
    for (const auto& k : status_keys(tx, impl_->schema, configured))
      out.push_back(read_status(tx, impl_->schema, k));
    return out;
  });
}

std::int64_t state::reset(std::string_view source, std::string_view stream) {
  return impl_->run("cannot reset cursors", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params0("DELETE FROM " + impl_->schema +
                                 ".sync_state WHERE source = $1 AND ($2 = '' OR stream = $2)",
                             std::string(source), std::string(stream));
    tx.commit();
    return static_cast<std::int64_t>(r.affected_rows());
  });
}

std::string state::server_version() {
  return impl_->run("cannot read server version", [&](pqxx::connection& c) {
    const int v = c.server_version();  // e.g. 150018 (or 90624 before PostgreSQL 10)
    if (v >= 100000) return fmt::format("PostgreSQL {}.{}", v / 10000, v % 10000);
    return fmt::format("PostgreSQL {}.{}.{}", v / 10000, v / 100 % 100, v % 100);
  });
}

void state::set_objectives(const std::vector<stream_objective>& objectives) {
  impl_->run("cannot record the freshness objectives", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    for (const auto& o : objectives)
      tx.exec_params("INSERT INTO " + impl_->schema +
                         ".stream_objectives AS o (source, stream, max_staleness) "
                         "VALUES ($1, $2, make_interval(secs => $3)) "
                         "ON CONFLICT (source, stream) DO UPDATE SET max_staleness = "
                         "EXCLUDED.max_staleness, updated_at = now() "
                         "WHERE o.max_staleness IS DISTINCT FROM EXCLUDED.max_staleness",
                     o.source, o.stream,
                     std::chrono::duration_cast<std::chrono::seconds>(o.max_staleness).count());
    tx.commit();
  });
}

std::vector<stream_health> state::health() {
  return impl_->run("cannot read the run history", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    // Only the runs after each stream's newest success are aggregated (sync_runs_stream_idx).
    const std::string runs = impl_->schema + ".sync_runs";
    auto r = tx.exec(
        "WITH ok AS (SELECT DISTINCT ON (source, stream) source, stream, id, finished_at FROM " +
        runs +
        " WHERE status IN ('succeeded', 'suspicious') ORDER BY source, stream, id DESC), "
        "streams AS (SELECT DISTINCT source, stream FROM " +
        runs + ") SELECT s.source, s.stream, " + micros("ok.finished_at") +
        ", (SELECT count(*) FROM " + runs +
        " f WHERE f.source = s.source AND f.stream = s.stream AND f.status = 'failed' AND f.id > "
        "coalesce(ok.id, 0)), (SELECT l.status FROM " +
        runs +
        " l WHERE l.source = s.source AND l.stream = s.stream AND l.finished_at IS NOT NULL ORDER "
        "BY l.id DESC LIMIT 1) FROM streams s LEFT JOIN ok USING (source, stream)");
    std::vector<stream_health> out;
    for (const auto& row : r)
      out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), read_time(row[2]),
                     row[3].as<int>(), row[4].is_null() ? "" : row[4].as<std::string>()});
    return out;
  });
}

}  // namespace sluice::store
