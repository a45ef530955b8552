// `sluice pause` and `sluice resume`: write or delete a row of stream_pauses, with a NOTIFY that
// makes every running daemon honour it within a second (store/control.hpp). Neither needs a lease:
// the pause is a wish for all instances, not work done on the source.
#include <algorithm>
#include <cstdio>

#include <spdlog/spdlog.h>

#include "connectors/registry.hpp"
#include "daemon/commands.hpp"
#include "daemon/operator_name.hpp"
#include "store/control.hpp"
#include "store/migrations.hpp"

namespace sluice::daemon {
namespace {

// The names must be those of the configuration (a typo would pause nothing); returns the message
// of a usage error, or "" when they are fine.
std::string check_names(const config& cfg, const std::string& source, const std::string& stream) {
  const source_config* src = find_source(cfg, source);
  if (!src) return "--source " + source + ": no such source in " + cfg.file.string();
  if (stream.empty()) return "";
  // The stream names only: no HTTP client or budget is needed for that.
  auto specs = connectors::find_kind(src->kind)->make(*src)->streams();
  if (std::any_of(specs.begin(), specs.end(),
                  [&](const connectors::stream_spec& s) { return s.name == stream; }))
    return "";
  std::string names;
  for (const auto& s : specs) names += (names.empty() ? "" : ", ") + s.name;
  return "--stream " + stream + ": source '" + source + "' has no such stream (streams: " + names +
         ")";
}

std::string what(const std::string& source, const std::string& stream) {
  return stream.empty() || stream == store::all_streams ? "source " + source
                                                        : source + "/" + stream;
}

}  // namespace

int run_pause(const config& cfg, const std::string& source, const std::string& stream,
              const std::string& reason) {
  if (auto bad = check_names(cfg, source, stream); !bad.empty()) {
    spdlog::error("{}", bad);
    return exit_code::usage;
  }
  (void)store::migrate(cfg.database);  // errors are reported by main (exit 69)
  store::control control(cfg.database);
  const std::string key = stream.empty() ? std::string(store::all_streams) : stream;
  const bool added = control.pause(source, key, reason, operator_name());
  std::printf("%s %s%s%s; running daemons start no new run of it until `sluice resume`\n",
              added ? "paused" : "already paused (reason updated):", what(source, stream).c_str(),
              reason.empty() ? "" : ": ", reason.c_str());
  return exit_code::ok;
}

int run_resume(const config& cfg, const std::string& source, const std::string& stream) {
  const auto bad = check_names(cfg, source, stream);
  (void)store::migrate(cfg.database);
  store::control control(cfg.database);
  auto pauses = control.list_pauses();
  const bool known_pause = std::any_of(pauses.begin(), pauses.end(), [&](const auto& p) {
    return p.source == source && (stream.empty() || p.stream == stream);
  });
  // A pause of a source or stream since removed from the configuration can still be lifted.
  if (!bad.empty() && !known_pause) {
    spdlog::error("{}", bad);
    return exit_code::usage;
  }
  const auto removed =
      control.resume(source, stream.empty() ? std::string(store::all_streams) : stream);
  for (const auto& p : removed)
    std::printf("resumed %s (paused by %s at %s)\n", what(p.source, p.stream).c_str(),
                p.paused_by.c_str(), format_timestamp(p.paused_at).c_str());
  if (!removed.empty()) return exit_code::ok;
  const bool whole = std::any_of(pauses.begin(), pauses.end(), [&](const auto& p) {
    return p.source == source && p.stream == store::all_streams;
  });
  if (whole)
    std::printf(
        "%s is not paused on its own, but the whole source %s is: `sluice resume --source "
        "%s` resumes it\n",
        what(source, stream).c_str(), source.c_str(), source.c_str());
  else
    std::printf("%s is not paused; nothing to resume\n", what(source, stream).c_str());
  return exit_code::ok;
}

}  // namespace sluice::daemon
