// setup_logging's three line formats, and redact().
#include <regex>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "daemon/logging.hpp"
#include "tests/config/temp_dir.hpp"

namespace sluice::daemon {
namespace {

using ::testing::HasSubstr;
using testing::scoped_env;

// What the default logger writes to stderr while `log` runs, after setup_logging(level, format).
template <typename F>
std::string stderr_of(std::string_view level, std::string_view format, F log) {
  setup_logging(level, format);
  ::testing::internal::CaptureStderr();
  log();
  spdlog::default_logger()->flush();
  return ::testing::internal::GetCapturedStderr();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

TEST(logging, text_lines_have_utc_time_and_level) {
  scoped_env no_journal("JOURNAL_STREAM", std::nullopt);
  auto out = stderr_of("info", "text", [] {
    spdlog::debug("hidden");
    spdlog::info("sync of {} started", "reviews-eu");
    spdlog::warn("slow");
    spdlog::error("failed");
  });
  auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 3u) << out;
  static const std::regex stamp(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z )");
  for (const auto& line : lines) EXPECT_TRUE(std::regex_search(line, stamp)) << line;
  EXPECT_EQ(lines[0].substr(25), "info  sync of reviews-eu started");
  EXPECT_EQ(lines[1].substr(25), "warn  slow");
  EXPECT_EQ(lines[2].substr(25), "error failed");
}

TEST(logging, level_threshold) {
  scoped_env no_journal("JOURNAL_STREAM", std::nullopt);
  auto trace = stderr_of("trace", "text", [] { spdlog::trace("t"); });
  EXPECT_THAT(trace, HasSubstr("trace t\n"));
  auto error = stderr_of("error", "text", [] {
    spdlog::warn("w");
    spdlog::error("e");
  });
  EXPECT_EQ(lines_of(error).size(), 1u);
  EXPECT_THAT(error, HasSubstr("error e\n"));
}

TEST(logging, journal_prefixes_under_systemd) {
  scoped_env journal("JOURNAL_STREAM", "8:123456");
  auto out = stderr_of("debug", "text", [] {
    spdlog::debug("d");
    spdlog::info("i");
    spdlog::warn("w");
    spdlog::error("first\nsecond");
  });
  EXPECT_EQ(out, "<7>d\n<6>i\n<4>w\n<3>first\n<3>second\n");
}

TEST(logging, json_lines) {
  // JSON is asked for explicitly, so it wins over the journal's format.
  scoped_env journal("JOURNAL_STREAM", "8:123456");
  auto out = stderr_of("info", "json", [] {
    spdlog::info("plain");
    spdlog::error("quote \" backslash \\ newline \n tab \t bell \x07 utf8 \xc3\xa9 bad \xff end");
  });
  auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 2u) << out;
  auto first = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(first.size(), 3u);
  EXPECT_EQ(first.at("level").as_string(), "info");
  EXPECT_EQ(first.at("msg").as_string(), "plain");
  static const std::regex stamp(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)");
  EXPECT_TRUE(std::regex_match(std::string(first.at("ts").as_string()), stamp));
  EXPECT_EQ(lines[0].rfind("{\"ts\":\"", 0), 0u) << lines[0];

  auto second = boost::json::parse(lines[1]).as_object();
  EXPECT_EQ(second.at("level").as_string(), "error");
  EXPECT_EQ(second.at("msg").as_string(),
            "quote \" backslash \\ newline \n tab \t bell \x07 utf8 \xc3\xa9 bad \xef\xbf\xbd end");
}

TEST(logging, unknown_level_or_format_is_a_config_error) {
  try {
    setup_logging("verbose", "text");
    FAIL();
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
  }
  EXPECT_THROW(setup_logging("info", "xml"), error);
}

TEST(redact, url_userinfo_password) {
  EXPECT_EQ(redact("postgresql://sluice:s3cret@db.example:5432/sluice?sslmode=require"),
            "postgresql://sluice:***@db.example:5432/sluice?sslmode=require");
  EXPECT_EQ(redact("postgresql://sluice@localhost/sluice"), "postgresql://sluice@localhost/sluice");
  EXPECT_EQ(redact("postgresql://localhost:5432/sluice"), "postgresql://localhost:5432/sluice");
  // Unencoded '@' and '/' in the password still leave nothing of it.
  EXPECT_EQ(redact("postgresql://u:pa/ss@wo@rd@h/db"), "postgresql://u:***@h/db");
  EXPECT_EQ(redact("cannot reach postgresql://u:p1@a/db, postgresql://v:p2@b/db: refused"),
            "cannot reach postgresql://u:***@a/db, postgresql://v:***@b/db: refused");
}

TEST(redact, password_parameters) {
  EXPECT_EQ(redact("host=db user=sluice password=s3cret dbname=sluice"),
            "host=db user=sluice password=*** dbname=sluice");
  EXPECT_EQ(redact("password = 'two words \\' quote' host=db"), "password = *** host=db");
  EXPECT_EQ(redact("postgresql://db/x?user=u&password=s3cret&sslmode=require"),
            "postgresql://db/x?user=u&password=***&sslmode=require");
  EXPECT_EQ(redact("sslpassword=k3y PASSWORD=S3"), "sslpassword=*** PASSWORD=***");
  EXPECT_EQ(redact("FATAL: password authentication failed for user \"sluice\""),
            "FATAL: password authentication failed for user \"sluice\"");
  EXPECT_EQ(redact("no secrets here"), "no secrets here");
  EXPECT_EQ(redact(""), "");
}

}  // namespace
}  // namespace sluice::daemon
