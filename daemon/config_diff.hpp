#pragma once
// What a reload changes, per section, as the key declarations (daemon/config_keys) say: which
// keys differ and whether one of them applies only after a restart. SIGHUP handling
// (daemon/run.cpp) asks this instead of comparing fields itself, so a newly declared key is never
// silently ignored by a reload.
#include <string>
#include <vector>

#include "core/source_config.hpp"
#include "daemon/config.hpp"
#include "store/database.hpp"

namespace sluice::daemon {

struct section_diff {
  std::vector<std::string> changed;  // declared key names, in declaration order
  bool needs_restart = false;        // one of them applies only after a restart
  bool empty() const noexcept { return changed.empty(); }
};

section_diff diff_database(const store::database_options& running,
                           const store::database_options& next);
section_diff diff_daemon(const daemon_options& running, const daemon_options& next);
section_diff diff_alerts(const alerts_options& running, const alerts_options& next);
// Two configurations of the same source (the name is the table key, so it is not compared).
section_diff diff_source(const source_config& running, const source_config& next);

}  // namespace sluice::daemon
