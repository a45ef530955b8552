// request::final_statuses: statuses an API documents as a verdict on the request itself fail at
// once, keeping the kind their status maps to; every other status keeps its retry behaviour.
#include "net/http_client.hpp"

#include <chrono>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "core/error.hpp"
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

class final_status_test : public ::testing::Test {
protected:
  static client_options options() {
    client_options o;
    o.source = "crm";
    o.timeouts = timeouts::uniform(5s);
    o.retry.base_delay = 1ms;
    o.retry.max_delay = 20ms;
    o.retry.max_attempts = 4;
    return o;
  }

  // Sends GET `url` with `final_statuses`; the failure, if any.
  std::optional<sluice::error> get(const std::string& url, std::vector<unsigned> final_statuses,
                                   run_counters& counters) {
    http_client client(io.get_executor(), options(), nullptr, nullptr);
    std::optional<sluice::error> failure;
    auto task = [&]() -> asio::awaitable<void> {
      request req;
      req.url = url;
      req.final_statuses = std::move(final_statuses);
      try {
        co_await client.send(req, &counters);
      } catch (const sluice::error& e) {
        failure = e;
      }
    };
    test::run_on(io, task());
    return failure;
  }

  asio::io_context io;
};

reply answer(unsigned status) {
  const std::string reason = status == 500   ? "Internal Server Error"
                             : status == 501 ? "Not Implemented"
                                             : "Service Unavailable";
  return {http_response(static_cast<int>(status), reason,
                        R"({"status":"ERROR","error":"cannot do that"})")};
}

TEST_F(final_status_test, a_final_status_is_sent_once_and_keeps_its_kind) {
  for (unsigned status : {500u, 501u}) {
    test_server server(io, [status](const received_request&, int) { return answer(status); });
    run_counters counters;
    auto failure = get(server.url("/api/task"), {500, 501}, counters);
    ASSERT_TRUE(failure) << status;
    EXPECT_EQ(failure->kind(), error_kind::server) << status;
    EXPECT_EQ(failure->http_status(), status);
    EXPECT_EQ(server.requests(), 1) << status;
    EXPECT_EQ(counters.requests, 1) << status;
    EXPECT_EQ(counters.retries, 0) << status;
    // Not "gave up after": nothing was tried again.
    EXPECT_EQ(std::string(failure->what()).find("attempt"), std::string::npos) << failure->what();
  }
}

TEST_F(final_status_test, other_server_errors_are_still_retried) {
  test_server server(io, [](const received_request&, int) { return answer(503); });
  run_counters counters;
  auto failure = get(server.url("/api/task"), {500, 501}, counters);
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->http_status(), 503u);
  EXPECT_EQ(server.requests(), 4);  // max_attempts
  EXPECT_EQ(counters.retries, 3);
}

TEST_F(final_status_test, without_final_statuses_a_500_is_retried_as_before) {
  test_server server(io, [](const received_request&, int index) {
    return index == 0 ? answer(500) : reply{http_response(200, "OK", "fine")};
  });
  run_counters counters;
  EXPECT_FALSE(get(server.url("/api/task"), {}, counters));
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(counters.retries, 1);
}

}  // namespace
}  // namespace sluice::net
