#include "net/client_failure.hpp"

#include <cerrno>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <sys/resource.h>

#include "net/proxy_tunnel.hpp"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using boost::system::error_code;
using std::chrono::milliseconds;

std::string in_ms(milliseconds d) { return std::to_string(d.count()) + " ms"; }

// EMFILE/ENFILE: said plainly, with the limit, because the symptom (sources that never sync)
// does not point at it, and Asio's wording alone reads like a network problem.
bool out_of_descriptors(const error_code& ec) noexcept {
  return ec == asio::error::no_descriptors ||
         ec == error_code(ENFILE, boost::system::system_category());
}

std::string descriptor_problem(const error_code& ec) {
  std::string limit = "unknown";
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0) limit = std::to_string(lim.rlim_cur);
  return "out of file descriptors (" + ec.message() + "; the process may open " + limit +
         "): raise the descriptor limit (LimitNOFILE= in the systemd unit, or ulimit -n)";
}

std::string describe_read(const transport_failure& f, const timeouts& limits,
                          std::size_t body_limit) {
  if (f.ec == bhttp::error::body_limit)
    return "response body exceeds " + std::to_string(body_limit) + " bytes";
  return f.ec == beast::error::timeout
             ? "timeout: no complete response within " + in_ms(limits.read)
             : "reading the response failed: " + f.ec.message();
}

// Resolve, connect and tunnel failures through a proxy are the proxy's: named as such, with the
// API endpoint the tunnel was for.
std::string describe_proxy_step(const transport_failure& f, const target& t,
                                const timeouts& limits) {
  const bool timed_out = f.ec == beast::error::timeout;
  const std::string proxy = "proxy " + f.proxy;
  const std::string destination = tunnel_authority(t);
  const std::string tunnel = " (tunnel to " + destination + ")";
  switch (f.where) {
    case step::resolve:
      return timed_out ? "timeout: resolving " + proxy + " took longer than " +
                             in_ms(limits.resolve) + tunnel
                       : "cannot resolve " + proxy + tunnel + ": " + f.ec.message();
    case step::connect:
      return timed_out ? "timeout: connecting to " + proxy + " took longer than " +
                             in_ms(limits.connect) + tunnel
                       : "cannot connect to " + proxy + tunnel + ": " + f.ec.message();
    default:
      return timed_out ? "timeout: " + proxy + " did not answer CONNECT " + destination +
                             " within " + in_ms(limits.handshake)
                       : proxy + ": CONNECT " + destination + " failed: " + f.ec.message();
  }
}

// Every other step, proxy or not (a step after the tunnel is the API's, reached through it).
std::string describe_direct(const transport_failure& f, const target& t, const timeouts& limits,
                            std::size_t body_limit) {
  const bool timed_out = f.ec == beast::error::timeout;
  const std::string endpoint = t.host + ":" + t.port;
  switch (f.where) {
    case step::resolve:
      return timed_out
                 ? "timeout: resolving " + t.host + " took longer than " + in_ms(limits.resolve)
                 : "cannot resolve " + t.host + ": " + f.ec.message();
    case step::connect:
      return timed_out ? "timeout: connecting to " + endpoint + " took longer than " +
                             in_ms(limits.connect)
                       : "cannot connect to " + endpoint + ": " + f.ec.message();
    case step::tunnel:
      return "opening the proxy tunnel failed: " + f.ec.message();  // no proxy named
    case step::handshake:
      return timed_out ? "timeout: TLS handshake with " + endpoint + " took longer than " +
                             in_ms(limits.handshake)
                       : "TLS handshake with " + endpoint + " failed: " + f.ec.message();
    case step::write:
      return timed_out ? "timeout: sending the request took longer than " + in_ms(limits.write)
                       : "sending the request failed: " + f.ec.message();
    case step::read: return describe_read(f, limits, body_limit);
  }
  return f.ec.message();
}

}  // namespace

void check_step(step where, const error_code& ec, bool stopped, bool got_bytes) {
  if (stopped) throw transport_failure(where, asio::error::operation_aborted);
  if (ec) throw transport_failure(where, ec, got_bytes);
}

error_kind classify_transport(const error_code& ec, bool stopped) noexcept {
  if (stopped) return error_kind::cancelled;
  if (ec.category() == proxy_refusal_category()) {
    // 407: the proxy's credentials; 5xx: the proxy could not reach the API (transient); the
    // rest as the same status from the API would be (403: its rules forbid the destination).
    const auto status = static_cast<unsigned>(ec.value());
    if (status == 407) return error_kind::auth;
    if (status >= 500) return error_kind::network;
    return classify_http_status(status);
  }
  if (is_timeout(ec)) return error_kind::timeout;
  if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
    // The peer hung up mid-answer: transient. Anything else is an answer we cannot use.
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message)
      return error_kind::network;
    return error_kind::data;
  }
  // Refused, reset, unreachable, DNS failures, TLS failures (verification included).
  return error_kind::network;
}

bool is_timeout(const error_code& ec) noexcept {
  return ec == beast::error::timeout || ec == asio::error::timed_out;
}

std::string describe(const transport_failure& f, const target& t, const timeouts& limits,
                     std::size_t body_limit) {
  const bool proxy_step =
      f.where == step::resolve || f.where == step::connect || f.where == step::tunnel;
  std::string text = !f.detail.empty()                ? f.detail
                     : out_of_descriptors(f.ec)       ? descriptor_problem(f.ec)
                     : !f.proxy.empty() && proxy_step ? describe_proxy_step(f, t, limits)
                                                      : describe_direct(f, t, limits, body_limit);
  if (!f.proxy.empty() && !proxy_step) text += " (through proxy " + f.proxy + ")";
  return text;
}

}  // namespace sluice::net
