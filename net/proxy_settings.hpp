#pragma once
// Which proxy, if any, a client's requests go through: the source's own `proxy` setting, else the
// environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY), decided once when the client is made.
#include <functional>
#include <optional>
#include <string>

#include "core/secret.hpp"
#include "net/client_target.hpp"
#include "net/no_proxy.hpp"
#include "net/proxy_url.hpp"

namespace sluice::net {

class proxy_settings {
public:
  // Reads one environment variable; nullptr when unset (std::getenv by default).
  using environment = std::function<const char*(const char*)>;

  // No proxy.
  proxy_settings() = default;

  // `configured`: the source's `proxy` value. A URL is used for every request, NO_PROXY or not;
  // "" means no proxy at all (whatever the environment says); nullopt asks the environment:
  // https_proxy/HTTPS_PROXY for https:// targets, http_proxy/HTTP_PROXY for http:// ones (the
  // lower-case name wins when both are set, as curl), minus the hosts NO_PROXY/no_proxy lists.
  // Credentials found are registered for redaction. Throws sluice::error (kind config) naming
  // `source` and the key or variable (never its value) when a URL cannot be used.
  static proxy_settings resolve(const std::optional<secret>& configured, const std::string& source,
                                const environment& env = {});

  // The proxy for `t`, or nullptr to connect directly.
  const proxy_endpoint* for_target(const target& t) const;

private:
  std::optional<proxy_endpoint> https_;
  std::optional<proxy_endpoint> http_;
  no_proxy_rules no_proxy_;
};

}  // namespace sluice::net
