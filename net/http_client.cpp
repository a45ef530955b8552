// The HTTP(S) client, in the style of Beast's example/http/client/awaitable: one coroutine per
// request, every object it needs on its frame, a deadline before every network step.
//
// Threading: an http_client and everything it owns (pool, timers, sockets, the token bucket it
// is given) is used from ONE io_context thread. Nothing here locks; do not share a client across
// threads.
#include "net/http_client.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <spdlog/spdlog.h>

#include "core/time.hpp"
#include "net/response_reader.hpp"
#include "net/tls_context.hpp"

namespace sluice::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using std::chrono::milliseconds;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

const auto use_tuple = asio::as_tuple(asio::use_awaitable);

// A keep-alive connection idle longer than this is closed instead of reused: servers drop idle
// connections after a while, and a fresh connect is cheaper than a failed write plus a retry.
constexpr auto max_idle_age = std::chrono::seconds{30};

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// What a request URL says about where and how to connect.
struct target {
  bool tls = false;
  std::string host;  // for the resolver, SNI and the certificate check (IPv6 without brackets)
  bool host_is_ip = false;
  std::string port;
  std::string host_header;     // Host: as the URL spells it
  std::string request_target;  // encoded path + query
  std::string display;         // scheme://host[:port]/path: no user info, no query string
  std::string origin;          // connection pool key
};

std::string url_without_query(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

target parse_target(std::string_view url, const std::string& source) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed)
    throw error(error_kind::client, source + ": invalid URL " + url_without_query(url) + " (" +
                                        parsed.error().message() + ")");
  const auto& u = *parsed;
  target t;
  if (u.scheme_id() == boost::urls::scheme::https)
    t.tls = true;
  else if (u.scheme_id() != boost::urls::scheme::http)
    throw error(error_kind::client,
                source + ": unsupported URL scheme in " + url_without_query(url) + " (http or https)");

  switch (u.host_type()) {
    case boost::urls::host_type::ipv4:
      t.host = u.host_address();
      t.host_is_ip = true;
      break;
    case boost::urls::host_type::ipv6:
      t.host = u.host_ipv6_address().to_string();
      t.host_is_ip = true;
      break;
    case boost::urls::host_type::name:
      t.host = u.host_name();
      break;
    default:
      throw error(error_kind::client, source + ": URL without a usable host: " + url_without_query(url));
  }
  if (t.host.empty())
    throw error(error_kind::client, source + ": URL without a host: " + url_without_query(url));
  std::transform(t.host.begin(), t.host.end(), t.host.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });

  const bool explicit_port = u.has_port() && !u.port().empty();
  t.port = explicit_port ? std::string(u.port()) : (t.tls ? "443" : "80");
  t.host_header = std::string(u.encoded_host());
  if (explicit_port) t.host_header += ":" + t.port;

  std::string path = u.encoded_path().empty() ? std::string("/") : std::string(u.encoded_path());
  t.request_target = path;
  if (u.has_query()) t.request_target += "?" + std::string(u.encoded_query());
  const std::string scheme = t.tls ? "https" : "http";
  t.display = scheme + "://" + t.host_header + path;
  t.origin = scheme + "://" + t.host + ":" + t.port;
  return t;
}

// One open connection, plain or TLS, with the read buffer that belongs to it.
struct connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<tls_stream> tls;
  beast::flat_buffer buffer;
  bool reused = false;  // has served a response before (taken from the idle pool)
  bool host_mismatch = false;
  std::chrono::steady_clock::time_point idle_since{};

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
  bool is_open() { return lowest().socket().is_open(); }
  // TLS close_notify is skipped on purpose: many servers never answer it, and a connection we
  // drop is never read from again.
  void close() { lowest().close(); }
};

struct slot_waiter {
  asio::steady_timer timer;
  bool notified = false;
};

struct origin_pool {
  std::vector<std::unique_ptr<connection>> idle;  // most recently used last
  std::size_t open = 0;                            // idle + leased
  std::list<slot_waiter*> waiters;                 // requests waiting for a free slot
};

// A request in flight: shutdown() calls `cancel` to abort whatever it is waiting on.
struct in_flight {
  std::function<void()> cancel;
};

class cancel_hook {
public:
  cancel_hook(in_flight& flight, std::function<void()> cancel) : flight_(flight) {
    flight_.cancel = std::move(cancel);
  }
  ~cancel_hook() { flight_.cancel = nullptr; }
  cancel_hook(const cancel_hook&) = delete;
  cancel_hook& operator=(const cancel_hook&) = delete;

private:
  in_flight& flight_;
};

enum class step { resolve, connect, handshake, write, read };

// A transport failure at one step, carried up to where it is classified.
struct transport_failure : std::exception {
  transport_failure(step where_, error_code ec_, bool got_bytes_ = false, std::string detail_ = {})
      : where(where_), ec(ec_), got_bytes(got_bytes_), detail(std::move(detail_)) {}
  const char* what() const noexcept override { return "transport failure"; }

  step where;
  error_code ec;
  bool got_bytes;      // part of a response arrived before the failure
  std::string detail;  // a better explanation than ec.message(), when there is one
  bool permanent = false;  // retrying cannot help (a certificate that does not verify)
};

// THE mapping of transport errors to error kinds.
error_kind classify_transport(const error_code& ec, bool stopped) noexcept {
  if (stopped) return error_kind::cancelled;
  if (ec == beast::error::timeout || ec == asio::error::timed_out) return error_kind::timeout;
  if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category()) {
    // The peer hung up mid-answer: transient. Anything else is an answer we cannot use.
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message)
      return error_kind::network;
    return error_kind::data;
  }
  // Refused, reset, unreachable, DNS failures, TLS failures (verification included).
  return error_kind::network;
}

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

// Asio's range connect reports a socket it could not open (EMFILE, ENFILE) as operation_aborted,
// which reads like a shutdown. Opening one ourselves recovers the real reason.
error_code socket_failure(const tcp::resolver::results_type& results, error_code reported) {
  const int family = results.empty() || results.begin()->endpoint().protocol() == tcp::v4() ? AF_INET : AF_INET6;
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return error_code(errno, boost::system::system_category());
  ::close(fd);
  return reported;
}

// The wall-clock time `ahead` from now, to the second, for "retry after ..." messages.
std::string wall_time_in(std::chrono::steady_clock::duration ahead) {
  const auto when = std::chrono::floor<std::chrono::seconds>(
      std::chrono::system_clock::now() + std::chrono::ceil<std::chrono::seconds>(ahead));
  auto text = format_timestamp(std::chrono::time_point_cast<std::chrono::microseconds>(when));
  if (auto dot = text.find('.'); dot != std::string::npos) text.erase(dot, text.size() - dot - 1);
  return text;
}

std::string describe(const transport_failure& f, const target& t, const client_options& o) {
  if (!f.detail.empty()) return f.detail;
  if (out_of_descriptors(f.ec)) return descriptor_problem(f.ec);
  const bool timed_out = f.ec == beast::error::timeout;
  const std::string endpoint = t.host + ":" + t.port;
  switch (f.where) {
    case step::resolve:
      return timed_out ? "timeout: resolving " + t.host + " took longer than " + in_ms(o.timeouts.resolve)
                       : "cannot resolve " + t.host + ": " + f.ec.message();
    case step::connect:
      return timed_out ? "timeout: connecting to " + endpoint + " took longer than " + in_ms(o.timeouts.connect)
                       : "cannot connect to " + endpoint + ": " + f.ec.message();
    case step::handshake:
      return timed_out ? "timeout: TLS handshake with " + endpoint + " took longer than " +
                             in_ms(o.timeouts.handshake)
                       : "TLS handshake with " + endpoint + " failed: " + f.ec.message();
    case step::write:
      return timed_out ? "timeout: sending the request took longer than " + in_ms(o.timeouts.write)
                       : "sending the request failed: " + f.ec.message();
    case step::read:
      if (f.ec == bhttp::error::body_limit)
        return "response body exceeds " + std::to_string(o.body_limit) + " bytes";
      return timed_out ? "timeout: no complete response within " + in_ms(o.timeouts.read)
                       : "reading the response failed: " + f.ec.message();
  }
  return f.ec.message();
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

}  // namespace

struct http_client::impl : std::enable_shared_from_this<http_client::impl> {
  impl(asio::any_io_executor executor, client_options options, std::shared_ptr<token_bucket> budget,
       std::shared_ptr<authenticator> auth)
      : executor_(std::move(executor)),
        options_(std::move(options)),
        budget_(std::move(budget)),
        auth_(std::move(auth)),
        rng_(std::random_device{}()) {
    // The system store alone is loaded on the first https connection (never for http:// sources);
    // an extra CA file is loaded now, so that a wrong path is a configuration error at start.
    if (!options_.ca_file.empty()) tls_context_ = shared_tls_context(options_.ca_file, options_.source);
  }

  ssl::context& tls_context() {
    if (!tls_context_) tls_context_ = shared_tls_context(options_.ca_file, options_.source);
    return *tls_context_;
  }

  // A connection slot of one origin, returned to the pool (or dropped) when it goes away, also
  // when the coroutine holding it is destroyed.
  struct lease {
    lease(std::shared_ptr<impl> owner_, origin_pool* pool_) : owner(std::move(owner_)), pool(pool_) {}
    lease(lease&&) noexcept = default;
    lease& operator=(lease&&) = delete;
    ~lease() {
      if (owner) owner->release(*pool, std::move(conn), keep);
    }

    std::shared_ptr<impl> owner;
    origin_pool* pool;
    std::unique_ptr<connection> conn;
    bool keep = false;
  };

  void release(origin_pool& pool, std::unique_ptr<connection> conn, bool keep) noexcept {
    if (conn && keep && !stopped_ && conn->is_open()) {
      conn->reused = true;
      conn->idle_since = std::chrono::steady_clock::now();
      conn->lowest().expires_never();
      pool.idle.push_back(std::move(conn));
    } else {
      if (conn) conn->close();
      --pool.open;
    }
    if (!pool.waiters.empty()) {
      auto* waiter = pool.waiters.front();
      pool.waiters.pop_front();
      waiter->notified = true;
      waiter->timer.cancel();
    }
  }

  void check(step where, const error_code& ec, bool got_bytes = false) const {
    if (stopped_) throw transport_failure(where, asio::error::operation_aborted);
    if (ec) throw transport_failure(where, ec, got_bytes);
  }

  asio::awaitable<tcp::resolver::results_type> resolve(const target& t, in_flight& flight) {
    // The resolver cannot be interrupted (getaddrinfo runs on a helper thread), so the coroutine
    // waits on a timer that either the answer or the deadline ends; a late answer is discarded.
    struct state {
      explicit state(const asio::any_io_executor& ex) : resolver(ex), timer(ex) {}
      tcp::resolver resolver;
      asio::steady_timer timer;
      bool done = false;
      error_code ec;
      tcp::resolver::results_type results;
    };
    auto st = std::make_shared<state>(executor_);
    st->timer.expires_after(options_.timeouts.resolve);
    st->resolver.async_resolve(t.host, t.port, [st](error_code ec, tcp::resolver::results_type results) {
      st->done = true;
      st->ec = ec;
      st->results = std::move(results);
      st->timer.cancel();
    });
    {
      cancel_hook hook(flight, [st] {
        st->resolver.cancel();
        st->timer.cancel();
      });
      co_await st->timer.async_wait(use_tuple);
    }
    if (!st->done) {
      st->resolver.cancel();
      check(step::resolve, beast::error::timeout);
    }
    check(step::resolve, st->ec);
    co_return st->results;
  }

  asio::awaitable<std::unique_ptr<connection>> connect(const target& t, in_flight& flight) {
    auto results = co_await resolve(t, flight);
    auto conn = std::make_unique<connection>();
    if (t.tls)
      conn->tls = std::make_unique<tls_stream>(executor_, tls_context());
    else
      conn->plain = std::make_unique<beast::tcp_stream>(executor_);
    connection& c = *conn;
    cancel_hook hook(flight, [&c] { c.close(); });

    c.lowest().expires_after(options_.timeouts.connect);
    auto [connect_ec, endpoint] = co_await c.lowest().async_connect(results, use_tuple);
    (void)endpoint;
    if (connect_ec == asio::error::operation_aborted && !stopped_) connect_ec = socket_failure(results, connect_ec);
    check(step::connect, connect_ec);
    if (!t.tls) co_return conn;

    auto& stream = *c.tls;
    // SNI only for names: RFC 6066 forbids IP literals in server_name.
    if (!t.host_is_ip && !SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str()))
      check(step::handshake, error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
    // Boost 1.81's host_name_verification checks IP literals against the certificate's IP SANs
    // (X509_check_ip_asc) and names with X509_check_host; neither is skipped.
    stream.set_verify_callback(verify_host{ssl::host_name_verification(t.host), &c.host_mismatch, t.host_is_ip});
    c.lowest().expires_after(options_.timeouts.handshake);
    auto [handshake_ec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
    if (handshake_ec && !stopped_ && handshake_ec != beast::error::timeout) {
      const long verify = SSL_get_verify_result(stream.native_handle());
      const bool verify_failed =
          c.host_mismatch || verify != X509_V_OK ||
          (handshake_ec.category() == asio::error::get_ssl_category() &&
           ERR_GET_REASON(static_cast<unsigned long>(handshake_ec.value())) == SSL_R_CERTIFICATE_VERIFY_FAILED);
      if (verify_failed) {
        std::string why = c.host_mismatch ? std::string(t.host_is_ip ? "the certificate is not valid for this IP address"
                                                                       : "the certificate is not valid for this host name")
                          : verify != X509_V_OK ? std::string(X509_verify_cert_error_string(verify))
                                                : handshake_ec.message();
        transport_failure failure(step::handshake, handshake_ec, false,
                                  "TLS handshake failed: certificate verification failed for host " +
                                      t.host + ": " + why);
        failure.permanent = true;  // the same certificate will fail the same way: no retries
        throw failure;
      }
    }
    check(step::handshake, handshake_ec);
    co_return conn;
  }

  asio::awaitable<lease> checkout(const target& t, in_flight& flight) {
    auto& pool = pools_[t.origin];
    const std::size_t limit = std::max<std::size_t>(1, options_.max_connections_per_origin);
    for (;;) {
      check(step::connect, {});
      while (!pool.idle.empty()) {
        auto conn = std::move(pool.idle.back());
        pool.idle.pop_back();
        if (conn->is_open() && std::chrono::steady_clock::now() - conn->idle_since < max_idle_age) {
          lease l(shared_from_this(), &pool);
          l.conn = std::move(conn);
          co_return l;
        }
        conn->close();
        --pool.open;
      }
      if (pool.open < limit) {
        ++pool.open;
        lease l(shared_from_this(), &pool);
        l.conn = co_await connect(t, flight);
        co_return l;
      }
      // Every slot is busy: wait until one is released (or the client shuts down).
      slot_waiter waiter{asio::steady_timer(executor_, asio::steady_timer::time_point::max())};
      auto it = pool.waiters.insert(pool.waiters.end(), &waiter);
      struct unlink {
        origin_pool& pool;
        slot_waiter& waiter;
        std::list<slot_waiter*>::iterator it;
        ~unlink() {
          if (!waiter.notified) pool.waiters.erase(it);
        }
      } guard{pool, waiter, it};
      cancel_hook hook(flight, [&waiter] { waiter.timer.cancel(); });
      co_await waiter.timer.async_wait(use_tuple);
    }
  }

  template <class Stream>
  asio::awaitable<void> roundtrip(Stream& stream, connection& c, bhttp::request<bhttp::string_body>& msg,
                                  response_reader& reader, in_flight& flight) {
    cancel_hook hook(flight, [&c] { c.close(); });
    c.lowest().expires_after(options_.timeouts.write);
    auto [write_ec, written] = co_await bhttp::async_write(stream, msg, use_tuple);
    (void)written;
    check(step::write, write_ec);

    // One deadline for the whole answer, headers and body: Beast's timer is absolute.
    c.lowest().expires_after(options_.timeouts.read);
    auto [read_ec, read] = co_await bhttp::async_read(stream, c.buffer, reader.parser(), use_tuple);
    (void)read;
    check(step::read, read_ec, reader.got_some() || c.buffer.size() > 0);
    c.lowest().expires_never();
  }

  // One request on a pooled connection. A reused connection that fails before any byte of the
  // answer was most likely closed by the server while idle: that is retried once on a fresh
  // connection and is not a failed attempt.
  asio::awaitable<response> exchange(const target& t, bhttp::request<bhttp::string_body>& msg, in_flight& flight) {
    for (bool retried_stale = false;; retried_stale = true) {
      lease l = co_await checkout(t, flight);
      const bool reused = l.conn->reused;
      try {
        response_reader reader(options_.body_limit, msg.method() == bhttp::verb::head);
        // Two statements, not `?:` with co_await in both arms: GCC 12 miscompiles that
        // (the result temporary is destroyed twice).
        if (l.conn->tls)
          co_await roundtrip(*l.conn->tls, *l.conn, msg, reader, flight);
        else
          co_await roundtrip(*l.conn->plain, *l.conn, msg, reader, flight);
        // Leftover bytes after a complete answer mean the stream is out of step: do not reuse.
        l.keep = reader.keep_alive() && l.conn->buffer.size() == 0;
        co_return reader.release();
      } catch (const transport_failure& f) {
        const bool stale = reused && !retried_stale && !f.got_bytes && !stopped_ &&
                           f.ec != beast::error::timeout && f.ec != asio::error::timed_out;
        if (!stale) throw;
      }
      spdlog::debug("{}: idle connection to {} was closed by the server; resending on a new connection",
                    options_.source, t.origin);
    }
  }

  bhttp::request<bhttp::string_body> build_message(const target& t, const request& r,
                                                   const std::string& what) const {
    bhttp::request<bhttp::string_body> msg;
    const auto verb = bhttp::string_to_verb(r.method);
    if (verb == bhttp::verb::unknown)
      msg.method_string(r.method);
    else
      msg.method(verb);
    msg.target(t.request_target);
    msg.version(11);
    for (const auto& h : r.headers) {
      // Never echo the value: it may be a credential.
      if (!valid_header(h))
        throw error(error_kind::client, what + ": invalid header " + body_snippet(h.name));
      if (iequals(h.name, "Host")) continue;
      msg.insert(h.name, h.value);
    }
    msg.set(bhttp::field::host, t.host_header);
    if (msg.find(bhttp::field::user_agent) == msg.end()) msg.set(bhttp::field::user_agent, options_.user_agent);
    if (msg.find(bhttp::field::accept_encoding) == msg.end()) msg.set(bhttp::field::accept_encoding, "gzip");
    msg.keep_alive(true);
    msg.body() = r.body;
    msg.prepare_payload();
    return msg;
  }

  asio::awaitable<void> sleep(std::chrono::steady_clock::duration d, in_flight& flight) {
    asio::steady_timer timer(executor_);
    timer.expires_after(d);
    cancel_hook hook(flight, [&timer] { timer.cancel(); });
    co_await timer.async_wait(use_tuple);
  }

  // Waits for a token of the source's budget. Normal requests reserve one and sleep until it is
  // theirs; low-priority (backfill) requests only take one that nobody has reserved, and
  // otherwise ask again later, so live pulls queued meanwhile go first.
  template <class Cancelled>
  asio::awaitable<void> take_token(in_flight& flight, const Cancelled& cancelled, const std::string& what) {
    // A source told to come back much later (a long Retry-After) sends nothing until then: this
    // request fails now rather than hold its stream for hours.
    const auto pause_left = budget_->paused_until() - std::chrono::steady_clock::now();
    if (pause_left > options_.retry.max_retry_after)
      throw error(error_kind::throttled, what + ": not sent: the API asked this source to wait; retry after " +
                                             wall_time_in(pause_left) + " (Retry-After)");
    if (options_.priority == request_priority::normal) {
      const auto wait = budget_->take(std::chrono::steady_clock::now());
      if (wait > std::chrono::steady_clock::duration::zero()) co_await sleep(wait, flight);
      if (stopped_) throw cancelled();
      co_return;
    }
    while (!budget_->try_take_now(std::chrono::steady_clock::now())) {
      co_await sleep(budget_->low_priority_retry_after(std::chrono::steady_clock::now()), flight);
      if (stopped_) throw cancelled();
    }
  }

  asio::awaitable<response> send(request req, run_counters* counters) {
    auto self = shared_from_this();  // in-flight requests keep the client's state alive
    const target t = parse_target(req.url, options_.source);
    const std::string what = options_.source + ": " + req.method + " " + t.display;
    const auto cancelled = [&what] {
      return error(error_kind::cancelled, what + ": cancelled: the HTTP client is shut down");
    };
    if (stopped_) throw cancelled();

    in_flight flight;
    auto registration = in_flight_.insert(in_flight_.end(), &flight);
    struct unregister {
      std::list<in_flight*>& list;
      std::list<in_flight*>::iterator it;
      ~unregister() { list.erase(it); }
    } unregister_guard{in_flight_, registration};

    int attempts = 0, failures = 0, throttles = 0;
    bool renewed = false;
    for (;;) {
      if (budget_) co_await take_token(flight, cancelled, what);

      request attempt = req;
      if (auth_) auth_->apply(attempt);
      auto msg = build_message(t, attempt, what);
      ++attempts;
      if (counters) ++counters->requests;

      std::optional<response> received;
      error_kind kind = error_kind::data;
      std::string why;
      bool permanent = false;
      try {
        auto res = co_await exchange(t, msg, flight);
        received = std::move(res);
      } catch (const transport_failure& f) {
        kind = classify_transport(f.ec, stopped_);
        permanent = f.permanent;
        why = kind == error_kind::cancelled ? std::string("cancelled: the HTTP client is shut down")
                                            : describe(f, t, options_);
      }

      const unsigned status = received ? received->status : 0;
      if (options_.observer) options_.observer(request_event{status, status == 429, attempts > 1});
      std::optional<milliseconds> retry_after;
      if (received) {
        auto answer = take_answer(std::move(*received), options_.body_limit, std::chrono::system_clock::now());
        if (status >= 200 && status < 300) {
          if (answer.problem) throw error(error_kind::data, what + ": " + *answer.problem, status);
          if (budget_) budget_->on_success(std::chrono::steady_clock::now());
          co_return std::move(answer.res);
        }
        kind = classify_http_status(status);
        permanent = std::find(req.final_statuses.begin(), req.final_statuses.end(), status) !=
                    req.final_statuses.end();
        why = std::move(answer.summary);

        if (status == 401 && !renewed && auth_ && auth_->renew(answer.res)) {
          renewed = true;  // once per request: a second 401 is final
          spdlog::debug("{}: HTTP 401, resending with renewed credentials", what);
          continue;
        }
        retry_after = answer.retry_after;
        if (status == 429 && counters) ++counters->throttled;
        if (retry_after && *retry_after > options_.retry.max_retry_after)
          throw retry_later(what, status, *retry_after, answer.res.body);
        if (status == 429) {
          if (budget_) {
            const auto now = std::chrono::steady_clock::now();
            budget_->on_throttled(now);
            // The whole source waits, not just this request: its other streams share the limit.
            if (retry_after) budget_->pause_until(now + std::min(*retry_after, options_.retry.max_delay));
          }
        }
      }

      std::string message = what + ": " + why;
      if (!is_transient(kind) || permanent) {
        if (attempts > 1) message += " (after " + std::to_string(attempts) + " attempts)";
        throw error(kind, std::move(message), status);
      }
      const int nth = kind == error_kind::throttled ? ++throttles : ++failures;
      const auto delay = options_.retry.next_delay(nth, kind, retry_after, rng_);
      if (!delay)
        throw error(kind, message + " (gave up after " + std::to_string(attempts) +
                              (attempts == 1 ? " attempt)" : " attempts)"), status);
      if (counters) ++counters->retries;
      spdlog::debug("{}; retry in {} ms (attempt {} failed)", message, delay->count(), attempts);
      co_await sleep(*delay, flight);
      if (stopped_) throw cancelled();
    }
  }

  // A Retry-After longer than the retry policy's longest delay is not waited for: a run (a
  // one-shot sync above all) would sit idle for that long. The request fails now with the time to
  // come back, and the whole source pauses until then (the daemon schedules its runs after it).
  error retry_later(const std::string& what, unsigned status, milliseconds retry_after,
                    const std::string& body) {
    if (budget_) budget_->pause_until(std::chrono::steady_clock::now() + retry_after);
    auto in_seconds = [](milliseconds d) {
      return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
    };
    std::string message = what + ": " + status_line(status) + ": the API asks to wait " +
                          in_seconds(retry_after) + " (Retry-After), longer than a run waits (" +
                          in_seconds(options_.retry.max_retry_after) + "); retry after " +
                          wall_time_in(retry_after);
    if (!body.empty()) message += ": " + body_snippet(body);
    return error(classify_http_status(status), std::move(message), status);
  }

  // Idle keep-alive connections hold a descriptor each; a source's next run is usually beyond
  // the server's keep-alive anyway.
  void close_idle() {
    for (auto& [origin, pool] : pools_) {
      for (auto& conn : pool.idle) conn->close();
      pool.open -= pool.idle.size();
      pool.idle.clear();
    }
  }

  void shutdown() {
    stopped_ = true;
    close_idle();
    for (auto& [origin, pool] : pools_) {
      for (auto* waiter : pool.waiters) {
        waiter->notified = true;
        waiter->timer.cancel();
      }
      pool.waiters.clear();
    }
    // Cancelling only schedules completions, so no coroutine resumes while this loop runs.
    for (auto* flight : in_flight_)
      if (flight->cancel) flight->cancel();
  }

  asio::any_io_executor executor_;
  client_options options_;
  std::shared_ptr<token_bucket> budget_;
  std::shared_ptr<authenticator> auth_;
  std::shared_ptr<ssl::context> tls_context_;  // shared per trust configuration; set on first use
  std::map<std::string, origin_pool> pools_;
  std::list<in_flight*> in_flight_;
  bool stopped_ = false;
  std::mt19937_64 rng_;
};

http_client::http_client(boost::asio::any_io_executor executor, client_options options,
                         std::shared_ptr<token_bucket> budget, std::shared_ptr<authenticator> auth)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(options), std::move(budget),
                                   std::move(auth))) {}

http_client::~http_client() { impl_->shutdown(); }

boost::asio::awaitable<response> http_client::send(request req, run_counters* counters) {
  auto self = impl_;
  co_return co_await self->send(std::move(req), counters);
}

boost::asio::awaitable<response> http_client::get(std::string url, run_counters* counters) {
  request req;
  req.url = std::move(url);
  co_return co_await send(std::move(req), counters);
}

void http_client::shutdown() { impl_->shutdown(); }

void http_client::close_idle() { impl_->close_idle(); }

}  // namespace sluice::net
