#include "daemon/schedule.hpp"

#include <algorithm>

namespace sluice::daemon {

using steady = std::chrono::steady_clock;

steady::duration first_run_delay(std::size_t salt, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> ms(0, 2000);
  return std::chrono::milliseconds(ms(rng) + static_cast<int>(salt % 7) * 10);
}

steady::duration next_run_delay(duration interval, int failures, std::mt19937_64& rng) {
  using secs = std::chrono::duration<double>;
  double base = std::chrono::duration_cast<secs>(interval).count();
  if (failures > 0) {
    double cap = std::max(8 * base, 3600.0);
    base = std::min(cap, base * static_cast<double>(1ull << std::min(failures - 1, 20)));
  }
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  return std::chrono::duration_cast<steady::duration>(secs(base * jitter(rng)));
}

steady::duration backfill_retry_delay(int failures) {
  auto delay = std::chrono::seconds(30) * (1 << std::clamp(failures - 1, 0, 6));
  return std::min<steady::duration>(delay, std::chrono::minutes{30});
}

bool counts_toward_backoff(error_kind kind) noexcept {
  return kind != error_kind::cancelled && kind != error_kind::database;
}

}  // namespace sluice::daemon
