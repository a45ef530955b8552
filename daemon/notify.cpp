#include "daemon/notify.hpp"

#include <string>

#include <systemd/sd-daemon.h>

namespace sluice::daemon::systemd {

void notify(std::string_view state) {
  // unset_environment = 0: children (none today) and later calls keep the socket.
  ::sd_notify(0, std::string(state).c_str());
}

std::optional<std::chrono::microseconds> watchdog_interval() {
  std::uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds(usec);
  return std::nullopt;
}

}  // namespace sluice::daemon::systemd
