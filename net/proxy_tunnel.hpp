#pragma once
// An HTTP CONNECT tunnel through a forward proxy: once open, the TCP stream carries the bytes of
// the connection to the target (TLS or plain HTTP) as if it were connected to it. Private to net/.
#include <chrono>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/system/error_code.hpp>

#include "net/client_target.hpp"
#include "net/proxy_url.hpp"

namespace sluice::net {

// A CONNECT the proxy answered with `status` (not 2xx), as an error code of its own category, so
// that classify_transport maps it with every other transport failure.
const boost::system::error_category& proxy_refusal_category() noexcept;
boost::system::error_code proxy_refusal(unsigned status);

// "host:port" of `t` as CONNECT names it (IPv6 in brackets).
std::string tunnel_authority(const target& t);

// Sends `CONNECT host:port` (with Proxy-Authorization when the proxy has credentials) on
// `stream`, already connected to the proxy, and reads the answer, both within `deadline`.
// Throws transport_failure (step::tunnel): a refusal carries proxy_refusal(status) and a message
// naming the proxy and the target, never the credentials.
boost::asio::awaitable<void> open_tunnel(boost::beast::tcp_stream& stream, const target& t,
                                         const proxy_endpoint& proxy,
                                         std::chrono::milliseconds deadline, const bool& stopped);

}  // namespace sluice::net
