// `sluice sync` of a Partoo source over HTTPS behind a forward proxy: the fake's HTTP CONNECT
// proxy (sluice-fakeapi --proxy-port), reached through HTTPS_PROXY or the source's `proxy` key,
// with and without credentials, refusing, down, and bypassed by NO_PROXY.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "tests/integration/partoo_fixture.hpp"

namespace sluice::test {
namespace {

constexpr const char* proxy_user = "corp-sluice";
constexpr const char* proxy_password = "Pr0xy-Pa55-7c1d";
// base64("corp-sluice:Pr0xy-Pa55-7c1d"): the Proxy-Authorization token.
constexpr const char* proxy_token = "Y29ycC1zbHVpY2U6UHIweHktUGE1NS03YzFk";

class proxy_sync : public partoo_sync {
protected:
  // The fake with its proxy on an ephemeral port; `extra` options for it.
  void start_fake_with_proxy(std::vector<std::string> extra = {}) {
    const auto ready = dir_ / "fake-ready.json";
    std::vector<std::string> options{
        "--partoo-reviews", "400", "--partoo-businesses", "12",
        "--proxy-port",     "0",   "--ready-file",        ready.string()};
    options.insert(options.end(), extra.begin(), extra.end());
    start_fake(options);
    std::ifstream in(ready);
    std::stringstream text;
    text << in.rdbuf();
    proxy_port_ = boost::json::parse(text.str()).at("proxy_port").to_number<int>();
    ASSERT_GT(proxy_port_, 0);
  }

  std::string proxy_url(const std::string& userinfo = "") const {
    return "http://" + userinfo + "127.0.0.1:" + std::to_string(proxy_port_);
  }
  std::string proxy_name() const { return "proxy 127.0.0.1:" + std::to_string(proxy_port_); }
  std::string api_endpoint() const { return "127.0.0.1:" + std::to_string(fake_->https_port()); }

  std::int64_t tunnels() { return fake_->get("/_control/proxy").at("tunnels").to_number<int>(); }

  process_result sync_with(const std::string& config, const std::vector<std::string>& env,
                           std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"sync", "-c", config};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_sluice(args, env);
  }

  // A port nothing listens on.
  static int closed_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return probe.local_endpoint().port();
  }

  std::int64_t review_rows() {
    return std::stoll(psql("SELECT count(*) FROM " + schema_ + ".reviews"));
  }

  int proxy_port_ = 0;
};

TEST_F(proxy_sync, https_through_the_proxy_named_by_https_proxy) {
  start_fake_with_proxy();
  auto config = partoo_config("", /*https=*/true);
  auto result = sync_with(config, {"HTTPS_PROXY=" + proxy_url()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_GT(tunnels(), 0);
  auto targets = fake_->get("/_control/proxy").at("targets").as_array();
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(targets.at(0).as_string(), api_endpoint());
  expect_table_matches_fake();
  EXPECT_EQ(last_run("reviews-eu", "reviews").substr(0, 10), "succeeded|");
}

TEST_F(proxy_sync, lower_case_https_proxy_wins_over_upper_case) {
  start_fake_with_proxy();
  auto config = partoo_config("", true);
  const auto down = "http://127.0.0.1:" + std::to_string(closed_port());
  auto result = sync_with(config, {"HTTPS_PROXY=" + down, "https_proxy=" + proxy_url()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_GT(tunnels(), 0);
}

// The source's own proxy, with credentials, wins over the environment's; the credentials appear
// in no log line, error, status output or sync_runs row, neither plain nor as their token.
TEST_F(proxy_sync, source_proxy_with_credentials_never_shows_them) {
  start_fake_with_proxy({"--proxy-credentials", std::string(proxy_user) + ":" + proxy_password});
  auto config = partoo_config(
      "proxy = \"" + proxy_url(std::string(proxy_user) + ":" + proxy_password + "@") + "\"\n",
      true);
  const std::vector<std::string> env{"HTTPS_PROXY=http://127.0.0.1:" +
                                     std::to_string(closed_port())};
  auto result = sync_with(config, env, {"--log-level", "debug"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_GT(tunnels(), 0);
  expect_table_matches_fake();
  EXPECT_NE(result.output.find("through " + proxy_name()), std::string::npos) << result.output;

  // Wrong credentials: a 407, named with the proxy and the API, never with the password.
  const std::string wrong = "Wr0ng-Pa55-9e2f";
  fake_->post("/_control/partoo/mutate", R"({"add":5})");
  const std::string before = cursor();
  config = partoo_config(
      "proxy = \"" + proxy_url(std::string(proxy_user) + ":" + wrong + "@") + "\"\n", true);
  auto refused = sync_with(config, env, {"--log-format", "json", "--log-level", "debug"});
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find(proxy_name() + " refused the tunnel to " + api_endpoint() +
                                ": 407 Proxy Authentication Required"),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(cursor(), before);

  auto status = run_sluice({"status", "-c", config});
  auto status_json = run_sluice({"status", "-c", config, "--json"});
  auto check = run_sluice({"check", "-c", config}, env);
  auto rows = psql("SELECT coalesce(error, '') FROM " + schema_ + ".sync_runs");
  EXPECT_NE(rows.find("407"), std::string::npos) << rows;
  for (const auto* text :
       {&result.output, &refused.output, &status.output, &status_json.output, &check.output, &rows})
    for (const std::string& secret : {std::string(proxy_password), wrong, std::string(proxy_token)})
      EXPECT_EQ(text->find(secret), std::string::npos) << secret << " in:\n" << *text;
}

TEST_F(proxy_sync, a_refusing_proxy_fails_the_run_and_keeps_the_cursor) {
  start_fake_with_proxy();
  auto config = partoo_config("proxy = \"" + proxy_url() + "\"\n", true);
  ASSERT_EQ(sync(config).exit_code, 0);
  const std::string before = cursor();
  ASSERT_FALSE(before.empty());
  fake_->post("/_control/partoo/mutate", R"({"add":20})");  // a successful run moves the cursor

  fake_->post("/_control/proxy", R"({"refuse":403})");
  auto refused = sync(config);
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find(proxy_name() + " refused the tunnel to " + api_endpoint() +
                                ": 403 Forbidden"),
            std::string::npos)
      << refused.output;
  EXPECT_EQ(cursor(), before);
  EXPECT_EQ(last_run("reviews-eu", "reviews").substr(0, 7), "failed|");
  auto error = psql("SELECT error FROM " + schema_ +
                    ".sync_runs WHERE stream = 'reviews' ORDER BY id DESC LIMIT 1");
  EXPECT_NE(error.find(proxy_name()), std::string::npos) << error;

  fake_->post("/_control/proxy", R"({"refuse":0})");
  auto again = sync(config);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(cursor(), before);
  expect_table_matches_fake();
}

TEST_F(proxy_sync, a_proxy_that_is_down_fails_the_run_naming_it) {
  start_fake_with_proxy();
  auto config = partoo_config("", true);
  const auto port = std::to_string(closed_port());
  auto result =
      sync_with(config, {"https_proxy=http://127.0.0.1:" + port}, {"--stream", "reviews"});
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("cannot connect to proxy 127.0.0.1:" + port + " (tunnel to " +
                               api_endpoint() + ")"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(review_rows(), 0);
  EXPECT_EQ(cursor(), "");
}

TEST_F(proxy_sync, a_proxy_that_never_answers_connect_times_out) {
  start_fake_with_proxy();
  fake_->post("/_control/proxy", R"({"stall":true})");
  auto config = partoo_config("proxy = \"" + proxy_url() + "\"\n", true);
  std::ifstream in(config);
  std::stringstream text;
  text << in.rdbuf();
  std::string toml = text.str();
  toml.replace(toml.find("timeout = \"10s\""), 15, "timeout = \"1s\"");
  write_file(config, toml);
  auto result = sync(config, {"--stream", "reviews"});
  EXPECT_NE(result.exit_code, 0) << result.output;
  EXPECT_NE(result.output.find("failed (timeout)"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("timeout: " + proxy_name() + " did not answer CONNECT " +
                               api_endpoint() + " within 1000 ms"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(review_rows(), 0);
  EXPECT_EQ(fake_->get("/_control/proxy").at("tunnels").to_number<int>(), 0);
}

TEST_F(proxy_sync, no_proxy_bypasses_the_proxy) {
  start_fake_with_proxy();
  auto config = partoo_config("", true);
  auto result = sync_with(config, {"HTTPS_PROXY=" + proxy_url(), "NO_PROXY=example.com,127.0.0.1"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(tunnels(), 0);
  expect_table_matches_fake();
}

TEST_F(proxy_sync, an_empty_source_proxy_turns_the_environments_off) {
  start_fake_with_proxy();
  auto config = partoo_config("proxy = \"\"\n", true);
  auto result = sync_with(config, {"HTTPS_PROXY=" + proxy_url()});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(tunnels(), 0);
  expect_table_matches_fake();
}

}  // namespace
}  // namespace sluice::test
