#pragma once
// The fake's listeners (the API server and the CONNECT proxy) accept connections the same way:
// each connection in a coroutine of its own whose failure ends with it, and accept errors (out
// of descriptors and similar) answered by a short pause instead of a spin.
#include <chrono>
#include <exception>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sluice::fakeapi {

// A failed connection must not take its listener down: its error ends with it.
inline void ignore_exception(const std::exception_ptr&) {}

// Accepts until the acceptor is closed; `serve(socket)` returns the connection's awaitable.
template <class Serve>
boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor acceptor, Serve serve) {
  namespace net = boost::asio;
  constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_nothrow);
    if (ec == net::error::operation_aborted) co_return;
    if (ec) {
      net::steady_timer timer(acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await timer.async_wait(use_nothrow);
      continue;
    }
    socket.set_option(net::ip::tcp::no_delay(true), ec);
    net::co_spawn(acceptor.get_executor(), serve(std::move(socket)), ignore_exception);
  }
}

}  // namespace sluice::fakeapi
