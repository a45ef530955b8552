#include "store/migrations.hpp"

#include <algorithm>
#include <map>
#include <string>

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

// Refuses to go on when the database and this binary disagree about history: an edited
// migration means the schema may not be what the code expects, and a newer database may have
// columns or meanings an older binary would corrupt.
void verify(const std::map<int, applied_migration>& applied) {
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
    if (std::string expected = sha256_hex(it->sql); expected != row.checksum)
      throw error(error_kind::database,
                  fmt::format("migration {} differs from the one applied to the database "
                              "(checksum {} in the database, {} in this sluice); "
                              "applied migrations must never be edited",
                              migration_label(version, it->name), row.checksum, expected));
  }
}

}  // namespace

int latest_version() {
  int latest = 0;
  for (const auto& m : schema::embedded_migrations()) latest = std::max(latest, m.version);
  return latest;
}

migration_report migrate(const database_options& db) {
  auto conn = connect(db, "sluice-migrate");
  const std::string schema = quote_identifier(db.schema);
  const std::string table = schema + ".schema_migrations";
  const std::string lock_key = std::to_string(advisory_lock_key("sluice migrate " + db.schema));

  migration_report report;
  std::map<int, applied_migration> applied;
  try {
    pqxx::nontransaction tx(*conn);
    // API data is Unicode: a SQL_ASCII or LATIN1 database would fail the first non-ASCII review
    // deep inside a COPY. Say so before anything is created.
    auto encoding = tx.exec("SHOW server_encoding")[0][0].as<std::string>();
    if (encoding != "UTF8")
      throw error(error_kind::config,
                  "database encoding is " + encoding + "; sluice needs a UTF8 database (CREATE "
                  "DATABASE ... ENCODING 'UTF8' TEMPLATE template0)");
    // Session-level: held across the per-migration transactions below, released on return
    // (or when the connection drops), so concurrent `sluice run`s apply each migration once.
    tx.exec("SELECT pg_advisory_lock(" + lock_key + ")");
    // Checked first because CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
    // database even when the schema exists, which a least-privilege sluice role may lack.
    if (tx.exec_params("SELECT 1 FROM pg_namespace WHERE nspname = $1", db.schema).empty())
      tx.exec("CREATE SCHEMA IF NOT EXISTS " + schema);
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
  report.from_version = applied.empty() ? 0 : applied.rbegin()->first;
  report.to_version = report.from_version;
  verify(applied);

  for (const auto& m : schema::embedded_migrations()) {
    if (applied.contains(m.version)) continue;
    const std::string label = migration_label(m.version, m.name);
    try {
      pqxx::work tx(*conn);
      tx.exec(std::string(m.sql));
      tx.exec_params("INSERT INTO " + table + " (version, name, checksum) VALUES ($1, $2, $3)",
                     m.version, std::string(m.name), sha256_hex(m.sql));
      tx.commit();
    } catch (const std::exception& e) {
      throw database_error("migration " + label + " failed", e, db);
    }
    report.applied.push_back(label);
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
