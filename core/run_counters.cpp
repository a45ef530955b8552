#include "core/run_counters.hpp"

#include "core/utf8_text.hpp"

namespace sluice {

void run_counters::warn(std::string message) {
  // Bounded and valid UTF-8: it quotes vendor values and is stored in sync_runs.first_warning.
  if (warnings++ == 0) first_warning = utf8_safe(message, max_warning_bytes);
}

}  // namespace sluice
