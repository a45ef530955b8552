// sluice: keeps PostgreSQL in step with SaaS APIs. Parses the command line, loads the
// configuration, and hands over to one command; every failure ends here with one message and
// a sysexits code.
#include <cstdio>
#include <exception>

#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "daemon/cli.hpp"
#include "daemon/commands.hpp"
#include "daemon/config.hpp"
#include "daemon/logging.hpp"

namespace d = sluice::daemon;

int main(int argc, char** argv) {
  d::command_line cli;
  try {
    cli = d::parse_command_line(argc, argv);
  } catch (const d::usage_error& e) {
    std::fprintf(stderr, "sluice: %s\nRun 'sluice --help' for usage.\n", e.what());
    return d::exit_code::usage;
  }
  if (cli.cmd == d::command_line::command::help) {
    std::fputs(cli.help_text.c_str(), stdout);
    return d::exit_code::ok;
  }
  if (cli.cmd == d::command_line::command::version) {
    std::printf("sluice %s\n", SLUICE_VERSION);
    return d::exit_code::ok;
  }
  d::setup_logging(cli.log_level, cli.log_format);

  d::config cfg;
  try {
    cfg = d::load_config(d::resolve_config_path(cli.config));
  } catch (const sluice::error& e) {
    spdlog::error("{}", e.what());
    return d::exit_code::config;
  }

  try {
    switch (cli.cmd) {
      case d::command_line::command::run: return d::run_daemon(cfg);
      case d::command_line::command::sync:
        return d::run_sync(cfg, {cli.sources, cli.streams, cli.full, cli.no_wait});
      case d::command_line::command::backfill:
        return d::run_backfill(cfg, {cli.sources.at(0), cli.streams.empty() ? "" : cli.streams[0],
                                     cli.since, cli.until});
      case d::command_line::command::reset:
        return d::run_reset(cfg, cli.sources.at(0), cli.streams.empty() ? "" : cli.streams[0]);
      case d::command_line::command::check: return d::run_check(cfg);
      case d::command_line::command::status:
        return d::run_status(
            cfg, {cli.json, cli.watch,
                  std::chrono::milliseconds{static_cast<long long>(cli.interval * 1000)}});
      case d::command_line::command::pause:
        return d::run_pause(cfg, cli.sources.at(0), cli.streams.empty() ? "" : cli.streams[0],
                            cli.reason);
      case d::command_line::command::resume:
        return d::run_resume(cfg, cli.sources.at(0), cli.streams.empty() ? "" : cli.streams[0]);
      case d::command_line::command::migrate: return d::run_migrate(cfg);
      case d::command_line::command::verify:
        return d::run_verify(cfg, {cli.sources, cli.streams, cli.dry_run, cli.json});
      default: break;
    }
  } catch (const sluice::error& e) {
    spdlog::error("{}", e.what());
    return d::exit_code_for(e);
  } catch (const std::exception& e) {
    spdlog::critical("internal error: {}", e.what());
    return d::exit_code::internal;
  }
  return d::exit_code::usage;
}
