// The command-line contract (docs/architecture.md, "Commands"): exit codes and messages a user
// sees.
#include <gtest/gtest.h>

#include "tests/support/harness.hpp"

namespace sluice::test {
namespace {

TEST(cli, version_and_help) {
  auto v = run_sluice({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_EQ(v.output.rfind("sluice ", 0), 0u) << v.output;
  auto h = run_sluice({"--help"});
  EXPECT_EQ(h.exit_code, 0);
  for (auto cmd : {"run", "sync", "backfill", "check", "status", "reset", "migrate"})
    EXPECT_NE(h.output.find(cmd), std::string::npos) << h.output;
}

TEST(cli, usage_errors_exit_64) {
  EXPECT_EQ(run_sluice({}).exit_code, 64);
  EXPECT_EQ(run_sluice({"frobnicate"}).exit_code, 64);
  EXPECT_EQ(run_sluice({"sync", "--no-such-flag"}).exit_code, 64);
}

TEST(cli, configuration_errors_exit_78_naming_file_key_and_line) {
  auto dir = make_temp_dir("cli");
  auto file = dir / "bad.toml";
  write_file(file,
             "[database]\nurl = \"postgresql://x@127.0.0.1:1/x\"\n\n[sources.a]\nkind = "
             "\"partoo\"\napi_key = \"k\"\nratelimit = \"5/s\"\n");
  auto r = run_sluice({"status", "-c", file.string()});
  EXPECT_EQ(r.exit_code, 78) << r.output;
  EXPECT_NE(r.output.find(file.string()), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(":7"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ratelimit"), std::string::npos) << r.output;

  auto missing = run_sluice({"status", "-c", (dir / "nope.toml").string()});
  EXPECT_EQ(missing.exit_code, 78) << missing.output;
  std::filesystem::remove_all(dir);
}

TEST(cli, selecting_an_unknown_source_or_stream_is_a_usage_error) {
  auto dir = make_temp_dir("cli");
  auto file = dir / "ok.toml";
  // Selection is checked before anything is contacted: the database here does not exist.
  write_file(file,
             "[database]\nurl = \"postgresql://x@127.0.0.1:1/x?connect_timeout=3\"\n\n"
             "[sources.a]\nkind = \"partoo\"\napi_key = \"k\"\n");
  auto source = run_sluice({"sync", "-c", file.string(), "--source", "nope"});
  auto stream = run_sluice({"sync", "-c", file.string(), "--stream", "nope"});
  EXPECT_EQ(stream.exit_code, 64) << stream.output;
  EXPECT_EQ(source.exit_code, 64) << source.output;
  EXPECT_NE(source.output.find("nope"), std::string::npos) << source.output;
  std::filesystem::remove_all(dir);
}

TEST(cli, unreachable_database_exits_69) {
  auto dir = make_temp_dir("cli");
  auto file = dir / "ok.toml";
  // Port 1 on loopback: nothing listens there.
  write_file(file,
             "[database]\nurl = "
             "\"postgresql://sluice:hunter2secret@127.0.0.1:1/sluice?connect_timeout=3\"\n");
  auto r = run_sluice({"migrate", "-c", file.string()});
  EXPECT_EQ(r.exit_code, 69) << r.output;
  EXPECT_EQ(r.output.find("hunter2secret"), std::string::npos) << r.output;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sluice::test
