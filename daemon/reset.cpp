// `sluice reset`: forget cursors; the next run re-pulls from the start. It takes the source's
// lease like sync does, so a run in flight cannot commit its cursor again right after the reset;
// while a daemon holds the source, reset refuses and says who holds it.
#include <algorithm>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "connectors/registry.hpp"
#include "core/error.hpp"
#include "daemon/commands.hpp"
#include "daemon/lease_keeper.hpp"
#include "store/migrations.hpp"
#include "store/state.hpp"

namespace sluice::daemon {

int run_reset(const config& cfg, const std::string& source, const std::string& stream) {
  const source_config* src = find_source(cfg, source);
  if (!src) {
    spdlog::error("--source {}: no such source in {}", source, cfg.file.string());
    return exit_code::usage;
  }
  if (!stream.empty()) {
    // The stream names only: no HTTP client or budget is needed for that.
    auto specs = connectors::find_kind(src->kind)->make(*src)->streams();
    if (std::none_of(specs.begin(), specs.end(),
                     [&](const connectors::stream_spec& s) { return s.name == stream; })) {
      std::string names;
      for (const auto& s : specs) names += (names.empty() ? "" : ", ") + s.name;
      spdlog::error("--stream {}: source '{}' has no such stream (streams: {})", stream, source,
                    names);
      return exit_code::usage;
    }
  }
  auto report = store::migrate(cfg.database);  // errors are reported by main (exit 69)
  (void)report;
  // The lease keeps a run in flight from committing its cursor again right after we forget it.
  lease_keeper leases(cfg.database, one_shot_identity("reset"), cfg.daemon.lease_ttl,
                      lease_keeper::mode::fixed, {source});
  auto first = leases.round_now();
  if (!first.ok) throw error(error_kind::database, first.error);
  if (!first.held.count(source)) {
    spdlog::error(
        "source '{}' is held by {}; stop it first (e.g. `systemctl stop sluice`), then "
        "reset",
        source, holder_of(first, source));
    return exit_code::unavailable;
  }
  store::state state(cfg.database);
  auto removed = state.reset(source, stream);
  leases.stop();
  std::string what = stream.empty() ? source : source + "/" + stream;
  std::printf("forgot %lld cursor(s) of %s; the next run re-pulls from the start\n",
              static_cast<long long>(removed), what.c_str());
  return exit_code::ok;
}

}  // namespace sluice::daemon
