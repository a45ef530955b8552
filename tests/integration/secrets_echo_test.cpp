// End to end: vendors that repeat the credentials they received (in 4xx/5xx pages, a redirect, a
// 200 HTML page) never make sluice print or record them. Every channel is checked: sync's output
// in both log formats, check, status, status --json, and the sync_runs rows.
#include <gtest/gtest.h>

#include "tests/support/sync_fixture.hpp"

namespace sluice::test {
namespace {

constexpr const char* partoo_key = "partoo-ECHO-KEY-5e4d3c2b1a";
constexpr const char* cloutly_key = "cloutly-ECHO-KEY-a1b2c3d4e5";
constexpr const char* clevertim_token = "clevertim-ECHO-TOKEN-99zz88yy";
constexpr const char* cloudapp_user = "ops@example.com";
constexpr const char* cloudapp_password = "cloudapp-ECHO-PASSWORD-4242";

std::string base64(const std::string& plain) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned bits = 0;
  int count = 0;
  for (unsigned char c : plain) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) out += alphabet[(bits >> (count -= 6)) & 0x3F];
  }
  if (count > 0) out += alphabet[(bits << (6 - count)) & 0x3F];
  while (out.size() % 4 != 0) out += '=';
  return out;
}

// The database password of the test URL (postgresql://user:PASSWORD@host...), or "".
std::string database_password() {
  auto url = test_database_url().value_or("");
  auto scheme = url.find("://");
  auto at = url.rfind('@');
  if (scheme == std::string::npos || at == std::string::npos) return "";
  auto colon = url.find(':', scheme + 3);
  return colon < at ? url.substr(colon + 1, at - colon - 1) : "";
}

// Checks that `text` holds none of `secrets`. On failure it shows an excerpt with every secret
// replaced, so the test's own output leaks nothing either.
void expect_free_of(const std::string& text, const std::vector<std::string>& secrets,
                    const std::string& channel) {
  std::vector<std::size_t> leaked;
  for (std::size_t i = 0; i < secrets.size(); ++i)
    if (!secrets[i].empty() && text.find(secrets[i]) != std::string::npos) leaked.push_back(i);
  if (leaked.empty()) return;
  std::string shown = text;
  for (std::size_t i = 0; i < secrets.size(); ++i) {
    if (secrets[i].empty()) continue;
    const std::string mark = "<SECRET#" + std::to_string(i) + ">";
    for (auto at = shown.find(secrets[i]); at != std::string::npos;
         at = shown.find(secrets[i], at + mark.size()))
      shown.replace(at, secrets[i].size(), mark);
  }
  if (shown.size() > 3000) shown = shown.substr(0, 3000) + "...";
  std::string which;
  for (auto i : leaked) which += " #" + std::to_string(i);
  ADD_FAILURE() << channel << " leaks secret(s)" << which << ":\n" << shown;
}

class secrets_echo : public sync_fixture {
protected:
  struct vendor {
    std::string source_toml;
    std::vector<std::string> secrets;
  };

  vendor setup(const std::string& kind) {
    std::vector<std::string> options;
    if (kind == "partoo") options = {"--partoo-key", partoo_key, "--partoo-reviews", "30"};
    if (kind == "cloutly") options = {"--cloutly-key", cloutly_key, "--cloutly-reviews", "30"};
    if (kind == "clevertim") options = {"--clevertim-token", clevertim_token};
    if (kind == "cloudapp")
      options = {"--cloudapp-user", cloudapp_user, "--cloudapp-password", cloudapp_password};
    fake_ = std::make_unique<fakeapi>(options);
    const std::string common = "rate_limit = \"100000/min\"\ntimeout = \"10s\"\n";
    vendor v;
    if (kind == "partoo") {
      v.source_toml = "[sources.p]\nkind = \"partoo\"\nbase_url = \"" +
                      fake_->http_url("/partoo/v2") + "\"\napi_key = \"" + partoo_key + "\"\n" +
                      common;
      v.secrets = {partoo_key};
    } else if (kind == "cloutly") {
      v.source_toml = "[sources.c]\nkind = \"cloutly\"\nbase_url = \"" +
                      fake_->http_url("/cloutly/api/v1") + "\"\napi_key = \"" + cloutly_key +
                      "\"\n" + common;
      v.secrets = {cloutly_key};
    } else if (kind == "clevertim") {
      v.source_toml = "[sources.crm]\nkind = \"clevertim\"\nbase_url = \"" +
                      fake_->http_url("/clevertim/api") + "\"\napi_key = \"" + clevertim_token +
                      "\"\n" + common;
      v.secrets = {clevertim_token, base64(std::string(clevertim_token) + ":X")};
    } else {
      v.source_toml = "[sources.shots]\nkind = \"cloudapp\"\nbase_url = \"" +
                      fake_->http_url("/cloudapp") + "\"\nusername = \"" + cloudapp_user +
                      "\"\npassword = \"" + cloudapp_password + "\"\n" + common;
      v.secrets = {cloudapp_password, base64(std::string(cloudapp_user) + ":" + cloudapp_password)};
    }
    v.secrets.push_back(database_password());
    return v;
  }

  // Runs every command against the echoing fake and checks every channel; returns all output.
  std::string run_and_check(const std::string& config, const vendor& v, const std::string& faults,
                            bool must_fail) {
    fake_->set_faults(faults);
    auto text = sync(config);
    if (must_fail) {
      EXPECT_NE(text.exit_code, 0) << "the fault did not fail the sync: " << faults;
    }
    expect_free_of(text.output, v.secrets, "sync (" + faults + ")");
    auto json = sync(config, {"--log-format", "json"});
    expect_free_of(json.output, v.secrets, "sync --log-format json (" + faults + ")");
    auto check = run_sluice({"check", "-c", config});
    expect_free_of(check.output, v.secrets, "check (" + faults + ")");
    auto status = run_sluice({"status", "-c", config});
    expect_free_of(status.output, v.secrets, "status (" + faults + ")");
    auto status_json = run_sluice({"status", "-c", config, "--json"});
    expect_free_of(status_json.output, v.secrets, "status --json (" + faults + ")");
    auto rows = psql("SELECT coalesce(error, '') || ' | ' || coalesce(first_warning, '') FROM " +
                     schema_ + ".sync_runs");
    expect_free_of(rows, v.secrets, "sync_runs (" + faults + ")");
    return text.output + json.output + check.output + status.output + status_json.output + rows;
  }

  // `every`: which requests fail (1: all; 2: every second one).
  void check_vendor(const std::string& kind, const std::string& every) {
    auto v = setup(kind);
    auto config = write_config(v.source_toml);
    std::string all;
    for (std::string status : {"401", "400", "403", "302", "500"}) {
      // With every second request failing, a retried 500 may succeed: the sync then passes.
      const bool must_fail = every == "1" || status != "500";
      all += run_and_check(config, v,
                           R"({"echo_credentials":true,"error_every":)" + every +
                               R"(,"error_status":)" + status + "}",
                           must_fail);
    }
    for (std::string status : {"200", "403"})
      all += run_and_check(
          config, v,
          R"({"echo_credentials":true,"html_every":)" + every + R"(,"html_status":)" + status + "}",
          true);
    // The echo reached sluice and was masked (not merely absent).
    EXPECT_NE(all.find("***"), std::string::npos) << "no masked echo seen for " << kind;
  }
};

TEST_F(secrets_echo, partoo_header_key_is_never_shown) { check_vendor("partoo", "1"); }

TEST_F(secrets_echo, cloutly_header_key_is_never_shown) { check_vendor("cloutly", "1"); }

TEST_F(secrets_echo, clevertim_basic_credentials_are_never_shown) {
  check_vendor("clevertim", "1");
}

// Digest sends no credential before the server's challenge: every second request fails, so the
// echoed page answers the request that carries the Digest Authorization header.
TEST_F(secrets_echo, cloudapp_digest_password_is_never_shown) { check_vendor("cloudapp", "2"); }

}  // namespace
}  // namespace sluice::test
