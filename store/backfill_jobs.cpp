#include "store/backfill_jobs.hpp"

#include <mutex>
#include <utility>

#include <fmt/format.h>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include "core/redaction.hpp"
#include "core/utf8_text.hpp"
#include "store/connection.hpp"
#include "store/redact.hpp"
#include "store/sql_values.hpp"

namespace sluice::store {

std::string describe_range(const backfill_job& job) {
  return (job.since ? format_timestamp(*job.since) : std::string("the beginning")) + " to " +
         (job.until ? format_timestamp(*job.until) : std::string("now"));
}

struct backfill_store::impl {
  database_options db;
  std::string table;  // quoted, schema-qualified
  std::unique_ptr<guarded_connection> conn;

  template <typename F>
  auto run(std::string_view what, F&& f) {
    return conn->run(what, std::forward<F>(f));
  }

  // "SELECT <every column of backfill_job> FROM backfill_jobs"; read() takes them in this order.
  std::string select() const {
    return "SELECT id, source, stream, " + micros("since") + ", " + micros("until") +
           ", status, progress::text, records, holder, error, " + micros("created_at") + ", " +
           micros("started_at") + ", " + micros("finished_at") + " FROM " + table;
  }

  static backfill_job read(const pqxx::row& r) {
    backfill_job job;
    job.id = r[0].as<std::int64_t>();
    job.source = r[1].as<std::string>();
    job.stream = r[2].as<std::string>();
    job.since = read_time(r[3]);
    job.until = read_time(r[4]);
    job.status = r[5].as<std::string>();
    if (!r[6].is_null()) job.progress = r[6].as<std::string>();
    job.records = r[7].as<std::int64_t>();
    job.holder = read_text(r[8]);
    job.error = read_text(r[9]);
    job.created_at = read_time(r[10]);
    job.started_at = read_time(r[11]);
    job.finished_at = read_time(r[12]);
    return job;
  }

  static std::vector<backfill_job> read_all(const pqxx::result& result) {
    std::vector<backfill_job> out;
    out.reserve(result.size());
    for (const auto& r : result) out.push_back(read(r));
    return out;
  }
};

backfill_store::backfill_store(const database_options& db) : impl_(std::make_unique<impl>()) {
  impl_->db = db;
  impl_->table = quote_identifier(db.schema) + ".backfill_jobs";
  impl_->conn = std::make_unique<guarded_connection>(db, "sluice");
}

backfill_store::~backfill_store() = default;

std::optional<backfill_job> backfill_store::find_unfinished(std::string_view source,
                                                            std::string_view stream,
                                                            std::optional<timestamp> since,
                                                            std::optional<timestamp> until) {
  return impl_->run(
      "cannot look up backfill jobs", [&](pqxx::connection& c) -> std::optional<backfill_job> {
        pqxx::nontransaction tx(c);
        // IS NOT DISTINCT FROM: an open end (NULL) matches only an open end.
        auto r = tx.exec_params(impl_->select() +
                                    " WHERE source = $1 AND stream = $2"
                                    " AND since IS NOT DISTINCT FROM $3::timestamptz"
                                    " AND until IS NOT DISTINCT FROM $4::timestamptz"
                                    " AND status IN ('pending', 'running') ORDER BY id LIMIT 1",
                                std::string(source), std::string(stream), time_param(since),
                                time_param(until));
        if (r.empty()) return std::nullopt;
        return impl::read(r[0]);
      });
}

backfill_job backfill_store::create(std::string_view source, std::string_view stream,
                                    std::optional<timestamp> since,
                                    std::optional<timestamp> until) {
  return impl_->run("cannot create backfill job", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    auto id = tx.exec_params1("INSERT INTO " + impl_->table +
                                  " (source, stream, since, until) VALUES"
                                  " ($1, $2, $3::timestamptz, $4::timestamptz) RETURNING id",
                              std::string(source), std::string(stream), time_param(since),
                              time_param(until))[0]
                  .as<std::int64_t>();
    return impl::read(tx.exec_params1(impl_->select() + " WHERE id = $1", id));
  });
}

std::optional<backfill_job> backfill_store::get(std::int64_t id) {
  return impl_->run("cannot read backfill job",
                    [&](pqxx::connection& c) -> std::optional<backfill_job> {
                      pqxx::nontransaction tx(c);
                      auto r = tx.exec_params(impl_->select() + " WHERE id = $1", id);
                      if (r.empty()) return std::nullopt;
                      return impl::read(r[0]);
                    });
}

std::vector<backfill_job> backfill_store::unfinished(const std::vector<std::string>& sources) {
  if (sources.empty()) return {};
  return impl_->run("cannot list backfill jobs", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return impl::read_all(tx.exec_params(impl_->select() +
                                             " WHERE source = ANY($1::text[])"
                                             " AND status IN ('pending', 'running') ORDER BY id",
                                         text_array_literal(sources)));
  });
}

std::vector<backfill_job> backfill_store::recent(std::string_view source, std::size_t limit) {
  return impl_->run("cannot list backfill jobs", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    return impl::read_all(
        tx.exec_params(impl_->select() + " WHERE source = $1 ORDER BY id DESC LIMIT $2",
                       std::string(source), static_cast<std::int64_t>(limit)));
  });
}

void backfill_store::mark_running(std::int64_t id, std::string_view holder) {
  impl_->run("cannot start backfill job", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    // finished_at goes too: a job run again is not finished until it finishes again.
    auto r = tx.exec_params0("UPDATE " + impl_->table +
                                 " SET status = 'running', holder = $2,"
                                 " started_at = coalesce(started_at, now()), finished_at = NULL,"
                                 " error = NULL, updated_at = now() WHERE id = $1",
                             id, std::string(holder));
    if (r.affected_rows() == 0)
      throw error(error_kind::data, fmt::format("backfill job {} does not exist", id));
  });
}

void backfill_store::finish(std::int64_t id, bool succeeded, std::string_view error_message) {
  impl_->run("cannot finish backfill job", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::optional<std::string> message;
    // Valid UTF-8 and bounded: it quotes vendor bodies, and a refused text would leave the job
    // 'running'.
    if (!error_message.empty()) message = utf8_safe(redact(error_message), 2000);
    auto r = tx.exec_params0("UPDATE " + impl_->table +
                                 " SET status = $2, finished_at = now(), updated_at = now(),"
                                 " error = $3 WHERE id = $1",
                             id, std::string(succeeded ? "succeeded" : "failed"), message);
    if (r.affected_rows() == 0)
      throw error(error_kind::data, fmt::format("backfill job {} does not exist", id));
  });
}

}  // namespace sluice::store
