#pragma once
// systemd's notification protocol (sd_notify): READY=1, WATCHDOG=1, STATUS=, RELOADING=1,
// STOPPING=1. Every call is a no-op outside systemd (no $NOTIFY_SOCKET), so the daemon runs the
// same way from a terminal.
#include <chrono>
#include <optional>
#include <string_view>

namespace sluice::daemon::systemd {

void notify(std::string_view state);  // e.g. "READY=1\nSTATUS=holding 2 of 2 sources"

// The watchdog interval systemd expects pings within (WatchdogSec=), if the watchdog is on for
// this process.
std::optional<std::chrono::microseconds> watchdog_interval();

}  // namespace sluice::daemon::systemd
