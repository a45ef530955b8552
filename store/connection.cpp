#include "store/connection.hpp"

#include <string>
#include <thread>

#include <fmt/format.h>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <spdlog/spdlog.h>

#include "core/redaction.hpp"
#include "store/call_deadline.hpp"
#include "store/conninfo.hpp"
#include "store/redact.hpp"

namespace sluice::store {
namespace {

using namespace std::chrono_literals;

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r'))
    text.pop_back();
  return text;
}

std::string milliseconds_setting(std::chrono::milliseconds value) {
  return "'" + std::to_string(value.count()) + "ms'";
}

// Thrown inside guarded_connection when the connection is gone and the call may be repeated.
struct lost_connection {
  std::string reason;  // free of secrets
};

// How much longer than the server's own statement_timeout the client waits: the server reports
// its timeout as an error first when it runs at all.
constexpr auto deadline_margin = 30s;

// Long enough for the session setup of a healthy server, short enough that a server that
// accepted the connection and froze does not hold a new process for long.
constexpr auto setup_deadline = 30s;

}  // namespace

std::unique_ptr<pqxx::connection> connect(const database_options& db,
                                          std::string_view application_name) {
  // Known before the first attempt, so that whatever the driver says about it is masked.
  register_database_url(db.url);
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(tuned_conninfo(db.url));
  } catch (const std::exception& e) {
    throw database_error("cannot connect to database", e, db);
  }
  try {
    conn->set_client_encoding("UTF8");
    call_deadline deadline(conn->sock(), setup_deadline);
    pqxx::nontransaction tx(*conn);
    // A sluice frozen between two statements of a transaction must not hold its locks (the
    // lease row, a table's rows) longer than a statement could.
    tx.exec("SET search_path TO " + quote_identifier(db.schema) +
            "; SET TimeZone TO 'UTC'; SET application_name TO " +
            tx.quote(std::string(application_name) + ":" + db.schema) +
            "; SET statement_timeout TO " + milliseconds_setting(db.statement_timeout) +
            "; SET lock_timeout TO " + milliseconds_setting(db.lock_timeout) +
            "; SET idle_in_transaction_session_timeout TO " +
            milliseconds_setting(db.statement_timeout + deadline_margin));
  } catch (const std::exception& e) {
    throw database_error("cannot set up database session", e, db);
  }
  return conn;
}

error database_error(std::string_view context, const std::exception& e,
                     const database_options& db) {
  std::string message(context);
  message += ": ";
  message += trimmed(redact_secrets(e.what(), db.url));
  return error(error_kind::database, std::move(message));
}

bool connection_lost(const std::exception& e, const pqxx::connection* conn) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    // Class 08 (connection exception) and 57P01-57P03 (terminated by an administrator, a crash
    // of another backend, or a server that is starting or stopping).
    if (state.rfind("08", 0) == 0 || state == "57P01" || state == "57P02" || state == "57P03")
      return true;
  }
  return conn != nullptr && !conn->is_open();
}

reconnect_pacing::reconnect_pacing(std::chrono::milliseconds budget)
    : give_up_(std::chrono::steady_clock::now() + budget) {}

bool reconnect_pacing::pause() {
  ++attempts_;
  const auto now = std::chrono::steady_clock::now();
  if (attempts_ == 1) return true;  // the first retry is immediate: the server may be up already
  if (now >= give_up_) return false;
  const auto wait = std::min<std::chrono::steady_clock::duration>(next_, give_up_ - now);
  std::this_thread::sleep_for(wait);
  next_ = std::min<std::chrono::milliseconds>(next_ * 2, 5s);
  return true;
}

guarded_connection::limits guarded_connection::limits_for(const database_options& db) {
  return {
      db.statement_timeout + std::chrono::duration_cast<std::chrono::milliseconds>(deadline_margin),
      db.reconnect_for};
}

guarded_connection::guarded_connection(database_options db, std::string application_name)
    : guarded_connection(db, std::move(application_name), limits_for(db)) {}

guarded_connection::guarded_connection(database_options db, std::string application_name,
                                       limits limits)
    : db_(std::move(db)),
      name_(std::move(application_name)),
      limits_(limits),
      conn_(connect(db_, name_)) {}

void guarded_connection::call(std::string_view what,
                              const std::function<void(pqxx::connection&)>& f) {
  std::lock_guard lock(mutex_);
  reconnect_pacing pacing(limits_.reconnect_for);
  for (;;) {
    try {
      attempt(what, f);
      return;
    } catch (const lost_connection& lost) {
      if (pacing.attempts() == 0)
        spdlog::warn("{}: database connection lost ({}); reconnecting", what, lost.reason);
      if (!pacing.pause())
        throw error(error_kind::database,
                    fmt::format("{}: the database connection was lost and not re-established "
                                "within {}s: {}",
                                what, limits_.reconnect_for.count() / 1000, lost.reason));
    }
  }
}

void guarded_connection::attempt(std::string_view what,
                                 const std::function<void(pqxx::connection&)>& f) {
  if (!conn_ || !conn_->is_open()) {
    conn_.reset();
    try {
      conn_ = connect(db_, name_);
    } catch (const error& e) {
      throw lost_connection{e.what()};
    }
  }
  call_deadline deadline(conn_->sock(), limits_.call_deadline);
  const auto no_answer = [&] {
    conn_.reset();
    return lost_connection{
        fmt::format("the server did not answer within {}s", limits_.call_deadline.count() / 1000)};
  };
  try {
    f(*conn_);
  } catch (const error&) {
    if (deadline.expired()) throw no_answer();
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    // The COMMIT may or may not have happened: repeating it could do the work twice.
    conn_.reset();
    throw database_error(what, e, db_);
  } catch (const std::exception& e) {
    if (deadline.expired()) throw no_answer();
    if (connection_lost(e, conn_.get())) {
      conn_.reset();
      throw lost_connection{trimmed(redact_secrets(e.what(), db_.url))};
    }
    throw database_error(what, e, db_);
  }
}

}  // namespace sluice::store
