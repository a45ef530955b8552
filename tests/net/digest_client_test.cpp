#include <algorithm>
// digest_auth inside http_client, end to end against the scripted plain-Asio server: the server
// challenges, verifies each Digest answer itself and rotates its nonce like a real one would.
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "net/digest_auth.hpp"
#include "net/http_client.hpp"
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

constexpr const char* user = "ops@example.com";
constexpr const char* password = "cl0udapp-Digest-PASS";
constexpr const char* realm = "Application";
constexpr const char* opaque = "0paque,with=\\\"odd\\\" chars";  // as written in the header

void run(asio::io_context& io, asio::awaitable<void> task) { test::run_on(io, std::move(task)); }

struct outcome {
  std::optional<response> answer;
  std::optional<sluice::error> failure;
};

outcome fetch(asio::io_context& io, http_client& client, request req, run_counters* counters) {
  outcome out;
  auto task = [&]() -> asio::awaitable<void> {
    try {
      out.answer = co_await client.send(req, counters);
    } catch (const sluice::error& e) {
      out.failure = e;
    }
  };
  run(io, task());
  return out;
}

outcome fetch(asio::io_context& io, http_client& client, std::string url, run_counters* counters) {
  request req;
  req.url = std::move(url);
  req.headers.push_back({"Accept", "application/json"});
  return fetch(io, client, std::move(req), counters);
}

// The fields of an Authorization value, the way a server reads them.
std::map<std::string, std::string> fields(std::string_view value) {
  std::map<std::string, std::string> out;
  if (value.substr(0, 7) != "Digest ") return out;
  std::size_t i = 7;
  while (i < value.size()) {
    const auto eq = value.find('=', i);
    if (eq == std::string_view::npos) return {};
    std::string name(value.substr(i, eq - i)), v;
    i = eq + 1;
    if (i < value.size() && value[i] == '"') {
      for (++i; i < value.size() && value[i] != '"'; ++i) {
        if (value[i] == '\\') ++i;
        if (i < value.size()) v.push_back(value[i]);
      }
      ++i;
    } else {
      while (i < value.size() && value[i] != ',') v.push_back(value[i++]);
    }
    out[name] = v;
    while (i < value.size() && (value[i] == ',' || value[i] == ' ')) ++i;
  }
  return out;
}

// A Digest server in the test: what it decided for each request is kept in `verdicts`.
struct digest_server {
  std::vector<std::string> algorithms{"MD5"};  // one challenge per algorithm, in this order
  std::string required_algorithm = "MD5";
  bool always_stale = false;  // answers every credential with a new, stale nonce
  int serial = 1;
  std::string nonce = "nonce-1";
  std::set<std::uint32_t> used_nc;
  std::set<std::string> used_cnonces;
  std::vector<std::string> verdicts;

  void rotate() {
    nonce = "nonce-" + std::to_string(++serial);
    used_nc.clear();
  }

  reply unauthorized(std::string verdict, bool stale) {
    verdicts.push_back(std::move(verdict));
    std::vector<std::string> headers{
        "Content-Type: text/plain", "WWW-Authenticate: Basic realm=\"" + std::string(realm) + "\""};
    for (const auto& algorithm : algorithms)
      headers.push_back("WWW-Authenticate: Digest realm=\"" + std::string(realm) + "\", nonce=\"" +
                        nonce + "\", algorithm=" + algorithm + ", qop=\"auth\", opaque=\"" +
                        opaque + "\"" + (stale ? ", stale=true" : ""));
    return {http_response(401, "Unauthorized", "HTTP Digest: Access denied.\n", headers)};
  }

  reply handle(const received_request& r) {
    const auto header = r.header("Authorization");
    if (!header) return unauthorized("challenge", false);
    auto f = fields(*header);
    if (always_stale) {
      rotate();
      return unauthorized("stale", true);
    }
    if (f["nonce"] != nonce) return unauthorized("stale", true);

    digest_challenge expected_challenge;
    expected_challenge.realm = realm;
    expected_challenge.nonce = nonce;
    expected_challenge.opaque = "0paque,with=\"odd\" chars";
    expected_challenge.algorithm = required_algorithm;
    expected_challenge.qop = {"auth"};
    const auto nc =
        static_cast<std::uint32_t>(std::stoul(f["nc"].empty() ? "0" : f["nc"], nullptr, 16));
    const auto expected = digest_authorization(expected_challenge, user, password, r.method,
                                               r.target, nc, f["cnonce"]);
    // The whole value must match: the response hash, and the uri exactly as on the request line.
    const bool fresh = used_nc.insert(nc).second && used_cnonces.insert(f["cnonce"]).second;
    if (*header != expected || !fresh || f["uri"] != r.target) return unauthorized("denied", false);
    verdicts.push_back("ok");
    return {http_response(200, "OK", "[]", {"Content-Type: application/json"})};
  }
};

class digest_client_test : public ::testing::Test {
protected:
  static client_options options() {
    client_options o;
    o.source = "shots";
    o.timeouts = timeouts::uniform(5s);
    o.retry.base_delay = 1ms;
    o.retry.max_delay = 20ms;
    return o;
  }

  std::string authorization(int index) const {
    return server.log().at(static_cast<std::size_t>(index)).header("Authorization").value_or("");
  }

  asio::io_context io;
  digest_server state;
  test_server server{io, [this](const received_request& r, int) { return state.handle(r); }};
};

TEST_F(digest_client_test, challenge_then_nonce_reuse_then_stale_renewal) {
  auto auth = std::make_shared<digest_auth>(user, secret(password));
  http_client client(io.get_executor(), options(), nullptr, auth);
  run_counters counters;

  auto first = fetch(io, client, server.url("/cloudapp/items?page=1&per_page=100"), &counters);
  ASSERT_TRUE(first.answer) << first.failure->what();
  EXPECT_EQ(first.answer->body, "[]");
  EXPECT_EQ(server.requests(), 2);
  EXPECT_EQ(counters.requests, 2);
  EXPECT_EQ(authorization(0), "");
  EXPECT_EQ(fields(authorization(1))["nc"], "00000001");
  EXPECT_EQ(fields(authorization(1))["uri"], "/cloudapp/items?page=1&per_page=100");

  // The nonce is reused: one request, no new challenge.
  auto second = fetch(io, client, server.url("/cloudapp/items?page=2&per_page=100"), &counters);
  ASSERT_TRUE(second.answer) << second.failure->what();
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(fields(authorization(2))["nc"], "00000002");
  EXPECT_EQ(fields(authorization(2))["nonce"], "nonce-1");

  // The server expires its nonce: one stale 401, one resend with the new nonce and nc reset.
  state.rotate();
  auto third = fetch(io, client, server.url("/cloudapp/account"), &counters);
  ASSERT_TRUE(third.answer) << third.failure->what();
  EXPECT_EQ(server.requests(), 5);
  EXPECT_EQ(fields(authorization(3))["nonce"], "nonce-1");
  EXPECT_EQ(fields(authorization(4))["nonce"], "nonce-2");
  EXPECT_EQ(fields(authorization(4))["nc"], "00000001");

  request post;
  post.method = "POST";
  post.url = server.url("/cloudapp/items");
  post.body = R"({"item":{"name":"x"}})";
  auto fourth = fetch(io, client, post, &counters);
  ASSERT_TRUE(fourth.answer) << fourth.failure->what();
  EXPECT_EQ(fields(authorization(5))["nc"], "00000002");

  EXPECT_EQ(state.verdicts,
            (std::vector<std::string>{"challenge", "ok", "ok", "stale", "ok", "ok"}));
  EXPECT_EQ(counters.requests, 6);
  EXPECT_EQ(counters.retries, 0);
  for (const auto& r : server.log())
    for (const auto& [name, value] : r.headers)
      EXPECT_EQ(value.find(password), std::string::npos) << name;
}

TEST_F(digest_client_test, sha256_challenge_on_a_later_header_line_wins) {
  state.algorithms = {"MD5", "SHA-256"};
  state.required_algorithm = "SHA-256";
  http_client client(io.get_executor(), options(), nullptr,
                     std::make_shared<digest_auth>(user, secret(password)));
  run_counters counters;
  auto out = fetch(io, client, server.url("/cloudapp/account/stats"), &counters);
  ASSERT_TRUE(out.answer) << out.failure->what();
  EXPECT_EQ(fields(authorization(1))["algorithm"], "SHA-256");
  EXPECT_EQ(state.verdicts, (std::vector<std::string>{"challenge", "ok"}));
  EXPECT_EQ(counters.requests, 2);
}

TEST_F(digest_client_test, wrong_password_fails_with_auth_after_two_requests) {
  const std::string wrong = "not-the-password-123";
  http_client client(io.get_executor(), options(), nullptr,
                     std::make_shared<digest_auth>(user, secret(wrong)));
  run_counters counters;

  auto out = fetch(io, client, server.url("/cloudapp/items?page=1"), &counters);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::auth);
  EXPECT_EQ(out.failure->http_status(), 401u);
  EXPECT_EQ(server.requests(), 2);  // the challenge, then our one answer to it
  EXPECT_EQ(counters.requests, 2);
  EXPECT_EQ(counters.retries, 0);
  const std::string message = out.failure->what();
  EXPECT_NE(message.find("HTTP 401"), std::string::npos) << message;
  EXPECT_EQ(message.find(wrong), std::string::npos) << message;
  EXPECT_EQ(message.find(password), std::string::npos) << message;

  // The next request carries the credentials at once and is refused at once.
  auto again = fetch(io, client, server.url("/cloudapp/items?page=1"), &counters);
  ASSERT_TRUE(again.failure);
  EXPECT_EQ(again.failure->kind(), error_kind::auth);
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(state.verdicts, (std::vector<std::string>{"challenge", "denied", "denied"}));
  for (const auto& r : server.log())
    for (const auto& [name, value] : r.headers)
      EXPECT_EQ(value.find(wrong), std::string::npos) << name;
}

TEST_F(digest_client_test, a_server_that_is_always_stale_does_not_loop) {
  state.always_stale = true;
  http_client client(io.get_executor(), options(), nullptr,
                     std::make_shared<digest_auth>(user, secret(password)));
  run_counters counters;
  auto out = fetch(io, client, server.url("/cloudapp/items"), &counters);
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::auth);
  EXPECT_EQ(counters.requests, 2);

  // Each later request: its credentials are stale, one renewal, then the answer is final.
  auto next = fetch(io, client, server.url("/cloudapp/items"), &counters);
  ASSERT_TRUE(next.failure);
  EXPECT_EQ(counters.requests, 4);
  EXPECT_EQ(server.requests(), 4);
}

// Two streams of one source share the authenticator and both start before the first challenge.
TEST_F(digest_client_test, concurrent_requests_before_the_first_challenge_both_succeed) {
  http_client client(io.get_executor(), options(), nullptr,
                     std::make_shared<digest_auth>(user, secret(password)));
  run_counters counters;
  run(io, [&]() -> asio::awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    auto [a, b] =
        co_await (client.get(server.url("/cloudapp/items?page=1"), &counters) &&
                  client.get(server.url("/cloudapp/items?page=1&deleted=true"), &counters));
    EXPECT_EQ(a.status, 200u);
    EXPECT_EQ(b.status, 200u);
  }());
  EXPECT_EQ(server.requests(), 4);
  EXPECT_EQ(counters.requests, 4);
  // Both anonymous requests were challenged and both answers verified; in which order the
  // server saw them depends on scheduling, so compare them sorted.
  auto verdicts = state.verdicts;
  std::sort(verdicts.begin(), verdicts.end());
  EXPECT_EQ(verdicts, (std::vector<std::string>{"challenge", "challenge", "ok", "ok"}));
}

}  // namespace
}  // namespace sluice::net
