#pragma once
// Opening a libpqxx connection the way every part of the store needs it.
#include <memory>
#include <stdexcept>
#include <string_view>

#include <pqxx/connection>

#include "core/error.hpp"
#include "store/database.hpp"

namespace sluice::store {

// Connects and prepares the session: search_path = the configured schema, UTC, UTF-8, and
// `application_name:schema` as the name in pg_stat_activity. `pqxx::connection` cannot move, hence the unique_ptr. Throws
// sluice::error(kind database, "cannot connect to database: ...") free of credentials.
std::unique_ptr<pqxx::connection> connect(const database_options& db,
                                          std::string_view application_name);

// A sluice::error(kind database) for a failure from the driver: `context` + its message, with
// credentials removed and libpq's trailing newlines trimmed.
error database_error(std::string_view context, const std::exception& e,
                     const database_options& db);

}  // namespace sluice::store
