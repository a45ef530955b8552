#include "net/client_connect.hpp"

#include <cerrno>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/client_connection.hpp"
#include "net/client_failure.hpp"
#include "net/proxy_tunnel.hpp"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

const auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Asio's range connect reports a socket it could not open (EMFILE, ENFILE) as operation_aborted,
// which reads like a shutdown. Opening one ourselves recovers the real reason.
error_code socket_failure(const tcp::resolver::results_type& results, error_code reported) {
  const int family =
      results.empty() || results.begin()->endpoint().protocol() == tcp::v4() ? AF_INET : AF_INET6;
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return error_code(errno, boost::system::system_category());
  ::close(fd);
  return reported;
}

// host_name_verification, remembering why it said no: the handshake error alone cannot tell a
// name mismatch from an untrusted chain.
struct verify_host {
  ssl::host_name_verification check;
  bool* mismatch;
  bool ip;

  bool operator()(bool preverified, ssl::verify_context& ctx) const {
    const bool ok = check(preverified, ctx);
    if (preverified && !ok) {
      *mismatch = true;
      X509_STORE_CTX_set_error(ctx.native_handle(),
                               ip ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
    }
    return ok;
  }
};

// The resolver cannot be interrupted (getaddrinfo runs on a helper thread), so the coroutine
// waits on a timer that the answer, the deadline or a cancellation ends; a late answer is
// discarded.
asio::awaitable<tcp::resolver::results_type> resolve(const std::string& host,
                                                     const std::string& port,
                                                     const connect_settings& s) {
  struct state {
    explicit state(const asio::any_io_executor& ex) : resolver(ex), timer(ex) {}
    tcp::resolver resolver;
    asio::steady_timer timer;
    bool done = false;
    error_code ec;
    tcp::resolver::results_type results;
  };
  auto st = std::make_shared<state>(s.executor);
  st->timer.expires_after(s.limits.resolve);
  st->resolver.async_resolve(host, port, [st](error_code ec, tcp::resolver::results_type results) {
    st->done = true;
    st->ec = ec;
    st->results = std::move(results);
    st->timer.cancel();
  });
  co_await st->timer.async_wait(use_tuple);
  if (!st->done) {
    st->resolver.cancel();
    check_step(step::resolve, beast::error::timeout, s.stopped);
  }
  check_step(step::resolve, st->ec, s.stopped);
  co_return st->results;
}

// A handshake that failed on the certificate fails the same way every time: permanent, and told
// with the reason OpenSSL or the host check gave.
void check_verification(const target& t, connection& c, const error_code& ec) {
  auto& stream = *c.tls;
  const long verify = SSL_get_verify_result(stream.native_handle());
  const bool verify_failed =
      c.host_mismatch || verify != X509_V_OK ||
      (ec.category() == asio::error::get_ssl_category() &&
       ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED);
  if (!verify_failed) return;
  std::string why =
      c.host_mismatch
          ? std::string(t.host_is_ip ? "the certificate is not valid for this IP address"
                                     : "the certificate is not valid for this host name")
      : verify != X509_V_OK ? std::string(X509_verify_cert_error_string(verify))
                            : ec.message();
  transport_failure failure(
      step::handshake, ec, false,
      "TLS handshake failed: certificate verification failed for host " + t.host + ": " + why);
  failure.permanent = true;
  throw failure;
}

asio::awaitable<void> handshake(const target& t, connection& c, const connect_settings& s) {
  auto& stream = *c.tls;
  // SNI only for names: RFC 6066 forbids IP literals in server_name.
  if (!t.host_is_ip && !SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str()))
    check_step(step::handshake,
               error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()),
               s.stopped);
  // Boost 1.81's host_name_verification checks IP literals against the certificate's IP SANs
  // (X509_check_ip_asc) and names with X509_check_host; neither is skipped.
  stream.set_verify_callback(
      verify_host{ssl::host_name_verification(t.host), &c.host_mismatch, t.host_is_ip});
  c.lowest().expires_after(s.limits.handshake);
  auto [handshake_ec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
  if (handshake_ec && !s.stopped && handshake_ec != beast::error::timeout)
    check_verification(t, c, handshake_ec);
  check_step(step::handshake, handshake_ec, s.stopped);
}

// Resolve and connect reach the proxy when there is one, the target otherwise.
asio::awaitable<std::unique_ptr<connection>> connect_steps(const target& t,
                                                           const connect_settings& s) {
  const std::string& host = s.proxy ? s.proxy->host : t.host;
  const std::string& port = s.proxy ? s.proxy->port : t.port;
  auto results = co_await resolve(host, port, s);
  auto conn = std::make_unique<connection>();
  if (t.tls)
    conn->tls = std::make_unique<tls_stream>(s.executor, s.tls());
  else
    conn->plain = std::make_unique<beast::tcp_stream>(s.executor);
  connection& c = *conn;

  c.lowest().expires_after(s.limits.connect);
  auto [connect_ec, endpoint] = co_await c.lowest().async_connect(results, use_tuple);
  (void)endpoint;
  if (connect_ec == asio::error::operation_aborted && !s.stopped)
    connect_ec = socket_failure(results, connect_ec);
  check_step(step::connect, connect_ec, s.stopped);
  // The CONNECT exchange counts as part of opening the connection: the handshake's deadline.
  if (s.proxy) co_await open_tunnel(c.lowest(), t, *s.proxy, s.limits.handshake, s.stopped);
  if (t.tls) co_await handshake(t, c, s);
  co_return conn;
}

}  // namespace

asio::awaitable<std::unique_ptr<connection>> open_connection(const target& t, connect_settings s) {
  try {
    auto conn = co_await connect_steps(t, s);
    co_return conn;
  } catch (transport_failure& f) {
    if (s.proxy) f.proxy = s.proxy->authority;
    throw;
  }
}

}  // namespace sluice::net
