#include "net/client_auth.hpp"

#include <spdlog/spdlog.h>

namespace sluice::net {

void auth_policy::prepare(client_call&, request& attempt) { auth_->apply(attempt); }

boost::asio::awaitable<verdict> auth_policy::on_failure(client_call& call,
                                                        attempt_outcome& outcome) {
  // Once per call: a second 401 is final, so a server that keeps refusing cannot loop us.
  if (outcome.status == 401 && !call.renewed && auth_->renew(outcome.answer->res)) {
    call.renewed = true;
    spdlog::debug("{}: HTTP 401, resending with renewed credentials", call.what);
    co_return verdict::resend;
  }
  co_return verdict::next;
}

}  // namespace sluice::net
