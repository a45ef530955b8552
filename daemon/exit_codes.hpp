#pragma once
// The process exit codes of every command (sysexits), and the one mapping of a failure's kind to
// an exit code: scripts and systemd tell "fix the configuration" from "try again later" by them.
#include "core/error.hpp"

namespace sluice::daemon {

namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int stream_failed = 1;
inline constexpr int usage = 64;
inline constexpr int unavailable = 69;  // database or source unreachable
inline constexpr int internal = 70;
inline constexpr int config = 78;
}  // namespace exit_code

// config: 78; database, network, timeout (something unreachable, worth retrying later): 69;
// everything else (the vendor refused or sent nonsense): 1.
int exit_code_for(error_kind kind) noexcept;
int exit_code_for(const error& failure) noexcept;

}  // namespace sluice::daemon
