#include "net/token_bucket.hpp"

#include <algorithm>
#include <cmath>

namespace sluice::net {
namespace {

using seconds_d = std::chrono::duration<double>;

token_bucket::clock::duration to_clock(double seconds) {
  return std::chrono::duration_cast<token_bucket::clock::duration>(seconds_d{seconds});
}

}  // namespace

token_bucket::token_bucket(double rate_per_second, double burst)
    : rate_(rate_per_second), burst_(std::max(1.0, burst)), tokens_(std::max(1.0, burst)) {}

double token_bucket::effective_rate(clock::time_point) const noexcept { return rate_ * factor_; }

token_bucket::clock::duration token_bucket::take(clock::time_point now) {
  if (!started_) {
    started_ = true;
    last_ = now;
  }
  const auto pause_left = paused_until_ > now ? paused_until_ - now : clock::duration::zero();
  if (rate_ <= 0) return pause_left;

  const double rate = effective_rate(now);
  // No refill while paused: the budget restarts when the pause ends, so the source does not
  // fire a burst at a server that just asked it to wait.
  const auto from = std::max(last_, paused_until_);
  if (now > from) tokens_ = std::min(burst_, tokens_ + seconds_d(now - from).count() * rate);
  last_ = std::max(last_, now);

  tokens_ -= 1.0;  // reserved even when it is not there yet: later callers queue behind us
  if (tokens_ >= 0) return pause_left;
  return pause_left + to_clock(-tokens_ / rate);
}

bool token_bucket::try_take_now(clock::time_point now) {
  if (!started_) {
    started_ = true;
    last_ = now;
  }
  if (paused_until_ > now) return false;
  if (rate_ <= 0) return true;
  const auto from = std::max(last_, paused_until_);
  if (now > from)
    tokens_ = std::min(burst_, tokens_ + seconds_d(now - from).count() * effective_rate(now));
  last_ = std::max(last_, now);
  // Only a whole token that is there now: never a reservation, so normal callers queued behind
  // the current balance keep their slots.
  if (tokens_ < 1.0) return false;
  tokens_ -= 1.0;
  return true;
}

token_bucket::clock::duration token_bucket::low_priority_retry_after(clock::time_point now) const {
  const auto pause_left = paused_until_ > now ? paused_until_ - now : clock::duration::zero();
  if (rate_ <= 0) return pause_left;
  // The balance now (refill from whichever is later, the last update or the pause's end), then
  // the time until it reaches one whole token again, counted from the pause's end.
  double tokens = tokens_;
  const auto from = started_ ? std::max(last_, paused_until_) : now;
  if (now > from)
    tokens = std::min(burst_, tokens + seconds_d(now - from).count() * effective_rate(now));
  const double missing = 1.0 - tokens;
  if (missing <= 0) return pause_left;
  // Rounded up, and not below a millisecond: a wake-up a hair too early would find the token
  // still missing and spin.
  const auto wait = std::chrono::ceil<clock::duration>(seconds_d{missing / effective_rate(now)});
  return pause_left + std::max<clock::duration>(wait, std::chrono::milliseconds{1});
}

void token_bucket::pause_until(clock::time_point until) {
  if (until <= paused_until_) return;
  paused_until_ = until;
  // After the pause one request probes first; the rest follow at the steady rate.
  tokens_ = std::min(tokens_, 1.0);
}

void token_bucket::on_throttled(clock::time_point now) {
  if (++consecutive_429_ < throttle_threshold) return;
  consecutive_429_ = 0;
  if (rate_ > 0 && factor_ > slowdown_floor) {
    // Tokens already reserved at the old rate keep their slots; only the refill slows down.
    factor_ = std::max(slowdown_floor, factor_ / 2);
  }
  slow_until_ = now + slowdown_cooldown;
}

void token_bucket::on_success(clock::time_point now) {
  consecutive_429_ = 0;
  if (factor_ >= 1.0 || now < slow_until_) return;
  factor_ = std::min(1.0, factor_ * 2);
  if (factor_ < 1.0) slow_until_ = now + slowdown_cooldown;
}

}  // namespace sluice::net
