#include "net/client_transport.hpp"

#include <algorithm>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "net/client_connect.hpp"
#include "net/client_connection.hpp"
#include "net/client_failure.hpp"
#include "net/client_pool.hpp"
#include "net/response_reader.hpp"
#include "net/tls_context.hpp"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using message = bhttp::request<bhttp::string_body>;

const auto use_tuple = asio::as_tuple(asio::use_awaitable);

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

message build_message(const target& t, const request& r, const transport_options& o) {
  message msg;
  const auto verb = bhttp::string_to_verb(r.method);
  if (verb == bhttp::verb::unknown)
    msg.method_string(r.method);
  else
    msg.method(verb);
  msg.target(t.request_target);
  msg.version(11);
  for (const auto& h : r.headers) {
    if (iequals(h.name, "Host")) continue;
    msg.insert(h.name, h.value);
  }
  msg.set(bhttp::field::host, t.host_header);
  if (msg.find(bhttp::field::user_agent) == msg.end())
    msg.set(bhttp::field::user_agent, o.user_agent);
  if (msg.find(bhttp::field::accept_encoding) == msg.end())
    msg.set(bhttp::field::accept_encoding, "gzip");
  msg.keep_alive(true);
  msg.body() = r.body;
  msg.prepare_payload();
  return msg;
}

template <class Stream>
asio::awaitable<void> roundtrip(Stream& stream, connection& c, message& msg,
                                response_reader& reader, const transport_options& o,
                                const bool& stopped) {
  c.lowest().expires_after(o.timeouts.write);
  auto [write_ec, written] = co_await bhttp::async_write(stream, msg, use_tuple);
  (void)written;
  check_step(step::write, write_ec, stopped);

  // One deadline for the whole answer, headers and body: Beast's timer is absolute.
  c.lowest().expires_after(o.timeouts.read);
  auto [read_ec, read] = co_await bhttp::async_read(stream, c.buffer, reader.parser(), use_tuple);
  (void)read;
  check_step(step::read, read_ec, stopped, reader.got_some() || c.buffer.size() > 0);
  c.lowest().expires_never();
}

}  // namespace

void check_headers(const request& req, const std::string& what) {
  for (const auto& h : req.headers)
    // Never echo the value: it may be a credential.
    if (!valid_header(h))
      throw error(error_kind::client, what + ": invalid header " + body_snippet(h.name));
}

client_transport::client_transport(asio::any_io_executor executor, transport_options options)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      pool_(std::make_shared<connection_pool>(executor_, options_.max_connections_per_origin)),
      proxies_(proxy_settings::resolve(options_.proxy, options_.source)) {
  // The system store alone is loaded on the first https connection (never for http:// sources);
  // an extra CA file is loaded now, so that a wrong path is a configuration error at start.
  if (!options_.ca_file.empty())
    tls_context_ = shared_tls_context(options_.ca_file, options_.source);
}

client_transport::~client_transport() { pool_->shutdown(); }

asio::ssl::context& client_transport::tls_context() {
  if (!tls_context_) tls_context_ = shared_tls_context(options_.ca_file, options_.source);
  return *tls_context_;
}

// A reused connection that fails before any byte of the answer was most likely closed by the
// server while idle: that is resent once on a fresh connection and is not a failed attempt.
asio::awaitable<response> client_transport::exchange(const target& t, const request& req) {
  auto msg = build_message(t, req, options_);
  for (bool retried_stale = false;; retried_stale = true) {
    auto slot = co_await pool_->checkout(t.origin);
    if (!slot) throw transport_failure(step::connect, asio::error::operation_aborted);
    auto& l = *slot;
    if (!l.conn) {
      // Named: GCC 12 may destroy a temporary in a co_await expression twice.
      const connect_settings settings{executor_, options_.timeouts,
                                      [this]() -> asio::ssl::context& { return tls_context(); },
                                      stopped_, proxies_.for_target(t)};
      if (settings.proxy)
        spdlog::debug("{}: connecting to {} through proxy {}", options_.source, t.origin,
                      settings.proxy->authority);
      l.conn = co_await open_connection(t, settings);
    }
    const bool reused = l.conn->reused;
    try {
      response_reader reader(options_.body_limit, msg.method() == bhttp::verb::head);
      // Two statements, not `?:` with co_await in both arms: GCC 12 miscompiles that
      // (the result temporary is destroyed twice).
      if (l.conn->tls)
        co_await roundtrip(*l.conn->tls, *l.conn, msg, reader, options_, stopped_);
      else
        co_await roundtrip(*l.conn->plain, *l.conn, msg, reader, options_, stopped_);
      // Leftover bytes after a complete answer mean the stream is out of step: do not reuse.
      l.keep = reader.keep_alive() && l.conn->buffer.size() == 0;
      co_return reader.release();
    } catch (const transport_failure& f) {
      if (!reused || retried_stale || f.got_bytes || stopped_ || is_timeout(f.ec)) throw;
    }
    spdlog::debug(
        "{}: idle connection to {} was closed by the server; resending on a new connection",
        options_.source, t.origin);
  }
}

void client_transport::close_idle() { pool_->close_idle(); }

void client_transport::shutdown() {
  stopped_ = true;
  pool_->shutdown();
}

}  // namespace sluice::net
