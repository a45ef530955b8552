#pragma once
// Opening a libpqxx connection the way every part of the store needs it.
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
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

// One connection for blocking bookkeeping (cursors, runs, leases, backfill jobs), shared by
// callers on more than one thread: each call takes the mutex, gets a connection (one lost to a
// server restart is replaced rather than failing every later call), and turns driver failures
// into sluice::error(kind database) named by `what`.
class guarded_connection {
public:
  // Connects now, so a bad URL or an unreachable server fails at construction.
  guarded_connection(database_options db, std::string application_name)
      : db_(std::move(db)), name_(std::move(application_name)), conn_(connect(db_, name_)) {}

  const database_options& options() const noexcept { return db_; }

  template <typename F>
  auto run(std::string_view what, F&& f) {
    std::lock_guard lock(mutex_);
    try {
      if (!conn_ || !conn_->is_open()) conn_ = connect(db_, name_);
      return f(*conn_);
    } catch (const error&) {
      throw;
    } catch (const std::exception& e) {
      throw database_error(what, e, db_);
    }
  }

private:
  database_options db_;
  std::string name_;
  std::mutex mutex_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace sluice::store
