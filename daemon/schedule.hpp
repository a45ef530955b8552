#pragma once
// When streams run: every `interval` with jitter, so instances and sources started together drift
// apart instead of hitting the APIs in lockstep; failing streams back off so a broken source is not
// hammered; backfill jobs retry slowly. Pure functions of their inputs and a random engine.
#include <chrono>
#include <cstddef>
#include <random>

#include "core/error.hpp"
#include "core/time.hpp"

namespace sluice::daemon {

// Delay of a stream's first run after its source's lease is taken: 0-2 s, spread out.
std::chrono::steady_clock::duration first_run_delay(std::size_t salt, std::mt19937_64& rng);

// Delay until the next run after one ended. `failures` counts consecutive failed runs (0: the
// last run succeeded): interval, then interval * 2^(failures - 1) capped at max(8 * interval, 1h);
// both +-10% jitter.
std::chrono::steady_clock::duration next_run_delay(duration interval, int failures,
                                                   std::mt19937_64& rng);

// Whether a failed run of this kind makes the stream's next run wait longer. An interruption
// (stop, lost lease) is not the stream's failure, and neither is the database's health: after an
// outage, every stream must pull again at its interval, not hours later.
bool counts_toward_backoff(error_kind kind) noexcept;

// Backfill jobs interrupted by a failure retry after 30 s * 2^(failures - 1), at most 30 min.
std::chrono::steady_clock::duration backfill_retry_delay(int failures);

}  // namespace sluice::daemon
