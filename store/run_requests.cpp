#include "store/run_requests.hpp"

#include <algorithm>

#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "core/redaction.hpp"
#include "core/utf8_text.hpp"
#include "store/connection.hpp"
#include "store/control.hpp"
#include "store/redact.hpp"
#include "store/sql_values.hpp"

namespace sluice::store {
namespace {

// requested_at last: claim() reads one more column after these.
std::string request_columns() {
  return "id, source, streams, full_refresh, requested_by, state, claimed_by, exit_code, " +
         micros("requested_at");
}

run_request read_request(const pqxx::row& r) {
  run_request out;
  out.id = r[0].as<std::int64_t>();
  out.source = r[1].as<std::string>();
  out.streams = read_text_array(r[2]);
  out.full = r[3].as<bool>();
  out.requested_by = read_text(r[4]);
  out.state = r[5].as<std::string>();
  out.claimed_by = read_text(r[6]);
  if (!r[7].is_null()) out.exit_code = r[7].as<int>();
  out.requested_at = read_time(r[8]).value_or(timestamp{});
  return out;
}

// A report is a log line, whose message may come from the vendor: masked before it is cut, so
// that a cut cannot leave half a secret unrecognised (as sync_runs.error).
constexpr std::size_t max_report = 4000;

// Delivered to the daemons when (and only if) the transaction commits.
void notify(pqxx::work& tx, const std::string& schema) {
  tx.exec_params("SELECT pg_notify($1, $2)", std::string(control_channel),
                 control_payload(control_change_request, schema));
}

std::string id_array_literal(const std::vector<std::int64_t>& ids) {
  std::vector<std::string> items;
  for (auto id : ids) items.push_back(std::to_string(id));
  return text_array_literal(items);
}

}  // namespace

struct run_requests::impl {
  std::string schema;  // unquoted, for the NOTIFY payload
  std::string requests;
  std::string streams;
  std::string leases_instances;
  std::unique_ptr<guarded_connection> conn;
};

run_requests::run_requests(const database_options& db) : impl_(std::make_unique<impl>()) {
  const auto schema = quote_identifier(db.schema);
  impl_->schema = db.schema;
  impl_->requests = schema + ".run_requests";
  impl_->streams = schema + ".run_request_streams";
  impl_->leases_instances = schema + ".instances";
  impl_->conn = std::make_unique<guarded_connection>(db, "sluice");
}

run_requests::~run_requests() = default;

std::set<std::string> run_requests::daemons_among(const std::vector<std::string>& holders) {
  if (holders.empty()) return {};
  return impl_->conn->run("cannot read the running daemons", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    auto r = tx.exec_params("SELECT holder FROM " + impl_->leases_instances +
                                " WHERE holder = ANY($1::text[]) AND expires_at > now()",
                            text_array_literal(holders));
    std::set<std::string> out;
    for (const auto& row : r) out.insert(row[0].as<std::string>());
    return out;
  });
}

std::int64_t run_requests::submit(std::string_view source, const std::vector<std::string>& streams,
                                  bool full, std::string_view requested_by) {
  return impl_->conn->run("cannot hand the run to the daemon", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params1("INSERT INTO " + impl_->requests +
                                 " (source, streams, full_refresh, requested_by) "
                                 "VALUES ($1, $2::text[], $3, $4) RETURNING id",
                             std::string(source), text_array_literal(streams), full,
                             std::string(requested_by));
    notify(tx, impl_->schema);
    tx.commit();
    return r[0].as<std::int64_t>();
  });
}

std::vector<run_request> run_requests::read(const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return {};
  return impl_->conn->run("cannot read run requests", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    auto r = tx.exec_params("SELECT " + request_columns() + " FROM " + impl_->requests +
                                " WHERE id = ANY($1::bigint[]) ORDER BY id",
                            id_array_literal(ids));
    std::vector<run_request> out;
    for (const auto& row : r) out.push_back(read_request(row));
    return out;
  });
}

std::vector<request_stream_outcome> run_requests::outcomes(std::int64_t id) {
  return impl_->conn->run("cannot read run request outcomes", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    auto r = tx.exec_params("SELECT stream, coalesce(run_id, 0), status, report FROM " +
                                impl_->streams + " WHERE request_id = $1 ORDER BY stream",
                            id);
    std::vector<request_stream_outcome> out;
    for (const auto& row : r)
      out.push_back({row[0].as<std::string>(), row[1].as<std::int64_t>(), row[2].as<std::string>(),
                     row[3].as<std::string>()});
    return out;
  });
}

bool run_requests::cancel(std::int64_t id) {
  return impl_->conn->run("cannot cancel the run request", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("UPDATE " + impl_->requests +
                                " SET state = 'cancelled', finished_at = now() "
                                "WHERE id = $1 AND state = 'pending'",
                            id);
    tx.commit();
    return r.affected_rows() == 1;
  });
}

std::vector<run_request> run_requests::recent(const std::vector<std::string>& sources,
                                              std::size_t done) {
  if (sources.empty()) return {};
  return impl_->conn->run("cannot read run requests", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    const auto select = "SELECT " + request_columns() + " FROM " + impl_->requests +
                        " WHERE source = ANY($1::text[]) AND ";
    auto r = tx.exec_params("(" + select + "state IN ('pending', 'running')) UNION ALL (" + select +
                                "state NOT IN ('pending', 'running') ORDER BY id DESC " +
                                "LIMIT $2) ORDER BY 1 DESC",
                            text_array_literal(sources), static_cast<std::int64_t>(done));
    std::vector<run_request> out;
    for (const auto& row : r) out.push_back(read_request(row));
    return out;
  });
}

std::vector<run_request> run_requests::claim(std::string_view holder,
                                             const std::vector<std::string>& sources,
                                             const std::vector<std::int64_t>& in_flight) {
  if (sources.empty()) return {};
  return impl_->conn->run("cannot claim run requests", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    // SKIP LOCKED: a request another session is finishing or claiming right now is left for the
    // next look rather than waited for.
    auto r = tx.exec_params(
        "WITH open AS (SELECT id, claimed_by FROM " + impl_->requests +
            " WHERE state IN ('pending', 'running') AND source = ANY($2::text[])"
            " AND (state = 'pending' OR claimed_by IS DISTINCT FROM $1"
            "      OR NOT id = ANY($3::bigint[]))"
            " ORDER BY id FOR UPDATE SKIP LOCKED) "
            "UPDATE " +
            impl_->requests +
            " r SET state = 'running', claimed_by = $1, claimed_at = now() FROM open"
            " WHERE r.id = open.id RETURNING r.id, r.source, r.streams, r.full_refresh,"
            " r.requested_by, r.state, r.claimed_by, r.exit_code, " +
            micros("r.requested_at") + ", open.claimed_by",
        std::string(holder), text_array_literal(sources), id_array_literal(in_flight));
    tx.commit();
    std::vector<run_request> out;
    for (const auto& row : r) {
      out.push_back(read_request(row));
      const auto previous = read_text(row[9]);
      if (previous != holder) out.back().claimed_from = previous;
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
  });
}

bool run_requests::finish(std::int64_t id, std::string_view holder, int exit_code,
                          const std::vector<request_stream_outcome>& streams) {
  return impl_->conn->run("cannot record the run request's outcome", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("UPDATE " + impl_->requests +
                                " SET state = 'done', exit_code = $3, finished_at = now() "
                                "WHERE id = $1 AND claimed_by = $2 AND state = 'running'",
                            id, std::string(holder), exit_code);
    if (r.affected_rows() != 1) return false;
    for (const auto& s : streams)
      tx.exec_params("INSERT INTO " + impl_->streams +
                         " (request_id, stream, run_id, status, report) VALUES ($1, $2, "
                         "nullif($3, 0), $4, $5) ON CONFLICT (request_id, stream) DO UPDATE SET "
                         "run_id = excluded.run_id, status = excluded.status, report = "
                         "excluded.report",
                     id, s.stream, s.run_id, s.status, utf8_safe(redact(s.report), max_report));
    tx.commit();
    return true;
  });
}

bool run_requests::release(std::int64_t id, std::string_view holder) {
  return impl_->conn->run("cannot hand back the run request", [&](pqxx::connection& c) {
    pqxx::work tx(c);
    auto r = tx.exec_params("UPDATE " + impl_->requests +
                                " SET state = 'pending', claimed_by = NULL, claimed_at = NULL "
                                "WHERE id = $1 AND claimed_by = $2 AND state = 'running'",
                            id, std::string(holder));
    if (r.affected_rows() == 1) notify(tx, impl_->schema);
    tx.commit();
    return r.affected_rows() == 1;
  });
}

}  // namespace sluice::store
