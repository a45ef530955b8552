// The proxy's connections: read one CONNECT, admit or refuse it, connect to the target, relay.
#include "fakeapi/proxy/proxy.hpp"

#include "fakeapi/accept_loop.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <openssl/evp.h>

#include <array>
#include <chrono>
#include <exception>
#include <optional>

namespace sluice::fakeapi::proxy {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

constexpr auto use_nothrow = net::as_tuple(net::use_awaitable);
constexpr std::chrono::seconds request_timeout{30};  // for the CONNECT request to arrive
constexpr std::chrono::seconds connect_timeout{10};  // to the target
constexpr std::chrono::seconds idle_timeout{120};    // a tunnel with no byte either way
constexpr std::chrono::minutes stall_limit{5};       // a stalled CONNECT is dropped after this

std::string basic_token(const std::string& credentials) {
  std::string out(4 * ((credentials.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(credentials.data()),
                                static_cast<int>(credentials.size()));
  out.resize(static_cast<std::size_t>(n));
  return "Basic " + out;
}

struct refusal {
  unsigned status;
  std::string reason;
};

// The loopback endpoint of `host:port` (`[v6]:port`, `localhost:port`), or nullopt.
std::optional<tcp::endpoint> loopback_target(std::string_view authority) {
  const auto colon = authority.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string host(authority.substr(0, colon));
  const std::string port(authority.substr(colon + 1));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec || !address.is_loopback() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const int n = std::stoi(port);
  if (n < 1 || n > 65535) return std::nullopt;
  return tcp::endpoint(address, static_cast<unsigned short>(n));
}

// Why a CONNECT is not tunnelled, in the order a real proxy checks: method, credentials, policy.
std::optional<refusal> check(const http::request<http::empty_body>& req, const state& st) {
  if (req.method() != http::verb::connect)
    return refusal{405, "Method Not Allowed (this proxy only tunnels: CONNECT host:port)"};
  if (!st.opts.credentials.empty()) {
    const auto it = req.find(http::field::proxy_authorization);
    if (it == req.end() || it->value() != basic_token(st.opts.credentials))
      return refusal{407, "Proxy Authentication Required"};
  }
  if (st.refuse != 0)
    return refusal{st.refuse, std::string(http::obsolete_reason(http::int_to_status(st.refuse)))};
  if (!loopback_target(req.target())) return refusal{403, "Forbidden (loopback targets only)"};
  return std::nullopt;
}

net::awaitable<void> answer(beast::tcp_stream& client, unsigned status, std::string_view reason,
                            bool challenge) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) + "\r\n";
  if (challenge) head += "Proxy-Authenticate: Basic realm=\"sluice-fakeapi\"\r\n";
  if (status / 100 != 2) head += "Content-Length: 0\r\nConnection: close\r\n";
  head += "\r\n";
  client.expires_after(request_timeout);
  co_await net::async_write(client, net::buffer(head), use_nothrow);
}

struct tunnel {
  explicit tunnel(beast::tcp_stream c) : client(std::move(c)), upstream(client.get_executor()) {}
  beast::tcp_stream client;
  beast::tcp_stream upstream;
};

// One direction. End of stream is passed on as a half close; any other failure ends both.
net::awaitable<void> pump(std::shared_ptr<tunnel> t, bool upward) {
  auto& from = upward ? t->client : t->upstream;
  auto& to = upward ? t->upstream : t->client;
  std::array<char, 16384> data;
  for (;;) {
    from.expires_after(idle_timeout);
    auto [read_ec, n] = co_await from.async_read_some(net::buffer(data), use_nothrow);
    if (n > 0) {
      to.expires_after(idle_timeout);
      auto [write_ec, written] =
          co_await net::async_write(to, net::buffer(data.data(), n), use_nothrow);
      (void)written;
      if (write_ec) read_ec = write_ec;
    }
    if (!read_ec) continue;
    boost::system::error_code ignored;
    if (read_ec == net::error::eof) {
      to.socket().shutdown(tcp::socket::shutdown_send, ignored);
    } else {
      from.socket().close(ignored);
      to.socket().close(ignored);
    }
    co_return;
  }
}

// A stalled proxy: holds the connection open, answering nothing, until the client gives up.
net::awaitable<void> hold(beast::tcp_stream& client) {
  std::array<char, 1024> data;
  client.expires_after(stall_limit);
  for (;;) {
    auto [ec, n] = co_await client.async_read_some(net::buffer(data), use_nothrow);
    if (ec) co_return;
  }
}

// Opens the tunnel the CONNECT asks for; `pending` holds what the client sent after it.
net::awaitable<void> open(beast::tcp_stream client, beast::flat_buffer pending, std::string target,
                          std::shared_ptr<state> st) {
  auto t = std::make_shared<tunnel>(std::move(client));
  t->upstream.expires_after(connect_timeout);
  auto [connect_ec] = co_await t->upstream.async_connect(*loopback_target(target), use_nothrow);
  if (connect_ec) {
    co_await answer(t->client, 502, "Bad Gateway", false);
    co_return;
  }
  co_await answer(t->client, 200, "Connection established", false);
  ++st->tunnels;
  st->targets.push_back(target);
  if (st->targets.size() > 100) st->targets.pop_front();
  if (pending.size() > 0) {
    t->upstream.expires_after(connect_timeout);
    co_await net::async_write(t->upstream, pending.data(), use_nothrow);
  }
  net::co_spawn(t->client.get_executor(), pump(t, false), ignore_exception);
  co_await pump(t, true);
}

net::awaitable<void> serve_client(tcp::socket socket, std::shared_ptr<state> st) {
  beast::tcp_stream client(std::move(socket));
  beast::flat_buffer buffer;
  http::request_parser<http::empty_body> parser;
  client.expires_after(request_timeout);
  auto [read_ec, n] = co_await http::async_read_header(client, buffer, parser, use_nothrow);
  if (read_ec) co_return;
  ++st->requests;
  if (st->stall) {
    co_await hold(client);
    co_return;
  }
  const auto& req = parser.get();
  if (auto no = check(req, *st)) {
    ++st->refused;
    co_await answer(client, no->status, no->reason, no->status == 407);
    co_return;
  }
  co_await open(std::move(client), std::move(buffer), std::string(req.target()), st);
}

}  // namespace

void serve(tcp::acceptor acceptor, std::shared_ptr<state> st) {
  auto executor = acceptor.get_executor();
  net::co_spawn(
      executor,
      accept_loop(std::move(acceptor),
                  [st](tcp::socket socket) { return serve_client(std::move(socket), st); }),
      ignore_exception);
}

}  // namespace sluice::fakeapi::proxy
