#pragma once
// Where a request goes: what its URL says about the connection to use and how to name it in
// messages. Parsed once per request, before anything is sent.
#include <string>
#include <string_view>

namespace sluice::net {

struct target {
  bool tls = false;
  std::string host;  // for the resolver, SNI and the certificate check (IPv6 without brackets)
  bool host_is_ip = false;
  std::string port;
  std::string host_header;     // Host: as the URL spells it
  std::string request_target;  // encoded path + query
  std::string display;         // scheme://host[:port]/path: no user info, no query string
  std::string origin;          // connection pool key
};

// Throws sluice::error (kind `client`, naming `source`) for a URL that cannot be requested; the
// message never quotes the query string, which may carry credentials.
target parse_target(std::string_view url, const std::string& source);

}  // namespace sluice::net
