#pragma once
// The one place that keeps secrets out of text leaving the process (logs, sync_runs, status,
// check, error messages). Vendors echo credentials in error pages and redirects, and libpq echoes
// connection strings, so every such text passes through redact() on its way out.
//
// Two layers: a process-wide registry of the secrets this process knows (filled when the
// configuration loads), masked wherever they appear in any of the forms they travel in; and
// patterns for credentials in a recognisable shape (URL userinfo, `password=`, `Basic ...`), which
// also catch secrets the process never saw.
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

// The mask that replaces every secret.
inline constexpr std::string_view redaction_mask = "***";

// Secrets shorter than this are only masked by the patterns: replacing every "ab" of a message
// would garble it without protecting anything worth the name.
inline constexpr std::size_t min_registered_secret = 4;

// Registers a secret (API key, password, token) with the forms it takes on the wire: percent-,
// JSON- and HTML-escaped, and base64 at any offset (so it is found inside any Basic credential
// that contains it). Thread-safe; registering the same value twice is harmless.
void register_secret(std::string_view value);

// Registers `user:password` as sent by HTTP Basic (base64, whole), and the password itself.
void register_basic_credentials(std::string_view user, std::string_view password);

// Registers the password a database connection string carries, however it is spelled: libpq
// URIs with a mistyped scheme (`postgresql:/u:PW@h`, `postgresql:u:PW@h`), unencoded `@`, `/` or
// `:` in the password, percent-encoding, a leading byte order mark, key=value `password=...`.
void register_database_url(std::string_view url);

// The passwords register_database_url finds in `url` (for tests; may hold more candidates than
// the real password when the spelling is ambiguous: masking too much is the safe failure).
std::vector<std::string> database_url_passwords(std::string_view url);

// `text` with every registered secret and every recognisable credential replaced by `***`.
std::string redact(std::string_view text);

// Forgets every registered secret (tests only: a process keeps what it once knew, so a reloaded
// configuration cannot unmask an old key still quoted in a stored error).
void forget_registered_secrets();

}  // namespace sluice
