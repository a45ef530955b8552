#include "core/run_counters.hpp"

namespace sluice {

void run_counters::warn(std::string message) {
  if (warnings++ == 0) first_warning = std::move(message);
}

}  // namespace sluice
