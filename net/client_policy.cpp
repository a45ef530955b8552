#include "net/client_policy.hpp"

#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/time.hpp"

namespace sluice::net {

namespace asio = boost::asio;

std::string attempt_outcome::body_excerpt() const {
  if (!answer || answer->res.body.empty()) return {};
  return body_snippet(answer->res.body);
}

// The defaults do nothing: a policy overrides only the hooks it needs.
asio::awaitable<void> client_policy::admit(client_call&) { co_return; }
void client_policy::prepare(client_call&, request&) {}
void client_policy::observe(client_call&, const attempt_outcome&) {}
void client_policy::on_success(client_call&) {}
asio::awaitable<verdict> client_policy::on_failure(client_call&, attempt_outcome&) {
  co_return verdict::next;
}

error call_error(const client_call& call, error_kind kind, std::string message, unsigned status,
                 std::string body_excerpt) {
  return error(kind, std::move(message), status,
               request_facts{call.attempts, std::move(body_excerpt)});
}

error cancelled_error(const client_call& call) {
  return call_error(call, error_kind::cancelled,
                    call.what + ": cancelled: the HTTP client is shut down");
}

asio::awaitable<void> pause_for(std::chrono::steady_clock::duration d) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(d);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

std::string wall_time_in(std::chrono::steady_clock::duration ahead) {
  const auto when = std::chrono::floor<std::chrono::seconds>(
      std::chrono::system_clock::now() + std::chrono::ceil<std::chrono::seconds>(ahead));
  auto text = format_timestamp(std::chrono::time_point_cast<std::chrono::microseconds>(when));
  if (auto dot = text.find('.'); dot != std::string::npos) text.erase(dot, text.size() - dot - 1);
  return text;
}

}  // namespace sluice::net
