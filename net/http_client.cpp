// The HTTP(S) client: a chain of policies (middlewares) around a transport. Per call, each
// policy may admit (budget), prepare (credentials), observe (metrics), and decide on a failed
// attempt (credential renewal, Retry-After, budget, retry); the transport (net/client_transport)
// sends on a pooled connection (net/client_pool). Policies stay small and separately readable;
// their order is fixed in one place (make_chain).
//
// Cancellation: every call runs as its own coroutine bound to a cancellation signal of the
// client; shutdown() emits them all, and every wait of the call (timers, socket steps) ends at
// once through Asio's cancellation slots.
//
// Threading: an http_client and everything it owns (pool, timers, sockets, the token bucket it
// is given) is used from ONE io_context thread. Nothing here locks; do not share a client across
// threads.
#include "net/http_client.hpp"

#include <algorithm>
#include <list>
#include <optional>
#include <utility>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/client_auth.hpp"
#include "net/client_budget.hpp"
#include "net/client_failure.hpp"
#include "net/client_observer.hpp"
#include "net/client_policy.hpp"
#include "net/client_retry.hpp"
#include "net/client_retry_after.hpp"
#include "net/client_target.hpp"
#include "net/client_transport.hpp"

namespace sluice::net {
namespace {

namespace asio = boost::asio;

transport_options transport_part(const client_options& o) {
  return {o.source, o.timeouts, o.ca_file, o.body_limit, o.user_agent, o.max_connections_per_origin,
          o.proxy};
}

// The order is the order in which they act on a failed attempt: a renewed credential resends
// before anything counts the attempt as failed; a Retry-After too long ends the call before the
// budget would pause for the capped delay; retry has the last word.
std::vector<std::unique_ptr<client_policy>> make_chain(const client_options& o,
                                                       std::shared_ptr<token_bucket> budget,
                                                       std::shared_ptr<authenticator> auth) {
  std::vector<std::unique_ptr<client_policy>> chain;
  chain.push_back(std::make_unique<observer_policy>(o.observer));
  if (auth) chain.push_back(std::make_unique<auth_policy>(std::move(auth)));
  chain.push_back(std::make_unique<retry_after_policy>(budget, o.retry));
  if (budget) chain.push_back(std::make_unique<budget_policy>(std::move(budget), o));
  chain.push_back(std::make_unique<retry_step>(o.retry));
  return chain;
}

}  // namespace

struct http_client::impl : std::enable_shared_from_this<http_client::impl> {
  impl(asio::any_io_executor executor, client_options options, std::shared_ptr<token_bucket> budget,
       std::shared_ptr<authenticator> auth)
      : executor_(std::move(executor)),
        options_(std::move(options)),
        transport_(executor_, transport_part(options_)),
        chain_(make_chain(options_, std::move(budget), std::move(auth))) {}

  // Sends one attempt and classifies how it ended; only a usable 2xx answer is not a failure.
  asio::awaitable<attempt_outcome> attempt(client_call& call, const target& t, const request& req) {
    ++call.attempts;
    if (call.counters) ++call.counters->requests;
    attempt_outcome out;
    std::optional<response> raw;
    try {
      raw = co_await transport_.exchange(t, req);
      out.status = raw->status;
    } catch (const transport_failure& f) {
      out.kind = classify_transport(f.ec, transport_.stopped());
      out.permanent = f.permanent;
      out.why = out.kind == error_kind::cancelled
                    ? std::string("cancelled: the HTTP client is shut down")
                    : describe(f, t, options_.timeouts, options_.body_limit);
    }
    for (auto& p : chain_) p->observe(call, out);
    if (!raw) co_return out;
    out.answer =
        take_answer(std::move(*raw), options_.body_limit, std::chrono::system_clock::now());
    if (out.status >= 200 && out.status < 300) co_return out;
    out.kind = classify_http_status(out.status);
    const auto& finals = call.req.final_statuses;
    out.permanent = std::find(finals.begin(), finals.end(), out.status) != finals.end();
    out.why = std::move(out.answer->summary);
    out.retry_after = out.answer->retry_after;
    co_return out;
  }

  // The whole call: attempts until one succeeds or a policy ends it by throwing.
  static asio::awaitable<response> run(std::shared_ptr<impl> self, request req,
                                       run_counters* counters) {
    // Once the call is cancelled, its remaining steps still run to their own checks (which
    // throw `cancelled`); Asio must not throw its own error from the next co_await instead.
    co_await asio::this_coro::throw_if_cancelled(false);
    const target t = parse_target(req.url, self->options_.source);
    const std::string what = self->options_.source + ": " + req.method + " " + t.display;
    client_call call{req, what, counters, self->stopped_};
    if (self->stopped_) throw cancelled_error(call);
    for (;;) {
      for (auto& p : self->chain_) co_await p->admit(call);
      request attempt = req;
      for (auto& p : self->chain_) p->prepare(call, attempt);
      check_headers(attempt, what);
      auto out = co_await self->attempt(call, t, attempt);
      if (out.answer && out.status >= 200 && out.status < 300) {
        if (out.answer->problem)
          throw call_error(call, error_kind::data, what + ": " + *out.answer->problem, out.status);
        for (auto& p : self->chain_) p->on_success(call);
        co_return std::move(out.answer->res);
      }
      co_await self->decide(call, out);
    }
  }

  // Runs the failure chain; returns normally when the call should send again.
  asio::awaitable<void> decide(client_call& call, attempt_outcome& out) {
    for (auto& p : chain_)
      if (co_await p->on_failure(call, out) == verdict::resend) co_return;
  }

  // Each call gets its own cancellation signal, alive until the call returns: shutdown() emits
  // every one of them.
  asio::awaitable<response> send(request req, run_counters* counters) {
    auto& signal = signals_.emplace_back();
    struct forget {
      std::list<asio::cancellation_signal>& signals;
      std::list<asio::cancellation_signal>::iterator it;
      ~forget() { signals.erase(it); }
    } guard{signals_, std::prev(signals_.end())};
    co_return co_await asio::co_spawn(
        executor_, run(shared_from_this(), std::move(req), counters),
        asio::bind_cancellation_slot(signal.slot(), asio::use_awaitable));
  }

  void shutdown() {
    stopped_ = true;
    transport_.shutdown();
    // Emitting only schedules completions, so no call resumes (or leaves the list) meanwhile.
    for (auto& signal : signals_) signal.emit(asio::cancellation_type::terminal);
  }

  asio::any_io_executor executor_;
  client_options options_;
  client_transport transport_;
  std::vector<std::unique_ptr<client_policy>> chain_;
  std::list<asio::cancellation_signal> signals_;
  bool stopped_ = false;
};

http_client::http_client(boost::asio::any_io_executor executor, client_options options,
                         std::shared_ptr<token_bucket> budget, std::shared_ptr<authenticator> auth)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(options), std::move(budget),
                                   std::move(auth))) {}

http_client::~http_client() { impl_->shutdown(); }

boost::asio::awaitable<response> http_client::send(request req, run_counters* counters) {
  auto self = impl_;  // in-flight requests keep the client's state alive
  co_return co_await self->send(std::move(req), counters);
}

boost::asio::awaitable<response> http_client::get(std::string url, run_counters* counters) {
  request req;
  req.url = std::move(url);
  co_return co_await send(std::move(req), counters);
}

void http_client::shutdown() { impl_->shutdown(); }

void http_client::close_idle() { impl_->transport_.close_idle(); }

}  // namespace sluice::net
