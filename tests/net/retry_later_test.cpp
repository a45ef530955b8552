// A Retry-After longer than a run sensibly waits: the request fails at once as throttled with the
// time to retry, and the source's budget holds its other requests back until then. Also: idle
// connections closed on demand, and TLS contexts shared per trust configuration.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "net/http_client.hpp"
#include "net/tls_context.hpp"
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

struct outcome {
  std::optional<response> answer;
  std::optional<sluice::error> failure;
  std::chrono::steady_clock::duration elapsed{};
};

outcome fetch(asio::io_context& io, http_client& client, std::string url,
              run_counters* counters = nullptr) {
  outcome out;
  auto task = [&]() -> asio::awaitable<void> {
    const auto start = std::chrono::steady_clock::now();
    try {
      out.answer = co_await client.get(url, counters);
    } catch (const sluice::error& e) {
      out.failure = e;
    }
    out.elapsed = std::chrono::steady_clock::now() - start;
  };
  test::run_on(io, task());
  return out;
}

std::string what(const outcome& out) { return out.failure ? out.failure->what() : "(succeeded)"; }

client_options quick_options() {
  client_options o;
  o.source = "test";
  o.timeouts = timeouts::uniform(5s);
  o.retry.base_delay = 1ms;
  o.retry.max_delay = 20ms;
  return o;  // max_retry_after stays at its default, 60 s
}

// The UTC year of now + `ahead`, as it appears in "retry after 2026-...".
std::string year_in(std::chrono::seconds ahead) {
  const auto when = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + ahead);
  return std::to_string(static_cast<int>(std::chrono::year_month_day(when).year()));
}

TEST(retry_later, long_retry_after_fails_at_once_and_pauses_the_source) {
  asio::io_context io;
  test_server server(io, [](const received_request&, int) {
    return reply{
        http_response(429, "Too Many Requests", "come back tomorrow", {"Retry-After: 86400"})};
  });
  auto budget = std::make_shared<token_bucket>(1000, 10);
  http_client client(io.get_executor(), quick_options(), budget, nullptr);
  run_counters counters;
  auto out = fetch(io, client, server.url("/reviews?key=secret"), &counters);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::throttled);
  EXPECT_EQ(out.failure->http_status(), 429u);
  EXPECT_LT(out.elapsed, 5s);
  EXPECT_EQ(server.requests(), 1) << "no retry before the time the API gave";
  EXPECT_EQ(counters.requests, 1);
  EXPECT_EQ(counters.throttled, 1);
  EXPECT_EQ(counters.retries, 0);
  const std::string message = what(out);
  EXPECT_NE(message.find("86400 s (Retry-After)"), std::string::npos) << message;
  EXPECT_NE(message.find("retry after " + year_in(86400s) + "-"), std::string::npos) << message;
  EXPECT_NE(message.find("come back tomorrow"), std::string::npos) << message;
  EXPECT_EQ(message.find("secret"), std::string::npos) << message;
  const auto paused = budget->paused_until() - std::chrono::steady_clock::now();
  EXPECT_GT(paused, 86000s);
  EXPECT_LE(paused, 86400s);

  // The source's next request (another stream) is not sent at all before that time.
  auto next = fetch(io, client, server.url("/businesses"));
  ASSERT_TRUE(next.failure);
  EXPECT_EQ(next.failure->kind(), error_kind::throttled);
  EXPECT_NE(what(next).find("not sent"), std::string::npos) << what(next);
  EXPECT_NE(what(next).find("retry after " + year_in(86400s) + "-"), std::string::npos)
      << what(next);
  EXPECT_EQ(server.requests(), 1);
}

TEST(retry_later, an_http_date_far_ahead_counts_the_same) {
  asio::io_context io;
  test_server server(io, [](const received_request&, int) {
    return reply{http_response(429, "Too Many Requests", "",
                               {"Retry-After: Mon, 31 Dec 2040 23:59:59 GMT"})};
  });
  http_client client(io.get_executor(), quick_options(), std::make_shared<token_bucket>(1000, 10),
                     nullptr);
  auto out = fetch(io, client, server.url("/x"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::throttled);
  EXPECT_EQ(server.requests(), 1);
  EXPECT_NE(what(out).find("retry after 2040-12-31T23:59:59Z"), std::string::npos) << what(out);
}

TEST(retry_later, a_503_with_a_long_retry_after_is_not_retried_either) {
  asio::io_context io;
  test_server server(io, [](const received_request&, int) {
    return reply{http_response(503, "Service Unavailable", "maintenance", {"Retry-After: 7200"})};
  });
  http_client client(io.get_executor(), quick_options(), std::make_shared<token_bucket>(1000, 10),
                     nullptr);
  auto out = fetch(io, client, server.url("/x"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::server);
  EXPECT_EQ(server.requests(), 1);
  EXPECT_NE(what(out).find("7200 s (Retry-After)"), std::string::npos) << what(out);
}

TEST(retry_later, a_retry_after_within_the_limit_is_still_waited_for) {
  asio::io_context io;
  test_server server(io, [](const received_request&, int index) {
    return index == 0 ? reply{http_response(429, "Too Many Requests", "", {"Retry-After: 1"})}
                      : reply{http_response(200, "OK", "ok")};
  });
  auto o = quick_options();
  o.retry.max_retry_after = 2s;
  http_client client(io.get_executor(), o, std::make_shared<token_bucket>(1000, 10), nullptr);
  auto out = fetch(io, client, server.url("/x"));
  ASSERT_TRUE(out.answer) << what(out);
  EXPECT_EQ(server.requests(), 2);
}

TEST(http_client_pool, close_idle_drops_the_kept_alive_connection) {
  asio::io_context io;
  test_server server(
      io, [](const received_request&, int) { return reply{http_response(200, "OK", "ok")}; });
  http_client client(io.get_executor(), quick_options(), nullptr, nullptr);
  ASSERT_TRUE(fetch(io, client, server.url("/a")).answer);
  ASSERT_TRUE(fetch(io, client, server.url("/b")).answer);
  EXPECT_EQ(server.connections(), 1);
  client.close_idle();
  ASSERT_TRUE(fetch(io, client, server.url("/c")).answer);
  EXPECT_EQ(server.connections(), 2);
}

TEST(http_client_pool, running_out_of_descriptors_names_the_cause) {
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizers check memory through a pipe of their own: with no descriptor left, they take
  // every object for unreadable and report false errors. The default preset runs this test.
  GTEST_SKIP() << "needs descriptors the sanitizers' own checks use";
#endif
  asio::io_context io;
  test_server server(
      io, [](const received_request&, int) { return reply{http_response(200, "OK", "ok")}; });
  auto o = quick_options();
  o.retry.max_attempts = 1;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  ASSERT_TRUE(fetch(io, client, server.url("/warm")).answer);  // resolver thread and all started
  client.close_idle();
  io.restart();
  io.run_for(200ms);  // the server notices and closes its end of that connection too
  // Take every descriptor left, then ask for a new connection.
  std::vector<int> hogs;
  for (int fd; (fd = ::dup(STDERR_FILENO)) >= 0;) hogs.push_back(fd);
  auto out = fetch(io, client, server.url("/x"));
  for (int fd : hogs) ::close(fd);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::network);
  EXPECT_NE(what(out).find("out of file descriptors"), std::string::npos) << what(out);
  EXPECT_NE(what(out).find("LimitNOFILE"), std::string::npos) << what(out);
  EXPECT_EQ(what(out).find("Operation canceled"), std::string::npos) << what(out);
}

TEST(tls_context, one_context_per_trust_configuration) {
  auto system_a = shared_tls_context("", "a");
  auto system_b = shared_tls_context("", "b");
  EXPECT_EQ(system_a.get(), system_b.get());
  try {
    (void)shared_tls_context("/nonexistent/ca.pem", "c");
    FAIL() << "expected a config error";
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    EXPECT_NE(std::string(e.what()).find("c: cannot load CA file /nonexistent/ca.pem"),
              std::string::npos);
  }
  // Freed with its last user, built again on demand.
  system_a.reset();
  system_b.reset();
  EXPECT_TRUE(shared_tls_context("", "d"));
}

}  // namespace
}  // namespace sluice::net
