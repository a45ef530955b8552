#include "net/client_retry.hpp"

#include <spdlog/spdlog.h>

namespace sluice::net {

boost::asio::awaitable<verdict> retry_step::on_failure(client_call& call,
                                                       attempt_outcome& outcome) {
  std::string message = call.what + ": " + outcome.why;
  const auto fail = [&](std::string text) {
    return call_error(call, outcome.kind, std::move(text), outcome.status, outcome.body_excerpt());
  };
  if (!is_transient(outcome.kind) || outcome.permanent) {
    if (call.attempts > 1) message += " (after " + std::to_string(call.attempts) + " attempts)";
    throw fail(std::move(message));
  }
  const int nth = outcome.kind == error_kind::throttled ? ++call.throttles : ++call.failures;
  const auto delay = retry_.next_delay(nth, outcome.kind, outcome.retry_after, rng_);
  if (!delay)
    throw fail(message + " (gave up after " + std::to_string(call.attempts) +
               (call.attempts == 1 ? " attempt)" : " attempts)"));
  if (call.counters) ++call.counters->retries;
  spdlog::debug("{}; retry in {} ms (attempt {} failed)", message, delay->count(), call.attempts);
  co_await pause_for(*delay);
  if (call.stopped) throw cancelled_error(call);
  co_return verdict::next;
}

}  // namespace sluice::net
