// The systemd units of issue 6: produced by the real install script (systemd/install_units.cmake,
// what `cmake --install` and cpack run) into a temporary prefix whose bindir is the directory of
// the freshly built sluice, so no installation is needed; then checked with systemd-analyze:
// `verify` must be silent about them and `security --offline=yes` must rate them 2.0 or lower.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "tests/support/harness.hpp"

namespace sluice::test {
namespace {

namespace fs = std::filesystem;

const fs::path systemd_analyze = "/usr/bin/systemd-analyze";
const fs::path source_dir = fs::path{SLUICE_FIXTURES_DIR}.parent_path().parent_path();

// systemd-analyze writes to a pipe here; keep it from paging or colouring anyway.
const std::vector<std::string> analyze_env = {"SYSTEMD_PAGER=cat", "SYSTEMD_COLORS=0"};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

fs::path find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    auto candidate = fs::path{dir} / name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

class systemd_units : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(SLUICE_BINARY)) << SLUICE_BINARY;
    cmake_ = find_program("cmake");
    if (cmake_.empty()) GTEST_SKIP() << "cmake is not in PATH";
    prefix_ = make_temp_dir("systemd_unit");
    // An absolute bindir puts ExecStart= on the built binary, as `cmake --install` puts it on
    // the installed one.
    auto bindir = fs::path{SLUICE_BINARY}.parent_path();
    auto r = run_process(
        {cmake_.string(), "-DCMAKE_INSTALL_PREFIX=" + prefix_.string(),
         "-DSLUICE_SOURCE_DIR=" + source_dir.string(), "-DSLUICE_BINARY_DIR=" + prefix_.string(),
         "-DSLUICE_INSTALL_BINDIR=" + bindir.string(), "-DSLUICE_INSTALL_DOCDIR=share/doc/sluice",
         "-DSLUICE_INSTALL_SYSCONFDIR=etc", "-DSLUICE_INSTALL_SYSTEMDUNITDIR=lib/systemd/system",
         "-P", (source_dir / "systemd" / "install_units.cmake").string()},
        std::chrono::seconds{60});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    unitdir_ = prefix_ / "lib" / "systemd" / "system";
  }

  void TearDown() override {
    if (!prefix_.empty()) fs::remove_all(prefix_);
  }

  fs::path unit(const std::string& name) const { return unitdir_ / name; }

  fs::path cmake_;
  fs::path prefix_;
  fs::path unitdir_;
};

TEST_F(systemd_units, install_script_names_the_binary_and_ships_a_private_credentials_dir) {
  auto daemon = read_text(unit("sluice.service"));
  auto backfill = read_text(unit("sluice-backfill@.service"));
  EXPECT_NE(daemon.find("\nExecStart=" + std::string{SLUICE_BINARY} + " run\n"), std::string::npos)
      << daemon;
  EXPECT_NE(backfill.find("\nExecStart=" + std::string{SLUICE_BINARY} +
                          " backfill --source %i $SLUICE_BACKFILL_ARGS\n"),
            std::string::npos)
      << backfill;
  EXPECT_NE(daemon.find("file://" + (prefix_ / "share/doc/sluice").string() + "/"),
            std::string::npos);
  // Found by scripts/systemd-e2e on a minimal Debian 12: `ExecReload=kill ...` failed with
  // 203/EXEC (kill is procps', which such systems lack), so the reload uses sh's built-in kill.
  EXPECT_NE(daemon.find("\nExecReload=/bin/sh -c 'kill -s HUP \"$MAINPID\"'\n"), std::string::npos)
      << daemon;
  // A missing credentials directory is named by an assertion rather than 243/CREDENTIALS.
  for (const auto* text : {&daemon, &backfill})
    EXPECT_NE(text->find("\nAssertPathIsDirectory=/etc/sluice/credentials\n"), std::string::npos)
        << *text;
  // Every @VARIABLE@ of the templates was substituted.
  std::regex placeholder{"@[A-Za-z_]+@"};
  EXPECT_FALSE(std::regex_search(daemon, placeholder));
  EXPECT_FALSE(std::regex_search(backfill, placeholder));

  auto credentials = prefix_ / "etc" / "sluice" / "credentials";
  ASSERT_TRUE(fs::is_directory(credentials));
  EXPECT_EQ(fs::status(credentials).permissions(), fs::perms::owner_all);
  EXPECT_TRUE(fs::is_empty(credentials));
}

TEST_F(systemd_units, pass_systemd_analyze_verify) {
  if (!fs::exists(systemd_analyze)) GTEST_SKIP() << "no " << systemd_analyze;
  // A template is verified as its instance "i". systemd-analyze also loads the units ours
  // reference (network-online.target, postgresql.service, multi-user.target) from the host;
  // whatever it says about those is the host's business, so only lines naming our units count.
  for (std::string name : {"sluice.service", "sluice-backfill@.service"}) {
    auto r = run_process({systemd_analyze.string(), "verify", unit(name).string()},
                         std::chrono::seconds{120}, analyze_env);
    EXPECT_EQ(r.exit_code, 0) << name << ":\n" << r.output;
    for (const auto& line : lines_of(r.output))
      EXPECT_EQ(line.find("sluice"), std::string::npos) << name << ": " << line;
  }
}

TEST_F(systemd_units, verify_reports_a_broken_unit) {
  // The check above is only worth something if verify speaks up: an unknown key and a missing
  // binary must both show.
  if (!fs::exists(systemd_analyze)) GTEST_SKIP() << "no " << systemd_analyze;
  auto text = read_text(unit("sluice.service"));
  auto exec = text.find(SLUICE_BINARY);
  ASSERT_NE(exec, std::string::npos);
  text.replace(exec, std::string_view{SLUICE_BINARY}.size(), (prefix_ / "no-such-sluice").string());
  text += "\n[Service]\nNoSuchSetting=1\n";
  auto broken_dir = prefix_ / "broken";
  fs::create_directories(broken_dir);
  write_file(broken_dir / "sluice.service", text);
  auto r =
      run_process({systemd_analyze.string(), "verify", (broken_dir / "sluice.service").string()},
                  std::chrono::seconds{120}, analyze_env);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("NoSuchSetting"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no-such-sluice"), std::string::npos) << r.output;
}

TEST_F(systemd_units, security_exposure_is_at_most_2) {
  if (!fs::exists(systemd_analyze)) GTEST_SKIP() << "no " << systemd_analyze;
  // The template is rated through an instance named like a source, as operators start it.
  auto instance = unitdir_ / "sluice-backfill@reviews-eu.service";
  fs::copy_file(unit("sluice-backfill@.service"), instance);
  std::regex overall{R"(Overall exposure level for ([^:]+): ([0-9]+\.[0-9]+))"};
  for (const auto& path : {unit("sluice.service"), instance}) {
    auto r = run_process({systemd_analyze.string(), "security", "--offline=yes", path.string()},
                         std::chrono::seconds{120}, analyze_env);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.output, m, overall)) << r.output;
    EXPECT_EQ(m[1].str(), path.filename().string());
    double exposure = std::stod(m[2].str());
    EXPECT_LE(exposure, 2.0) << r.output;
    std::printf("[ exposure ] %s: %.1f\n", m[1].str().c_str(), exposure);
  }
}

}  // namespace
}  // namespace sluice::test
