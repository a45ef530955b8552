#pragma once
// When to try a failed request again, and after how long.
#include <chrono>
#include <optional>
#include <random>
#include <string_view>

#include "core/error.hpp"

namespace sluice::net {

struct retry_policy {
  int max_attempts = 6;                         // first try included
  std::chrono::milliseconds base_delay{500};    // doubled per attempt
  std::chrono::milliseconds max_delay{60'000};  // cap for backoff and for Retry-After
  int max_throttled_attempts = 20;              // 429s are expected under load: more patience
  // The longest Retry-After that is waited for. A longer one (`Retry-After: 86400`) fails the
  // request at once with the time to retry, and pauses the source until then (http_client): no
  // run, a one-shot sync least of all, should sit idle for hours on one request.
  std::chrono::milliseconds max_retry_after{60'000};

  // Delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed with `kind`;
  // nullopt: give up. Non-transient kinds (auth, client, data, ...) never retry. A server's
  // Retry-After wins over backoff (capped at max_delay). Backoff is "full jitter":
  // uniform in [0, min(cap, base * 2^(attempt-1))], never below 1 ms.
  std::optional<std::chrono::milliseconds> next_delay(
      int attempt, error_kind kind, std::optional<std::chrono::milliseconds> retry_after,
      std::mt19937_64& rng) const;
};

// `Retry-After: 120` or `Retry-After: Wed, 21 Oct 2015 07:28:00 GMT` (relative to `now`; a date
// in the past is zero). nullopt when unparseable.
std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

}  // namespace sluice::net
