#pragma once
// Opening a libpqxx connection the way every part of the store needs it, and keeping one alive
// across server restarts.
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include <pqxx/connection>

#include "core/error.hpp"
#include "store/database.hpp"

namespace sluice::store {

// Connects and prepares the session: search_path = the configured schema, UTC, UTF-8,
// `application_name:schema` as the name in pg_stat_activity, and the [database] limits
// (statement_timeout, lock_timeout, and an idle-in-transaction bound so that a sluice frozen
// mid-transaction cannot hold its locks forever). The connection string gets network limits
// (store/conninfo.hpp). `pqxx::connection` cannot move, hence the unique_ptr. Throws
// sluice::error(kind database, "cannot connect to database: ...") free of credentials.
std::unique_ptr<pqxx::connection> connect(const database_options& db,
                                          std::string_view application_name);

// A sluice::error(kind database) for a failure from the driver: `context` + its message, with
// credentials removed and libpq's trailing newlines trimmed.
error database_error(std::string_view context, const std::exception& e, const database_options& db);

// Whether `e` means the connection is gone (broken, terminated by the server, shut down at a
// deadline) rather than that the statement was refused: the work may be repeated on a new one.
// `conn` (may be null) is asked too: libpq knows when a failure closed it.
bool connection_lost(const std::exception& e, const pqxx::connection* conn);

// Pauses between attempts to re-establish a lost connection, until `budget` is spent: 0.25 s,
// doubling up to 5 s. A budget of zero allows exactly one immediate retry.
class reconnect_pacing {
public:
  explicit reconnect_pacing(std::chrono::milliseconds budget);
  // Sleeps before the next attempt and returns true, or returns false when the budget is spent.
  bool pause();
  int attempts() const noexcept { return attempts_; }

private:
  std::chrono::steady_clock::time_point give_up_;
  std::chrono::milliseconds next_{250};
  int attempts_ = 0;
};

// One connection for blocking bookkeeping (cursors, runs, leases, backfill jobs), shared by
// callers on more than one thread: each call takes the mutex, gets a connection, and turns driver
// failures into sluice::error(kind database) named by `what`. A call whose connection is lost
// (a restart, a terminated backend, a server that stopped answering within the call deadline) is
// repeated on a new connection until `reconnect_for` is spent, so `f` must be safe to repeat
// (every bookkeeping statement is: upserts, updates by key, reads).
class guarded_connection {
public:
  struct limits {
    std::chrono::milliseconds call_deadline;  // a call's longest wait for the server
    std::chrono::milliseconds reconnect_for;  // how long a lost connection is re-established
  };
  // The [database] settings: the deadline is statement_timeout plus a margin.
  static limits limits_for(const database_options& db);

  // Connects now, so a bad URL or an unreachable server fails at construction.
  guarded_connection(database_options db, std::string application_name);
  guarded_connection(database_options db, std::string application_name, limits limits);

  const database_options& options() const noexcept { return db_; }

  template <typename F>
  auto run(std::string_view what, F&& f) {
    using result = std::invoke_result_t<F&, pqxx::connection&>;
    if constexpr (std::is_void_v<result>) {
      call(what, [&](pqxx::connection& c) { f(c); });
    } else {
      std::optional<result> out;
      call(what, [&](pqxx::connection& c) { out.emplace(f(c)); });
      return std::move(*out);
    }
  }

private:
  void call(std::string_view what, const std::function<void(pqxx::connection&)>& f);
  void attempt(std::string_view what, const std::function<void(pqxx::connection&)>& f);

  database_options db_;
  std::string name_;
  limits limits_;
  std::mutex mutex_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace sluice::store
