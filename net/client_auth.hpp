#pragma once
// Credentials on every attempt, and one resend with renewed credentials after a 401 that the
// authenticator can answer (a stale Digest nonce).
#include <memory>

#include "net/authenticator.hpp"
#include "net/client_policy.hpp"

namespace sluice::net {

class auth_policy final : public client_policy {
public:
  explicit auth_policy(std::shared_ptr<authenticator> auth) : auth_(std::move(auth)) {}

  void prepare(client_call& call, request& attempt) override;
  boost::asio::awaitable<verdict> on_failure(client_call& call, attempt_outcome& outcome) override;

private:
  std::shared_ptr<authenticator> auth_;
};

}  // namespace sluice::net
