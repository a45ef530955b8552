#include "store/migrations.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <pqxx/transaction>

#include "schema/embedded.hpp"
#include "store/connection.hpp"
#include "store/digest.hpp"
#include "store/redact.hpp"

namespace sluice::store {
namespace {

std::string migration_label(int version, std::string_view name) {
  return fmt::format("{:04}_{}", version, name);
}

struct applied_migration {
  std::string name;
  std::string checksum;
};

// The checksums an applied migration had before its comments were reworded, from its lines
// "-- earlier checksum: <64 hex digits>". Only comments may change in an applied migration (its
// statements ran long ago and never run again); naming the earlier checksum in the file itself
// keeps such an edit explicit and reviewable, and every other difference is still refused.
bool is_earlier_checksum(std::string_view sql, std::string_view checksum) {
  constexpr std::string_view marker = "\n-- earlier checksum: ";
  for (auto at = sql.find(marker); at != std::string_view::npos; at = sql.find(marker, at + 1)) {
    auto listed = sql.substr(at + marker.size(), 64);
    if (listed.size() == 64 && listed == checksum) return true;
  }
  return false;
}

// Refuses to go on when the database and this binary disagree about history: an edited
// migration means the schema may not be what the code expects, and a newer database may have
// columns or meanings an older binary would corrupt. Returns the versions recorded with an
// earlier checksum of their file (comments reworded since), whose records are to be updated.
std::vector<int> verify(const std::map<int, applied_migration>& applied) {
  std::vector<int> reworded;
  const auto embedded = schema::embedded_migrations();
  const int latest = latest_version();
  for (const auto& [version, row] : applied) {
    if (version > latest)
      throw error(error_kind::database,
                  fmt::format("database schema version {} is newer than this sluice ({}); "
                              "upgrade sluice",
                              applied.rbegin()->first, latest));
    auto it = std::find_if(embedded.begin(), embedded.end(),
                           [v = version](const auto& m) { return m.version == v; });
    if (it == embedded.end())
      throw error(error_kind::database,
                  fmt::format("database has migration {} which this sluice does not know",
                              migration_label(version, row.name)));
    std::string expected = sha256_hex(it->sql);
    if (expected == row.checksum) continue;
    if (is_earlier_checksum(it->sql, row.checksum)) {
      reworded.push_back(version);
      continue;
    }
    throw error(error_kind::database,
                fmt::format("migration {} differs from the one applied to the database "
                            "(checksum {} in the database, {} in this sluice); "
                            "applied migrations must never be edited",
                            migration_label(version, it->name), row.checksum, expected));
  }
  return reworded;
}

}  // namespace

int latest_version() {
  int latest = 0;
  for (const auto& m : schema::embedded_migrations()) latest = std::max(latest, m.version);
  return latest;
}

namespace {

// Checks the encoding, takes the migration lock, makes sure the schema and schema_migrations
// exist, and returns what the database has applied.
std::map<int, applied_migration> prepare(pqxx::connection& conn, const database_options& db,
                                         const std::string& table, const std::string& lock_key) {
  std::map<int, applied_migration> applied;
  try {
    pqxx::nontransaction tx(conn);
    // API data is Unicode: a SQL_ASCII or LATIN1 database would fail the first non-ASCII review
    // deep inside a COPY. Say so before anything is created.
    auto encoding = tx.exec("SHOW server_encoding")[0][0].as<std::string>();
    if (encoding != "UTF8")
      throw error(error_kind::config, "database encoding is " + encoding +
                                          "; sluice needs a UTF8 database (CREATE "
                                          "DATABASE ... ENCODING 'UTF8' TEMPLATE template0)");
    // Session-level: held across the per-migration transactions that follow, released at the
    // end (or when the connection drops), so concurrent `sluice run`s apply each migration once.
    tx.exec("SELECT pg_advisory_lock(" + lock_key + ")");
    // Checked first because CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
    // database even when the schema exists, which a least-privilege sluice role may lack.
    if (tx.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", db.schema).empty())
      tx.exec("CREATE SCHEMA IF NOT EXISTS " + quote_identifier(db.schema));
    tx.exec("CREATE TABLE IF NOT EXISTS " + table +
            " (version int PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& r : tx.exec("SELECT version, name, checksum FROM " + table))
      applied[r[0].as<int>()] = {r[1].as<std::string>(), r[2].as<std::string>()};
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw database_error("cannot prepare schema " + db.schema, e, db);
  }
  return applied;
}

// The records of migrations applied with an earlier text (comments reworded since) get the
// checksum of today's file.
void record_reworded(pqxx::connection& conn, const database_options& db, const std::string& table,
                     const std::vector<int>& versions) {
  try {
    for (const auto& m : schema::embedded_migrations()) {
      if (std::find(versions.begin(), versions.end(), m.version) == versions.end()) continue;
      pqxx::work tx(conn);
      tx.exec_params("UPDATE " + table + " SET checksum = $2 WHERE version = $1", m.version,
                     sha256_hex(m.sql));
      tx.commit();
    }
  } catch (const std::exception& e) {
    throw database_error("cannot record reworded migrations", e, db);
  }
}

void apply(pqxx::connection& conn, const database_options& db, const std::string& table,
           const schema::embedded_migration& m) {
  try {
    pqxx::work tx(conn);
    tx.exec(std::string(m.sql));
    tx.exec_params("INSERT INTO " + table + " (version, name, checksum) VALUES ($1, $2, $3)",
                   m.version, std::string(m.name), sha256_hex(m.sql));
    tx.commit();
  } catch (const std::exception& e) {
    throw database_error("migration " + migration_label(m.version, m.name) + " failed", e, db);
  }
}

}  // namespace

migration_report migrate(const database_options& db) {
  auto conn = connect(db, "sluice-migrate");
  const std::string table = quote_identifier(db.schema) + ".schema_migrations";
  const std::string lock_key = std::to_string(advisory_lock_key("sluice migrate " + db.schema));

  const auto applied = prepare(*conn, db, table, lock_key);
  migration_report report;
  report.from_version = applied.empty() ? 0 : applied.rbegin()->first;
  report.to_version = report.from_version;
  record_reworded(*conn, db, table, verify(applied));
  for (const auto& m : schema::embedded_migrations()) {
    if (applied.contains(m.version)) continue;
    apply(*conn, db, table, m);
    report.applied.push_back(migration_label(m.version, m.name));
    report.to_version = m.version;
  }

  try {
    pqxx::nontransaction tx(*conn);
    tx.exec("SELECT pg_advisory_unlock(" + lock_key + ")");
  } catch (const std::exception&) {
    // The lock goes with the connection anyway, which closes right here.
  }
  return report;
}

}  // namespace sluice::store
