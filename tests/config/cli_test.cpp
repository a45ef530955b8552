// parse_command_line: the command line (docs/architecture.md, "Commands").
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "daemon/cli.hpp"

namespace sluice::daemon {
namespace {

using ::testing::HasSubstr;
using cmd = command_line::command;

command_line parse(std::vector<std::string> args) {
  args.insert(args.begin(), "sluice");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parse_command_line(static_cast<int>(args.size()), argv.data());
}

std::string usage_error_of(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const usage_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no usage error";
  return {};
}

TEST(cli, sync_with_every_option) {
  auto cl = parse({"sync", "-c", "/etc/x.toml", "--source", "a", "--source=b", "--stream",
                   "reviews", "--full"});
  EXPECT_EQ(cl.cmd, cmd::sync);
  EXPECT_EQ(cl.config, "/etc/x.toml");
  EXPECT_EQ(cl.sources, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(cl.streams, (std::vector<std::string>{"reviews"}));
  EXPECT_TRUE(cl.full);
  EXPECT_FALSE(cl.json);
  EXPECT_EQ(cl.log_level, "info");
  EXPECT_EQ(cl.log_format, "text");
}

TEST(cli, sync_defaults) {
  auto cl = parse({"sync"});
  EXPECT_EQ(cl.cmd, cmd::sync);
  EXPECT_FALSE(cl.config.has_value());
  EXPECT_TRUE(cl.sources.empty());
  EXPECT_TRUE(cl.streams.empty());
  EXPECT_FALSE(cl.full);
}

TEST(cli, verify_with_every_option) {
  auto cl = parse({"verify", "-c", "/etc/x.toml", "--source", "a", "--source=b", "--stream",
                   "reviews", "--dry-run", "--json"});
  EXPECT_EQ(cl.cmd, cmd::verify);
  EXPECT_EQ(cl.config, "/etc/x.toml");
  EXPECT_EQ(cl.sources, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(cl.streams, (std::vector<std::string>{"reviews"}));
  EXPECT_TRUE(cl.dry_run);
  EXPECT_TRUE(cl.json);
  auto plain = parse({"verify"});
  EXPECT_FALSE(plain.dry_run);
  EXPECT_FALSE(plain.json);
  EXPECT_TRUE(plain.sources.empty());
  EXPECT_THAT(usage_error_of({"verify", "--full"}), HasSubstr("--full"));
  EXPECT_THAT(usage_error_of({"sync", "--dry-run"}), HasSubstr("--dry-run"));
}

TEST(cli, each_command) {
  EXPECT_EQ(parse({"check"}).cmd, cmd::check);
  EXPECT_EQ(parse({"migrate"}).cmd, cmd::migrate);
  auto status = parse({"status", "--json"});
  EXPECT_EQ(status.cmd, cmd::status);
  EXPECT_TRUE(status.json);
  EXPECT_FALSE(parse({"status"}).json);
}

TEST(cli, config_before_or_after_the_command) {
  EXPECT_EQ(parse({"-c", "before.toml", "check"}).config, "before.toml");
  EXPECT_EQ(parse({"check", "-c", "after.toml"}).config, "after.toml");
  EXPECT_EQ(parse({"--config", "long.toml", "migrate"}).config, "long.toml");
  EXPECT_EQ(parse({"status", "--config=eq.toml"}).config, "eq.toml");
  // Given on both sides, the one nearer the command's own options wins.
  EXPECT_EQ(parse({"-c", "before.toml", "sync", "-c", "after.toml"}).config, "after.toml");
}

TEST(cli, global_options_before_or_after_the_command) {
  auto before = parse({"--log-level", "debug", "--log-format", "json", "sync"});
  EXPECT_EQ(before.log_level, "debug");
  EXPECT_EQ(before.log_format, "json");
  auto after = parse({"check", "--log-level=warn", "--log-format", "json"});
  EXPECT_EQ(after.cmd, cmd::check);
  EXPECT_EQ(after.log_level, "warn");
  EXPECT_EQ(after.log_format, "json");
  for (const char* level : {"trace", "debug", "info", "warn", "error"})
    EXPECT_EQ(parse({"--log-level", level, "check"}).log_level, level);
}

TEST(cli, bad_usage) {
  EXPECT_THAT(usage_error_of({"sync", "--bogus"}), HasSubstr("--bogus"));
  EXPECT_THAT(usage_error_of({"--bogus", "sync"}), HasSubstr("--bogus"));
  EXPECT_THAT(usage_error_of({"--log-level", "verbose", "sync"}), HasSubstr("verbose"));
  EXPECT_THAT(usage_error_of({"--log-format", "xml", "sync"}), HasSubstr("xml"));
  EXPECT_THAT(usage_error_of({"frobnicate"}), HasSubstr("frobnicate"));
  EXPECT_THAT(usage_error_of({"sync", "--source"}), HasSubstr("--source"));
  // One value per --source: a stray word is an error, not a second source.
  EXPECT_THAT(usage_error_of({"sync", "--source", "a", "b"}), HasSubstr("b"));
  // Options of other commands.
  EXPECT_THAT(usage_error_of({"check", "--full"}), HasSubstr("--full"));
  EXPECT_THAT(usage_error_of({"sync", "--json"}), HasSubstr("--json"));
  EXPECT_THAT(usage_error_of({"check", "migrate"}), HasSubstr("migrate"));
  // backfill and reset name exactly one source.
  EXPECT_THAT(usage_error_of({"backfill"}), HasSubstr("--source"));
  EXPECT_THAT(usage_error_of({"reset"}), HasSubstr("--source"));
  EXPECT_THAT(usage_error_of({"backfill", "--source", "a", "--source", "b"}),
              HasSubstr("--source"));
  EXPECT_THAT(usage_error_of({"run", "--full"}), HasSubstr("--full"));
}

TEST(cli, run_backfill_reset) {
  EXPECT_EQ(parse({"run", "-c", "x.toml"}).cmd, cmd::run);
  auto b = parse({"backfill", "--source", "eu", "--stream", "reviews", "--since",
                  "2024-01-01T00:00:00Z", "--until", "2024-02-01T00:00:00Z"});
  EXPECT_EQ(b.cmd, cmd::backfill);
  EXPECT_EQ(b.sources, (std::vector<std::string>{"eu"}));
  EXPECT_EQ(b.streams, (std::vector<std::string>{"reviews"}));
  EXPECT_EQ(b.since, "2024-01-01T00:00:00Z");
  EXPECT_EQ(b.until, "2024-02-01T00:00:00Z");
  auto open = parse({"backfill", "--source", "eu"});
  EXPECT_TRUE(open.streams.empty());
  EXPECT_TRUE(open.since.empty());
  auto r = parse({"reset", "--source", "eu", "--stream", "reviews"});
  EXPECT_EQ(r.cmd, cmd::reset);
  EXPECT_EQ(r.sources, (std::vector<std::string>{"eu"}));
  EXPECT_EQ(r.streams, (std::vector<std::string>{"reviews"}));
  EXPECT_TRUE(parse({"reset", "--source", "eu"}).streams.empty());
}

TEST(cli, pause_resume_and_status_watch) {
  auto p = parse({"pause", "--source", "eu", "--stream", "reviews", "--reason", "vendor down"});
  EXPECT_EQ(p.cmd, cmd::pause);
  EXPECT_EQ(p.sources, (std::vector<std::string>{"eu"}));
  EXPECT_EQ(p.streams, (std::vector<std::string>{"reviews"}));
  EXPECT_EQ(p.reason, "vendor down");
  auto whole = parse({"pause", "--source", "eu"});
  EXPECT_TRUE(whole.streams.empty());
  EXPECT_TRUE(whole.reason.empty());
  auto r = parse({"resume", "-c", "x.toml", "--source", "eu"});
  EXPECT_EQ(r.cmd, cmd::resume);
  EXPECT_EQ(r.sources, (std::vector<std::string>{"eu"}));
  EXPECT_THAT(usage_error_of({"pause"}), HasSubstr("--source"));
  EXPECT_THAT(usage_error_of({"resume", "--source", "eu", "--reason", "x"}), HasSubstr("reason"));

  auto s = parse({"status"});
  EXPECT_FALSE(s.watch);
  EXPECT_EQ(s.interval, 2);
  auto w = parse({"status", "--watch", "--interval", "0.5"});
  EXPECT_TRUE(w.watch);
  EXPECT_EQ(w.interval, 0.5);
  usage_error_of({"status", "--watch", "--interval", "0"});
}

TEST(cli, no_command_lists_the_commands) {
  auto message = usage_error_of({});
  EXPECT_THAT(
      message,
      HasSubstr("a command is required: run, sync, backfill, check, status, reset, migrate"));
  EXPECT_THAT(usage_error_of({"-c", "x.toml"}), HasSubstr("a command is required"));
}

TEST(cli, help_and_version) {
  auto help = parse({"--help"});
  EXPECT_EQ(help.cmd, cmd::help);
  for (const char* word : {"run", "sync", "backfill", "check", "status", "reset", "migrate",
                           "--log-level", "--log-format", "--version", "SLUICE_CONFIG"})
    EXPECT_THAT(help.help_text, HasSubstr(word));

  auto sync_help = parse({"sync", "--help"});
  EXPECT_EQ(sync_help.cmd, cmd::help);
  EXPECT_THAT(sync_help.help_text, HasSubstr("--source"));
  EXPECT_THAT(sync_help.help_text, HasSubstr("--full"));

  EXPECT_EQ(parse({"-h"}).cmd, cmd::help);

  auto version = parse({"--version"});
  EXPECT_EQ(version.cmd, cmd::version);
  EXPECT_EQ(version.help_text, std::string("sluice ") + SLUICE_VERSION + "\n");
}

}  // namespace
}  // namespace sluice::daemon
