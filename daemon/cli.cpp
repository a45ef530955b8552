#include "daemon/cli.hpp"

#include <CLI/CLI.hpp>

namespace sluice::daemon {
namespace {

constexpr const char* config_help =
    "configuration file (default: $SLUICE_CONFIG, else /etc/sluice/sluice.toml)";

// What each subcommand adds to the options shared by all of them.
struct subcommand_options {
  std::string config;
};

CLI::App* add_command(CLI::App& app, const std::string& name, const std::string& description,
                      subcommand_options& options) {
  auto* sub = app.add_subcommand(name, description);
  // Options the subcommand does not know (--log-level, -c given twice) go up to the main app, so
  // global options work after the command as well as before it.
  sub->fallthrough();
  sub->add_option("-c,--config", options.config, config_help)->option_text("FILE");
  return sub;
}

std::string commands_list(const CLI::App& app) {
  std::string names;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (!names.empty()) names += ", ";
    names += sub->get_name();
  }
  return names;
}

}  // namespace

// long function: the whole command line in one place, one CLI11 declaration per option, so it
// reads like the usage text it produces.
command_line parse_command_line(int argc, char** argv) {
  command_line result;

  CLI::App app("sluice: keeps PostgreSQL tables in step with SaaS APIs", "sluice");
  app.set_version_flag("--version", std::string("sluice ") + SLUICE_VERSION);
  app.require_subcommand(0, 1);
  app.footer(
      "Configuration: -c FILE, else $SLUICE_CONFIG, else /etc/sluice/sluice.toml.\n"
      "Exit codes: 0 success, 1 a stream failed, 64 usage, 69 unreachable, 78 configuration.");

  std::string main_config;
  app.add_option("-c,--config", main_config, config_help)->option_text("FILE");
  app.add_option("--log-level", result.log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->option_text("LEVEL");
  app.add_option("--log-format", result.log_format,
                 "text (syslog priority prefixes under systemd) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->option_text("FORMAT");

  subcommand_options run_options, sync_options, backfill_options, check_options, status_options,
      reset_options, migrate_options, verify_options, pause_options, resume_options;
  auto* run = add_command(app, "run", "the daemon: keep every source in step (systemd Type=notify)",
                          run_options);
  auto* sync =
      add_command(app, "sync", "one pass over the selected streams, then exit", sync_options);
  // One value per flag (`--source a --source b`): a bare word after it is a usage error, not a
  // silently added source.
  sync->add_option("--source", result.sources, "only this source (repeatable)")
      ->allow_extra_args(false)
      ->option_text("NAME");
  sync->add_option("--stream", result.streams, "only this stream (repeatable)")
      ->allow_extra_args(false)
      ->option_text("NAME");
  sync->add_flag("--full", result.full,
                 "ignore cursors and re-read everything (detects deletions)");
  sync->add_flag("--no-wait", result.no_wait,
                 "for a source a running daemon holds: hand it the run and return at once");
  auto* backfill = add_command(
      app, "backfill", "re-read a historical range of one source; never moves the live cursor back",
      backfill_options);
  std::string backfill_source, backfill_stream;
  backfill->add_option("--source", backfill_source, "the source (required)")
      ->required()
      ->option_text("NAME");
  backfill
      ->add_option("--stream", backfill_stream,
                   "only this stream (default: every stream that can be backfilled)")
      ->option_text("NAME");
  backfill
      ->add_option("--since", result.since,
                   "start of the range, inclusive (e.g. 2024-01-01T00:00:00Z)")
      ->option_text("TIME");
  backfill->add_option("--until", result.until, "end of the range, exclusive (default: now)")
      ->option_text("TIME");
  auto* check = add_command(
      app, "check", "check the configuration, the database and one authenticated call per source",
      check_options);
  auto* status = add_command(app, "status", "per stream: cursor, last run, rows, errors, lease",
                             status_options);
  status->add_flag("--json", result.json, "print JSON instead of a table");
  status->add_flag("--watch", result.watch,
                   "redraw the table every interval until interrupted, runs in flight included");
  status
      ->add_option("--interval", result.interval, "seconds between redraws of --watch (default 2)")
      ->check(CLI::Range(0.1, 3600.0))
      ->option_text("SECONDS");
  auto* reset = add_command(app, "reset", "forget cursors; the next run re-pulls from the start",
                            reset_options);
  std::string reset_source, reset_stream;
  reset->add_option("--source", reset_source, "the source (required)")
      ->required()
      ->option_text("NAME");
  reset->add_option("--stream", reset_stream, "only this stream (default: all of the source)")
      ->option_text("NAME");
  auto* migrate = add_command(app, "migrate", "apply schema migrations", migrate_options);
  auto* verify = add_command(
      app, "verify",
      "compare each stream's table with the API's own count, localize drift and repair it",
      verify_options);
  verify->add_option("--source", result.sources, "only this source (repeatable)")
      ->allow_extra_args(false)
      ->option_text("NAME");
  verify->add_option("--stream", result.streams, "only this stream (repeatable)")
      ->allow_extra_args(false)
      ->option_text("NAME");
  verify->add_flag("--dry-run", result.dry_run, "count and localize only; change nothing");
  verify->add_flag("--json", result.json, "print JSON instead of one line per stream");

  std::string control_source, control_stream;
  auto* pause = add_command(
      app, "pause", "stop starting runs of a stream (or a source) on every daemon, until resume",
      pause_options);
  pause->add_option("--source", control_source, "the source (required)")
      ->required()
      ->option_text("NAME");
  pause->add_option("--stream", control_stream, "only this stream (default: the whole source)")
      ->option_text("NAME");
  pause->add_option("--reason", result.reason, "why, shown by status")->option_text("TEXT");
  auto* resume = add_command(app, "resume", "let the daemons run a paused stream (or source) again",
                             resume_options);
  resume->add_option("--source", control_source, "the source (required)")
      ->required()
      ->option_text("NAME");
  resume
      ->add_option("--stream", control_stream,
                   "only this stream (default: the source and every stream of it)")
      ->option_text("NAME");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    result.cmd = command_line::command::help;
    result.help_text = app.help();
    return result;
  } catch (const CLI::CallForAllHelp&) {
    result.cmd = command_line::command::help;
    result.help_text = app.help("", CLI::AppFormatMode::All);
    return result;
  } catch (const CLI::CallForVersion& e) {
    result.cmd = command_line::command::version;
    result.help_text = std::string(e.what()) + "\n";
    return result;
  } catch (const CLI::ParseError& e) {
    throw usage_error(std::string(e.what()) + "\nRun 'sluice --help' for usage.");
  }

  const subcommand_options* chosen = nullptr;
  if (run->parsed()) {
    result.cmd = command_line::command::run;
    chosen = &run_options;
  } else if (sync->parsed()) {
    result.cmd = command_line::command::sync;
    chosen = &sync_options;
  } else if (backfill->parsed()) {
    result.cmd = command_line::command::backfill;
    chosen = &backfill_options;
    result.sources = {backfill_source};
    if (!backfill_stream.empty()) result.streams = {backfill_stream};
  } else if (reset->parsed()) {
    result.cmd = command_line::command::reset;
    chosen = &reset_options;
    result.sources = {reset_source};
    if (!reset_stream.empty()) result.streams = {reset_stream};
  } else if (check->parsed()) {
    result.cmd = command_line::command::check;
    chosen = &check_options;
  } else if (status->parsed()) {
    result.cmd = command_line::command::status;
    chosen = &status_options;
  } else if (migrate->parsed()) {
    result.cmd = command_line::command::migrate;
    chosen = &migrate_options;
  } else if (verify->parsed()) {
    result.cmd = command_line::command::verify;
    chosen = &verify_options;
  } else if (pause->parsed() || resume->parsed()) {
    result.cmd = pause->parsed() ? command_line::command::pause : command_line::command::resume;
    chosen = pause->parsed() ? &pause_options : &resume_options;
    result.sources = {control_source};
    if (!control_stream.empty()) result.streams = {control_stream};
  } else {
    throw usage_error("a command is required: " + commands_list(app) +
                      "\nRun 'sluice --help' for usage.");
  }

  if (!chosen->config.empty())
    result.config = chosen->config;
  else if (!main_config.empty())
    result.config = main_config;
  return result;
}

}  // namespace sluice::daemon
