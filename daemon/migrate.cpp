// `sluice migrate`: apply the embedded schema migrations (run/sync also do it).
#include <cstdio>

#include <spdlog/spdlog.h>

#include "daemon/commands.hpp"
#include "store/migrations.hpp"

namespace sluice::daemon {

void migrate_schema(const config& cfg) {
  auto report = store::migrate(cfg.database);
  if (!report.applied.empty())
    spdlog::info("schema {}: migrated to version {}", cfg.database.schema, report.to_version);
}

int run_migrate(const config& cfg) {
  auto report = store::migrate(cfg.database);  // errors are reported by main (exit 69/78)
  if (report.applied.empty()) {
    std::printf("schema %s is up to date (version %d)\n", cfg.database.schema.c_str(),
                report.to_version);
  } else {
    std::string names;
    for (const auto& n : report.applied) names += (names.empty() ? "" : ", ") + n;
    std::printf("schema %s migrated from version %d to %d (applied %s)\n",
                cfg.database.schema.c_str(), report.from_version, report.to_version, names.c_str());
  }
  return exit_code::ok;
}

}  // namespace sluice::daemon
