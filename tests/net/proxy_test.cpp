// Proxies: proxy URLs, NO_PROXY, the choice between the source's `proxy` and the environment,
// and http_client through a scripted CONNECT proxy (tests/net/connect_proxy.hpp) on 127.0.0.1.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include <unistd.h>

#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "net/client_target.hpp"
#include "net/http_client.hpp"
#include "net/no_proxy.hpp"
#include "net/proxy_settings.hpp"
#include "net/proxy_url.hpp"
#include "tests/net/connect_proxy.hpp"
#include "tests/net/test_cert.hpp"
#include "tests/net/test_server.hpp"
#include "tests/support/run_sync.hpp"

namespace sluice::net {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::connect_proxy;

// -- proxy URLs ---------------------------------------------------------------------------------

TEST(proxy_url, host_port_and_credentials) {
  auto p = parse_proxy_url("http://alice:s%40cret@Proxy.Corp.example:3128/");
  EXPECT_EQ(p.host, "proxy.corp.example");
  EXPECT_EQ(p.port, "3128");
  EXPECT_EQ(p.user, "alice");
  EXPECT_EQ(p.password.reveal(), "s@cret");
  EXPECT_TRUE(p.has_credentials());
  EXPECT_EQ(p.authority, "proxy.corp.example:3128");
  EXPECT_EQ(proxy_authorization(p).reveal(), "Basic YWxpY2U6c0BjcmV0");
}

TEST(proxy_url, defaults_as_curl) {
  auto p = parse_proxy_url("proxy.example");  // no scheme: http://; no port: 1080
  EXPECT_EQ(p.port, "1080");
  EXPECT_FALSE(p.has_credentials());
  auto v6 = parse_proxy_url("http://[::1]:8080");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.authority, "[::1]:8080");
  EXPECT_EQ(parse_proxy_url("127.0.0.1:3128").authority, "127.0.0.1:3128");
}

TEST(proxy_url, refusals_never_quote_the_url) {
  for (const char* url : {"https://u:pw-SECRET@proxy:3128", "socks5://u:pw-SECRET@proxy:1080",
                          "http://u:pw-SECRET@proxy:99999", "http://u:pw-SECRET@proxy:3128/path",
                          "http://u:pw-SECRET@:3128", "http://u:pw-SECRET@proxy:3128?x=1"}) {
    try {
      parse_proxy_url(url);
      ADD_FAILURE() << "accepted " << url;
    } catch (const sluice::error& e) {
      EXPECT_EQ(e.kind(), error_kind::config) << url;
      EXPECT_EQ(std::string(e.what()).find("pw-SECRET"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("proxy:"), std::string::npos) << e.what();
    }
  }
}

// -- NO_PROXY ---------------------------------------------------------------------------------

TEST(no_proxy, names_match_exactly_or_as_a_domain_suffix) {
  no_proxy_rules rules("example.com, .internal.corp,Intranet");
  EXPECT_TRUE(rules.bypasses("example.com"));
  EXPECT_TRUE(rules.bypasses("api.example.com"));
  EXPECT_TRUE(rules.bypasses("a.b.example.com"));
  EXPECT_FALSE(rules.bypasses("badexample.com"));
  EXPECT_FALSE(rules.bypasses("example.com.evil.net"));
  EXPECT_TRUE(rules.bypasses("internal.corp"));  // the leading dot is optional, both ways
  EXPECT_TRUE(rules.bypasses("db.internal.corp"));
  EXPECT_TRUE(rules.bypasses("intranet"));      // case-insensitive
  EXPECT_TRUE(rules.bypasses("example.com."));  // a trailing dot is the same name
  EXPECT_FALSE(rules.bypasses("api.partoo.co"));
}

TEST(no_proxy, ports_in_entries_are_ignored) {
  no_proxy_rules rules("example.com:8443,127.0.0.1:9000,[::1]:8080");
  EXPECT_TRUE(rules.bypasses("example.com"));
  EXPECT_TRUE(rules.bypasses("127.0.0.1"));
  EXPECT_TRUE(rules.bypasses("::1"));
}

TEST(no_proxy, addresses_and_cidr_blocks) {
  no_proxy_rules rules("127.0.0.1, 10.0.0.0/8, 192.168.1.0/25, fd00::/8, ::1");
  EXPECT_TRUE(rules.bypasses("127.0.0.1"));
  EXPECT_FALSE(rules.bypasses("127.0.0.2"));
  EXPECT_TRUE(rules.bypasses("10.20.30.40"));
  EXPECT_FALSE(rules.bypasses("11.0.0.1"));
  EXPECT_TRUE(rules.bypasses("192.168.1.127"));
  EXPECT_FALSE(rules.bypasses("192.168.1.128"));
  EXPECT_TRUE(rules.bypasses("fd12:3456::1"));
  EXPECT_TRUE(rules.bypasses("0:0:0:0:0:0:0:1"));  // the same address, spelled out
  EXPECT_FALSE(rules.bypasses("fe80::1"));
  // Names never match addresses, nor addresses names (as curl).
  EXPECT_FALSE(no_proxy_rules("localhost").bypasses("127.0.0.1"));
  EXPECT_FALSE(no_proxy_rules("127.0.0.1").bypasses("localhost"));
}

TEST(no_proxy, star_and_empty_lists) {
  EXPECT_TRUE(no_proxy_rules("*").bypasses("anything.example"));
  EXPECT_TRUE(no_proxy_rules("*").bypasses("10.1.2.3"));
  EXPECT_TRUE(no_proxy_rules("").empty());
  EXPECT_FALSE(no_proxy_rules("").bypasses("example.com"));
  EXPECT_FALSE(no_proxy_rules(" , ,").bypasses("example.com"));
  EXPECT_FALSE(no_proxy_rules("10.0.0.0/33").bypasses("10.0.0.1"));  // a bad block is ignored
}

// -- which proxy ----------------------------------------------------------------------------

struct fake_env {
  std::map<std::string, std::string> vars;
  proxy_settings::environment reader() const {
    return [this](const char* name) -> const char* {
      auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  }
};

target to(const std::string& url) { return parse_target(url, "test"); }

std::string chosen(const proxy_settings& s, const std::string& url) {
  const auto* p = s.for_target(to(url));
  return p ? p->authority : "direct";
}

TEST(proxy_settings, environment_per_scheme_lower_case_winning) {
  fake_env env{{{"HTTPS_PROXY", "http://upper:3128"},
                {"https_proxy", "http://lower:3128"},
                {"HTTP_PROXY", "http://plain:8080"}}};
  auto s = proxy_settings::resolve(std::nullopt, "eu", env.reader());
  EXPECT_EQ(chosen(s, "https://api.partoo.co/v2/reviews"), "lower:3128");
  EXPECT_EQ(chosen(s, "http://api.partoo.co/v2/reviews"), "plain:8080");
  EXPECT_EQ(chosen(proxy_settings::resolve(std::nullopt, "eu", fake_env{}.reader()),
                   "https://api.partoo.co/"),
            "direct");
}

TEST(proxy_settings, no_proxy_applies_to_the_environment_only) {
  fake_env env{{{"HTTPS_PROXY", "http://proxy:3128"}, {"NO_PROXY", ".partoo.co,127.0.0.1"}}};
  auto from_env = proxy_settings::resolve(std::nullopt, "eu", env.reader());
  EXPECT_EQ(chosen(from_env, "https://api.partoo.co/"), "direct");
  EXPECT_EQ(chosen(from_env, "https://127.0.0.1:8443/"), "direct");
  EXPECT_EQ(chosen(from_env, "https://app.cloutly.com/"), "proxy:3128");
  // The source's own proxy is used for every request, whatever NO_PROXY says, http:// too.
  auto own = proxy_settings::resolve(secret("http://own:3128"), "eu", env.reader());
  EXPECT_EQ(chosen(own, "https://api.partoo.co/"), "own:3128");
  EXPECT_EQ(chosen(own, "http://127.0.0.1:8080/"), "own:3128");
  // "" turns the environment's proxy off.
  auto none = proxy_settings::resolve(secret(""), "eu", env.reader());
  EXPECT_EQ(chosen(none, "https://app.cloutly.com/"), "direct");
}

TEST(proxy_settings, unusable_urls_are_config_errors_that_never_show_them) {
  fake_env env{{{"https_proxy", "https://u:pw-ENV-SECRET@proxy:3128"}}};
  try {
    proxy_settings::resolve(std::nullopt, "eu", env.reader());
    ADD_FAILURE() << "accepted";
  } catch (const sluice::error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    const std::string m = e.what();
    EXPECT_NE(m.find("eu: environment variable https_proxy"), std::string::npos) << m;
    EXPECT_EQ(m.find("pw-ENV-SECRET"), std::string::npos) << m;
  }
  EXPECT_THROW(proxy_settings::resolve(secret("ftp://proxy"), "eu", env.reader()), sluice::error);
}

TEST(proxy_settings, credentials_from_the_environment_are_registered_for_redaction) {
  fake_env env{{{"HTTPS_PROXY", "http://bob:env-proxy-pass@proxy:3128"}}};
  proxy_settings::resolve(std::nullopt, "eu", env.reader());
  EXPECT_EQ(redact("407 for env-proxy-pass"), "407 for ***");
  EXPECT_EQ(redact("Proxy-Authorization: Basic Ym9iOmVudi1wcm94eS1wYXNz").find("Ym9i"),
            std::string::npos);
  forget_registered_secrets();
}

// -- http_client through a CONNECT proxy ----------------------------------------------------

struct outcome {
  std::optional<response> answer;
  std::optional<sluice::error> failure;
  std::chrono::steady_clock::duration elapsed{};
};

class proxy_client_test : public ::testing::Test {
protected:
  client_options options(const std::string& proxy_url) {
    client_options o;
    o.source = "test";
    o.timeouts = timeouts::uniform(5s);
    o.retry.base_delay = 1ms;
    o.retry.max_delay = 20ms;
    o.retry.max_attempts = 2;
    o.proxy = secret(proxy_url);
    return o;
  }

  outcome fetch(http_client& client, std::string url) {
    outcome out;
    auto task = [&]() -> asio::awaitable<void> {
      const auto start = std::chrono::steady_clock::now();
      try {
        request req;
        req.url = url;
        out.answer = co_await client.send(req);
      } catch (const sluice::error& e) {
        out.failure = e;
      }
      out.elapsed = std::chrono::steady_clock::now() - start;
    };
    test::run_on(io, task());
    return out;
  }

  std::string trust(const test::test_cert& cert) {
    pem_ = ::testing::TempDir() + "sluice_proxy_" + std::to_string(::getpid()) + ".pem";
    std::ofstream(pem_) << cert.cert_pem;
    return pem_;
  }
  void TearDown() override {
    if (!pem_.empty()) std::remove(pem_.c_str());
  }
  static asio::ssl::context server_context(const test::test_cert& cert) {
    asio::ssl::context ctx(asio::ssl::context::tls_server);
    ctx.use_certificate_chain(asio::buffer(cert.cert_pem));
    ctx.use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem);
    return ctx;
  }

  asio::io_context io;
  std::string pem_;
};

test::reply ok() { return {test::http_response(200, "OK", "through")}; }

std::string refusal(const std::string& status_line) {
  return "HTTP/1.1 " + status_line + "\r\nContent-Length: 0\r\n\r\n";
}

std::string proxy_url(const connect_proxy& proxy, const std::string& userinfo = "") {
  return "http://" + userinfo + "127.0.0.1:" + std::to_string(proxy.port());
}

TEST_F(proxy_client_test, https_goes_through_the_tunnel_with_sni_and_verification) {
  auto cert = test::make_test_cert("DNS:localhost");
  auto tls = server_context(cert);
  test::test_server server(
      io, [](const test::received_request&, int) { return ok(); }, &tls);
  connect_proxy proxy(io);
  auto o = options(proxy_url(proxy, "alice:pw-TUNNEL@"));
  o.ca_file = trust(cert);
  http_client client(io.get_executor(), o, nullptr, nullptr);
  auto first = fetch(client, server.url("/s", "localhost"));
  auto second = fetch(client, server.url("/s", "localhost"));
  ASSERT_TRUE(first.answer) << first.failure->what();
  ASSERT_TRUE(second.answer) << second.failure->what();
  EXPECT_EQ(first.answer->body, "through");
  EXPECT_EQ(proxy.tunnels(), 1);  // the tunnel is a pooled keep-alive connection of its origin
  EXPECT_EQ(server.last_sni(), "localhost");
  ASSERT_EQ(proxy.heads().size(), 1u);
  const std::string port = std::to_string(server.port());
  EXPECT_EQ(proxy.heads()[0].substr(0, proxy.heads()[0].find("\r\n")),
            "CONNECT localhost:" + port + " HTTP/1.1");
  EXPECT_NE(proxy.heads()[0].find("Proxy-Authorization: Basic YWxpY2U6cHctVFVOTkVM"),
            std::string::npos)
      << proxy.heads()[0];
  // The proxy's credentials never reach the API.
  ASSERT_EQ(server.requests(), 2);
  EXPECT_FALSE(server.log()[0].header("Proxy-Authorization"));
  EXPECT_EQ(server.log()[0].header("Host"), "localhost:" + port);
  forget_registered_secrets();
}

TEST_F(proxy_client_test, verification_is_unchanged_through_the_tunnel) {
  auto cert = test::make_test_cert("IP:127.0.0.1");
  auto other = test::make_test_cert("IP:127.0.0.1");
  auto tls = server_context(cert);
  test::test_server server(
      io, [](const test::received_request&, int) { return ok(); }, &tls);
  connect_proxy proxy(io);
  auto o = options(proxy_url(proxy));
  o.ca_file = trust(other);
  http_client client(io.get_executor(), o, nullptr, nullptr);
  auto out = fetch(client, server.url("/s"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::network);
  const std::string m = out.failure->what();
  EXPECT_NE(m.find("certificate verification failed for host 127.0.0.1"), std::string::npos) << m;
  EXPECT_NE(m.find("through proxy 127.0.0.1:" + std::to_string(proxy.port())), std::string::npos)
      << m;
  EXPECT_EQ(proxy.tunnels(), 1);  // a certificate that does not verify is not retried
}

TEST_F(proxy_client_test, plain_http_goes_through_a_tunnel_too) {
  test::test_server server(io, [](const test::received_request&, int) { return ok(); });
  connect_proxy proxy(io);
  http_client client(io.get_executor(), options(proxy_url(proxy)), nullptr, nullptr);
  auto out = fetch(client, server.url("/plain?page=1"));
  ASSERT_TRUE(out.answer) << out.failure->what();
  EXPECT_EQ(proxy.tunnels(), 1);
  ASSERT_EQ(server.requests(), 1);
  EXPECT_EQ(server.log()[0].target, "/plain?page=1");  // origin-form inside the tunnel
}

TEST_F(proxy_client_test, a_407_is_an_auth_error_naming_the_proxy_and_the_api) {
  test::test_server server(io, [](const test::received_request&, int) { return ok(); });
  connect_proxy proxy(io, connect_proxy::mode::refuse,
                      refusal("407 Proxy Authentication Required"));
  http_client client(io.get_executor(), options(proxy_url(proxy, "carol:pw-WRONG@")), nullptr,
                     nullptr);
  auto out = fetch(client, server.url("/x"));
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::auth);
  const std::string m = out.failure->what();
  EXPECT_NE(m.find("proxy 127.0.0.1:" + std::to_string(proxy.port()) +
                   " refused the tunnel to 127.0.0.1:" + std::to_string(server.port()) +
                   ": 407 Proxy Authentication Required (the proxy rejected the credentials"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("pw-WRONG"), std::string::npos) << m;
  EXPECT_EQ(m.find("carol"), std::string::npos) << m;
  EXPECT_EQ(proxy.heads().size(), 1u);  // not retried
  EXPECT_EQ(server.connections(), 0);
  forget_registered_secrets();
}

TEST_F(proxy_client_test, a_403_is_an_auth_error_and_a_502_is_retried_as_a_network_error) {
  connect_proxy forbidding(io, connect_proxy::mode::refuse, refusal("403 Forbidden"));
  http_client first(io.get_executor(), options(proxy_url(forbidding)), nullptr, nullptr);
  auto out = fetch(first, "https://api.example.com/v2/reviews");
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::auth);
  EXPECT_NE(std::string(out.failure->what())
                .find("refused the tunnel to api.example.com:443: "
                      "403 Forbidden"),
            std::string::npos)
      << out.failure->what();

  connect_proxy failing(io, connect_proxy::mode::refuse, refusal("502 Bad Gateway"));
  http_client second(io.get_executor(), options(proxy_url(failing)), nullptr, nullptr);
  out = fetch(second, "https://api.example.com/v2/reviews");
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::network);
  EXPECT_NE(std::string(out.failure->what()).find("gave up after 2 attempts"), std::string::npos)
      << out.failure->what();
  EXPECT_EQ(failing.heads().size(), 2u);
}

TEST_F(proxy_client_test, a_proxy_that_never_answers_connect_times_out) {
  connect_proxy proxy(io, connect_proxy::mode::hang);
  auto o = options(proxy_url(proxy));
  o.timeouts.handshake = 200ms;
  http_client client(io.get_executor(), o, nullptr, nullptr);
  auto out = fetch(client, "https://api.example.com/v2/reviews");
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::timeout);
  EXPECT_NE(std::string(out.failure->what())
                .find("timeout: proxy 127.0.0.1:" + std::to_string(proxy.port()) +
                      " did not answer CONNECT api.example.com:443 within 200 ms"),
            std::string::npos)
      << out.failure->what();
  EXPECT_LT(out.elapsed, 5s);
}

TEST_F(proxy_client_test, a_proxy_that_is_down_is_a_network_error_naming_it) {
  unsigned short port;
  {
    asio::ip::tcp::acceptor probe(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  http_client client(io.get_executor(),
                     options("http://dave:pw-DOWN@127.0.0.1:" + std::to_string(port)), nullptr,
                     nullptr);
  auto out = fetch(client, "https://api.example.com/v2/reviews");
  ASSERT_TRUE(out.failure);
  EXPECT_EQ(out.failure->kind(), error_kind::network);
  const std::string m = out.failure->what();
  EXPECT_NE(m.find("cannot connect to proxy 127.0.0.1:" + std::to_string(port) +
                   " (tunnel to api.example.com:443)"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("pw-DOWN"), std::string::npos) << m;
  forget_registered_secrets();
}

}  // namespace
}  // namespace sluice::net
