#pragma once
// The source's request budget (shared by all its streams): a token before every attempt, the
// adaptive slowdown fed with successes and 429s, and a pause of the whole source on Retry-After.
#include <memory>

#include "net/client_policy.hpp"
#include "net/http_client.hpp"
#include "net/token_bucket.hpp"

namespace sluice::net {

class budget_policy final : public client_policy {
public:
  budget_policy(std::shared_ptr<token_bucket> budget, const client_options& options)
      : budget_(std::move(budget)), options_(options) {}

  boost::asio::awaitable<void> admit(client_call& call) override;
  void on_success(client_call& call) override;
  boost::asio::awaitable<verdict> on_failure(client_call& call, attempt_outcome& outcome) override;

private:
  boost::asio::awaitable<void> take_low_priority(client_call& call);

  std::shared_ptr<token_bucket> budget_;
  const client_options& options_;  // the client's, which outlives its policies
};

}  // namespace sluice::net
