#include "daemon/exit_codes.hpp"

namespace sluice::daemon {

int exit_code_for(error_kind kind) noexcept {
  switch (kind) {
    case error_kind::config: return exit_code::config;
    case error_kind::database:
    case error_kind::network:
    case error_kind::timeout: return exit_code::unavailable;
    default: return exit_code::stream_failed;
  }
}

int exit_code_for(const error& failure) noexcept { return exit_code_for(failure.kind()); }

}  // namespace sluice::daemon
