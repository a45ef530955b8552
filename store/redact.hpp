#pragma once
// Keeps database credentials out of messages. libpq and libpqxx may echo parts of the connection
// string (e.g. `missing "=" after "postgresql://u:pw@..."`), and every database error ends up in
// logs and sync_runs, so each message from the driver passes through here first.
#include <string>
#include <string_view>

namespace sluice::store {

// Removes `user:password@` from URIs, `password=...` from key=value strings and URI queries,
// and any literal occurrence of the password that `url` carries.
std::string redact_secrets(std::string_view message, std::string_view url);

// `"name"` with embedded quotes doubled: a safe SQL identifier for any string.
std::string quote_identifier(std::string_view name);

}  // namespace sluice::store
