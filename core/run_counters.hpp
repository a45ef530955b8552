#pragma once
// What one stream run counts besides rows; recorded in sync_runs. Only touched from the I/O thread.
#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice {

struct run_counters {
  std::int64_t requests = 0;   // HTTP requests sent, retries included
  std::int64_t throttled = 0;  // 429 answers
  std::int64_t retries = 0;    // requests repeated after a transient failure
  std::int64_t warnings = 0;   // records stored with an unusable field (typed column NULL)
  std::string first_warning;   // the first such problem, for the one log line per run

  static constexpr std::size_t max_warning_bytes = 1000;

  void warn(std::string message);
};

}  // namespace sluice
