#include "net/client_budget.hpp"

#include <algorithm>

namespace sluice::net {

using clock = std::chrono::steady_clock;

// Normal requests reserve a token and sleep until it is theirs; low-priority (backfill) requests
// only take one that nobody has reserved, and otherwise ask again later, so live pulls queued
// meanwhile go first.
boost::asio::awaitable<void> budget_policy::admit(client_call& call) {
  // A source told to come back much later (a long Retry-After) sends nothing until then: this
  // request fails now rather than hold its stream for hours.
  const auto pause_left = budget_->paused_until() - clock::now();
  if (pause_left > options_.retry.max_retry_after)
    throw call_error(call, error_kind::throttled,
                     call.what + ": not sent: the API asked this source to wait; retry after " +
                         wall_time_in(pause_left) + " (Retry-After)");
  if (options_.priority == request_priority::low) {
    const auto began = clock::now();
    co_await take_low_priority(call);
    call.budget_wait += clock::now() - began;
    co_return;
  }
  const auto wait = budget_->take(clock::now());
  if (wait > clock::duration::zero()) {
    call.budget_wait += wait;
    co_await pause_for(wait);
  }
  if (call.stopped) throw cancelled_error(call);
}

boost::asio::awaitable<void> budget_policy::take_low_priority(client_call& call) {
  while (!budget_->try_take_now(clock::now())) {
    co_await pause_for(budget_->low_priority_retry_after(clock::now()));
    if (call.stopped) throw cancelled_error(call);
  }
}

void budget_policy::on_success(client_call&) { budget_->on_success(clock::now()); }

boost::asio::awaitable<verdict> budget_policy::on_failure(client_call&, attempt_outcome& outcome) {
  if (outcome.status == 429) {
    const auto now = clock::now();
    budget_->on_throttled(now);
    // The whole source waits, not just this request: its other streams share the limit.
    if (outcome.retry_after)
      budget_->pause_until(now + std::min(*outcome.retry_after, options_.retry.max_delay));
  }
  co_return verdict::next;
}

}  // namespace sluice::net
