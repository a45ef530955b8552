#pragma once
// The command line of `sluice`, parsed into one plain struct. Parsing does no work:
// it neither reads the configuration nor prints anything.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace sluice::daemon {

struct command_line {
  enum class command {
    run,
    sync,
    backfill,
    check,
    status,
    reset,
    migrate,
    verify,
    pause,
    resume,
    help,
    version
  };

  command cmd = command::help;
  std::optional<std::string> config;  // -c FILE (after the command wins over before it)
  std::vector<std::string> sources;   // sync and verify --source NAME..., in the order given;
                                      // backfill, reset, pause, resume: exactly one
  std::vector<std::string> streams;   // sync and verify --stream NAME...; backfill, reset,
                                      // pause, resume: at most one
  std::string since;                  // backfill --since TIME (empty: not given)
  std::string until;                  // backfill --until TIME
  bool full = false;                  // sync --full
  bool no_wait = false;               // sync --no-wait
  bool json = false;                  // status --json, verify --json
  bool dry_run = false;               // verify --dry-run
  bool watch = false;                 // status --watch
  double interval = 2;                // status --interval SECONDS
  std::string reason;                 // pause --reason TEXT
  std::string log_level = "info";     // trace | debug | info | warn | error
  std::string log_format = "text";    // text | json
  std::string help_text;              // help and version: the text to print on stdout
};

// Bad usage: the caller prints what() (it includes a pointer to --help) to stderr and exits 64.
class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Throws usage_error. --help (also after a command: `sluice sync --help`) and --version are not
// errors: they come back as command::help / command::version with help_text filled.
command_line parse_command_line(int argc, char** argv);

}  // namespace sluice::daemon
