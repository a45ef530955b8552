// http_server against a raw Asio client that writes request bytes by hand and parses the answer
// itself (not Beast: a client built from the server's library would agree with its bugs).
#include "net/http_server.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "tests/support/run_sync.hpp"

namespace sluice::net {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
const auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct raw_response {
  std::string status_line;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  int status() const { return std::stoi(status_line.substr(9, 3)); }
  std::optional<std::string> header(const std::string& name) const {
    auto it = headers.find(lower(name));
    if (it == headers.end()) return std::nullopt;
    return it->second;
  }
};

class raw_client {
public:
  explicit raw_client(asio::io_context& io) : socket_(io) {}

  asio::awaitable<void> connect(std::uint16_t port, const std::string& host = "127.0.0.1") {
    tcp::resolver resolver(socket_.get_executor());
    auto endpoints =
        co_await resolver.async_resolve(host, std::to_string(port), asio::use_awaitable);
    co_await asio::async_connect(socket_, endpoints, asio::use_awaitable);
  }

  // False when the server hung up first (it may refuse a connection at once).
  asio::awaitable<bool> send(const std::string& bytes) {
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(bytes), use_tuple);
    (void)n;
    co_return !ec;
  }

  // One answer; Content-Length framing only (what the server must send). nullopt when the server
  // closed the connection before a complete head arrived. `head_request`: the answer to a HEAD,
  // whose Content-Length describes a body that is not sent.
  asio::awaitable<std::optional<raw_response>> read(bool head_request = false) {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!co_await read_more()) co_return std::nullopt;
    raw_response r;
    const std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    std::size_t line_end = head.find("\r\n");
    r.status_line = head.substr(0, line_end);
    while (line_end != std::string::npos) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line =
          head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) throw std::runtime_error("malformed header line: " + line);
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      if (!r.headers.emplace(lower(line.substr(0, colon)), value).second)
        throw std::runtime_error("duplicate header: " + line);
    }
    const std::size_t length =
        head_request ? 0 : std::stoul(r.header("Content-Length").value_or("0"));
    while (buf_.size() < length)
      if (!co_await read_more()) co_return std::nullopt;
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    co_return r;
  }

  // True when the server closes the connection without sending a byte more.
  asio::awaitable<bool> closed_without_answer() {
    // A named result, not `while (co_await ...)`: GCC 12 miscompiles co_await in a loop condition.
    for (;;) {
      const bool more = co_await read_more();
      if (!more) break;
    }
    co_return buf_.empty();
  }

private:
  asio::awaitable<bool> read_more() {
    char chunk[4096];
    auto [ec, n] = co_await socket_.async_read_some(asio::buffer(chunk), use_tuple);
    if (ec) co_return false;  // end of stream or reset: the server hung up
    buf_.append(chunk, n);
    co_return true;
  }

  tcp::socket socket_;
  std::string buf_;
};

std::string get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: test\r\n" + std::string(extra) + "\r\n";
}

class http_server_test : public ::testing::Test {
protected:
  // Runs `task` on `io` until it finishes, then stops the io_context (the server keeps accepting).
  void run(asio::awaitable<void> task) { test::run_on(io, std::move(task)); }

  server_options options() const {
    server_options o;
    o.step_timeout = 20s;  // tests that need the timeout set a short one
    return o;
  }

  // Answers "target <target>" as a Prometheus text page; /missing is 404, /fail throws.
  request_handler handler() {
    return [this](std::string_view target) {
      ++calls;
      if (target == "/fail") throw std::runtime_error("broken");
      response r;
      r.status = target == "/missing" ? 404 : 200;
      r.headers.push_back({"Content-Type", "text/plain; version=0.0.4"});
      r.headers.push_back({"Content-Length", "999"});  // the server's framing wins
      r.body = "target " + std::string(target) + "\n";
      return r;
    };
  }

  asio::io_context io;
  int calls = 0;
};

TEST_F(http_server_test, get_returns_the_handlers_answer) {
  http_server server(io.get_executor(), options(), handler());
  ASSERT_NE(server.local_port(), 0);  // port 0 picked a free one
  run([&]() -> asio::awaitable<void> {
    raw_client client(io);
    co_await client.connect(server.local_port());
    co_await client.send(get("/metrics?x=1"));
    auto r = co_await client.read();
    EXPECT_TRUE(r);
    if (!r) co_return;
    EXPECT_EQ(r->status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(r->body, "target /metrics?x=1\n");
    EXPECT_EQ(r->header("Content-Length"), std::to_string(r->body.size()));
    EXPECT_EQ(r->header("Content-Type"), "text/plain; version=0.0.4");
    EXPECT_EQ(r->header("Server"), "sluice");

    co_await client.send(get("/missing"));
    r = co_await client.read();
    EXPECT_TRUE(r);
    if (!r) co_return;
    EXPECT_EQ(r->status(), 404);
    EXPECT_EQ(r->body, "target /missing\n");
  }());
  EXPECT_EQ(calls, 2);
}

TEST_F(http_server_test, head_has_the_headers_but_no_body) {
  http_server server(io.get_executor(), options(), handler());
  run([&]() -> asio::awaitable<void> {
    raw_client client(io);
    co_await client.connect(server.local_port());
    co_await client.send("HEAD /metrics HTTP/1.1\r\nHost: test\r\n\r\n");
    auto head = co_await client.read(/*head_request=*/true);
    EXPECT_TRUE(head);
    if (!head) co_return;
    EXPECT_EQ(head->status(), 200);
    EXPECT_EQ(head->header("Content-Length"),
              std::to_string(std::string("target /metrics\n").size()));
    EXPECT_EQ(head->header("Content-Type"), "text/plain; version=0.0.4");
    // Had the HEAD answer carried a body, it would stand in front of this answer's status line.
    co_await client.send(get("/metrics"));
    auto next = co_await client.read();
    EXPECT_TRUE(next);
    if (!next) co_return;
    EXPECT_EQ(next->status_line, "HTTP/1.1 200 OK");
    EXPECT_EQ(next->body, "target /metrics\n");
  }());
}

TEST_F(http_server_test, other_methods_get_405_without_calling_the_handler) {
  http_server server(io.get_executor(), options(), handler());
  run([&]() -> asio::awaitable<void> {
    raw_client client(io);
    co_await client.connect(server.local_port());
    co_await client.send("POST /metrics HTTP/1.1\r\nHost: test\r\nContent-Length: 3\r\n\r\na=1");
    auto r = co_await client.read();
    EXPECT_TRUE(r);
    if (!r) co_return;
    EXPECT_EQ(r->status(), 405);
    EXPECT_EQ(r->header("Allow"), "GET, HEAD");
    EXPECT_EQ(r->header("Content-Length"), std::to_string(r->body.size()));
    // The request body was consumed: the connection goes on with the next request.
    co_await client.send(get("/metrics"));
    r = co_await client.read();
    EXPECT_TRUE(r);
    if (!r) co_return;
    EXPECT_EQ(r->status(), 200);
  }());
  EXPECT_EQ(calls, 1);
}

TEST_F(http_server_test, keep_alive_serves_requests_on_one_connection_until_close) {
  http_server server(io.get_executor(), options(), handler());
  run([&]() -> asio::awaitable<void> {
    raw_client client(io);
    co_await client.connect(server.local_port());
    co_await client.send(get("/a"));
    auto first = co_await client.read();
    co_await client.send(get("/b"));
    auto second = co_await client.read();
    EXPECT_TRUE(first && second);
    if (!first || !second) co_return;
    EXPECT_EQ(first->body, "target /a\n");
    EXPECT_EQ(second->body, "target /b\n");
    EXPECT_NE(second->header("Connection"), "close");

    // Connection: close is answered, then the server hangs up.
    co_await client.send(get("/c", "Connection: close\r\n"));
    auto third = co_await client.read();
    EXPECT_TRUE(third);
    if (!third) co_return;
    EXPECT_EQ(third->body, "target /c\n");
    EXPECT_EQ(third->header("Connection"), "close");
    EXPECT_TRUE(co_await client.closed_without_answer());
  }());
  EXPECT_EQ(calls, 3);
}

TEST_F(http_server_test, http_1_0_without_keep_alive_is_closed_after_the_answer) {
  http_server server(io.get_executor(), options(), handler());
  run([&]() -> asio::awaitable<void> {
    raw_client client(io);
    co_await client.connect(server.local_port());
    co_await client.send("GET /old HTTP/1.0\r\n\r\n");
    auto r = co_await client.read();
    EXPECT_TRUE(r);
    if (!r) co_return;
    EXPECT_EQ(r->status_line, "HTTP/1.0 200 OK");
    EXPECT_EQ(r->body, "target /old\n");
    EXPECT_TRUE(co_await client.closed_without_answer());
  }());
}

TEST_F(http_server_test, a_failing_handler_is_a_500) {
  http_server server(io.get_executor(), options(), handler());
  run([&]() -> asio::awaitable<void> {
    raw_client client(io);
    co_await client.connect(server.local_port());
    co_await client.send(get("/fail"));
    auto r = co_await client.read();
    EXPECT_TRUE(r);
    if (!r) co_return;
    EXPECT_EQ(r->status(), 500);
    EXPECT_EQ(r->body.find("broken"), std::string::npos);  // internals are logged, not served
  }());
}

TEST_F(http_server_test, oversized_requests_are_refused_and_closed) {
  http_server server(io.get_executor(), options(), handler());
  run([&]() -> asio::awaitable<void> {
    raw_client headers(io);
    co_await headers.connect(server.local_port());
    co_await headers.send(get("/metrics", "X-Padding: " + std::string(10'000, 'x') + "\r\n"));
    auto r = co_await headers.read();
    EXPECT_TRUE(r);
    if (r) {
      EXPECT_EQ(r->status(), 431);
    }
    EXPECT_TRUE(co_await headers.closed_without_answer());

    raw_client body(io);
    co_await body.connect(server.local_port());
    // Refused on the announced length alone, before any of the body is sent.
    co_await body.send("GET /metrics HTTP/1.1\r\nHost: test\r\nContent-Length: 100000\r\n\r\n");
    r = co_await body.read();
    EXPECT_TRUE(r);
    if (r) {
      EXPECT_EQ(r->status(), 413);
    }
  }());
  EXPECT_EQ(calls, 0);
}

TEST_F(http_server_test, a_silent_client_is_disconnected_after_the_step_timeout) {
  auto o = options();
  o.step_timeout = 200ms;
  http_server server(io.get_executor(), o, handler());
  run([&]() -> asio::awaitable<void> {
    const auto start = std::chrono::steady_clock::now();
    raw_client silent(io);
    co_await silent.connect(server.local_port());
    raw_client half(io);  // starts a request and never finishes it
    co_await half.connect(server.local_port());
    co_await half.send("GET /metrics HTTP/1.1\r\nHost: te");
    EXPECT_TRUE(co_await silent.closed_without_answer());
    EXPECT_TRUE(co_await half.closed_without_answer());
    EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);

    // The server itself goes on.
    raw_client client(io);
    co_await client.connect(server.local_port());
    co_await client.send(get("/metrics"));
    auto r = co_await client.read();
    EXPECT_TRUE(r);
  }());
  EXPECT_EQ(calls, 1);
}

TEST_F(http_server_test, connections_over_the_limit_are_closed_at_once) {
  auto o = options();
  o.max_connections = 1;
  http_server server(io.get_executor(), o, handler());
  run([&]() -> asio::awaitable<void> {
    raw_client first(io);
    co_await first.connect(server.local_port());
    co_await first.send(get("/first"));
    EXPECT_TRUE(co_await first.read());  // the server has taken this connection: the limit is used

    raw_client second(io);
    co_await second.connect(server.local_port());
    co_await second.send(get("/second"));
    EXPECT_TRUE(co_await second.closed_without_answer());

    co_await first.send(get("/first-again"));
    auto r = co_await first.read();
    EXPECT_TRUE(r);
    if (r) {
      EXPECT_EQ(r->body, "target /first-again\n");
    }
  }());
  EXPECT_EQ(calls, 2);
}

TEST_F(http_server_test, port_zero_picks_distinct_free_ports) {
  http_server a(io.get_executor(), options(), handler());
  http_server b(io.get_executor(), options(), handler());
  EXPECT_NE(a.local_port(), 0);
  EXPECT_NE(b.local_port(), 0);
  EXPECT_NE(a.local_port(), b.local_port());
}

TEST_F(http_server_test, stop_closes_everything_so_run_returns) {
  auto o = options();
  o.step_timeout = 10min;  // longer than the run bound: only stop() can end the idle connection
  http_server server(io.get_executor(), o, handler());
  bool done = false;
  std::exception_ptr failure;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        raw_client client(io);
        co_await client.connect(server.local_port());
        co_await client.send(get("/metrics"));
        EXPECT_TRUE(co_await client.read());  // an open keep-alive connection, idle now
        server.stop();
        server.stop();  // idempotent
        EXPECT_TRUE(co_await client.closed_without_answer());
      },
      [&](std::exception_ptr e) {
        failure = e;
        done = true;
      });
  // No io.stop() anywhere: run() must return because no work is left.
  io.run_for(60s);
  EXPECT_TRUE(done);
  EXPECT_TRUE(io.stopped()) << "the server still holds work after stop()";
  if (failure) std::rethrow_exception(failure);

  // Nothing listens any more.
  asio::io_context probe_io;
  tcp::socket probe(probe_io);
  boost::system::error_code ec;
  probe.connect({asio::ip::make_address("127.0.0.1"), server.local_port()}, ec);
  EXPECT_TRUE(ec);
}

TEST_F(http_server_test, stop_before_run_leaves_no_work) {
  http_server server(io.get_executor(), options(), handler());
  server.stop();
  io.run_for(60s);
  EXPECT_TRUE(io.stopped());
}

TEST_F(http_server_test, a_busy_port_is_a_config_error) {
  http_server first(io.get_executor(), options(), handler());
  auto o = options();
  o.port = first.local_port();
  try {
    http_server second(io.get_executor(), o, handler());
    FAIL() << "binding a busy port succeeded";
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    const std::string expected =
        "daemon.listen 127.0.0.1:" + std::to_string(first.local_port()) + ": cannot listen: ";
    EXPECT_EQ(std::string(e.what()).substr(0, expected.size()), expected) << e.what();
  }
}

TEST_F(http_server_test, names_and_ipv6_literals_are_bound) {
  {
    boost::system::error_code ec;
    tcp::acceptor probe(io);
    probe.open(tcp::v6(), ec);
    if (!ec) probe.bind({asio::ip::make_address("::1"), 0}, ec);
    if (ec) GTEST_SKIP() << "no IPv6 loopback here: " << ec.message();
  }
  for (const std::string host : {"localhost", "::1", "[::1]"}) {
    auto o = options();
    o.host = host;
    http_server server(io.get_executor(), o, handler());
    const std::string connect_to = host == "[::1]" ? "::1" : host;
    run([&]() -> asio::awaitable<void> {
      raw_client client(io);
      co_await client.connect(server.local_port(), connect_to);
      co_await client.send(get("/by-name"));
      auto r = co_await client.read();
      EXPECT_TRUE(r) << host;
      if (r) {
        EXPECT_EQ(r->body, "target /by-name\n");
      }
    }());
  }
}

}  // namespace
}  // namespace sluice::net
