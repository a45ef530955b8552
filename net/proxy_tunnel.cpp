#include "net/proxy_tunnel.hpp"

#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "net/client_failure.hpp"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

const auto use_tuple = asio::as_tuple(asio::use_awaitable);

class refusal_category : public boost::system::error_category {
public:
  const char* name() const noexcept override { return "sluice.proxy"; }
  std::string message(int status) const override {
    return "the proxy answered CONNECT with status " + std::to_string(status);
  }
};

// What an operator can do about the usual refusals.
std::string hint(unsigned status, const proxy_endpoint& proxy) {
  if (status == 407)
    return proxy.has_credentials() ? " (the proxy rejected the credentials in the proxy URL)"
                                   : " (the proxy asks for credentials: put them in the proxy "
                                     "URL, http://user:password@host:port)";
  if (status == 403) return " (the proxy's rules forbid this destination)";
  if (status >= 500) return " (the proxy could not reach the API)";
  return "";
}

[[noreturn]] void refused(const bhttp::response<bhttp::empty_body>& res, const target& t,
                          const proxy_endpoint& proxy) {
  const unsigned status = res.result_int();
  std::string line = std::to_string(status);
  if (!res.reason().empty()) line += " " + std::string(res.reason());
  throw transport_failure(step::tunnel, proxy_refusal(status), false,
                          "proxy " + proxy.authority + " refused the tunnel to " +
                              tunnel_authority(t) + ": " + line + hint(status, proxy));
}

}  // namespace

const boost::system::error_category& proxy_refusal_category() noexcept {
  static const refusal_category category;
  return category;
}

boost::system::error_code proxy_refusal(unsigned status) {
  return {static_cast<int>(status), proxy_refusal_category()};
}

std::string tunnel_authority(const target& t) {
  const bool v6 = t.host.find(':') != std::string::npos;
  return (v6 ? "[" + t.host + "]" : t.host) + ":" + t.port;
}

asio::awaitable<void> open_tunnel(beast::tcp_stream& stream, const target& t,
                                  const proxy_endpoint& proxy, std::chrono::milliseconds deadline,
                                  const bool& stopped) {
  const std::string authority = tunnel_authority(t);
  bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, authority, 11};
  req.set(bhttp::field::host, authority);
  if (proxy.has_credentials())
    req.set(bhttp::field::proxy_authorization, proxy_authorization(proxy).reveal());
  // One deadline for the request and the answer: both are part of opening the connection.
  stream.expires_after(deadline);
  auto [write_ec, written] = co_await bhttp::async_write(stream, req, use_tuple);
  (void)written;
  check_step(step::tunnel, write_ec, stopped);

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  parser.skip(true);  // a 2xx to CONNECT has no body: the tunnel starts right after the header
  auto [read_ec, read] = co_await bhttp::async_read_header(stream, buffer, parser, use_tuple);
  (void)read;
  check_step(step::tunnel, read_ec, stopped);
  stream.expires_never();
  const auto& res = parser.get();
  if (res.result_int() / 100 != 2) refused(res, t, proxy);
  // The target speaks only after we do (TLS and HTTP alike): bytes already here are not its.
  if (buffer.size() != 0)
    throw transport_failure(
        step::tunnel, bhttp::error::unexpected_body, false,
        "proxy " + proxy.authority + " sent data after accepting the tunnel to " + authority);
}

}  // namespace sluice::net
