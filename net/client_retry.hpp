#pragma once
// The last word on a failed attempt: wait and try again while the retry policy allows it, else
// end the call with the attempt count in the message and in the error's fields.
#include <random>

#include "net/client_policy.hpp"
#include "net/retry_policy.hpp"

namespace sluice::net {

class retry_step final : public client_policy {
public:
  explicit retry_step(const retry_policy& retry) : retry_(retry), rng_(std::random_device{}()) {}

  boost::asio::awaitable<verdict> on_failure(client_call& call, attempt_outcome& outcome) override;

private:
  const retry_policy& retry_;  // the client's, which outlives its policies
  std::mt19937_64 rng_;        // jitter; one per client, used from its one thread
};

}  // namespace sluice::net
