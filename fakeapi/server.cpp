#include "fakeapi/server.hpp"

#include "fakeapi/accept_loop.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <exception>

namespace sluice::fakeapi {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);

// Failures of the request parser (as opposed to transport errors) mean the client sent
// something that is not HTTP/1.1: those get a 400 before the connection closes.
bool is_malformed_request(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

http::response<http::string_body> to_response(reply r, unsigned version, bool keep_alive) {
  http::response<http::string_body> res;
  res.result(r.status);
  res.version(version);
  res.set(http::field::server, "sluice-fakeapi");
  res.set(http::field::content_type, r.content_type);
  for (auto& [name, value] : r.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.body() = std::move(r.body);
  res.prepare_payload();
  return res;
}

template <class Stream>
net::awaitable<void> serve_requests(Stream& stream, router& routes, server_timeouts timeouts) {
  beast::flat_buffer buffer;
  for (;;) {
    beast::get_lowest_layer(stream).expires_after(timeouts.idle);
    http::request_parser<http::string_body> parser;
    parser.body_limit(8 * 1024 * 1024);
    auto [read_ec, read_n] = co_await http::async_read(stream, buffer, parser, use_nothrow);
    if (read_ec) {
      if (is_malformed_request(read_ec)) {
        auto res = to_response(json_reply(400, errors_json("Malformed request")), 11, false);
        beast::get_lowest_layer(stream).expires_after(timeouts.write);
        co_await http::async_write(stream, res, use_nothrow);
      }
      co_return;
    }
    const http_request& req = parser.get();
    dispatched result = routes.dispatch(req);
    if (result.delay.count() > 0) {
      // A timer, not a sleep: other connections keep being served meanwhile.
      net::steady_timer timer(co_await net::this_coro::executor, result.delay);
      co_await timer.async_wait(use_nothrow);
    }
    const bool keep_alive = req.keep_alive() && !result.close;
    auto res = to_response(std::move(result.response), req.version(), keep_alive);
    beast::get_lowest_layer(stream).expires_after(timeouts.write);
    auto [write_ec, write_n] = co_await http::async_write(stream, res, use_nothrow);
    if (write_ec || !keep_alive) co_return;
  }
}

net::awaitable<void> serve_plain(beast::tcp_stream stream, router& routes,
                                 server_timeouts timeouts) {
  co_await serve_requests(stream, routes, timeouts);
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

net::awaitable<void> serve_tls(beast::ssl_stream<beast::tcp_stream> stream, router& routes,
                               server_timeouts timeouts) {
  beast::get_lowest_layer(stream).expires_after(timeouts.handshake);
  auto [handshake_ec] = co_await stream.async_handshake(net::ssl::stream_base::server, use_nothrow);
  if (handshake_ec) co_return;
  co_await serve_requests(stream, routes, timeouts);
  beast::get_lowest_layer(stream).expires_after(timeouts.handshake);
  co_await stream.async_shutdown(use_nothrow);
}

}  // namespace

tcp::acceptor bind_listener(net::io_context& ioc, const tcp::endpoint& endpoint) {
  tcp::acceptor acceptor(ioc);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  return acceptor;
}

void serve_http(tcp::acceptor acceptor, router& routes, server_timeouts timeouts) {
  auto executor = acceptor.get_executor();
  auto serve = [&routes, timeouts](tcp::socket socket) {
    return serve_plain(beast::tcp_stream(std::move(socket)), routes, timeouts);
  };
  net::co_spawn(executor, accept_loop(std::move(acceptor), serve), ignore_exception);
}

void serve_https(tcp::acceptor acceptor, router& routes, net::ssl::context& tls,
                 server_timeouts timeouts) {
  auto executor = acceptor.get_executor();
  auto serve = [&routes, &tls, timeouts](tcp::socket socket) {
    return serve_tls(beast::ssl_stream<beast::tcp_stream>(std::move(socket), tls), routes,
                     timeouts);
  };
  net::co_spawn(executor, accept_loop(std::move(acceptor), serve), ignore_exception);
}

}  // namespace sluice::fakeapi
