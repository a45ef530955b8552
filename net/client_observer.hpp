#pragma once
// Every attempt reported as it ends: the per-attempt observer (daemon metrics) and the run's
// throttling counter, before any other policy acts on the attempt.
#include <functional>

#include "net/client_policy.hpp"
#include "net/http_client.hpp"

namespace sluice::net {

class observer_policy final : public client_policy {
public:
  explicit observer_policy(std::function<void(const request_event&)> observer)
      : observer_(std::move(observer)) {}

  void observe(client_call& call, const attempt_outcome& outcome) override;

private:
  std::function<void(const request_event&)> observer_;  // may be empty
};

}  // namespace sluice::net
