#pragma once
// The subcommands of the `sluice` executable. Each returns the process exit code
// (daemon/exit_codes.hpp).
#include <chrono>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/exit_codes.hpp"

namespace sluice::daemon {

struct sync_request {
  std::vector<std::string> sources;  // empty: all
  std::vector<std::string> streams;  // empty: all
  bool full = false;
  // Runs handed to a daemon that holds the source are not waited for.
  bool no_wait = false;
};

// Applies migrations (store::migrate, errors thrown) and logs what was applied, if anything:
// the first step of run, sync and backfill.
void migrate_schema(const config& cfg);

int run_sync(const config& cfg, const sync_request& request);

// The daemon (`sluice run`); SIGHUP reloads cfg.file.
int run_daemon(const config& cfg);

struct backfill_request {
  std::string source;
  std::string stream;  // empty: every stream of the source that can be backfilled
  std::string since;   // as given on the command line; empty: open
  std::string until;
};
int run_backfill(const config& cfg, const backfill_request& request);
int run_reset(const config& cfg, const std::string& source, const std::string& stream);
int run_check(const config& cfg);
struct status_options {
  bool json = false;
  bool watch = false;  // redraw every interval until SIGINT/SIGTERM
  std::chrono::milliseconds interval{2'000};
};
int run_status(const config& cfg, const status_options& options);
// `sluice pause` / `sluice resume`: an empty stream means the whole source. Unknown source or
// stream names are usage errors (exit 64).
int run_pause(const config& cfg, const std::string& source, const std::string& stream,
              const std::string& reason);
int run_resume(const config& cfg, const std::string& source, const std::string& stream);
int run_migrate(const config& cfg);

struct verify_options {
  std::vector<std::string> sources;  // empty: all
  std::vector<std::string> streams;  // empty: all
  bool dry_run = false;
  bool json = false;
};
// `sluice verify`: exit 0 when every verified stream matches its API at the end, 1 otherwise.
int run_verify(const config& cfg, const verify_options& options);

}  // namespace sluice::daemon
