#pragma once
// The configuration file (every key is declared in daemon/config_keys and shown in
// etc/sluice.example.toml), loaded and validated in one step: what comes out is complete
// (defaults of each connector kind applied, secrets read from their inline, _env or _file form),
// so nothing downstream re-checks or re-reads it.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/source_config.hpp"
#include "store/database.hpp"

namespace sluice::daemon {

struct daemon_options {
  std::string listen = "127.0.0.1:9187";  // metrics/health server; "" turns it off
  // This instance's name; load_config fills "<hostname>:<pid>". The lease holder is this plus
  // "#<tag>", random per process (daemon/lease_keeper), so it is unique even when names repeat.
  std::string instance;
  // How long a lease lasts without renewal (renewed every ttl/6): how soon another instance takes
  // over the sources of one that died on another host.
  std::chrono::seconds lease_ttl{30};
};

// [alerts]: incidents (a stream failing or stale, a held-back snapshot, a lost lease, rejected
// credentials) posted to a chat or paging webhook by `sluice run`, one event when an incident
// opens and one when it resolves.
struct alerts_options {
  secret webhook_url;                    // empty: no notifications; a secret (URLs carry tokens)
  std::string min_severity = "warning";  // info | warning | critical
  int failing_runs = 3;                  // failed runs in a row that open "stream failing"
};

struct config {
  std::filesystem::path file;  // where it was loaded from (for messages)
  store::database_options database;
  daemon_options daemon;
  alerts_options alerts;
  std::vector<source_config> sources;  // in file order
};

// The database URL used when [database] gives none: a local server with a `sluice` role owning
// a `sluice` database.
inline constexpr std::string_view default_database_url = "postgresql://sluice@localhost/sluice";

inline constexpr std::string_view default_config_path = "/etc/sluice/sluice.toml";

// Reads and validates a configuration file. Relative paths inside it (`*_file`, `ca_file`) are
// relative to the file's directory, not to the working directory. Throws
// sluice::error(error_kind::config) whose message starts with `FILE:LINE:COLUMN: KEY.PATH: `; it
// never contains a secret's value.
config load_config(const std::filesystem::path& file);

// The configured source named `name`, or nullptr.
const source_config* find_source(const config& cfg, std::string_view name);

// This host's name (gethostname; "localhost" if it has none): the default instance name's first
// half, and the host column of leases.
std::string host_name();

// `-c FILE` if given, else $SLUICE_CONFIG if set and non-empty, else /etc/sluice/sluice.toml.
std::filesystem::path resolve_config_path(std::optional<std::string> cli_value);

// [daemon] listen split for binding: `127.0.0.1:9187`, `localhost:9187`, `[::1]:9187` (host
// without brackets). nullopt when malformed or "" (off); load_config has already rejected the
// malformed ones.
struct listen_endpoint {
  std::string host;
  std::uint16_t port = 0;
};
std::optional<listen_endpoint> parse_listen(std::string_view text);

}  // namespace sluice::daemon
