// The key declarations (daemon/config_keys) and the reload diff driven by them: every declared
// key is read where it lands, has the default it declares, and a change to it is seen by SIGHUP.
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/registry.hpp"
#include "daemon/config.hpp"
#include "daemon/config_diff.hpp"
#include "daemon/config_keys.hpp"
#include "tests/config/temp_dir.hpp"

namespace sluice::daemon {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using testing::temp_dir;

// A value different from the default for every declared key. A key declared without one here
// fails `every_key_has_a_changed_value`: whoever adds a key must show that a reload sees it.
const std::map<std::string, std::string> database_changes = {
    {"url", "\"dbname=other\""},     {"schema", "\"other\""},      {"lock_timeout", "\"6s\""},
    {"statement_timeout", "\"6m\""}, {"reconnect_for", "\"61s\""},
};
const std::map<std::string, std::string> daemon_changes = {
    {"listen", "\"127.0.0.1:9999\""}, {"instance", "\"node-b\""}, {"lease_ttl", "\"31s\""}};
const std::map<std::string, std::string> alerts_changes = {
    {"webhook_url", "\"https://hooks.example/x\""},
    {"min_severity", "\"critical\""},
    {"failing_runs", "4"}};
const std::map<std::string, std::string> source_changes = {
    {"kind", "\"cloutly\""},
    {"base_url", "\"https://other.example/v2\""},
    {"rate_limit", "\"1/s\""},
    {"interval", "\"16m\""},
    {"lookback", "\"2h\""},
    {"full_refresh_interval", "\"25h\""},
    {"start_date", "\"2020-01-01T00:00:00Z\""},
    {"streams", "[\"reviews\"]"},
    {"ca_file", "\"ca.pem\""},
    {"timeout", "\"61s\""},
    {"max_delete_fraction", "0.4"},
    {"verify_interval", "\"7h\""},
    {"timezone", "\"Europe/Paris\""},
    {"max_staleness", "{ reviews = \"2h\" }"},
    {"proxy", "\"http://proxy.example:3128\""},
    {"api_key", "\"other\""},
    {"username", "\"other\""},
    {"password", "\"other\""},
};

class config_keys_test : public ::testing::Test {
protected:
  config load(const std::string& content) {
    return load_config(dir_.write("sluice.toml", content));
  }

  // A [sources.s] table of `kind` with its credentials, `key = value` added or replacing one.
  static std::string source_text(std::string_view kind, const std::string& key = "",
                                 const std::string& value = "") {
    std::string text = "[sources.s]\nkind = ";
    text += key == "kind" ? value : "\"" + std::string(kind) + "\"";
    text += "\n";
    for (auto credential : connectors::find_kind(kind)->credentials)
      text += std::string(credential) + " = " + (key == credential ? value : "\"c\"") + "\n";
    if (key.empty() || key == "kind") return text;
    // Credentials were written above; every other key (a secret like proxy included) here.
    if (!find_key(source_keys_for(*connectors::find_kind(kind)), key)->credential)
      text += key + " = " + value + "\n";
    return text;
  }

  // The kind whose table accepts `key` (credentials differ between kinds).
  static std::string_view kind_accepting(std::string_view key) {
    for (const auto& kind : connectors::all_kinds())
      if (find_key(source_keys_for(kind), key)) return kind.kind;
    return {};
  }

  temp_dir dir_;
};

TEST_F(config_keys_test, every_credential_of_every_kind_is_declared) {
  for (const auto& kind : connectors::all_kinds()) {
    auto keys = source_keys_for(kind);
    for (auto credential : kind.credentials) {
      const auto* spec = find_key(keys, credential);
      ASSERT_NE(spec, nullptr) << kind.kind << " " << credential;
      EXPECT_EQ(spec->kind, value_kind::secret) << credential;
      EXPECT_TRUE(spec->credential) << credential;
    }
  }
}

TEST_F(config_keys_test, every_key_has_a_changed_value) {
  for (const auto& k : database_keys())
    EXPECT_TRUE(database_changes.count(std::string(k.name))) << k.name;
  for (const auto& k : daemon_keys())
    EXPECT_TRUE(daemon_changes.count(std::string(k.name))) << k.name;
  for (const auto& k : alerts_keys())
    EXPECT_TRUE(alerts_changes.count(std::string(k.name))) << k.name;
  for (const auto& k : source_keys())
    EXPECT_TRUE(source_changes.count(std::string(k.name))) << k.name;
}

TEST_F(config_keys_test, a_change_to_a_database_or_daemon_key_needs_a_restart) {
  auto check = [&](const auto& changes, const std::string& head, auto diff_of) {
    for (const auto& [key, value] : changes) {
      auto diff = diff_of(load(head), load(head + key + " = " + value + "\n"));
      EXPECT_THAT(diff.changed, ElementsAre(key));
      EXPECT_TRUE(diff.needs_restart) << key;
    }
  };
  check(database_changes, "[database]\n",
        [](const config& a, const config& b) { return diff_database(a.database, b.database); });
  check(daemon_changes, "[daemon]\n",
        [](const config& a, const config& b) { return diff_daemon(a.daemon, b.daemon); });
  check(alerts_changes, "[alerts]\n",
        [](const config& a, const config& b) { return diff_alerts(a.alerts, b.alerts); });
}

TEST_F(config_keys_test, a_change_to_a_source_key_applies_on_reload) {
  dir_.write("ca.pem", "pem");
  for (const auto& [key, value] : source_changes) {
    auto kind = kind_accepting(key);
    ASSERT_FALSE(kind.empty()) << key;
    auto before = load(source_text(kind)).sources.at(0);
    auto after = load(source_text(kind, key, value)).sources.at(0);
    auto diff = diff_source(before, after);
    // A new kind brings its own defaults (base_url, rate_limit, lookback) along.
    if (key == "kind") {
      EXPECT_THAT(diff.changed, Contains(key));
    } else {
      EXPECT_THAT(diff.changed, ElementsAre(key));
    }
    EXPECT_FALSE(diff.needs_restart) << key;
    EXPECT_TRUE(diff_source(after, after).empty()) << key;
  }
}

TEST_F(config_keys_test, declared_defaults_are_the_defaults) {
  auto check = [&](auto keys, const std::string& head, auto section) {
    for (const auto& k : keys) {
      if (k.default_value.empty()) continue;
      auto implicit = section(load(head));
      auto explicit_ =
          section(load(head + std::string(k.name) + " = " + std::string(k.default_value) + "\n"));
      EXPECT_TRUE(k.same(implicit, explicit_)) << k.name << " = " << k.default_value;
    }
  };
  check(database_keys(), "[database]\n", [](const config& c) { return c.database; });
  check(daemon_keys(), "[daemon]\n", [](const config& c) { return c.daemon; });
  check(alerts_keys(), "[alerts]\n", [](const config& c) { return c.alerts; });
  check(source_keys(), source_text("partoo"), [](const config& c) { return c.sources.at(0); });
}

// A default instance name ("<hostname>:<pid>") computed afresh is no change the operator made.
TEST_F(config_keys_test, a_default_instance_name_asks_for_no_restart) {
  daemon_options named;
  named.instance = "node-a";
  daemon_options defaulted = named;
  defaulted.instance = "host:42";
  EXPECT_TRUE(diff_daemon(named, defaulted).empty());
  EXPECT_TRUE(diff_daemon(named, named).empty());
  EXPECT_FALSE(diff_daemon(defaulted, named).empty());
}

TEST_F(config_keys_test, secret_keys) {
  for (auto key : {"url", "api_key", "username", "password", "proxy"})
    EXPECT_TRUE(is_secret_key(key)) << key;
  for (auto key : {"schema", "url_env", "api_key_file", "base_url", "kind"})
    EXPECT_FALSE(is_secret_key(key)) << key;
}

}  // namespace
}  // namespace sluice::daemon
