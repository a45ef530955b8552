#pragma once
// Keeps database credentials out of messages. libpq and libpqxx may echo parts of the connection
// string (e.g. `missing "=" after "postgresql://u:pw@..."`), and every database error ends up in
// logs and sync_runs, so each message from the driver passes through here first.
#include <string>
#include <string_view>

namespace sluice::store {

// sluice::redact (core/redaction.hpp) after registering the password that `url` carries: removes
// `user:password@` from URIs (mistyped schemes too), `password=...` from key=value strings and
// URI queries, and every occurrence of a known secret.
std::string redact_secrets(std::string_view message, std::string_view url);

// `"name"` with embedded quotes doubled: a safe SQL identifier for any string.
std::string quote_identifier(std::string_view name);

}  // namespace sluice::store
