#pragma once
// A forward proxy as a URL names it: `http://[user:password@]host[:port]`, from a source's
// `proxy` key or from HTTPS_PROXY/HTTP_PROXY. The password is a secret: it is kept as one, and
// nothing here ever quotes the URL.
#include <string>
#include <string_view>

#include "core/secret.hpp"

namespace sluice::net {

struct proxy_endpoint {
  std::string host;  // lower-cased; IPv6 without brackets
  std::string port;  // 1080 when the URL gives none, as curl
  std::string user;  // percent-decoded; empty: no credentials
  secret password;   // percent-decoded
  // "host:port" ("[v6]:port"): how messages and logs name the proxy, never with credentials.
  std::string authority;

  bool has_credentials() const noexcept { return !user.empty() || !password.empty(); }
};

// Throws sluice::error (kind config) with the reason, never quoting the URL (it may carry a
// password); callers prefix where the URL came from. A URL without a scheme is taken as http://
// (as curl does, and as HTTPS_PROXY=proxy:3128 is often written); https:// proxies (TLS to the
// proxy itself) are refused, as are paths, queries and fragments other than a lone "/".
proxy_endpoint parse_proxy_url(std::string_view url);

// Registers the URL's credentials for redaction (the password, `user:password` and its Basic
// token): done wherever a proxy URL enters the process.
void register_proxy_credentials(const proxy_endpoint& proxy);

// "Basic base64(user:password)" for Proxy-Authorization.
secret proxy_authorization(const proxy_endpoint& proxy);

}  // namespace sluice::net
