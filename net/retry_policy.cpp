#include "net/retry_policy.hpp"

#include <algorithm>
#include <cstdint>
#include <locale>
#include <sstream>
#include <string>

#include <date/date.h>

namespace sluice::net {
namespace {

using std::chrono::milliseconds;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// One HTTP-date layout (RFC 9110 section 5.6.7); the whole text must match.
std::optional<date::sys_seconds> parse_http_date(std::string_view text, const char* format) {
  std::istringstream in{std::string(text)};
  in.imbue(std::locale::classic());
  date::sys_seconds when;
  in >> date::parse(format, when);
  if (in.fail()) return std::nullopt;
  in >> std::ws;
  if (!in.eof()) return std::nullopt;
  return when;
}

}  // namespace

std::optional<milliseconds> retry_policy::next_delay(int attempt, error_kind kind,
                                                     std::optional<milliseconds> retry_after,
                                                     std::mt19937_64& rng) const {
  if (!is_transient(kind)) return std::nullopt;
  const int budget = kind == error_kind::throttled ? max_throttled_attempts : max_attempts;
  if (attempt >= budget) return std::nullopt;
  if (retry_after) return std::clamp(*retry_after, milliseconds{0}, max_delay);

  // Full jitter: spreads the retries of many clients hit by the same outage over the window
  // instead of having them return in lockstep.
  auto ceiling = std::max(base_delay, milliseconds{1});
  for (int i = 1; i < attempt && ceiling < max_delay; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, max_delay);
  std::uniform_int_distribution<std::int64_t> pick(0, ceiling.count());
  return std::max(milliseconds{pick(rng)}, milliseconds{1});
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;

  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // delta-seconds; absurd values are clamped rather than overflowing (the policy caps anyway).
    constexpr std::int64_t max_seconds = 1'000'000'000;
    std::int64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > max_seconds) {
        seconds = max_seconds;
        break;
      }
    }
    return std::chrono::seconds{seconds};
  }

  // IMF-fixdate, then the obsolete RFC 850 and asctime forms recipients must still accept.
  static constexpr const char* formats[] = {"%a, %d %b %Y %H:%M:%S GMT",
                                            "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"};
  for (const char* format : formats) {
    if (auto when = parse_http_date(value, format)) {
      // In whole seconds: a far date (year 2510) minus `now` in the clock's nanoseconds would
      // overflow. Clamped like delta-seconds above.
      auto ahead = (*when - std::chrono::floor<std::chrono::seconds>(now)).count();
      return std::chrono::seconds{std::clamp<std::int64_t>(ahead, 0, 1'000'000'000)};
    }
  }
  return std::nullopt;
}

}  // namespace sluice::net
