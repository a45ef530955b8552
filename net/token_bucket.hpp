#pragma once
// The request budget of one source, shared by all its streams. Pure arithmetic on a clock value
// passed in, so it is tested without sleeping; http_client does the waiting.
#include <chrono>

namespace sluice::net {

class token_bucket {
public:
  using clock = std::chrono::steady_clock;

  // Adaptive slowdown: this many 429s in a row halve the effective rate; it stays lowered for
  // `slowdown_cooldown`, after which each success doubles it back (one step per cooldown).
  static constexpr int throttle_threshold = 3;
  static constexpr clock::duration slowdown_cooldown = std::chrono::seconds{60};
  static constexpr double slowdown_floor = 1.0 / 8.0;

  // rate_per_second <= 0 means unlimited. `burst` tokens are available at start.
  token_bucket(double rate_per_second, double burst);

  // Takes one token. Returns how long the caller must wait before sending (zero: send now).
  // Tokens are reserved, so concurrent callers queue up fairly instead of all waking at once.
  clock::duration take(clock::time_point now);

  // Low priority (backfill work): takes a token only if one is available right now without
  // borrowing from the future, i.e. no normal caller has reserved ahead and the source is not
  // paused. Returns true when taken; false means "ask again after a short wait" (see
  // low_priority_retry_after). Normal take() reservations drive tokens negative, so live pulls
  // always go first and backfill only uses what they leave.
  bool try_take_now(clock::time_point now);
  // How long a low-priority caller should wait before asking again.
  clock::duration low_priority_retry_after(clock::time_point now) const;

  // Retry-After: nobody of this source sends before `until`.
  void pause_until(clock::time_point until);
  // The end of the current pause (in the past, or the epoch, when there is none).
  clock::time_point paused_until() const noexcept { return paused_until_; }

  // A 429 arrived: after `threshold` in a row the effective rate is halved (down to a floor of
  // 1/8 of the configured rate) for `cooldown`; on_success() counts towards recovery.
  void on_throttled(clock::time_point now);
  void on_success(clock::time_point now);

  double configured_rate() const noexcept { return rate_; }
  double effective_rate(clock::time_point now) const noexcept;

private:
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_;
  clock::time_point paused_until_{};
  double factor_ = 1.0;  // adaptive slowdown multiplier on rate_
  int consecutive_429_ = 0;
  clock::time_point slow_until_{};
  bool started_ = false;
};

}  // namespace sluice::net
