#include "store/connection.hpp"

#include <string>

#include <pqxx/except>
#include <pqxx/nontransaction>

#include "core/redaction.hpp"
#include "store/redact.hpp"

namespace sluice::store {
namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r'))
    text.pop_back();
  return text;
}

}  // namespace

std::unique_ptr<pqxx::connection> connect(const database_options& db,
                                          std::string_view application_name) {
  // Known before the first attempt, so that whatever the driver says about it is masked.
  register_database_url(db.url);
  std::unique_ptr<pqxx::connection> conn;
  try {
    conn = std::make_unique<pqxx::connection>(db.url);
  } catch (const std::exception& e) {
    throw database_error("cannot connect to database", e, db);
  }
  try {
    conn->set_client_encoding("UTF8");
    pqxx::nontransaction tx(*conn);
    tx.exec("SET search_path TO " + quote_identifier(db.schema) +
            "; SET TimeZone TO 'UTC'; SET application_name TO " +
            tx.quote(std::string(application_name) + ":" + db.schema));
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

}  // namespace sluice::store
