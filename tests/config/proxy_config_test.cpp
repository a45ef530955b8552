// The `proxy` key of a source: a secret in three forms, "" for no proxy, a URL checked at load
// (the error names file, line and key, never the URL), and its credentials masked everywhere.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "daemon/config.hpp"
#include "daemon/config_keys.hpp"
#include "tests/config/temp_dir.hpp"

namespace sluice::daemon {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::scoped_env;
using testing::temp_dir;

constexpr const char* head = "[sources.eu]\nkind = \"partoo\"\napi_key = \"partoo-key\"\n";

class proxy_config_test : public ::testing::Test {
protected:
  config load(const std::string& content) {
    return load_config(dir_.write("sluice.toml", content));
  }
  std::string error_of(const std::string& content) {
    try {
      load(content);
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::config);
      return e.what();
    }
    ADD_FAILURE() << "no error for:\n" << content;
    return {};
  }
  void TearDown() override { forget_registered_secrets(); }

  temp_dir dir_;
};

TEST_F(proxy_config_test, unset_empty_inline_env_and_file) {
  EXPECT_FALSE(load(head).sources.at(0).proxy.has_value());  // the environment decides

  auto off = load(std::string(head) + "proxy = \"\"\n").sources.at(0);
  ASSERT_TRUE(off.proxy.has_value());
  EXPECT_TRUE(off.proxy->empty());

  auto inline_ = load(std::string(head) + "proxy = \"http://proxy.corp:3128\"\n").sources.at(0);
  EXPECT_EQ(inline_.proxy->reveal(), "http://proxy.corp:3128");

  scoped_env env("SLUICE_TEST_PROXY", "http://u:env-pass@proxy.corp:3128");
  auto from_env = load(std::string(head) + "proxy_env = \"SLUICE_TEST_PROXY\"\n").sources.at(0);
  EXPECT_EQ(from_env.proxy->reveal(), "http://u:env-pass@proxy.corp:3128");

  dir_.write("proxy", "http://u:file-pass@proxy.corp:3128\n");
  auto from_file = load(std::string(head) + "proxy_file = \"proxy\"\n").sources.at(0);
  EXPECT_EQ(from_file.proxy->reveal(), "http://u:file-pass@proxy.corp:3128");
  EXPECT_TRUE(is_secret_key("proxy"));
}

TEST_F(proxy_config_test, an_unusable_url_names_the_key_but_never_the_url) {
  for (const std::string url :
       {"https://u:Zq8-proxy-Zq8@proxy.corp:3128", "socks5://u:Zq8-proxy-Zq8@proxy.corp:1080",
        "http://u:Zq8-proxy-Zq8@proxy.corp:3128/some/path"}) {
    const auto message = error_of(std::string(head) + "proxy = \"" + url + "\"\n");
    EXPECT_THAT(message, HasSubstr("sources.eu.proxy: invalid proxy URL")) << url;
    EXPECT_THAT(message, HasSubstr("sluice.toml:1:1: ")) << url;
    EXPECT_THAT(message, Not(HasSubstr("Zq8-proxy-Zq8"))) << url;
    EXPECT_THAT(message, Not(HasSubstr("proxy.corp"))) << url;
  }
}

TEST_F(proxy_config_test, credentials_are_registered_for_redaction) {
  load(std::string(head) + "proxy = \"http://ops:S3cret-proxy@proxy.corp:3128\"\n");
  EXPECT_EQ(redact("proxy said S3cret-proxy"), "proxy said ***");
  // base64("ops:S3cret-proxy"), as Proxy-Authorization carries it.
  EXPECT_THAT(redact("Proxy-Authorization: Basic b3BzOlMzY3JldC1wcm94eQ=="),
              Not(HasSubstr("b3BzOlMzY3JldC1wcm94eQ")));
}

TEST_F(proxy_config_test, a_changed_proxy_is_seen_by_the_reload_diff) {
  auto key = find_key(every_key(source_keys()), "proxy");
  ASSERT_NE(key, nullptr);
  auto unset = load(head).sources.at(0);
  auto off = load(std::string(head) + "proxy = \"\"\n").sources.at(0);
  auto set = load(std::string(head) + "proxy = \"http://proxy.corp:3128\"\n").sources.at(0);
  EXPECT_FALSE(key->same(unset, off));  // "" is not the same as unset: it ignores the environment
  EXPECT_FALSE(key->same(off, set));
  EXPECT_TRUE(key->same(set, set));
}

}  // namespace
}  // namespace sluice::daemon
