#include "store/leases.hpp"

#include <cerrno>
#include <mutex>
#include <utility>

#include <signal.h>

#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "store/connection.hpp"
#include "store/redact.hpp"
#include "store/sql_values.hpp"

namespace sluice::store {

bool process_alive(int pid) {
  // kill(0, ...) and negative pids address process groups, never one process.
  if (pid <= 0) return false;
  if (::kill(pid, 0) == 0) return true;
  // EPERM: it exists but belongs to another user.
  return errno == EPERM;
}

struct lease_store::impl {
  database_options db;
  lease_identity me;
  std::chrono::seconds ttl;
  std::string schema;  // quoted
  std::unique_ptr<guarded_connection> conn;

  template <typename F>
  auto run(std::string_view what, F&& f) {
    return conn->run(what, std::forward<F>(f));
  }

  std::string table(std::string_view name) const { return schema + "." + std::string(name); }

  // Another process on this host that no longer exists: its lease or instance row is free.
  bool dead_here(const pqxx::field& host, const pqxx::field& pid) const {
    if (host.is_null() || pid.is_null() || host.as<std::string>() != me.host) return false;
    const int p = pid.as<int>();
    return p != me.pid && !process_alive(p);
  }

  // The columns lease_row() reads, in order.
  std::string lease_columns() const {
    return "source, holder, host, pid, " + micros("expires_at") + ", expires_at > now()";
  }

  lease_row read_lease(const pqxx::row& r) const {
    lease_row out;
    out.source = r[0].as<std::string>();
    out.holder = r[1].as<std::string>();
    out.host = read_text(r[2]);
    out.pid = r[3].is_null() ? 0 : r[3].as<int>();
    out.expires_at = *read_time(r[4]);
    out.live = r[5].as<bool>() && !dead_here(r[2], r[3]);
    return out;
  }
};

lease_store::lease_store(const database_options& db, lease_identity me, std::chrono::seconds ttl)
    : impl_(std::make_unique<impl>()) {
  impl_->db = db;
  impl_->me = std::move(me);
  impl_->ttl = ttl;
  impl_->schema = quote_identifier(db.schema);
  impl_->conn = std::make_unique<guarded_connection>(db, "sluice-leases");
}

lease_store::~lease_store() = default;

const lease_identity& lease_store::identity() const noexcept { return impl_->me; }

std::chrono::seconds lease_store::ttl() const noexcept { return impl_->ttl; }

bool lease_store::try_acquire(std::string_view source) {
  return impl_->run("cannot acquire lease", [&](pqxx::connection& c) {
    const auto& me = impl_->me;
    pqxx::nontransaction tx(c);
    // A holder that died on this host frees its lease at once. The row as we saw it (holder, pid,
    // expiry to the microsecond) goes into the condition, so if another process took the lease
    // meanwhile, its row no longer matches and is not overwritten.
    std::optional<std::string> dead_holder, dead_expiry;
    std::optional<int> dead_pid;
    auto current = tx.exec_params("SELECT holder, host, pid, expires_at::text FROM " +
                                      impl_->table("leases") + " WHERE source = $1",
                                  std::string(source));
    if (!current.empty() && current[0][0].as<std::string>() != me.holder &&
        impl_->dead_here(current[0][1], current[0][2])) {
      dead_holder = current[0][0].as<std::string>();
      dead_pid = current[0][2].as<int>();
      dead_expiry = current[0][3].as<std::string>();
    }
    // One statement, so two processes racing for a free lease are serialized by the row: the
    // second re-evaluates the condition against the first one's row, which is no longer free.
    // acquired_at survives renewals by the same holder.
    auto taken = tx.exec_params(
        "INSERT INTO " + impl_->table("leases") +
            " AS l (source, holder, host, pid, expires_at, acquired_at)"
            " VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5), now())"
            " ON CONFLICT (source) DO UPDATE SET holder = EXCLUDED.holder, host = EXCLUDED.host,"
            " pid = EXCLUDED.pid, expires_at = EXCLUDED.expires_at, acquired_at ="
            " CASE WHEN l.holder = EXCLUDED.holder THEN coalesce(l.acquired_at, now())"
            " ELSE now() END"
            " WHERE l.holder = $2 OR l.expires_at <= now()"
            " OR (l.holder = $6 AND l.host = $3 AND l.pid = $7 AND l.expires_at = $8::timestamptz)"
            " RETURNING 1",
        std::string(source), me.holder, me.host, me.pid,
        static_cast<double>(impl_->ttl.count()), dead_holder, dead_pid, dead_expiry);
    return !taken.empty();
  });
}

std::vector<std::string> lease_store::renew(const std::vector<std::string>& sources) {
  if (sources.empty()) return {};
  return impl_->run("cannot renew leases", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    // Only leases that are still ours: expired ones may have been taken over, and if not,
    // try_acquire takes them back.
    auto r = tx.exec_params("UPDATE " + impl_->table("leases") +
                                " SET expires_at = now() + make_interval(secs => $3)"
                                " WHERE source = ANY($1::text[]) AND holder = $2"
                                " AND expires_at > now() RETURNING source",
                            text_array_literal(sources), impl_->me.holder,
                            static_cast<double>(impl_->ttl.count()));
    std::vector<std::string> kept;
    kept.reserve(r.size());
    for (const auto& row : r) kept.push_back(row[0].as<std::string>());
    return kept;
  });
}

void lease_store::release(const std::vector<std::string>& sources) {
  if (sources.empty()) return;
  impl_->run("cannot release leases", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_params0("DELETE FROM " + impl_->table("leases") +
                        " WHERE source = ANY($1::text[]) AND holder = $2",
                    text_array_literal(sources), impl_->me.holder);
  });
}

std::vector<lease_row> lease_store::leases() {
  return impl_->run("cannot read leases", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    std::vector<lease_row> out;
    for (const auto& r : tx.exec("SELECT " + impl_->lease_columns() + " FROM " +
                                 impl_->table("leases") + " ORDER BY source"))
      out.push_back(impl_->read_lease(r));
    return out;
  });
}

std::optional<lease_row> lease_store::holder_of(std::string_view source) {
  return impl_->run("cannot read lease", [&](pqxx::connection& c) -> std::optional<lease_row> {
    pqxx::nontransaction tx(c);
    auto r = tx.exec_params("SELECT " + impl_->lease_columns() + " FROM " +
                                impl_->table("leases") + " WHERE source = $1",
                            std::string(source));
    if (r.empty()) return std::nullopt;
    lease_row row = impl_->read_lease(r[0]);
    if (!row.live) return std::nullopt;
    return row;
  });
}

std::vector<instance_row> lease_store::heartbeat(
    const std::vector<std::string>& configured_sources) {
  return impl_->run("cannot record heartbeat", [&](pqxx::connection& c) {
    const auto& me = impl_->me;
    const std::string instances = impl_->table("instances");
    pqxx::work tx(c);
    // started_at is that of this process: a restart under the same configured name starts anew.
    tx.exec_params0("INSERT INTO " + instances +
                        " AS i (holder, host, pid, sources, started_at, expires_at)"
                        " VALUES ($1, $2, $3, $4::text[], now(), now() + make_interval(secs => $5))"
                        " ON CONFLICT (holder) DO UPDATE SET host = EXCLUDED.host,"
                        " pid = EXCLUDED.pid, sources = EXCLUDED.sources,"
                        " expires_at = EXCLUDED.expires_at, started_at ="
                        " CASE WHEN i.host = EXCLUDED.host AND i.pid = EXCLUDED.pid"
                        " THEN i.started_at ELSE EXCLUDED.started_at END",
                    me.holder, me.host, me.pid, text_array_literal(configured_sources),
                    static_cast<double>(impl_->ttl.count()));
    tx.exec0("DELETE FROM " + instances + " WHERE expires_at <= now()");

    // Instances of this host whose process is gone, removed by exact (holder, pid): a process
    // that took over the name meanwhile has another pid and stays.
    std::vector<std::string> dead_holders, dead_pids;
    for (const auto& r :
         tx.exec_params("SELECT holder, host, pid FROM " + instances +
                            " WHERE host = $1 AND holder <> $2",
                        me.host, me.holder))
      if (impl_->dead_here(r[1], r[2])) {
        dead_holders.push_back(r[0].as<std::string>());
        dead_pids.push_back(r[2].as<std::string>());
      }
    if (!dead_holders.empty())
      tx.exec_params0("DELETE FROM " + instances +
                          " i USING unnest($2::text[], $3::int[]) AS d(holder, pid)"
                          " WHERE i.holder = d.holder AND i.pid = d.pid AND i.host = $1",
                      me.host, text_array_literal(dead_holders), text_array_literal(dead_pids));

    std::vector<instance_row> out;
    for (const auto& r : tx.exec("SELECT holder, sources FROM " + instances + " ORDER BY holder")) {
      instance_row row;
      row.holder = r[0].as<std::string>();
      row.sources = read_text_array(r[1]);
      row.self = row.holder == me.holder;
      out.push_back(std::move(row));
    }
    tx.commit();
    return out;
  });
}

void lease_store::leave() {
  impl_->run("cannot remove instance", [&](pqxx::connection& c) {
    pqxx::nontransaction tx(c);
    tx.exec_params0("DELETE FROM " + impl_->table("instances") + " WHERE holder = $1",
                    impl_->me.holder);
  });
}

}  // namespace sluice::store
