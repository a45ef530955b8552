#pragma once
// Schema migrations from schema/NNNN_name.sql, embedded in the binary at build time.
#include <string>
#include <vector>

#include "store/database.hpp"

namespace sluice::store {

struct migration_report {
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // "0001_init"
};

// Creates the schema if needed and applies pending migrations in order, each in its own
// transaction, serialized across processes by a PostgreSQL advisory lock, each recorded in
// schema_migrations with a checksum. Throws sluice::error(kind database) when the database is
// unreachable, when an applied migration's checksum differs from the embedded one, or when the
// database's schema is newer than this binary knows (an older binary must not write to it).
migration_report migrate(const database_options& db);

// Highest migration version embedded in this binary.
int latest_version();

}  // namespace sluice::store
