#include "net/proxy_settings.hpp"

#include <cstdlib>

#include "core/error.hpp"

namespace sluice::net {
namespace {

// The first of the two names that is set and not empty (an empty variable is unset, as curl).
const char* first_set(const proxy_settings::environment& env, const char* lower, const char* upper,
                      const char** name) {
  for (const char* n : {lower, upper}) {
    const char* value = env(n);
    if (value && *value) {
      *name = n;
      return value;
    }
  }
  return nullptr;
}

std::optional<proxy_endpoint> from_environment(const proxy_settings::environment& env,
                                               const char* lower, const char* upper,
                                               const std::string& source) {
  const char* name = nullptr;
  const char* value = first_set(env, lower, upper, &name);
  if (!value) return std::nullopt;
  try {
    auto p = parse_proxy_url(value);
    register_proxy_credentials(p);
    return p;
  } catch (const error& e) {
    throw error(error_kind::config, source + ": environment variable " + name + ": " + e.what() +
                                        " (the value is not shown: it may hold a password)");
  }
}

}  // namespace

proxy_settings proxy_settings::resolve(const std::optional<secret>& configured,
                                       const std::string& source, const environment& env) {
  proxy_settings out;
  if (configured) {
    if (configured->empty()) return out;
    try {
      out.https_ = parse_proxy_url(configured->reveal());
    } catch (const error& e) {
      throw error(error_kind::config,
                  source + ": proxy: " + e.what() + " (the value is not shown: it is a secret)");
    }
    register_proxy_credentials(*out.https_);
    out.http_ = out.https_;
    return out;
  }
  const environment read = env ? env : [](const char* n) -> const char* { return std::getenv(n); };
  out.https_ = from_environment(read, "https_proxy", "HTTPS_PROXY", source);
  out.http_ = from_environment(read, "http_proxy", "HTTP_PROXY", source);
  const char* name = nullptr;
  if (const char* list = first_set(read, "no_proxy", "NO_PROXY", &name))
    out.no_proxy_ = no_proxy_rules(list);
  return out;
}

const proxy_endpoint* proxy_settings::for_target(const target& t) const {
  const auto& chosen = t.tls ? https_ : http_;
  if (!chosen || no_proxy_.bypasses(t.host)) return nullptr;
  return &*chosen;
}

}  // namespace sluice::net
