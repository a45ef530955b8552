#include "daemon/config_diff.hpp"

#include "daemon/config_keys.hpp"

namespace sluice::daemon {
namespace {

template <class Target>
section_diff diff(std::span<const key_spec<Target>> keys, const Target& running,
                  const Target& next) {
  section_diff out;
  for (const auto& k : keys) {
    if (k.same(running, next)) continue;
    out.changed.emplace_back(k.name);
    if (k.reload == on_reload::restart) out.needs_restart = true;
  }
  return out;
}

}  // namespace

section_diff diff_database(const store::database_options& running,
                           const store::database_options& next) {
  return diff(database_keys(), running, next);
}

section_diff diff_daemon(const daemon_options& running, const daemon_options& next) {
  return diff(daemon_keys(), running, next);
}

section_diff diff_alerts(const alerts_options& running, const alerts_options& next) {
  return diff(alerts_keys(), running, next);
}

section_diff diff_source(const source_config& running, const source_config& next) {
  return diff(source_keys(), running, next);
}

}  // namespace sluice::daemon
