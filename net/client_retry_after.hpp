#pragma once
// A Retry-After longer than the retry policy's longest wait is not waited for: a run (a one-shot
// sync above all) would sit idle for that long. The call fails at once with the time to come
// back, and the whole source pauses until then (the daemon schedules its runs after it).
#include <memory>

#include "net/client_policy.hpp"
#include "net/retry_policy.hpp"
#include "net/token_bucket.hpp"

namespace sluice::net {

class retry_after_policy final : public client_policy {
public:
  retry_after_policy(std::shared_ptr<token_bucket> budget, const retry_policy& retry)
      : budget_(std::move(budget)), retry_(retry) {}

  boost::asio::awaitable<verdict> on_failure(client_call& call, attempt_outcome& outcome) override;

private:
  std::shared_ptr<token_bucket> budget_;  // may be null: nothing to pause
  const retry_policy& retry_;             // the client's, which outlives its policies
};

}  // namespace sluice::net
