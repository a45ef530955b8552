#pragma once
// The connection string sluice hands to libpq: the operator's, plus the network limits a daemon
// needs that libpq leaves off by default. Without them a server that stops answering (a frozen
// host, a partition that drops packets silently) holds a connection attempt or a read forever.
#include <string>
#include <string_view>

namespace sluice::store {

// `url` (a libpq URI or key=value string) as a key=value string with these defaults added where
// the operator did not set the key: connect_timeout=10, keepalives=1, keepalives_idle=30,
// keepalives_interval=10, keepalives_count=3, tcp_user_timeout=60000 (ms). Everything the
// operator wrote is kept as written; environment defaults (PGHOST, ...) still apply to keys
// neither side set. A string libpq cannot parse is returned unchanged, so that connecting
// reports libpq's own (redacted) error.
std::string tuned_conninfo(std::string_view url);

}  // namespace sluice::store
