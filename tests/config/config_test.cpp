// load_config: the configuration contract (keys, defaults, messages) that operators rely on.
#include <unistd.h>

#include <chrono>
#include <map>
#include <fstream>
#include <regex>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "connectors/registry.hpp"
#include "daemon/config.hpp"
#include "daemon/config_keys.hpp"
#include "tests/config/temp_dir.hpp"

namespace sluice::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::scoped_env;
using ::testing::StartsWith;
using testing::temp_dir;

// The minimum a source needs; tests append the keys they exercise.
constexpr const char* partoo_source = "[sources.reviews-eu]\nkind = \"partoo\"\napi_key = \"k\"\n";

class config_test : public ::testing::Test {
protected:
  std::filesystem::path write(const std::string& content) {
    return dir_.write("sluice.toml", content);
  }

  config load(const std::string& content) { return load_config(write(content)); }

  // The message of the configuration error that loading `content` must raise.
  std::string error_of(const std::string& content) {
    auto file = write(content);
    try {
      load_config(file);
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::config);
      return e.what();
    }
    ADD_FAILURE() << "no error for:\n" << content;
    return {};
  }

  std::string at(int line, int column) const {
    return (dir_.path() / "sluice.toml").string() + ":" + std::to_string(line) + ":" +
           std::to_string(column) + ": ";
  }

  temp_dir dir_;
};

TEST_F(config_test, full_config_with_every_key) {
  auto key_file = dir_.write("secrets/partoo", "file-key\n");
  auto ca = dir_.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  auto cfg = load(R"(
[database]
url = "postgresql://app@db.internal/warehouse"
schema = "etl_sluice"

[daemon]
listen = "0.0.0.0:9300"
instance = "node-a"

[sources.reviews-eu]
kind = "partoo"
api_key_file = ")" +
                  key_file.string() + R"("
base_url = "https://partoo.example/api/v2/"
rate_limit = "120/min"
interval = "5m"
lookback = "30m"
full_refresh_interval = "12h"
start_date = "2015-01-01T00:00:00Z"
streams = ["reviews"]
ca_file = ")" + ca.string() +
                  R"("
timeout = "45s"
max_delete_fraction = 0.25
verify_interval = "0"
timezone = "Europe/Paris"
)");
  EXPECT_EQ(cfg.file, dir_.path() / "sluice.toml");
  EXPECT_EQ(cfg.database.url, "postgresql://app@db.internal/warehouse");
  EXPECT_EQ(cfg.database.schema, "etl_sluice");
  EXPECT_EQ(cfg.daemon.listen, "0.0.0.0:9300");
  EXPECT_EQ(cfg.daemon.instance, "node-a");
  ASSERT_EQ(cfg.sources.size(), 1u);
  const auto& s = cfg.sources[0];
  EXPECT_EQ(s.name, "reviews-eu");
  EXPECT_EQ(s.kind, "partoo");
  EXPECT_EQ(s.api_key.reveal(), "file-key");
  EXPECT_EQ(s.base_url, "https://partoo.example/api/v2");
  EXPECT_DOUBLE_EQ(s.rate_limit.per_second, 2.0);
  EXPECT_EQ(s.interval, 5min);
  EXPECT_EQ(s.lookback, 30min);
  EXPECT_EQ(s.full_refresh_interval, 12h);
  ASSERT_TRUE(s.start_date.has_value());
  EXPECT_EQ(format_timestamp(*s.start_date), "2015-01-01T00:00:00.000000Z");
  EXPECT_EQ(s.streams, std::vector<std::string>{"reviews"});
  EXPECT_EQ(s.ca_file, ca.string());
  EXPECT_EQ(s.timeout, 45s);
  EXPECT_DOUBLE_EQ(s.max_delete_fraction, 0.25);
  EXPECT_EQ(s.verify_interval, 0s);
  EXPECT_EQ(s.timezone, "Europe/Paris");
}

TEST_F(config_test, defaults_come_from_the_kind_and_the_contract) {
  auto cfg = load(partoo_source);
  EXPECT_EQ(cfg.database.url, "postgresql://sluice@localhost/sluice");
  EXPECT_EQ(cfg.database.schema, "sluice");
  EXPECT_EQ(cfg.daemon.listen, "127.0.0.1:9187");
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_EQ(cfg.daemon.instance, std::string(host) + ":" + std::to_string(::getpid()));
  ASSERT_EQ(cfg.sources.size(), 1u);
  const auto& s = cfg.sources[0];
  EXPECT_EQ(s.api_key.reveal(), "k");
  EXPECT_EQ(s.base_url, "https://api.partoo.co/v2");
  EXPECT_DOUBLE_EQ(s.rate_limit.per_second, 300.0 / 60.0);
  EXPECT_EQ(s.interval, 15min);
  EXPECT_EQ(s.lookback, 48h);  // Partoo's documented lag, twice over
  EXPECT_EQ(s.full_refresh_interval, 24h);
  EXPECT_EQ(s.timeout, 60s);
  EXPECT_EQ(s.verify_interval, 6h);
  EXPECT_EQ(s.timezone, "UTC");
  EXPECT_FALSE(s.start_date.has_value());
  EXPECT_TRUE(s.streams.empty());
  EXPECT_TRUE(s.ca_file.empty());
  EXPECT_DOUBLE_EQ(s.max_delete_fraction, 0.5);
}

TEST_F(config_test, sources_are_optional_and_kept_in_file_order) {
  EXPECT_TRUE(load("").sources.empty());
  EXPECT_TRUE(load("[database]\nurl = \"dbname=x\"\n").sources.empty());

  auto cfg = load(
      "[sources.zeta]\nkind = \"partoo\"\napi_key = \"a\"\n"
      "[sources.alpha]\nkind = \"partoo\"\napi_key = \"b\"\n"
      "[sources.\"m.2\"]\nkind = \"partoo\"\napi_key = \"c\"\n");
  ASSERT_EQ(cfg.sources.size(), 3u);
  EXPECT_EQ(cfg.sources[0].name, "zeta");
  EXPECT_EQ(cfg.sources[1].name, "alpha");
  EXPECT_EQ(cfg.sources[2].name, "m.2");
}

TEST_F(config_test, missing_file_is_named) {
  auto missing = dir_.path() / "nope.toml";
  try {
    load_config(missing);
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    EXPECT_EQ(std::string(e.what()),
              missing.string() + ": cannot read configuration file: No such file or directory");
  }
}

TEST_F(config_test, syntax_error_has_file_line_and_column) {
  auto message = error_of("[daemon]\nlisten = \"127.0.0.1:9187\n");
  EXPECT_THAT(message, StartsWith(at(2, 25)));
  EXPECT_THAT(message, HasSubstr("Error while parsing string"));
}

// -- unknown keys -------------------------------------------------------------------------------

TEST_F(config_test, unknown_top_level_key) {
  EXPECT_EQ(error_of("colour = \"blue\"\n"), at(1, 1) + "colour: unknown key");
  EXPECT_EQ(error_of("[source.x]\nkind = \"partoo\"\n"),
            at(1, 2) + "source: unknown key (did you mean sources?)");
}

TEST_F(config_test, unknown_key_in_database_and_daemon) {
  EXPECT_EQ(error_of("[database]\nurl = \"dbname=x\"\nschemaa = \"s\"\n"),
            at(3, 1) + "database.schemaa: unknown key (did you mean schema?)");
  EXPECT_EQ(error_of("\n[daemon]\nlisten_addr = \"\"\n"),
            at(3, 1) + "daemon.listen_addr: unknown key");
}

TEST_F(config_test, unknown_key_in_source_names_line_and_path) {
  EXPECT_EQ(error_of(std::string(partoo_source) + "ratelimit = \"300/min\"\n"),
            at(4, 1) + "sources.reviews-eu.ratelimit: unknown key (did you mean rate_limit?)");
  // Credentials of other kinds are not keys of this one.
  EXPECT_EQ(error_of(std::string(partoo_source) + "password = \"x\"\n"),
            at(4, 1) + "sources.reviews-eu.password: unknown key");
  // A nested table is an unknown key too.
  EXPECT_THAT(error_of(std::string(partoo_source) + "[sources.reviews-eu.extra]\nx = 1\n"),
              HasSubstr("sources.reviews-eu.extra: unknown key"));
}

TEST_F(config_test, the_first_unknown_key_in_the_file_is_reported) {
  // toml++ keeps keys sorted; the report must follow the file.
  EXPECT_THAT(error_of(std::string(partoo_source) + "zzz = 1\naaa = 2\n"),
              HasSubstr("sources.reviews-eu.zzz: unknown key"));
}

// -- type and value errors ------------------------------------------------------------------------

TEST_F(config_test, bad_duration) {
  EXPECT_EQ(
      error_of("[sources.crm]\nkind = \"partoo\"\napi_key = \"k\"\ninterval = \"15 minutes\"\n"),
      at(4, 12) + "sources.crm.interval: invalid duration \"15 minutes\" (use 30s, 15m, 1h, 7d)");
  EXPECT_THAT(error_of(std::string(partoo_source) + "timeout = 60\n"),
              HasSubstr("sources.reviews-eu.timeout: expected a duration string such as \"15m\", "
                        "got an integer"));
  EXPECT_THAT(error_of(std::string(partoo_source) + "interval = \"0\"\n"),
              HasSubstr("sources.reviews-eu.interval: must be greater than 0"));
  EXPECT_EQ(load(std::string(partoo_source) + "lookback = \"0\"\n").sources[0].lookback, 0s);
}

TEST_F(config_test, lookback_default_depends_on_the_kind) {
  EXPECT_EQ(load("[sources.us]\nkind = \"cloutly\"\napi_key = \"k\"\n").sources[0].lookback, 1h);
}

TEST_F(config_test, bad_timezone) {
  EXPECT_EQ(error_of(std::string(partoo_source) + "timezone = \"Europe/Pariss\"\n"),
            at(4, 12) +
                "sources.reviews-eu.timezone: unknown time zone \"Europe/Pariss\" (use an IANA "
                "name such as Europe/Paris or UTC)");
}

TEST_F(config_test, bad_rate) {
  EXPECT_EQ(error_of(std::string(partoo_source) + "rate_limit = \"300 per minute\"\n"),
            at(4, 14) +
                "sources.reviews-eu.rate_limit: invalid rate \"300 per minute\" (use 300/min, 5/s, "
                "1000/h)");
  EXPECT_THAT(error_of(std::string(partoo_source) + "rate_limit = \"0/s\"\n"),
              HasSubstr("invalid rate"));
  EXPECT_DOUBLE_EQ(load(std::string(partoo_source) + "rate_limit = \"7200/h\"\n")
                       .sources[0]
                       .rate_limit.per_second,
                   2.0);
}

TEST_F(config_test, start_date_as_text_or_toml_date_time) {
  EXPECT_THAT(error_of(std::string(partoo_source) + "start_date = \"last year\"\n"),
              HasSubstr("sources.reviews-eu.start_date: invalid date-time \"last year\""));
  EXPECT_THAT(error_of(std::string(partoo_source) + "start_date = 2015\n"),
              HasSubstr("sources.reviews-eu.start_date: expected a date-time, got an integer"));
  EXPECT_THAT(error_of(std::string(partoo_source) + "start_date = 10:00:00\n"),
              HasSubstr("expected a date-time, got a time"));

  auto start = [&](const std::string& value) {
    auto cfg = load(std::string(partoo_source) + "start_date = " + value + "\n");
    return format_timestamp(cfg.sources[0].start_date.value());
  };
  EXPECT_EQ(start("\"2017-07-01T16:10:23.156+02:00\""), "2017-07-01T14:10:23.156000Z");
  EXPECT_EQ(start("2017-07-01T16:10:23.156+02:00"), "2017-07-01T14:10:23.156000Z");
  EXPECT_EQ(start("2017-07-01T16:10:23Z"), "2017-07-01T16:10:23.000000Z");
  EXPECT_EQ(start("2017-07-01T16:10:23"), "2017-07-01T16:10:23.000000Z");  // local: read as UTC
  EXPECT_EQ(start("2017-07-01"), "2017-07-01T00:00:00.000000Z");
}

TEST_F(config_test, kind_is_required_and_must_be_registered) {
  std::string known;  // every registered kind, in registry order
  for (const auto& k : connectors::all_kinds())
    known += (known.empty() ? "" : ", ") + std::string(k.kind);
  EXPECT_NE(known.find("partoo"), std::string::npos);
  EXPECT_NE(known.find("cloutly"), std::string::npos);
  EXPECT_EQ(error_of("[sources.x]\napi_key = \"k\"\n"),
            at(1, 1) + "sources.x: missing kind (one of: " + known + ")");
  EXPECT_EQ(error_of("[sources.x]\nkind = \"salesforce\"\n"),
            at(2, 8) + "sources.x.kind: unknown kind \"salesforce\" (known: " + known + ")");
  EXPECT_THAT(error_of("[sources.x]\nkind = 3\n"),
              HasSubstr("sources.x.kind: expected a string, got an integer"));
}

TEST_F(config_test, source_names) {
  EXPECT_EQ(
      error_of("[sources.\"eu reviews\"]\nkind = \"partoo\"\napi_key = \"k\"\n"),
      at(1, 10) +
          "sources.\"eu reviews\": invalid source name (use letters, digits, '_', '.' and '-')");
  EXPECT_THAT(error_of("[sources]\nx = 1\n"),
              HasSubstr("sources.x: expected a table, got an integer"));
  EXPECT_THAT(error_of("sources = 1\n"), HasSubstr("sources: expected a table, got an integer"));
}

TEST_F(config_test, base_url) {
  EXPECT_EQ(load(std::string(partoo_source) + "base_url = \"http://127.0.0.1:8080/v2//\"\n")
                .sources[0]
                .base_url,
            "http://127.0.0.1:8080/v2");
  EXPECT_EQ(error_of(std::string(partoo_source) + "base_url = \"ftp://partoo.example\"\n"),
            at(4, 12) + "sources.reviews-eu.base_url: must start with http:// or https://");
  EXPECT_THAT(error_of(std::string(partoo_source) + "base_url = \"api.partoo.co/v2\"\n"),
              HasSubstr("must start with http:// or https://"));
  EXPECT_THAT(error_of(std::string(partoo_source) + "base_url = \"https://\"\n"),
              HasSubstr("has no host"));
  EXPECT_THAT(error_of(std::string(partoo_source) + "base_url = \"https://x.example/v2?a=1\"\n"),
              HasSubstr("must not contain a query"));
}

TEST_F(config_test, max_delete_fraction) {
  auto fraction = [&](const std::string& value) {
    return load(std::string(partoo_source) + "max_delete_fraction = " + value + "\n")
        .sources[0]
        .max_delete_fraction;
  };
  EXPECT_DOUBLE_EQ(fraction("0"), 0.0);
  EXPECT_DOUBLE_EQ(fraction("1"), 1.0);
  EXPECT_DOUBLE_EQ(fraction("0.75"), 0.75);
  for (const char* bad : {"1.5", "-0.1", "2", "nan", "inf"})
    EXPECT_THAT(error_of(std::string(partoo_source) + "max_delete_fraction = " + bad + "\n"),
                HasSubstr("sources.reviews-eu.max_delete_fraction: must be between 0 and 1"))
        << bad;
  EXPECT_THAT(error_of(std::string(partoo_source) + "max_delete_fraction = \"0.5\"\n"),
              HasSubstr("expected a number between 0 and 1, got a string"));
}

TEST_F(config_test, ca_file_must_exist_relative_to_the_config) {
  dir_.write("certs/ca.pem", "pem");
  EXPECT_EQ(load(std::string(partoo_source) + "ca_file = \"certs/ca.pem\"\n").sources[0].ca_file,
            (dir_.path() / "certs/ca.pem").string());
  EXPECT_EQ(error_of(std::string(partoo_source) + "ca_file = \"missing.pem\"\n"),
            at(4, 11) + "sources.reviews-eu.ca_file: " + (dir_.path() / "missing.pem").string() +
                " does not exist");
  EXPECT_THAT(error_of(std::string(partoo_source) + "ca_file = \"certs\"\n"),
              HasSubstr("is not a regular file"));
}

// -- credentials
// ------------------------------------------------------------------------------------

constexpr const char* partoo_head = "[sources.p]\nkind = \"partoo\"\n";

TEST_F(config_test, api_key_from_environment) {
  scoped_env env("SLUICE_TEST_PARTOO_KEY", "from-env");
  EXPECT_EQ(load(std::string(partoo_head) + "api_key_env = \"SLUICE_TEST_PARTOO_KEY\"\n")
                .sources[0]
                .api_key.reveal(),
            "from-env");
}

TEST_F(config_test, api_key_env_must_be_set_and_non_empty) {
  scoped_env unset("SLUICE_TEST_UNSET_KEY", std::nullopt);
  EXPECT_EQ(
      error_of(std::string(partoo_head) + "api_key_env = \"SLUICE_TEST_UNSET_KEY\"\n"),
      at(3, 15) + "sources.p.api_key_env: environment variable SLUICE_TEST_UNSET_KEY is not set");
  scoped_env empty("SLUICE_TEST_EMPTY_KEY", "");
  EXPECT_THAT(error_of(std::string(partoo_head) + "api_key_env = \"SLUICE_TEST_EMPTY_KEY\"\n"),
              HasSubstr("environment variable SLUICE_TEST_EMPTY_KEY is empty"));
}

TEST_F(config_test, api_key_from_file_strips_trailing_newlines) {
  dir_.write("lf", "key-one\n");
  dir_.write("crlf", "key-two\r\n\r\n");
  dir_.write("inner", "line1\nline2\n");
  auto key = [&](const std::string& file) {
    return load(std::string(partoo_head) + "api_key_file = \"" + file + "\"\n")
        .sources[0]
        .api_key.reveal();
  };
  EXPECT_EQ(key("lf"), "key-one");  // relative to the configuration file's directory
  EXPECT_EQ(key((dir_.path() / "crlf").string()), "key-two");
  EXPECT_EQ(key("inner"), "line1\nline2");
}

TEST_F(config_test, api_key_file_errors_name_the_path) {
  auto missing = (dir_.path() / "absent").string();
  EXPECT_EQ(
      error_of(std::string(partoo_head) + "api_key_file = \"absent\"\n"),
      at(3, 16) + "sources.p.api_key_file: cannot read " + missing + ": No such file or directory");
  dir_.write("blank", "\n\n");
  EXPECT_THAT(
      error_of(std::string(partoo_head) + "api_key_file = \"blank\"\n"),
      HasSubstr("sources.p.api_key_file: " + (dir_.path() / "blank").string() + " is empty"));
}

TEST_F(config_test, exactly_one_form_of_a_credential) {
  scoped_env env("SLUICE_TEST_PARTOO_KEY", "from-env");
  EXPECT_EQ(error_of(std::string(partoo_head) +
                     "api_key = \"inline\"\napi_key_env = \"SLUICE_TEST_PARTOO_KEY\"\n"),
            at(4, 1) +
                "sources.p.api_key_env: api_key is already given; use only one of api_key, "
                "api_key_env, api_key_file");
  EXPECT_EQ(error_of(partoo_head),
            at(1, 1) + "sources.p: missing api_key (or api_key_env, api_key_file)");
  EXPECT_THAT(error_of(std::string(partoo_head) + "api_key = \"\"\n"),
              HasSubstr("sources.p.api_key: must not be empty"));
}

// Each case holds the secret somewhere in the file and is wrong in some way; the message must say
// what is wrong without the secret.
TEST_F(config_test, secret_values_never_appear_in_errors) {
  const std::string secret_text = "Zq8-hunter2-Zq8";
  dir_.write("key", secret_text + "\n");
  scoped_env env("SLUICE_TEST_SECRET", secret_text);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {std::string(partoo_head) + "api_key = 12345678901234\n", "12345678901234"},
      {std::string(partoo_head) + "api_key = [\"" + secret_text + "\"]\n", secret_text},
      {std::string(partoo_head) + "api_key = { v = \"" + secret_text + "\" }\n", secret_text},
      {std::string(partoo_head) + "api_key = \"" + secret_text + "\"\napi_key_file = \"key\"\n",
       secret_text},
      {std::string(partoo_head) + "api_key_env = \"SLUICE_TEST_SECRET\"\napi_key = \"x\"\n",
       secret_text},
      {std::string(partoo_head) + "api_key = \"" + secret_text + "\"\nstreams = [\"nope\"]\n",
       secret_text},
      {std::string(partoo_head) + "api_key = \"" + secret_text + "\"\ninterval = \"soon\"\n",
       secret_text},
      // Syntax errors quote the text they choke on.
      {std::string(partoo_head) + "api_key = tru3hunter\n", "tru3"},
      {std::string(partoo_head) + "api_key = 123456789012345678901234567890\n",
       "123456789012345678901234567890"},
      {std::string(partoo_head) + "api_key = \"\"\"abc\ndef\\qhunter\"\"\"\n", "\\q"},
      {std::string(partoo_head) + "password = \"" + secret_text + "\"\n", secret_text},
      {"[database]\nurl = \"postgresql://u:" + secret_text + "@db/x\"\nschema = \"Bad\"\n",
       secret_text},
      {"[database]\nurl = \"postgresql://u:" + secret_text +
           "@db/x\"\nurl_env = \"SLUICE_TEST_SECRET\"\n",
       secret_text},
      {"[database]\nurl = 5" + std::string("123456789") + "\n", "5123456789"},
      {std::string(partoo_head) + "api_key = \"k\"\nbase_url = \"ftp://u:" + secret_text + "@h\"\n",
       secret_text},
      {std::string(partoo_head) + "api_key = \"k\"\nbase_url = \"https://u:" + secret_text +
           "@h\"\n",
       secret_text},
  };
  for (const auto& [content, value] : cases) {
    auto message = error_of(content);
    EXPECT_FALSE(message.empty()) << content;
    EXPECT_THAT(message, Not(HasSubstr(value))) << content;
  }
}

// -- streams
// ----------------------------------------------------------------------------------------

TEST_F(config_test, streams_are_checked_against_the_connector) {
  EXPECT_EQ(load(std::string(partoo_source) + "streams = [\"businesses\", \"reviews\"]\n")
                .sources[0]
                .streams,
            (std::vector<std::string>{"businesses", "reviews"}));
  EXPECT_EQ(error_of(std::string(partoo_source) + "streams = [\"reviews\", \"review\"]\n"),
            at(4, 23) +
                "sources.reviews-eu.streams[1]: unknown stream \"review\" for kind \"partoo\" "
                "(streams: reviews, businesses)");
  EXPECT_THAT(error_of(std::string(partoo_source) + "streams = [\"reviews\", \"reviews\"]\n"),
              HasSubstr("sources.reviews-eu.streams[1]: stream \"reviews\" is listed twice"));
  EXPECT_THAT(error_of(std::string(partoo_source) + "streams = []\n"),
              HasSubstr("sources.reviews-eu.streams: is empty"));
  EXPECT_THAT(
      error_of(std::string(partoo_source) + "streams = \"reviews\"\n"),
      HasSubstr("sources.reviews-eu.streams: expected an array of stream names, got a string"));
  EXPECT_THAT(error_of(std::string(partoo_source) + "streams = [1]\n"),
              HasSubstr("sources.reviews-eu.streams[0]: expected a string, got an integer"));
}

// -- [database] and [daemon] --------------------------------------------------------------------

TEST_F(config_test, database_url_forms) {
  scoped_env env("SLUICE_TEST_DB_URL", "postgresql://env@h/db");
  EXPECT_EQ(load("[database]\nurl_env = \"SLUICE_TEST_DB_URL\"\n").database.url,
            "postgresql://env@h/db");
  dir_.write("db-url", "host=h dbname=d\n");
  EXPECT_EQ(load("[database]\nurl_file = \"db-url\"\n").database.url, "host=h dbname=d");
  EXPECT_EQ(load("[database]\nschema = \"s2\"\n").database.url,
            "postgresql://sluice@localhost/sluice");
  EXPECT_THAT(error_of("[database]\nurl = \"a\"\nurl_file = \"db-url\"\n"),
              HasSubstr("database.url_file: url is already given"));
}

TEST_F(config_test, schema_must_be_a_plain_identifier) {
  EXPECT_EQ(load("[database]\nschema = \"_s2_x\"\n").database.schema, "_s2_x");
  for (const char* bad : {"Sluice", "2nd", "pg_sluice", "a-b", "a b", "", "a\\\"; drop"})
    EXPECT_THAT(error_of(std::string("[database]\nschema = \"") + bad + "\"\n"),
                HasSubstr("database.schema: invalid schema name"))
        << bad;
  EXPECT_THAT(error_of("[database]\nschema = \"" + std::string(64, 'a') + "\"\n"),
              HasSubstr("invalid schema name"));
}

TEST_F(config_test, daemon_listen) {
  EXPECT_EQ(load("[daemon]\nlisten = \"\"\n").daemon.listen, "");
  EXPECT_EQ(load("[daemon]\nlisten = \"[::1]:9187\"\n").daemon.listen, "[::1]:9187");
  for (const char* bad : {"localhost", "::1:9187", "host:99999", ":9187", "host:", "a b:1"})
    EXPECT_THAT(error_of(std::string("[daemon]\nlisten = \"") + bad + "\"\n"),
                HasSubstr("daemon.listen: invalid address"))
        << bad;
  EXPECT_THAT(error_of("[daemon]\nlisten = 9187\n"),
              HasSubstr("daemon.listen: expected a string, got an integer"));
}

TEST(parse_listen, splits_host_and_port) {
  auto v4 = parse_listen("127.0.0.1:9187");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 9187);
  auto v6 = parse_listen("[::]:80");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::");
  EXPECT_EQ(v6->port, 80);
  auto name = parse_listen("metrics.local:65535");
  ASSERT_TRUE(name);
  EXPECT_EQ(name->host, "metrics.local");
  EXPECT_FALSE(parse_listen(""));
  EXPECT_FALSE(parse_listen("[::1]9187"));
  EXPECT_FALSE(parse_listen("host:65536"));
  EXPECT_FALSE(parse_listen("host:+80"));
  auto any_port = parse_listen("127.0.0.1:0");  // the kernel picks one (tests)
  ASSERT_TRUE(any_port);
  EXPECT_EQ(any_port->port, 0);
}

TEST_F(config_test, daemon_lease_ttl) {
  EXPECT_EQ(load("").daemon.lease_ttl, std::chrono::seconds{30});
  EXPECT_EQ(load("[daemon]\nlease_ttl = \"5s\"\n").daemon.lease_ttl, std::chrono::seconds{5});
  EXPECT_THAT(error_of("[daemon]\nlease_ttl = \"1s\"\n"),
              HasSubstr("daemon.lease_ttl: must be between 3s and 1h"));
}

// -- path resolution ------------------------------------------------------------------------------

TEST(resolve_config_path, option_then_environment_then_default) {
  {
    scoped_env env("SLUICE_CONFIG", "/from/env.toml");
    EXPECT_EQ(resolve_config_path("/from/cli.toml"), "/from/cli.toml");
    EXPECT_EQ(resolve_config_path(std::nullopt), "/from/env.toml");
  }
  {
    scoped_env env("SLUICE_CONFIG", std::nullopt);
    EXPECT_EQ(resolve_config_path("rel.toml"), "rel.toml");
    EXPECT_EQ(resolve_config_path(std::nullopt), "/etc/sluice/sluice.toml");
  }
  {
    scoped_env env("SLUICE_CONFIG", "");
    EXPECT_EQ(resolve_config_path(std::nullopt), "/etc/sluice/sluice.toml");
  }
}

// -- the example configuration -------------------------------------------------------------------

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
  return text;
}

const std::filesystem::path example_file =
    std::filesystem::path(SLUICE_FIXTURES_DIR).parent_path().parent_path() / "etc" /
    "sluice.example.toml";

TEST_F(config_test, example_configuration_loads) {
  auto example = read_text(example_file);
  ASSERT_FALSE(example.empty()) << example_file;
  auto key = dir_.write("partoo-key", "example-key\n");
  testing::scoped_env cloutly_key("CLOUTLY_API_KEY", "cloutly-example-key");
  auto cfg =
      load(replace_all(example, "/run/credentials/sluice.service/sluice_partoo", key.string()));
  ASSERT_EQ(cfg.sources.size(), 2u);
  EXPECT_EQ(cfg.sources[0].kind, "partoo");
  EXPECT_EQ(cfg.sources[0].api_key.reveal(), "example-key");
  EXPECT_EQ(cfg.sources[1].kind, "cloutly");
  EXPECT_EQ(cfg.sources[1].api_key.reveal(), "cloutly-example-key");
  EXPECT_DOUBLE_EQ(cfg.sources[1].rate_limit.per_second, 100.0 / 60.0);
}

// The commented keys of the example source, uncommented, must be accepted and must be the
// defaults they claim to be.
TEST_F(config_test, example_commented_values_are_the_defaults) {
  auto example = read_text(example_file);
  auto begin = example.find("[sources.reviews-eu]");
  auto end = example.find("# Cloutly (reviews:");  // the Partoo source's section ends there
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  std::string section = example.substr(begin, end - begin);
  static const std::regex commented_key(
      R"(^# ((base_url|rate_limit|interval|lookback|full_refresh_interval|start_date|streams|ca_file|timeout|max_delete_fraction|verify_interval) = .*)$)",
      std::regex::multiline);
  std::string uncommented = std::regex_replace(section, commented_key, "$1");
  ASSERT_NE(uncommented, section);
  auto key = dir_.write("partoo-key", "k\n");
  auto ca = dir_.write("ca.pem", "pem");
  uncommented =
      replace_all(uncommented, "/run/credentials/sluice.service/sluice_partoo", key.string());
  uncommented = replace_all(uncommented, "/etc/ssl/private-ca.pem", ca.string());

  auto documented = load(uncommented).sources.at(0);
  auto defaults = load(partoo_source).sources.at(0);
  EXPECT_EQ(documented.base_url, defaults.base_url);
  EXPECT_DOUBLE_EQ(documented.rate_limit.per_second, defaults.rate_limit.per_second);
  EXPECT_EQ(documented.interval, defaults.interval);
  EXPECT_EQ(documented.lookback, defaults.lookback);
  EXPECT_EQ(documented.full_refresh_interval, defaults.full_refresh_interval);
  EXPECT_EQ(documented.timeout, defaults.timeout);
  EXPECT_DOUBLE_EQ(documented.max_delete_fraction, defaults.max_delete_fraction);
  EXPECT_EQ(documented.verify_interval, defaults.verify_interval);
  EXPECT_EQ(documented.streams, (std::vector<std::string>{"reviews", "businesses"}));
  EXPECT_TRUE(documented.start_date.has_value());
  EXPECT_EQ(documented.ca_file, ca.string());
}

// The example's `key = value` lines (commented or not) per table header (commented or not); the
// lines above the first header only explain the notation.
struct example_line {
  int line;
  std::string key;
  std::string value;  // the value's text, without a trailing comment
};
std::vector<std::pair<std::string, std::vector<example_line>>> example_sections(
    const std::string& text) {
  static const std::regex header(R"(^[# ]*\[([A-Za-z0-9._-]+)\]\s*$)");
  static const std::regex assignment(R"(^[# ]*([a-z_]+)\s*=\s*("[^"]*"|[^ #]+))");
  std::vector<std::pair<std::string, std::vector<example_line>>> sections;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    std::smatch m;
    if (std::regex_match(line, m, header))
      sections.emplace_back(m[1].str(), std::vector<example_line>{});
    else if (!sections.empty() && std::regex_search(line, m, assignment))
      sections.back().second.push_back({n, m[1].str(), m[2].str()});
  }
  return sections;
}

// Every declared key is shown in the example (a secret in any of its three forms), every key the
// example shows is declared for its table (and, in a source, accepted by that source's kind), and
// the values shown in [database], [daemon] and the first source, which document every key with
// its default, are the declared defaults.
TEST_F(config_test, example_shows_every_declared_key_and_no_other) {
  auto sections = example_sections(read_text(example_file));
  ASSERT_GE(sections.size(), 3u);
  std::map<std::string, int> seen;  // "database.url", "sources.api_key": times shown
  bool first_source = true;
  for (const auto& [table, lines] : sections) {
    const bool is_source = table.starts_with("sources.");
    std::vector<const key_spec<source_config>*> source_specs;
    if (is_source) {
      auto kind =
          std::find_if(lines.begin(), lines.end(), [](const auto& l) { return l.key == "kind"; });
      ASSERT_NE(kind, lines.end()) << table;
      const auto* info = connectors::find_kind(kind->value.substr(1, kind->value.size() - 2));
      ASSERT_NE(info, nullptr) << table;
      source_specs = source_keys_for(*info);
    }
    const bool documents_defaults = !is_source || first_source;
    for (const auto& l : lines) {
      std::string name;
      std::string_view declared_default;
      auto note = [&](const auto* spec) {
        if (!spec) return;
        name = std::string(spec->name);
        if (l.key == spec->name) declared_default = spec->default_value;
      };
      if (table == "database")
        note(find_key(every_key(database_keys()), l.key));
      else if (table == "daemon")
        note(find_key(every_key(daemon_keys()), l.key));
      else if (table == "alerts")
        note(find_key(every_key(alerts_keys()), l.key));
      else if (is_source)
        note(find_key(source_specs, l.key));
      EXPECT_FALSE(name.empty()) << "line " << l.line << ": " << table << "." << l.key
                                 << " is not declared";
      if (documents_defaults && !declared_default.empty()) {
        EXPECT_EQ(l.value, declared_default) << "line " << l.line << ": " << table << "." << l.key;
      }
      ++seen[(is_source ? std::string("sources") : table) + "." + name];
    }
    if (is_source) first_source = false;
  }
  for (const auto& k : database_keys())
    EXPECT_TRUE(seen.count("database." + std::string(k.name))) << k.name;
  for (const auto& k : daemon_keys())
    EXPECT_TRUE(seen.count("daemon." + std::string(k.name))) << k.name;
  for (const auto& k : alerts_keys())
    EXPECT_TRUE(seen.count("alerts." + std::string(k.name))) << k.name;
  for (const auto& k : source_keys())
    EXPECT_TRUE(seen.count("sources." + std::string(k.name))) << k.name;
}

}  // namespace
}  // namespace sluice::daemon
