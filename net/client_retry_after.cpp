#include "net/client_retry_after.hpp"

namespace sluice::net {
namespace {

std::string in_seconds(std::chrono::milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

}  // namespace

boost::asio::awaitable<verdict> retry_after_policy::on_failure(client_call& call,
                                                               attempt_outcome& outcome) {
  if (!outcome.retry_after || *outcome.retry_after <= retry_.max_retry_after)
    co_return verdict::next;
  const auto wait = *outcome.retry_after;
  if (budget_) budget_->pause_until(std::chrono::steady_clock::now() + wait);
  std::string message = call.what + ": " + status_line(outcome.status) + ": the API asks to wait " +
                        in_seconds(wait) + " (Retry-After), longer than a run waits (" +
                        in_seconds(retry_.max_retry_after) + "); retry after " + wall_time_in(wait);
  auto excerpt = outcome.body_excerpt();
  if (!excerpt.empty()) message += ": " + excerpt;
  throw call_error(call, classify_http_status(outcome.status), std::move(message), outcome.status,
                   std::move(excerpt));
}

}  // namespace sluice::net
