#include "store/control.hpp"

#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "store/connection.hpp"
#include "store/redact.hpp"
#include "store/sql_values.hpp"

namespace sluice::store {
namespace {

stream_pause read_pause(const pqxx::row& r) {
  stream_pause p;
  p.source = r[0].as<std::string>();
  p.stream = r[1].as<std::string>();
  p.reason = read_text(r[2]);
  p.paused_by = read_text(r[3]);
  p.paused_at = read_time(r[4]).value_or(timestamp{});
  return p;
}

std::string pause_columns() { return "source, stream, reason, paused_by, " + micros("paused_at"); }

// Sent with the change: delivered to listeners when (and only if) the transaction commits.
void notify(pqxx::work& tx, const std::string& schema) {
  tx.exec_params("SELECT pg_notify($1, $2)", std::string(control_channel),
                 control_payload(control_change_pause, schema));
}

}  // namespace

struct control::impl {
  std::string table;  // quoted schema . stream_pauses
  std::string schema;
  std::unique_ptr<guarded_connection> conn;
};

control::control(const database_options& db) : impl_(std::make_unique<impl>()) {
  impl_->table = quote_identifier(db.schema) + ".stream_pauses";
  impl_->schema = db.schema;
  impl_->conn = std::make_unique<guarded_connection>(db, "sluice");
}

control::~control() = default;

bool control::pause(std::string_view source, std::string_view stream, std::string_view reason,
                    std::string_view by) {
  return impl_->conn->run("cannot pause", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    // xmax = 0 only for a row this statement inserted (an updated row carries our xid).
    auto r = tx.exec_params1(
        "INSERT INTO " + impl_->table +
            " AS p (source, stream, reason, paused_by) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (source, stream) DO UPDATE SET reason = "
            "excluded.reason, paused_by = excluded.paused_by "
            "RETURNING (xmax = 0)",
        std::string(source), std::string(stream), std::string(reason), std::string(by));
    notify(tx, impl_->schema);
    tx.commit();
    return r[0].as<bool>();
  });
}

std::vector<stream_pause> control::resume(std::string_view source, std::string_view stream) {
  return impl_->conn->run("cannot resume", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("DELETE FROM " + impl_->table +
                                " WHERE source = $1 AND ($2 = '*' OR stream = $2) RETURNING " +
                                pause_columns(),
                            std::string(source), std::string(stream));
    if (!r.empty()) notify(tx, impl_->schema);
    tx.commit();
    std::vector<stream_pause> out;
    for (const auto& row : r) out.push_back(read_pause(row));
    return out;
  });
}

std::vector<stream_pause> control::list_pauses() {
  return impl_->conn->run("cannot read pauses", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    auto r =
        tx.exec("SELECT " + pause_columns() + " FROM " + impl_->table + " ORDER BY source, stream");
    std::vector<stream_pause> out;
    for (const auto& row : r) out.push_back(read_pause(row));
    return out;
  });
}

}  // namespace sluice::store
