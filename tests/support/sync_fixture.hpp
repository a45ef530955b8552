#pragma once
// Shared fixture of the end-to-end tests: a schema of its own per test, a temp dir, one
// sluice-fakeapi, and helpers to write a config and run `sluice sync`.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/fakeapi.hpp"
#include "tests/support/harness.hpp"

namespace sluice::test {

class sync_fixture : public ::testing::Test {
protected:
  void SetUp() override {
    if (!test_database_url()) GTEST_SKIP() << "SLUICE_TEST_DATABASE_URL not set";
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    schema_ = std::string("t_") + info->test_suite_name() + "_" + info->name();
    std::transform(schema_.begin(), schema_.end(), schema_.begin(),
                   [](unsigned char c) { return std::isalnum(c) ? std::tolower(c) : '_'; });
    schema_.resize(std::min<std::size_t>(schema_.size(), 48));  // identifiers stop at 63 bytes
    drop_schema(schema_);
    dir_ = make_temp_dir(schema_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Writes sluice.toml: the test database and schema, then `sources` (TOML text).
  std::string write_config(const std::string& sources) {
    auto config = dir_ / "sluice.toml";
    write_file(config, database_toml(schema_) + sources);
    return config.string();
  }

  process_result sync(const std::string& config, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"sync", "-c", config};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_sluice(args);
  }

  // The latest sync_runs row of a stream, as "status|inserted|updated|deleted".
  std::string last_run(const std::string& source, const std::string& stream) {
    return psql("SELECT status || '|' || inserted || '|' || updated || '|' || deleted FROM " +
                schema_ + ".sync_runs WHERE source = '" + source + "' AND stream = '" + stream +
                "' ORDER BY id DESC LIMIT 1");
  }

  std::string schema_;
  std::filesystem::path dir_;
  std::unique_ptr<fakeapi> fake_;
};

}  // namespace sluice::test
