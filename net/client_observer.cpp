#include "net/client_observer.hpp"

namespace sluice::net {

void observer_policy::observe(client_call& call, const attempt_outcome& outcome) {
  const bool throttled = outcome.status == 429;
  const double waited = std::chrono::duration<double>(call.budget_wait).count();
  call.budget_wait = {};
  if (observer_) observer_(request_event{outcome.status, throttled, call.attempts > 1, waited});
  if (throttled && call.counters) ++call.counters->throttled;
}

}  // namespace sluice::net
