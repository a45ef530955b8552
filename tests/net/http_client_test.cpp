// http_client against the scripted plain-Asio server in test_server.hpp, on one io_context.
#include "net/http_client.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <vector>
#include <optional>
#include <string>

#include <unistd.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <gtest/gtest.h>
#include <zlib.h>

#include "core/error.hpp"
#include "tests/net/test_cert.hpp"
#include "tests/net/test_server.hpp"
#include "tests/support/run_sync.hpp"

namespace sluice::net {
namespace {

using namespace std::chrono_literals;
using test::http_response;
using test::received_request;
using test::reply;
using test::test_server;
namespace asio = boost::asio;

// Runs `task` on `io` until it finishes (bounded, so a bug cannot hang the suite).
void run(asio::io_context& io, asio::awaitable<void> task) { test::run_on(io, std::move(task)); }

struct outcome {
  std::optional<response> answer;
  std::optional<sluice::error> failure;
  std::chrono::steady_clock::duration elapsed{};
};

outcome fetch(asio::io_context& io, http_client& client, request req,
              run_counters* counters = nullptr) {
  outcome out;
  auto task = [&]() -> asio::awaitable<void> {
    const auto start = std::chrono::steady_clock::now();
    try {
      out.answer = co_await client.send(req, counters);
    } catch (const sluice::error& e) {
      out.failure = e;
    }
    out.elapsed = std::chrono::steady_clock::now() - start;
  };
  run(io, task());
  return out;
}

outcome fetch(asio::io_context& io, http_client& client, std::string url,
              run_counters* counters = nullptr) {
  request req;
  req.url = std::move(url);
  return fetch(io, client, std::move(req), counters);
}

reply ok(std::string_view body = "ok") { return {http_response(200, "OK", body)}; }

std::string gzip(std::string_view text) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY),
            Z_OK);
  std::string out(deflateBound(&zs, text.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

class http_client_test : public ::testing::Test {
protected:
  static client_options options() {
    client_options o;
    o.source = "test";
    o.timeouts = timeouts::uniform(5s);
    o.retry.base_delay = 1ms;
    o.retry.max_delay = 20ms;
    return o;
  }

  asio::io_context io;
};

TEST_F(http_client_test, keep_alive_reuses_one_connection) {
  test_server server(
      io, [](const received_request&, int index) { return ok("hello " + std::to_string(index)); });
  http_client client(io.get_executor(), options(), nullptr, nullptr);
  run_counters counters;

  auto first = fetch(io, client, server.url("/v2/reviews?page=1&q=a%2Bb"), &counters);
  auto second = fetch(io, client, server.url("/v2/reviews?page=2"), &counters);
  ASSERT_TRUE(first.answer) << first.failure->what();
  ASSERT_TRUE(second.answer) << second.failure->what();
  EXPECT_EQ(first.answer->status, 200u);
  EXPECT_EQ(first.answer->body, "hello 0");
  EXPECT_EQ(second.answer->body, "hello 1");
  EXPECT_EQ(first.answer->header_value("content-length"), "7");
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(counters.requests, 2);
  EXPECT_EQ(counters.retries, 0);

  // What went over the wire: target as given, Host, User-Agent, Accept-Encoding.
  ASSERT_EQ(server.requests(), 2);
  const auto& r = server.log()[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target, "/v2/reviews?page=1&q=a%2Bb");
  EXPECT_EQ(r.header("Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(r.header("User-Agent"), "sluice/0.1");
  EXPECT_EQ(r.header("Accept-Encoding"), "gzip");
}

TEST_F(http_client_test, connection_close_is_not_reused) {
  test_server server(io, [](const received_request&, int) {
    return reply{http_response(200, "OK", "bye", {"Connection: close"})};
  });
  http_client client(io.get_executor(), options(), nullptr, nullptr);
  run_counters counters;
  EXPECT_TRUE(fetch(io, client, server.url("/a"), &counters).answer);
  EXPECT_TRUE(fetch(io, client, server.url("/b"), &counters).answer);
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(counters.requests, 2);
  EXPECT_EQ(counters.retries, 0);
}

TEST_F(http_client_test, idle_connection_closed_by_server_is_replaced_transparently) {
  // The server hangs up after each answer without announcing it, like an idle keep-alive timeout.
  test_server server(io, [](const received_request&, int index) {
    return reply{http_response(200, "OK", std::to_string(index)), /*close_after=*/true};
  });
  http_client client(io.get_executor(), options(), nullptr, nullptr);
  run_counters counters;
  auto first = fetch(io, client, server.url("/a"), &counters);
  auto second = fetch(io, client, server.url("/b"), &counters);
  ASSERT_TRUE(first.answer);
  ASSERT_TRUE(second.answer) << second.failure->what();
  EXPECT_EQ(second.answer->body, "1");
  EXPECT_EQ(server.connections(), 2);
  EXPECT_EQ(counters.requests, 2);  // the resend on a fresh connection is not a new attempt
  EXPECT_EQ(counters.retries, 0);
}

TEST_F(http_client_test, concurrent_requests_respect_the_per_origin_limit) {
  using namespace asio::experimental::awaitable_operators;
  test_server server(io,
                     [](const received_request&, int index) { return ok(std::to_string(index)); });
  for (std::size_t limit : {std::size_t{1}, std::size_t{4}}) {
    auto o = options();
    o.max_connections_per_origin = limit;
    http_client client(io.get_executor(), o, nullptr, nullptr);
    const int before = server.connections();
    std::string a, b;
    auto task = [&]() -> asio::awaitable<void> {
      auto [ra, rb] = co_await (client.get(server.url("/a")) && client.get(server.url("/b")));
      a = ra.body;
      b = rb.body;
    };
    run(io, task());
    EXPECT_FALSE(a.empty());
    EXPECT_FALSE(b.empty());
    EXPECT_EQ(server.connections() - before, limit == 1 ? 1 : 2) << "limit " << limit;
  }
}

TEST_F(http_client_test, server_error_is_retried) {
  test_server server(io, [](const received_request&, int index) {
    return index == 0 ? reply{http_response(503, "Service Unavailable", "busy")} : ok("fine");
  });
  http_client client(io.get_executor(), options(), nullptr, nullptr);
  run_counters counters;
  auto out = fetch(io, client, server.url("/x"), &counters);
  ASSERT_TRUE(out.answer) << out.failure->what();
  EXPECT_EQ(out.answer->body, "fine");
  EXPECT_EQ(counters.requests, 2);
  EXPECT_EQ(counters.retries, 1);
  EXPECT_EQ(counters.throttled, 0);
  EXPECT_EQ(server.requests(), 2);
}

TEST_F(http_client_test, gives_up_after_max_attempts_with_a_clean_message) {
  test_server server(io, [](const received_request&, int) {
    return reply{http_response(503, "Service Unavailable",
                               "down\r\nfor\tmaintenance " + std::string(300, 'x'))};
  });
  auto o = options();
  o.retry.max_attempts = 3;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  run_counters counters;
  auto out = fetch(io, client, server.url("/v2/reviews?api_key=hidden&page=3"), &counters);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::server);
  EXPECT_EQ(out.failure->http_status(), 503u);
  const std::string body = "down  for maintenance " + std::string(300, 'x');
  EXPECT_EQ(std::string(out.failure->what()),
            "test: GET " + server.url("/v2/reviews") + ": HTTP 503 Service Unavailable: " +
                body.substr(0, 200) + " (gave up after 3 attempts)");
  EXPECT_EQ(out.failure->attempts(), 3);
  EXPECT_EQ(out.failure->body_excerpt(), body.substr(0, 200));
  EXPECT_EQ(counters.requests, 3);
  EXPECT_EQ(counters.retries, 2);
  EXPECT_EQ(server.requests(), 3);
}

TEST_F(http_client_test, throttled_with_retry_after_zero_is_retried_and_counted) {
  test_server server(io, [](const received_request&, int index) {
    return index == 0
               ? reply{http_response(429, "Too Many Requests", "slow down", {"Retry-After: 0"})}
               : ok();
  });
  auto budget = std::make_shared<token_bucket>(1000, 10);
  http_client client(io.get_executor(), options(), budget, nullptr);
  run_counters counters;
  auto out = fetch(io, client, server.url("/x"), &counters);
  ASSERT_TRUE(out.answer) << out.failure->what();
  EXPECT_EQ(counters.requests, 2);
  EXPECT_EQ(counters.throttled, 1);
  EXPECT_EQ(counters.retries, 1);
}

TEST_F(http_client_test, repeated_429s_slow_the_shared_budget_down) {
  test_server server(io, [](const received_request&, int index) {
    return index < 3 ? reply{http_response(429, "Too Many Requests", "", {"Retry-After: 0"})}
                     : ok();
  });
  auto budget = std::make_shared<token_bucket>(1000, 10);
  http_client client(io.get_executor(), options(), budget, nullptr);
  run_counters counters;
  auto out = fetch(io, client, server.url("/x"), &counters);
  ASSERT_TRUE(out.answer) << out.failure->what();
  EXPECT_EQ(counters.throttled, 3);
  EXPECT_EQ(counters.retries, 3);
  EXPECT_EQ(counters.requests, 4);
  EXPECT_DOUBLE_EQ(budget->effective_rate(std::chrono::steady_clock::now()), 500);
}

TEST_F(http_client_test, retry_after_seconds_is_honoured_up_to_the_cap) {
  test_server server(io, [](const received_request&, int index) {
    return index == 0 ? reply{http_response(429, "Too Many Requests", "", {"Retry-After: 1"})}
                      : ok();
  });
  auto o = options();
  o.retry.max_delay = 150ms;  // caps the server's 1 s so the test stays quick
  auto budget = std::make_shared<token_bucket>(1000, 10);
  http_client client(io.get_executor(), o, budget, nullptr);
  run_counters counters;
  auto out = fetch(io, client, server.url("/x"), &counters);
  ASSERT_TRUE(out.answer) << out.failure->what();
  EXPECT_GE(out.elapsed, 150ms);  // timers never fire early; backoff alone would be ~1 ms
  EXPECT_EQ(counters.throttled, 1);
}

TEST_F(http_client_test, throttling_gives_up_with_kind_throttled) {
  test_server server(io, [](const received_request&, int) {
    return reply{http_response(429, "Too Many Requests", "", {"Retry-After: 0"})};
  });
  auto o = options();
  o.retry.max_throttled_attempts = 4;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  run_counters counters;
  auto out = fetch(io, client, server.url("/x"), &counters);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::throttled);
  EXPECT_EQ(out.failure->http_status(), 429u);
  EXPECT_EQ(counters.requests, 4);
  EXPECT_EQ(counters.throttled, 4);
  EXPECT_NE(std::string(out.failure->what()).find("gave up after 4 attempts"), std::string::npos);
}

TEST_F(http_client_test, unauthorized_is_not_retried) {
  test_server server(io, [](const received_request&, int) {
    return reply{http_response(401, "Unauthorized", "{\"error\":\"bad key\"}")};
  });
  auto auth = std::make_shared<header_key_auth>("x-APIKey", secret("s3cr3t-value"));
  http_client client(io.get_executor(), options(), nullptr, auth);
  run_counters counters;
  auto out = fetch(io, client, server.url("/v2/reviews"), &counters);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::auth);
  EXPECT_EQ(out.failure->http_status(), 401u);
  EXPECT_EQ(counters.requests, 1);
  EXPECT_EQ(counters.retries, 0);
  ASSERT_EQ(server.requests(), 1);
  EXPECT_EQ(server.log()[0].header("x-apikey"), "s3cr3t-value");
  const std::string message = out.failure->what();
  EXPECT_EQ(message.find("s3cr3t"), std::string::npos);
  EXPECT_NE(message.find("HTTP 401 Unauthorized"), std::string::npos);
}

class renewing_auth final : public authenticator {
public:
  void apply(request& req) override {
    req.headers.push_back({"Authorization", "token-" + std::to_string(applied++)});
  }
  bool renew(const response& answer) override {
    ++renewals;
    return answer.status == 401;
  }
  int applied = 0;
  int renewals = 0;
};

TEST_F(http_client_test, renewable_credentials_are_retried_once) {
  test_server server(io, [](const received_request&, int) {
    return reply{http_response(401, "Unauthorized", "", {"WWW-Authenticate: Digest stale=true"})};
  });
  auto auth = std::make_shared<renewing_auth>();
  http_client client(io.get_executor(), options(), nullptr, auth);
  run_counters counters;
  auto out = fetch(io, client, server.url("/items"), &counters);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::auth);
  EXPECT_EQ(auth->renewals, 1);
  EXPECT_EQ(counters.requests, 2);
  ASSERT_EQ(server.requests(), 2);
  EXPECT_EQ(server.log()[0].header("Authorization"), "token-0");
  EXPECT_EQ(server.log()[1].header("Authorization"), "token-1");
}

TEST_F(http_client_test, renewed_credentials_can_succeed) {
  test_server server(io, [](const received_request&, int index) {
    return index == 0 ? reply{http_response(401, "Unauthorized", "")} : ok("in");
  });
  auto auth = std::make_shared<renewing_auth>();
  http_client client(io.get_executor(), options(), nullptr, auth);
  auto out = fetch(io, client, server.url("/items"));
  ASSERT_TRUE(out.answer) << out.failure->what();
  EXPECT_EQ(out.answer->body, "in");
}

TEST_F(http_client_test, client_errors_fail_at_once) {
  for (int status : {400, 403, 404, 422}) {
    test_server server(io, [status](const received_request&, int) {
      return reply{http_response(status, "Nope", "no such thing")};
    });
    http_client client(io.get_executor(), options(), nullptr, nullptr);
    run_counters counters;
    auto out = fetch(io, client, server.url("/missing"), &counters);
    ASSERT_TRUE(out.failure);
    EXPECT_EQ(out.failure->kind(), status == 403 ? error_kind::auth : error_kind::client) << status;
    EXPECT_EQ(out.failure->http_status(), static_cast<unsigned>(status));
    EXPECT_EQ(counters.requests, 1);
    EXPECT_EQ(server.requests(), 1);
  }
}

TEST_F(http_client_test, not_found_message) {
  test_server server(io, [](const received_request&, int) {
    return reply{http_response(404, "Not Found", "no such thing")};
  });
  http_client client(io.get_executor(), options(), nullptr, nullptr);
  auto out = fetch(io, client, server.url("/missing?x=1"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::client);
  EXPECT_EQ(std::string(out.failure->what()),
            "test: GET " + server.url("/missing") + ": HTTP 404 Not Found: no such thing");
}

TEST_F(http_client_test, body_over_the_limit_is_a_data_error) {
  test_server server(io, [](const received_request&, int) { return ok(std::string(1000, 'a')); });
  auto o = options();
  o.body_limit = 100;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  run_counters counters;
  auto out = fetch(io, client, server.url("/big"), &counters);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::data);
  EXPECT_NE(std::string(out.failure->what()).find("response body exceeds 100 bytes"),
            std::string::npos)
      << out.failure->what();
  EXPECT_EQ(counters.requests, 1);
}

TEST_F(http_client_test, gzip_body_is_inflated) {
  const std::string text = R"({"data":[)" + std::string(5000, ' ') + "]}";
  test_server server(io, [&](const received_request&, int) {
    return reply{http_response(200, "OK", gzip(text),
                               {"Content-Encoding: gzip", "Content-Type: application/json"})};
  });
  http_client client(io.get_executor(), options(), nullptr, nullptr);
  auto out = fetch(io, client, server.url("/z"));
  ASSERT_TRUE(out.answer) << out.failure->what();
  EXPECT_EQ(out.answer->body, text);
  EXPECT_EQ(out.answer->header_value("Content-Encoding"), "");
  EXPECT_EQ(out.answer->header_value("Content-Type"), "application/json");
}

TEST_F(http_client_test, gzip_limit_applies_to_the_inflated_size) {
  const std::string text(10'000, 'a');  // compresses to a few dozen bytes
  test_server server(io, [&](const received_request&, int) {
    return reply{http_response(200, "OK", gzip(text), {"Content-Encoding: gzip"})};
  });
  auto o = options();
  o.body_limit = 1000;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  auto out = fetch(io, client, server.url("/z"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::data);
  EXPECT_NE(std::string(out.failure->what()).find("exceeds 1000 bytes"), std::string::npos);
}

TEST_F(http_client_test, corrupt_gzip_is_a_data_error) {
  test_server server(io, [](const received_request&, int) {
    return reply{http_response(200, "OK", "definitely not gzip", {"Content-Encoding: gzip"})};
  });
  http_client client(io.get_executor(), options(), nullptr, nullptr);
  auto out = fetch(io, client, server.url("/z"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::data);
}

TEST_F(http_client_test, silent_server_times_out) {
  test_server server(io, [](const received_request&, int) {
    return reply{"", false, /*hang=*/true};
  });
  auto o = options();
  o.timeouts.read = 200ms;
  o.retry.max_attempts = 2;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  run_counters counters;
  auto out = fetch(io, client, server.url("/slow"), &counters);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::timeout);
  EXPECT_NE(std::string(out.failure->what()).find("no complete response within 200 ms"),
            std::string::npos)
      << out.failure->what();
  EXPECT_EQ(counters.requests, 2);
  EXPECT_GE(out.elapsed, 400ms);
  EXPECT_LT(out.elapsed, 20s);
}

TEST_F(http_client_test, connection_refused_is_a_network_error) {
  unsigned short port;
  {
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  auto o = options();
  o.retry.max_attempts = 2;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  run_counters counters;
  auto out =
      fetch(io, client, "http://127.0.0.1:" + std::to_string(port) + "/x?secret=1", &counters);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::network);
  const std::string message = out.failure->what();
  EXPECT_NE(message.find("cannot connect to 127.0.0.1:" + std::to_string(port)), std::string::npos)
      << message;
  EXPECT_NE(message.find("gave up after 2 attempts"), std::string::npos) << message;
  EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  EXPECT_EQ(counters.requests, 2);
  EXPECT_EQ(counters.retries, 1);
}

TEST_F(http_client_test, failures_carry_the_attempt_count_and_the_body_excerpt_as_fields) {
  test_server server(io, [](const received_request& r, int) {
    if (r.target == "/final") return reply{http_response(400, "Bad Request", "{\"error\":\"no\"}")};
    return reply{http_response(503, "Service Unavailable", "")};
  });
  auto o = options();
  o.retry.max_attempts = 2;
  http_client client(io.get_executor(), o, nullptr, nullptr);

  auto final = fetch(io, client, server.url("/final"));
  ASSERT_TRUE(final.failure);
  EXPECT_EQ(final.failure->attempts(), 1);
  EXPECT_EQ(final.failure->body_excerpt(), "{\"error\":\"no\"}");

  auto empty = fetch(io, client, server.url("/empty"));
  ASSERT_TRUE(empty.failure);
  EXPECT_EQ(empty.failure->attempts(), 2);
  EXPECT_EQ(empty.failure->body_excerpt(), "");  // an empty body: nothing quoted

  request bad;
  bad.url = server.url("/x");
  bad.headers.push_back({"X-Bad", "a\r\nInjected: 1"});
  auto refused = fetch(io, client, std::move(bad));
  ASSERT_TRUE(refused.failure);
  EXPECT_EQ(refused.failure->kind(), error_kind::client);
  EXPECT_EQ(refused.failure->attempts(), 0);  // never sent
}

TEST_F(http_client_test, shutdown_cancels_requests_in_flight) {
  test_server server(io, [](const received_request&, int) {
    return reply{"", false, /*hang=*/true};
  });
  http_client client(io.get_executor(), options(), nullptr, nullptr);
  asio::steady_timer later(io, 50ms);
  later.async_wait([&](boost::system::error_code) { client.shutdown(); });
  auto out = fetch(io, client, server.url("/slow"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::cancelled);
  EXPECT_LT(out.elapsed, 4s);  // well before the 5 s read timeout

  // And nothing new starts afterwards.
  auto again = fetch(io, client, server.url("/x"));
  ASSERT_TRUE(again.failure);
  EXPECT_EQ(again.failure->kind(), error_kind::cancelled);
}

TEST_F(http_client_test, shutdown_ends_a_wait_for_a_connection_slot) {
  using namespace asio::experimental::awaitable_operators;
  test_server server(io, [](const received_request&, int) {
    return reply{"", false, /*hang=*/true};
  });
  auto o = options();
  o.max_connections_per_origin = 1;  // the second request waits for the first one's connection
  http_client client(io.get_executor(), o, nullptr, nullptr);
  std::optional<error_kind> first, second;
  auto one = [&](std::string path, std::optional<error_kind>& kind) -> asio::awaitable<void> {
    try {
      co_await client.get(server.url(path));
    } catch (const sluice::error& e) {
      kind = e.kind();
    }
  };
  auto both = [&]() -> asio::awaitable<void> { co_await (one("/a", first) && one("/b", second)); };
  asio::steady_timer later(io, 50ms);
  later.async_wait([&](boost::system::error_code) { client.shutdown(); });
  const auto start = std::chrono::steady_clock::now();
  run(io, both());
  EXPECT_EQ(first, error_kind::cancelled);
  EXPECT_EQ(second, error_kind::cancelled);
  EXPECT_EQ(server.connections(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);  // well before the 5 s read timeout
}

TEST_F(http_client_test, shutdown_cancels_a_backoff_wait) {
  test_server server(io, [](const received_request&, int) {
    return reply{http_response(503, "Service Unavailable", "", {"Retry-After: 30"})};
  });
  auto o = options();
  o.retry.max_delay = 60s;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  asio::steady_timer later(io, 100ms);
  later.async_wait([&](boost::system::error_code) { client.shutdown(); });
  auto out = fetch(io, client, server.url("/x"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::cancelled);
  EXPECT_LT(out.elapsed, 10s);
}

TEST_F(http_client_test, post_sends_the_body) {
  test_server server(io, [](const received_request& r, int) { return ok("got " + r.body); });
  http_client client(io.get_executor(), options(), nullptr, nullptr);
  request req;
  req.method = "POST";
  req.url = server.url("/search");
  req.headers.push_back({"Content-Type", "application/json"});
  req.body = R"({"q":1})";
  auto out = fetch(io, client, req);
  ASSERT_TRUE(out.answer) << out.failure->what();
  EXPECT_EQ(out.answer->body, R"(got {"q":1})");
  ASSERT_EQ(server.requests(), 1);
  EXPECT_EQ(server.log()[0].method, "POST");
  EXPECT_EQ(server.log()[0].header("Content-Length"), "7");
  EXPECT_EQ(server.log()[0].header("Content-Type"), "application/json");
}

TEST_F(http_client_test, bad_urls_and_headers_are_client_errors) {
  http_client client(io.get_executor(), options(), nullptr, nullptr);
  for (const char* url : {"not a url", "ftp://example.com/x", "http:///nohost"}) {
    auto out = fetch(io, client, url);
    ASSERT_TRUE(out.failure) << url;
    EXPECT_EQ(out.failure->kind(), error_kind::client) << url;
  }
  request req;
  req.url = "http://127.0.0.1:1/x";
  req.headers.push_back({"X-Key", "abc\r\nInjected: yes"});
  auto out = fetch(io, client, req);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::client);
  EXPECT_EQ(std::string(out.failure->what()).find("Injected"), std::string::npos);
}

TEST_F(http_client_test, unreadable_ca_file_is_a_config_error) {
  auto o = options();
  o.ca_file = "/nonexistent/ca.pem";
  try {
    http_client client(io.get_executor(), o, nullptr, nullptr);
    FAIL() << "expected a config error";
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ca.pem"), std::string::npos);
  }
}

// "503", "429 throttled retry": one attempt as the observer saw it.
std::string describe(const request_event& e) {
  return std::to_string(e.status) + (e.throttled ? " throttled" : "") + (e.retry ? " retry" : "");
}

TEST_F(http_client_test, observer_sees_every_attempt) {
  test_server server(io, [](const received_request&, int index) {
    if (index == 0) return reply{http_response(503, "Service Unavailable", "busy")};
    if (index == 1) return reply{http_response(429, "Too Many Requests", "", {"Retry-After: 0"})};
    return ok();
  });
  std::vector<std::string> events;
  auto o = options();
  o.observer = [&events](const request_event& e) { events.push_back(describe(e)); };
  http_client client(io.get_executor(), o, std::make_shared<token_bucket>(1000, 10), nullptr);
  auto out = fetch(io, client, server.url("/x"));
  ASSERT_TRUE(out.answer) << out.failure->what();
  EXPECT_EQ(events, (std::vector<std::string>{"503", "429 throttled retry", "200 retry"}));

  // A new request starts a new count: its first attempt is not a retry.
  events.clear();
  ASSERT_TRUE(fetch(io, client, server.url("/y")).answer);
  EXPECT_EQ(events, (std::vector<std::string>{"200"}));
}

TEST_F(http_client_test, observer_sees_status_zero_when_no_answer_arrived) {
  unsigned short port;
  {
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  std::vector<std::string> events;
  auto o = options();
  o.retry.max_attempts = 2;
  o.observer = [&events](const request_event& e) { events.push_back(describe(e)); };
  http_client client(io.get_executor(), o, nullptr, nullptr);
  auto out = fetch(io, client, "http://127.0.0.1:" + std::to_string(port) + "/x");
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(events, (std::vector<std::string>{"0", "0 retry"}));
}

TEST_F(http_client_test, observer_sees_a_final_client_error_once) {
  test_server server(
      io, [](const received_request&, int) { return reply{http_response(404, "Not Found", "")}; });
  std::vector<std::string> events;
  auto o = options();
  o.observer = [&events](const request_event& e) { events.push_back(describe(e)); };
  http_client client(io.get_executor(), o, nullptr, nullptr);
  ASSERT_TRUE(fetch(io, client, server.url("/missing")).failure);
  EXPECT_EQ(events, (std::vector<std::string>{"404"}));
}

TEST_F(http_client_test, low_priority_waits_for_the_normal_requests_queued_ahead) {
  std::map<std::string, std::chrono::steady_clock::time_point> arrived;
  std::function<void()> on_first_live;
  test_server server(io, [&](const received_request& r, int) {
    arrived[r.target] = std::chrono::steady_clock::now();
    if (r.target == "/live1") on_first_live();
    return ok(r.target);
  });
  // Two per second, no burst beyond one token.
  auto budget = std::make_shared<token_bucket>(2, 1);
  http_client live(io.get_executor(), options(), budget, nullptr);
  auto low = options();
  low.priority = request_priority::low;
  http_client backfill(io.get_executor(), low, budget, nullptr);

  std::map<std::string, std::string> bodies;
  int pending = 0;
  std::exception_ptr failure;
  auto spawn = [&](http_client& client, std::string path) {
    ++pending;
    asio::co_spawn(
        io,
        [&, path]() -> asio::awaitable<void> {
          bodies[path] = (co_await client.get(server.url(path))).body;
        },
        [&](std::exception_ptr e) {
          if (e) failure = e;
          if (--pending == 0) io.stop();
        });
  };
  // Started in this order, each up to its first wait before the next: live1 and live2 hold the
  // slots at 0 and 0.5 s, so the backfill request finds nothing left and asks again at 1 s.
  // live3 arrives while it waits (live1 reaching the server comes after all three started) and
  // still goes first, at 1 s: backfill gets the slot after it, at 1.5 s. A backfill request that
  // reserved like a normal one would have gone at 1 s.
  on_first_live = [&] { spawn(live, "/live3"); };
  const auto start = std::chrono::steady_clock::now();
  spawn(live, "/live1");
  spawn(live, "/live2");
  spawn(backfill, "/backfill");
  io.run_for(60s);
  ASSERT_EQ(pending, 0) << "requests did not finish";
  if (failure) std::rethrow_exception(failure);
  EXPECT_EQ(bodies["/backfill"], "/backfill");
  EXPECT_EQ(bodies["/live3"], "/live3");
  ASSERT_TRUE(arrived.count("/backfill"));
  EXPECT_GE(arrived["/backfill"] - start, 1500ms);
}

TEST_F(http_client_test, low_priority_takes_tokens_of_an_idle_budget_without_waiting) {
  test_server server(io, [](const received_request&, int) { return ok(); });
  // One token per 1000 s: had the backfill client to wait for a refill, the test would time out.
  auto budget = std::make_shared<token_bucket>(0.001, 2);
  auto low = options();
  low.priority = request_priority::low;
  http_client backfill(io.get_executor(), low, budget, nullptr);
  EXPECT_TRUE(fetch(io, backfill, server.url("/a")).answer);
  EXPECT_TRUE(fetch(io, backfill, server.url("/b")).answer);
  EXPECT_FALSE(budget->try_take_now(std::chrono::steady_clock::now()));  // both burst tokens used
}

TEST_F(http_client_test, shutdown_ends_a_low_priority_wait) {
  test_server server(io, [](const received_request&, int) { return ok(); });
  auto budget = std::make_shared<token_bucket>(10, 1);
  // Within the longest Retry-After waited for (a longer pause fails the request at once).
  budget->pause_until(std::chrono::steady_clock::now() + 30s);
  auto low = options();
  low.priority = request_priority::low;
  http_client backfill(io.get_executor(), low, budget, nullptr);
  asio::steady_timer later(io, 50ms);
  later.async_wait([&](boost::system::error_code) { backfill.shutdown(); });
  auto out = fetch(io, backfill, server.url("/x"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::cancelled);
  EXPECT_EQ(server.requests(), 0);
}

// TLS: a server certificate made on the fly, trusted through client_options::ca_file.
class http_client_tls_test : public http_client_test {
protected:
  std::string write_pem(const std::string& name, const std::string& pem) {
    std::string path =
        ::testing::TempDir() + "sluice_net_" + name + "_" + std::to_string(::getpid()) + ".pem";
    std::ofstream(path) << pem;
    files_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& f : files_) std::remove(f.c_str());
  }
  static asio::ssl::context server_context(const test::test_cert& cert) {
    asio::ssl::context ctx(asio::ssl::context::tls_server);
    ctx.use_certificate_chain(asio::buffer(cert.cert_pem));
    ctx.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem);
    return ctx;
  }

  std::vector<std::string> files_;
};

TEST_F(http_client_tls_test, trusted_certificate_for_an_ip_literal) {
  auto cert = test::make_test_cert("IP:127.0.0.1");
  auto tls = server_context(cert);
  test_server server(
      io, [](const received_request&, int) { return ok("secure"); }, &tls);
  auto o = options();
  o.ca_file = write_pem("ip", cert.cert_pem);
  http_client client(io.get_executor(), o, nullptr, nullptr);
  auto first = fetch(io, client, server.url("/s"));
  auto second = fetch(io, client, server.url("/s"));
  ASSERT_TRUE(first.answer) << first.failure->what();
  ASSERT_TRUE(second.answer) << second.failure->what();
  EXPECT_EQ(first.answer->body, "secure");
  EXPECT_EQ(server.connections(), 1);  // TLS connections are reused too
  EXPECT_EQ(server.last_sni(), "");    // no SNI for IP literals
}

TEST_F(http_client_tls_test, trusted_certificate_for_a_name_sends_sni) {
  auto cert = test::make_test_cert("DNS:localhost");
  auto tls = server_context(cert);
  test_server server(
      io, [](const received_request&, int) { return ok("secure"); }, &tls);
  auto o = options();
  o.ca_file = write_pem("name", cert.cert_pem);
  http_client client(io.get_executor(), o, nullptr, nullptr);
  auto out = fetch(io, client, server.url("/s", "localhost"));
  ASSERT_TRUE(out.answer) << out.failure->what();
  EXPECT_EQ(server.last_sni(), "localhost");
  ASSERT_EQ(server.requests(), 1);
  EXPECT_EQ(server.log()[0].header("Host"), "localhost:" + std::to_string(server.port()));
}

TEST_F(http_client_tls_test, untrusted_certificate_fails_verification) {
  auto cert = test::make_test_cert("IP:127.0.0.1");
  auto other = test::make_test_cert("IP:127.0.0.1");
  auto tls = server_context(cert);
  test_server server(
      io, [](const received_request&, int) { return ok("secure"); }, &tls);
  auto o = options();
  o.ca_file = write_pem("other", other.cert_pem);
  o.retry.max_attempts = 1;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  auto out = fetch(io, client, server.url("/s"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::network);
  EXPECT_NE(
      std::string(out.failure->what()).find("certificate verification failed for host 127.0.0.1"),
      std::string::npos)
      << out.failure->what();
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(http_client_tls_test, ip_literal_not_in_the_certificate_fails_verification) {
  auto cert = test::make_test_cert("DNS:other.example, IP:127.0.0.2");
  auto tls = server_context(cert);
  test_server server(
      io, [](const received_request&, int) { return ok("secure"); }, &tls);
  auto o = options();
  o.ca_file = write_pem("mismatch", cert.cert_pem);
  o.retry.max_attempts = 1;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  auto out = fetch(io, client, server.url("/s"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::network);
  const std::string message = out.failure->what();
  EXPECT_NE(message.find("certificate verification failed for host 127.0.0.1"), std::string::npos)
      << message;
  EXPECT_NE(message.find("not valid for this IP address"), std::string::npos) << message;
  EXPECT_EQ(server.requests(), 0);
}

TEST_F(http_client_tls_test, host_name_not_in_the_certificate_fails_verification) {
  auto cert = test::make_test_cert("DNS:other.example");
  auto tls = server_context(cert);
  test_server server(
      io, [](const received_request&, int) { return ok("secure"); }, &tls);
  auto o = options();
  o.ca_file = write_pem("name_mismatch", cert.cert_pem);
  o.retry.max_attempts = 1;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  auto out = fetch(io, client, server.url("/s", "localhost"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::network);
  EXPECT_NE(
      std::string(out.failure->what()).find("certificate verification failed for host localhost"),
      std::string::npos)
      << out.failure->what();
}

TEST_F(http_client_tls_test, handshake_has_its_own_timeout) {
  // A plain HTTP server never answers a ClientHello (it waits for a blank line that never comes).
  test_server server(io, [](const received_request&, int) { return ok(); });
  auto o = options();
  o.timeouts.handshake = 200ms;
  o.retry.max_attempts = 1;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  auto out = fetch(io, client, "https://127.0.0.1:" + std::to_string(server.port()) + "/s");
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::timeout);
  EXPECT_NE(std::string(out.failure->what()).find("TLS handshake"), std::string::npos)
      << out.failure->what();
  EXPECT_LT(out.elapsed, 4s);
}

}  // namespace
}  // namespace sluice::net
