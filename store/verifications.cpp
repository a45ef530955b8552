#include "store/verifications.hpp"

#include <utility>

#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "core/redaction.hpp"
#include "core/utf8_text.hpp"
#include "store/connection.hpp"
#include "store/redact.hpp"
#include "store/sql_values.hpp"

namespace sluice::store {
namespace {

std::optional<std::int64_t> read_count(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::int64_t>();
}

std::optional<std::string> text_or_null(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

}  // namespace

struct verification_store::impl {
  std::string table;  // quoted schema . verifications
  std::unique_ptr<guarded_connection> conn;

  static std::string columns() {
    return "id, source, stream, " + micros("started_at") + ", " + micros("finished_at") +
           ", outcome, api_count, table_count, ranges_probed, ranges_drifted, rows_repaired, "
           "rows_deleted, requests, dry_run, error, details::text";
  }

  static verification read(const pqxx::row& r) {
    verification v;
    v.id = r[0].as<std::int64_t>();
    v.source = r[1].as<std::string>();
    v.stream = r[2].as<std::string>();
    v.started_at = read_time(r[3]);
    v.finished_at = read_time(r[4]);
    v.outcome = r[5].as<std::string>();
    v.api_count = read_count(r[6]);
    v.table_count = read_count(r[7]);
    v.ranges_probed = r[8].as<std::int64_t>();
    v.ranges_drifted = r[9].as<std::int64_t>();
    v.rows_repaired = r[10].as<std::int64_t>();
    v.rows_deleted = r[11].as<std::int64_t>();
    v.requests = r[12].as<std::int64_t>();
    v.dry_run = r[13].as<bool>();
    v.error = read_text(r[14]);
    v.details = read_text(r[15]);
    return v;
  }
};

verification_store::verification_store(const database_options& db)
    : impl_(std::make_unique<impl>()) {
  impl_->table = quote_identifier(db.schema) + ".verifications";
  impl_->conn = std::make_unique<guarded_connection>(db, "sluice");
}

verification_store::~verification_store() = default;

std::int64_t verification_store::begin(std::string_view source, std::string_view stream,
                                       bool dry_run) {
  return impl_->conn->run("cannot record the verification's start", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params1("INSERT INTO " + impl_->table +
                                 " (source, stream, dry_run) VALUES ($1, $2, $3) RETURNING id",
                             std::string(source), std::string(stream), dry_run);
    tx.commit();
    return r[0].as<std::int64_t>();
  });
}

void verification_store::finish(const verification& v) {
  impl_->conn->run("cannot record the verification's end", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    tx.exec_params0("UPDATE " + impl_->table +
                        " SET finished_at = now(), outcome = $2, api_count = $3, table_count = $4, "
                        "ranges_probed = $5, ranges_drifted = $6, rows_repaired = $7, "
                        "rows_deleted = $8, requests = $9, error = $10, details = $11::jsonb "
                        "WHERE id = $1",
                    v.id, v.outcome, v.api_count, v.table_count, v.ranges_probed, v.ranges_drifted,
                    v.rows_repaired, v.rows_deleted, v.requests,
                    text_or_null(utf8_safe(redact(v.error), 2000)), text_or_null(v.details));
    tx.commit();
  });
}

std::optional<verification> verification_store::latest(std::string_view source,
                                                       std::string_view stream) {
  return impl_->conn->run(
      "cannot read verifications", [&](pqxx::connection& c) -> std::optional<verification> {
        pqxx::nontransaction tx(c);
        auto r = tx.exec_params("SELECT " + impl::columns() + " FROM " + impl_->table +
                                    " WHERE stream = $2 AND source = $1 ORDER BY id DESC LIMIT 1",
                                std::string(source), std::string(stream));
        if (r.empty()) return std::nullopt;
        return impl::read(r[0]);
      });
}

std::optional<timestamp> verification_store::last_finished(std::string_view source) {
  return impl_->conn->run("cannot read verifications", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    auto r = tx.exec_params1("SELECT " + micros("max(finished_at)") + " FROM " + impl_->table +
                                 " WHERE source = $1 AND NOT dry_run",
                             std::string(source));
    return read_time(r[0]);
  });
}

}  // namespace sluice::store
