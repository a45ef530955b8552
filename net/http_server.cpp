// The daemon's own HTTP endpoints, in the style of Beast's example/advanced/server-flex-awaitable:
// one accepting coroutine, one coroutine per connection owning its stream on its frame, and a
// deadline before every read and write.
//
// Threading: everything runs on a strand of the given executor, so stop() may be called from any
// thread; the open-connection list and counters are only touched on that strand.
#include "net/http_server.hpp"

#include <algorithm>
#include <list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <spdlog/spdlog.h>

#include "core/error.hpp"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

const auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Scrapers and health checks send a request line and a few headers; anything bigger is not one
// of them, and must not make us buffer megabytes.
constexpr std::size_t request_header_limit = 8 * 1024;
constexpr std::size_t request_body_limit = 8 * 1024;
// After a failed accept (out of file descriptors, say), wait this long instead of spinning.
constexpr auto accept_retry_delay = std::chrono::milliseconds{100};

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// "host:port" as a person would write it in daemon.listen ("[::1]:9187").
std::string display_address(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// A name, not a literal, is resolved once at startup: blocking is fine before serving begins.
std::vector<tcp::endpoint> resolve_listen(asio::any_io_executor executor, std::string host,
                                          std::uint16_t port, const std::string& where) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) return {tcp::endpoint(address, port)};

  tcp::resolver resolver(std::move(executor));
  const auto results =
      resolver.resolve(host, std::to_string(port), tcp::resolver::numeric_service, ec);
  if (ec)
    throw error(error_kind::config,
                where + ": cannot listen: cannot resolve " + host + ": " + ec.message());
  std::vector<tcp::endpoint> endpoints;
  for (const auto& entry : results)
    if (std::find(endpoints.begin(), endpoints.end(), entry.endpoint()) == endpoints.end())
      endpoints.push_back(entry.endpoint());
  if (endpoints.empty())
    throw error(error_kind::config, where + ": cannot listen: " + host + " has no address");
  return endpoints;
}

// Framing is ours: the handler's own length, encoding or connection headers would contradict it.
bool framing_header(std::string_view name) {
  return iequals(name, "Content-Length") || iequals(name, "Transfer-Encoding") ||
         iequals(name, "Connection") || iequals(name, "Server");
}

bhttp::response<bhttp::string_body> plain_answer(bhttp::status status, std::string text) {
  bhttp::response<bhttp::string_body> res;
  res.result(status);
  res.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  res.body() = std::move(text);
  return res;
}

bhttp::response<bhttp::string_body> to_beast(response answer) {
  bhttp::response<bhttp::string_body> res;
  if (answer.status < 100 || answer.status > 999) {
    spdlog::warn("http server: handler returned invalid status {}; answering 500", answer.status);
    return plain_answer(bhttp::status::internal_server_error, "internal error\n");
  }
  res.result(answer.status);
  for (const auto& h : answer.headers) {
    if (framing_header(h.name)) continue;
    if (!valid_header(h)) {
      spdlog::warn("http server: handler returned an invalid header; it is left out");
      continue;
    }
    res.insert(h.name, h.value);
  }
  res.body() = std::move(answer.body);
  return res;
}

// Content-Length, Server and keep-alive; HEAD gets the GET answer's headers without its body.
void finish(bhttp::response<bhttp::string_body>& res, unsigned version, bool keep_alive,
            bool head) {
  res.version(version);
  res.set(bhttp::field::server, "sluice");
  const unsigned status = res.result_int();
  if (status < 200 || status == 204 || status == 304) {
    res.body().clear();  // these never have a body, nor a Content-Length
  } else {
    res.content_length(res.body().size());
    if (head) res.body().clear();
  }
  res.keep_alive(keep_alive);
}

// A request that did not parse: what to answer, or nothing (the peer left, or we timed out).
std::optional<bhttp::status> answer_for_read_error(const error_code& ec, bool got_some) {
  if (!got_some) return std::nullopt;
  if (ec == bhttp::error::body_limit) return bhttp::status::payload_too_large;
  if (ec == bhttp::error::header_limit) return bhttp::status::request_header_fields_too_large;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return std::nullopt;
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category())
    return bhttp::status::bad_request;
  return std::nullopt;  // timeout, reset, shut down
}

}  // namespace

struct http_server::impl {
  impl(asio::any_io_executor executor, server_options options, request_handler handler)
      : strand_(asio::make_strand(executor)),
        options_(std::move(options)),
        handler_(std::move(handler)),
        acceptor_(strand_),
        retry_timer_(strand_) {
    const std::string where = "daemon.listen " + display_address(options_.host, options_.port);
    error_code ec;
    for (const auto& endpoint : resolve_listen(strand_, options_.host, options_.port, where)) {
      if (bind(endpoint, ec)) break;
    }
    if (ec) throw error(error_kind::config, where + ": cannot listen: " + ec.message());
    port_ = acceptor_.local_endpoint().port();
  }

  // Binds one endpoint; on failure the acceptor is closed again and `ec` says why.
  bool bind(const tcp::endpoint& endpoint, error_code& ec) {
    ec.clear();
    error_code ignored;
    acceptor_.close(ignored);
    acceptor_.open(endpoint.protocol(), ec);
    // SO_REUSEADDR: a restarted daemon may bind while old connections sit in TIME_WAIT. It does
    // not let two listeners share a port on Linux.
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) acceptor_.close(ignored);
    return !ec;
  }

  // Counts a connection from its accept until its coroutine is gone (also when the coroutine
  // never started because the io_context was destroyed first).
  class slot {
  public:
    explicit slot(std::shared_ptr<impl> owner) : owner_(std::move(owner)) {
      ++owner_->connections_;
    }
    slot(slot&& other) noexcept : owner_(std::move(other.owner_)) {}
    slot& operator=(slot&&) = delete;
    ~slot() {
      if (owner_) --owner_->connections_;
    }
    impl& owner() const noexcept { return *owner_; }

  private:
    std::shared_ptr<impl> owner_;
  };

  static asio::awaitable<void> accept_loop(std::shared_ptr<impl> self) {
    const std::size_t limit = std::max<std::size_t>(1, self->options_.max_connections);
    for (;;) {
      auto [ec, socket] = co_await self->acceptor_.async_accept(use_tuple);
      if (self->stopped_ || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        spdlog::warn("http server on port {}: accept failed: {}", self->port_, ec.message());
        self->retry_timer_.expires_after(accept_retry_delay);
        co_await self->retry_timer_.async_wait(use_tuple);
        continue;
      }
      if (self->connections_ >= limit) {
        // Over the limit: hang up at once rather than queue; a scraper retries on its next cycle.
        spdlog::debug("http server on port {}: {} connections open, refusing another", self->port_,
                      limit);
        error_code ignored;
        socket.close(ignored);
        continue;
      }
      asio::co_spawn(self->strand_, serve(slot(self), std::move(socket)), asio::detached);
    }
  }

  // The handler's answer to a well-formed request; GET and HEAD only. A failing handler is an
  // internal error of this request, never of the server.
  static bhttp::response<bhttp::string_body> answer(impl& self,
                                                    const bhttp::request<bhttp::string_body>& req) {
    if (req.method() != bhttp::verb::get && req.method() != bhttp::verb::head) {
      auto res = plain_answer(bhttp::status::method_not_allowed, "method not allowed\n");
      res.set(bhttp::field::allow, "GET, HEAD");
      return res;
    }
    const std::string_view target(req.target().data(), req.target().size());
    try {
      return to_beast(self.handler_(target));
    } catch (const std::exception& e) {
      spdlog::warn("http server: handler failed for {}: {}", target, e.what());
    } catch (...) {
      spdlog::warn("http server: handler failed for {}", target);
    }
    return plain_answer(bhttp::status::internal_server_error, "internal error\n");
  }

  static asio::awaitable<void> serve(slot connection, tcp::socket socket) {
    impl& self = connection.owner();
    if (self.stopped_) co_return;  // stop() ran between the accept and this start
    beast::tcp_stream stream(std::move(socket));
    auto registration = self.open_.insert(self.open_.end(), &stream);
    struct unregister {
      std::list<beast::tcp_stream*>& list;
      std::list<beast::tcp_stream*>::iterator it;
      ~unregister() { list.erase(it); }
    } unregister_guard{self.open_, registration};

    beast::flat_buffer buffer;
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(request_header_limit);
      parser.body_limit(request_body_limit);
      stream.expires_after(self.options_.step_timeout);
      auto [read_ec, read] = co_await bhttp::async_read(stream, buffer, parser, use_tuple);
      (void)read;
      if (self.stopped_) break;

      bhttp::response<bhttp::string_body> res;
      bool keep_alive = false;
      if (read_ec) {
        const auto status = answer_for_read_error(read_ec, parser.got_some());
        if (!status) break;
        // The rest of the stream is out of step with the request boundaries: answer and close.
        res = plain_answer(*status, std::string(bhttp::obsolete_reason(*status)) + "\n");
        finish(res, 11, false, false);
      } else {
        const auto& req = parser.get();
        keep_alive = req.keep_alive();
        res = answer(self, req);
        finish(res, req.version(), keep_alive, req.method() == bhttp::verb::head);
      }

      stream.expires_after(self.options_.step_timeout);
      auto [write_ec, written] = co_await bhttp::async_write(stream, res, use_tuple);
      (void)written;
      if (write_ec || self.stopped_) break;
      if (!keep_alive) {
        // Half-close first so the client reads the whole answer before it sees the end.
        error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        // After a refused request the client may still be sending: closing with its bytes unread
        // would reset the connection, and a reset can destroy our answer before it is read.
        if (read_ec) co_await drain(stream, self.options_.step_timeout);
        break;
      }
    }
    stream.close();
  }

  // Reads and discards until the client closes or the deadline passes (at most `limit` in all).
  static asio::awaitable<void> drain(beast::tcp_stream& stream, std::chrono::milliseconds limit) {
    stream.expires_after(limit);
    char sink[4096];
    for (;;) {
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(sink), use_tuple);
      (void)n;
      if (ec) co_return;
    }
  }

  void close_all() {
    if (stopped_) return;
    stopped_ = true;
    error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    // Closing only schedules the sessions' completions: none unregisters while this loop runs.
    for (auto* stream : open_) stream->close();
  }

  asio::any_io_executor strand_;
  server_options options_;
  request_handler handler_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  std::uint16_t port_ = 0;
  std::size_t connections_ = 0;
  std::list<beast::tcp_stream*> open_;
  bool stopped_ = false;
};

http_server::http_server(boost::asio::any_io_executor executor, server_options options,
                         request_handler handler)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(options), std::move(handler))) {
  asio::co_spawn(impl_->strand_, impl::accept_loop(impl_), asio::detached);
}

http_server::~http_server() { stop(); }

std::uint16_t http_server::local_port() const noexcept { return impl_->port_; }

void http_server::stop() {
  // Runs at once when called on the server's strand or the io_context's thread; from another
  // thread it is queued on the strand, so it never races the sessions.
  asio::dispatch(impl_->strand_, [self = impl_] { self->close_all(); });
}

}  // namespace sluice::net
