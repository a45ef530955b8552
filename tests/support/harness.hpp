#pragma once
// Helpers for integration tests: temp dirs, the test database, running the sluice binary.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace sluice::test {

std::filesystem::path make_temp_dir(const std::string& name);
void write_file(const std::filesystem::path& path, const std::string& content);

// SLUICE_TEST_DATABASE_URL, or nullopt (integration tests then GTEST_SKIP).
std::optional<std::string> test_database_url();

// Runs SQL through psql against the test database; returns rows as "a|b|c" lines, trimmed.
// Throws on a psql error (message included).
std::string psql(const std::string& sql);
std::vector<std::string> psql_rows(const std::string& sql);
void drop_schema(const std::string& schema);

// Runs the sluice binary with the given arguments; output is stdout+stderr.
process_result run_sluice(const std::vector<std::string>& args,
                          const std::vector<std::string>& extra_env = {},
                          std::chrono::seconds timeout = std::chrono::seconds{600});

// The [database] table for a test config: the test database, the given schema.
std::string database_toml(const std::string& schema);

}  // namespace sluice::test
