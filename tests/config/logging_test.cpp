// setup_logging's line formats (a run's lines with their tag), the journal's fields, and
// redact().
#include <cstdio>
#include <filesystem>
#include <regex>

#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "core/run_log.hpp"
#include "daemon/log_fields.hpp"
#include "daemon/logging.hpp"
#include "tests/config/temp_dir.hpp"

namespace sluice::daemon {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
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

TEST(logging, text_lines_of_a_run_name_it) {
  scoped_env no_journal("JOURNAL_STREAM", std::nullopt);
  auto out = stderr_of("debug", "text", [] {
    const run_log eu_reviews(log_tag{"eu", "reviews", 42});
    const run_log us_reviews(log_tag{"us", "reviews", 43});
    eu_reviews.info("{} records", 100);
    us_reviews.debug("interleaved");  // runs interleave on one thread: each line keeps its own
    spdlog::info("untagged");
    run_log(log_tag{"eu", "reviews", 0, 7}).warn("resuming");
    run_log(log_tag{"eu", "businesses"}).error("failed");
    run_log(log_tag{"eu"}).debug("added");
    run_log().info("no tag");
    eu_reviews.info("again");
  });
  auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 8u) << out;
  EXPECT_EQ(lines[0].substr(25), "info  eu/reviews#42: 100 records");
  EXPECT_EQ(lines[1].substr(25), "debug us/reviews#43: interleaved");
  EXPECT_EQ(lines[2].substr(25), "info  untagged");
  EXPECT_EQ(lines[3].substr(25), "warn  eu/reviews backfill#7: resuming");
  EXPECT_EQ(lines[4].substr(25), "error eu/businesses: failed");
  EXPECT_EQ(lines[5].substr(25), "debug eu: added");
  EXPECT_EQ(lines[6].substr(25), "info  no tag");
  EXPECT_EQ(lines[7].substr(25), "info  eu/reviews#42: again");
}

TEST(logging, journal_prefixed_lines_of_a_run_name_it) {
  scoped_env journal("JOURNAL_STREAM", "8:123456");  // not stderr's: prefixes, as before
  auto out = stderr_of("info", "text", [] {
    run_log(log_tag{"eu", "reviews", 42}).warn("first\nsecond");
  });
  EXPECT_EQ(out, "<4>eu/reviews#42: first\n<4>second\n");
}

TEST(logging, json_lines_of_a_run_carry_source_stream_and_run) {
  scoped_env no_journal("JOURNAL_STREAM", std::nullopt);
  auto out = stderr_of("info", "json", [] {
    run_log(log_tag{"eu", "reviews", 42}).info("{} records", 100);
    run_log(log_tag{"eu", "reviews", 0, 7}).info("resuming");
    run_log(log_tag{"e\"u"}).warn("lease lost");
    spdlog::info("untagged");
  });
  auto lines = lines_of(out);
  ASSERT_EQ(lines.size(), 4u) << out;
  // Beside ts and level, before msg.
  EXPECT_THAT(lines[0], HasSubstr(R"("level":"info","source":"eu","stream":"reviews","run":42,)"
                                  R"("msg":"100 records"})"));
  auto run = boost::json::parse(lines[0]).as_object();
  EXPECT_EQ(run.size(), 6u);
  EXPECT_EQ(run.at("run").as_int64(), 42);

  auto backfill = boost::json::parse(lines[1]).as_object();
  EXPECT_EQ(backfill.size(), 6u);
  EXPECT_EQ(backfill.at("source").as_string(), "eu");
  EXPECT_EQ(backfill.at("stream").as_string(), "reviews");
  EXPECT_EQ(backfill.at("backfill").as_int64(), 7);
  EXPECT_FALSE(backfill.contains("run"));

  auto source = boost::json::parse(lines[2]).as_object();
  EXPECT_EQ(source.size(), 4u);
  EXPECT_EQ(source.at("source").as_string(), "e\"u");
  EXPECT_EQ(source.at("msg").as_string(), "lease lost");

  EXPECT_EQ(boost::json::parse(lines[3]).as_object().size(), 3u);
}

TEST(logging, tags_and_messages_are_redacted_in_every_format) {
  const std::string secret = "LOGTAG-SECRET-0a1b2c";
  sluice::register_secret(secret);
  const log_tag tag{"src-" + secret, "reviews", 5};
  auto log = [&] { run_log(tag).error("echoed {} and password=hunter2", secret); };
  scoped_env no_journal("JOURNAL_STREAM", std::nullopt);
  auto text = stderr_of("info", "text", log);
  EXPECT_THAT(text, HasSubstr("src-***/reviews#5: echoed *** and password=***"));
  auto json = stderr_of("info", "json", log);
  EXPECT_THAT(json, HasSubstr(R"("source":"src-***")"));
  EXPECT_THAT(json, HasSubstr(R"("msg":"echoed *** and password=***")"));
  scoped_env journal("JOURNAL_STREAM", "8:123456");
  auto prefixed = stderr_of("info", "text", log);
  EXPECT_THAT(prefixed, HasSubstr("<3>src-***/reviews#5: echoed ***"));
  for (const auto& out : {text, json, prefixed}) {
    EXPECT_THAT(out, Not(HasSubstr(secret)));
    EXPECT_THAT(out, Not(HasSubstr("hunter2")));
  }
}

TEST(journal_fields, a_run_line) {
  EXPECT_THAT(
      journal_fields(spdlog::level::info, "100 records", log_tag{"eu", "reviews", 42}),
      ElementsAre("MESSAGE=eu/reviews#42: 100 records", "PRIORITY=6", "SYSLOG_IDENTIFIER=sluice",
                  "SLUICE_SOURCE=eu", "SLUICE_STREAM=reviews", "SLUICE_RUN=42"));
}

TEST(journal_fields, a_backfill_line_and_a_source_line) {
  EXPECT_THAT(journal_fields(spdlog::level::warn, "resuming", log_tag{"eu", "reviews", 0, 7}),
              ElementsAre("MESSAGE=eu/reviews backfill#7: resuming", "PRIORITY=4",
                          "SYSLOG_IDENTIFIER=sluice", "SLUICE_SOURCE=eu", "SLUICE_STREAM=reviews",
                          "SLUICE_BACKFILL=7"));
  EXPECT_THAT(journal_fields(spdlog::level::err, "lease lost", log_tag{"eu"}),
              ElementsAre("MESSAGE=eu: lease lost", "PRIORITY=3", "SYSLOG_IDENTIFIER=sluice",
                          "SLUICE_SOURCE=eu"));
}

TEST(journal_fields, an_untagged_line_and_every_priority) {
  EXPECT_THAT(journal_fields(spdlog::level::debug, "tick", log_tag{}),
              ElementsAre("MESSAGE=tick", "PRIORITY=7", "SYSLOG_IDENTIFIER=sluice"));
  EXPECT_EQ(journal_fields(spdlog::level::trace, "t", {})[1], "PRIORITY=7");
  EXPECT_EQ(journal_fields(spdlog::level::critical, "c", {})[1], "PRIORITY=2");
}

TEST(journal_fields, a_multi_line_message_stays_one_entry) {
  EXPECT_EQ(journal_fields(spdlog::level::err, "first\nsecond", log_tag{"eu", "reviews", 1})[0],
            "MESSAGE=eu/reviews#1: first\nsecond");
}

TEST(journal_fields, message_and_values_are_redacted) {
  const std::string secret = "JOURNAL-SECRET-9f8e7d";
  sluice::register_secret(secret);
  auto fields = journal_fields(spdlog::level::err, "echoed " + secret + " and password=hunter2",
                               log_tag{"src-" + secret, "reviews", 3});
  EXPECT_THAT(fields, ElementsAre("MESSAGE=src-***/reviews#3: echoed *** and password=***",
                                  "PRIORITY=3", "SYSLOG_IDENTIFIER=sluice", "SLUICE_SOURCE=src-***",
                                  "SLUICE_STREAM=reviews", "SLUICE_RUN=3"));
}

// systemd documents JOURNAL_STREAM as `<device>:<inode>` of the stream it connected: stderr is
// the journal only while it is still open on that file.
TEST(logging, journal_stream_must_name_the_file_of_stderr) {
  std::FILE* file = std::tmpfile();
  ASSERT_NE(file, nullptr);
  const int fd = ::fileno(file);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  const auto device = std::to_string(st.st_dev);
  const auto inode = std::to_string(st.st_ino);
  EXPECT_TRUE(is_journal_stream((device + ":" + inode).c_str(), fd));
  EXPECT_FALSE(is_journal_stream((device + ":" + std::to_string(st.st_ino + 1)).c_str(), fd));
  EXPECT_FALSE(is_journal_stream((std::to_string(st.st_dev + 1) + ":" + inode).c_str(), fd));
  for (const auto& bad : std::vector<std::string>{
           "", "8", "8:", ":8", "8:x", device + ":" + inode + ":1", device + ":" + inode + "x"})
    EXPECT_FALSE(is_journal_stream(bad.c_str(), fd)) << bad;
  EXPECT_FALSE(is_journal_stream(nullptr, fd));
  std::fclose(file);
}

// With JOURNAL_STREAM naming stderr's file, lines go to the journal as entries with fields, not
// to stderr. (A container has no journal: sd_journal_sendv drops them silently there.)
TEST(logging, lines_go_to_the_journal_when_stderr_is_its_stream) {
  if (std::filesystem::exists("/run/systemd/journal/socket"))
    GTEST_SKIP() << "a journal runs here: the test would write to it";
  {
    ::testing::internal::CaptureStderr();
    struct stat st {};
    ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
    scoped_env journal("JOURNAL_STREAM",
                       std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino));
    setup_logging("info", "text");
    run_log(log_tag{"eu", "reviews", 42}).info("100 records");
    spdlog::info("untagged");
    spdlog::default_logger()->flush();
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  }
  setup_logging("info", "text");  // stderr again for the tests that follow
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
