#pragma once
// The TLS client contexts of the process: one per trust configuration (the system store plus an
// optional extra CA file), shared by every client that trusts the same anchors. Loading the
// system store costs about a megabyte per context, so a context per client made memory grow
// with the number of sources.
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace sluice::net {

// The shared context for the system store plus `ca_file` (empty: the system store alone), built
// on first use and kept while a client holds it. Thread-safe. Throws sluice::error (kind config)
// naming `source` when `ca_file` cannot be loaded. Peer verification is always on; the host name
// check is set per connection.
std::shared_ptr<boost::asio::ssl::context> shared_tls_context(const std::string& ca_file,
                                                              const std::string& source);

}  // namespace sluice::net
