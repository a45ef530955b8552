#include "store/leases.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>

#include <fmt/format.h>
#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/transaction>

#include "store/connection.hpp"
#include "store/redact.hpp"
#include "store/sql_values.hpp"

namespace sluice::store {
namespace {

using std::chrono::milliseconds;

// The identity columns of a leases or instances row, in this order, after whatever a query
// selects first.
constexpr const char* identity_columns = "instance_id, boot_id, pid_namespace, pid, pid_start";

std::optional<std::string> optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

process_identity identity_at(const pqxx::row& r, pqxx::row::size_type first) {
  process_identity p;
  p.instance_id = read_text(r[first]);
  p.boot_id = optional_text(r[first + 1]);
  p.pid_namespace = optional_text(r[first + 2]);
  p.pid = r[first + 3].is_null() ? 0 : r[first + 3].as<int>();
  if (!r[first + 4].is_null()) p.start_ticks = r[first + 4].as<std::int64_t>();
  return p;
}

// SQLSTATE 55P03 (lock_not_available: lock_timeout) and 57014 (query_canceled: statement_timeout
// or a cancel request).
bool gave_up_waiting(const pqxx::sql_error& e) {
  return e.sqlstate() == "55P03" || e.sqlstate() == "57014";
}

std::string first_line(std::string_view text) {
  text = text.substr(0, text.find('\n'));
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return std::string(text);
}

}  // namespace

lease_timeouts lease_timeouts_for(std::chrono::seconds ttl) {
  const auto ms = std::chrono::duration_cast<milliseconds>(ttl);
  return {std::clamp<milliseconds>(ms / 15, milliseconds(200), milliseconds(2000)),
          std::clamp<milliseconds>(ms / 6, milliseconds(500), milliseconds(5000))};
}

struct lease_store::impl {
  database_options db;
  lease_identity me;
  std::chrono::seconds ttl;
  lease_timeouts timeouts;
  std::string schema;  // quoted
  std::unique_ptr<guarded_connection> conn;

  // Runs `f(tx)` in a transaction whose waits are bounded, and commits. A lock or statement
  // timeout becomes lease_busy: the row is someone else's business for now, not a broken
  // connection.
  template <typename F>
  auto bounded(std::string_view what, F&& f) {
    return conn->run(what, [&](pqxx::connection& c) {
      try {
        pqxx::work tx(c);
        tx.exec0(fmt::format("SET LOCAL lock_timeout = {}; SET LOCAL statement_timeout = {}",
                             timeouts.lock.count(), timeouts.statement.count()));
        if constexpr (std::is_void_v<decltype(f(tx))>) {
          f(tx);
          tx.commit();
        } else {
          auto out = f(tx);
          tx.commit();
          return out;
        }
      } catch (const pqxx::sql_error& e) {
        if (!gave_up_waiting(e)) throw;
        throw lease_busy(
            error_kind::database,
            fmt::format("{}: {} (waited over {} ms for a row lock, or {} ms in all)", what,
                        first_line(e.what()), timeouts.lock.count(), timeouts.statement.count()));
      }
    });
  }

  std::string table(std::string_view name) const { return schema + "." + std::string(name); }

  bool gone(const pqxx::row& r, pqxx::row::size_type first) const {
    return holder_gone(identity_at(r, first), me.process);
  }

  // The columns read_lease() reads, in order.
  std::string lease_columns() const {
    return "source, holder, host, " + micros("expires_at") + ", expires_at > now(), " +
           identity_columns;
  }

  lease_row read_lease(const pqxx::row& r) const {
    lease_row out;
    out.source = r[0].as<std::string>();
    out.holder = r[1].as<std::string>();
    out.host = read_text(r[2]);
    out.expires_at = *read_time(r[3]);
    out.pid = r[8].is_null() ? 0 : r[8].as<int>();
    out.live = r[4].as<bool>() && (out.holder == me.holder || !gone(r, 5));
    return out;
  }

  std::vector<std::pair<std::string, std::string>> gone_instances(pqxx::work& tx);
};

lease_store::lease_store(const database_options& db, lease_identity me, std::chrono::seconds ttl)
    : impl_(std::make_unique<impl>()) {
  impl_->db = db;
  impl_->me = std::move(me);
  impl_->ttl = ttl;
  impl_->timeouts = lease_timeouts_for(ttl);
  impl_->schema = quote_identifier(db.schema);
  // The lease thread must not wait on its connection for longer than a round is worth: a call
  // gives up when the server stays silent past twice the statement timeout (or a third of the
  // TTL), and a lost connection is tried once more at once, then left to the next round.
  const auto ttl_ms = std::chrono::duration_cast<milliseconds>(ttl);
  const guarded_connection::limits limits{std::max(2 * impl_->timeouts.statement, ttl_ms / 3),
                                          milliseconds(0)};
  impl_->conn = std::make_unique<guarded_connection>(db, "sluice-leases", limits);
}

lease_store::~lease_store() = default;

const lease_identity& lease_store::identity() const noexcept { return impl_->me; }

std::chrono::seconds lease_store::ttl() const noexcept { return impl_->ttl; }

lease_timeouts lease_store::timeouts() const noexcept { return impl_->timeouts; }

bool lease_store::try_acquire(std::string_view source) {
  return impl_->bounded("cannot acquire lease", [&](pqxx::work& tx) {
    const auto& me = impl_->me;
    const auto& p = me.process;
    // A holder certainly gone (holder_gone) frees its lease at once. The row as we saw it (holder,
    // expiry to the microsecond) goes into the condition, so if another process took the lease
    // meanwhile, its row no longer matches and is not overwritten.
    std::optional<std::string> gone_holder, gone_expiry;
    auto current =
        tx.exec_params("SELECT holder, expires_at::text, " + std::string(identity_columns) +
                           " FROM " + impl_->table("leases") + " WHERE source = $1",
                       std::string(source));
    if (!current.empty() && current[0][0].as<std::string>() != me.holder &&
        impl_->gone(current[0], 2)) {
      gone_holder = current[0][0].as<std::string>();
      gone_expiry = current[0][1].as<std::string>();
    }
    // Taking a free row from another holder first waits until the transactions that checked it
    // (the writer's fence, FOR KEY SHARE) have ended, so none of them commits after the handover.
    // A row still live for its holder is not locked: it is not ours to take.
    if (!current.empty() && current[0][0].as<std::string>() != me.holder)
      tx.exec_params("SELECT 1 FROM " + impl_->table("leases") +
                         " WHERE source = $1 AND (expires_at <= now() OR holder = $2) FOR UPDATE",
                     std::string(source), gone_holder);
    // One statement, so two processes racing for a free lease are serialized by the row: the
    // second re-evaluates the condition against the first one's row, which is no longer free.
    // acquired_at survives renewals by the same holder.
    auto taken = tx.exec_params(
        "INSERT INTO " + impl_->table("leases") +
            " AS l (source, holder, host, pid, instance_id, boot_id, pid_namespace, pid_start,"
            " expires_at, acquired_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(secs => $9), now())"
            " ON CONFLICT (source) DO UPDATE SET holder = EXCLUDED.holder, host = EXCLUDED.host,"
            " pid = EXCLUDED.pid, instance_id = EXCLUDED.instance_id,"
            " boot_id = EXCLUDED.boot_id, pid_namespace = EXCLUDED.pid_namespace,"
            " pid_start = EXCLUDED.pid_start, expires_at = EXCLUDED.expires_at, acquired_at ="
            " CASE WHEN l.holder = EXCLUDED.holder THEN coalesce(l.acquired_at, now())"
            " ELSE now() END"
            " WHERE l.holder = $2 OR l.expires_at <= now()"
            " OR (l.holder = $10 AND l.expires_at = $11::timestamptz)"
            " RETURNING 1",
        std::string(source), me.holder, me.host, p.pid, p.instance_id, p.boot_id, p.pid_namespace,
        p.start_ticks, static_cast<double>(impl_->ttl.count()), gone_holder, gone_expiry);
    return !taken.empty();
  });
}

std::vector<std::string> lease_store::renew(const std::vector<std::string>& sources) {
  if (sources.empty()) return {};
  return impl_->bounded("cannot renew leases", [&](pqxx::work& tx) {
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
  impl_->bounded("cannot release leases", [&](pqxx::work& tx) {
    tx.exec_params0(
        "DELETE FROM " + impl_->table("leases") + " WHERE source = ANY($1::text[]) AND holder = $2",
        text_array_literal(sources), impl_->me.holder);
  });
}

std::vector<lease_row> lease_store::leases() {
  return impl_->bounded("cannot read leases", [&](pqxx::work& tx) {
    std::vector<lease_row> out;
    for (const auto& r : tx.exec("SELECT " + impl_->lease_columns() + " FROM " +
                                 impl_->table("leases") + " ORDER BY source"))
      out.push_back(impl_->read_lease(r));
    return out;
  });
}

std::optional<lease_row> lease_store::holder_of(std::string_view source) {
  return impl_->bounded("cannot read lease", [&](pqxx::work& tx) -> std::optional<lease_row> {
    auto r = tx.exec_params("SELECT " + impl_->lease_columns() + " FROM " + impl_->table("leases") +
                                " WHERE source = $1",
                            std::string(source));
    if (r.empty()) return std::nullopt;
    lease_row row = impl_->read_lease(r[0]);
    if (!row.live) return std::nullopt;
    return row;
  });
}

// Other instances' rows whose process is certainly gone, as (holder, instance_id).
std::vector<std::pair<std::string, std::string>> lease_store::impl::gone_instances(pqxx::work& tx) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : tx.exec_params("SELECT holder, " + std::string(identity_columns) + " FROM " +
                                          table("instances") + " WHERE holder <> $1",
                                      me.holder))
    if (gone(r, 1)) out.emplace_back(r[0].as<std::string>(), read_text(r[1]));
  return out;
}

std::vector<instance_row> lease_store::heartbeat(
    const std::vector<std::string>& configured_sources) {
  return impl_->bounded("cannot record heartbeat", [&](pqxx::work& tx) {
    const auto& me = impl_->me;
    const auto& p = me.process;
    const std::string instances = impl_->table("instances");
    tx.exec_params0(
        "INSERT INTO " + instances +
            " AS i (holder, host, pid, instance_id, boot_id, pid_namespace, pid_start, sources,"
            " started_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], now(),"
            " now() + make_interval(secs => $9))"
            " ON CONFLICT (holder) DO UPDATE SET sources = EXCLUDED.sources,"
            " expires_at = EXCLUDED.expires_at",
        me.holder, me.host, p.pid, p.instance_id, p.boot_id, p.pid_namespace, p.start_ticks,
        text_array_literal(configured_sources), static_cast<double>(impl_->ttl.count()));

    // Others' rows go when they expired or their process is certainly gone. Clearing them is
    // housekeeping: rows another session holds locked are skipped (SKIP LOCKED) rather than
    // waited for, and go in a later round. Gone rows are matched by exact (holder, instance_id).
    tx.exec_params0("DELETE FROM " + instances + " WHERE holder IN (SELECT holder FROM " +
                        instances +
                        " WHERE expires_at <= now() AND holder <> $1"
                        " FOR UPDATE SKIP LOCKED)",
                    me.holder);
    auto gone = impl_->gone_instances(tx);
    if (!gone.empty()) {
      std::vector<std::string> holders, ids;
      for (const auto& [h, id] : gone) {
        holders.push_back(h);
        ids.push_back(id);
      }
      tx.exec_params0("DELETE FROM " + instances + " WHERE holder IN (SELECT i.holder FROM " +
                          instances +
                          " i JOIN unnest($1::text[], $2::text[]) AS d(holder, id)"
                          " ON i.holder = d.holder AND i.instance_id = d.id"
                          " FOR UPDATE OF i SKIP LOCKED)",
                      text_array_literal(holders), text_array_literal(ids));
    }

    // Live instances only: rows skipped above are not counted either.
    std::vector<instance_row> out;
    for (const auto& r : tx.exec_params("SELECT holder, sources FROM " + instances +
                                            " WHERE expires_at > now() OR holder = $1"
                                            " ORDER BY holder",
                                        me.holder)) {
      instance_row row;
      row.holder = r[0].as<std::string>();
      if (std::any_of(gone.begin(), gone.end(),
                      [&](const auto& g) { return g.first == row.holder; }))
        continue;
      row.sources = read_text_array(r[1]);
      row.self = row.holder == me.holder;
      out.push_back(std::move(row));
    }
    return out;
  });
}

void lease_store::leave() {
  impl_->bounded("cannot remove instance", [&](pqxx::work& tx) {
    tx.exec_params0("DELETE FROM " + impl_->table("instances") + " WHERE holder = $1",
                    impl_->me.holder);
  });
}

}  // namespace sluice::store
