#include "tests/support/harness.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <stdexcept>

#include <unistd.h>

namespace sluice::test {

std::filesystem::path make_temp_dir(const std::string& name) {
  static std::mt19937_64 rng{std::random_device{}()};
  auto base = std::filesystem::temp_directory_path();
  for (;;) {
    auto dir = base / ("sluice-test-" + name + "-" + std::to_string(getpid()) + "-" +
                       std::to_string(rng() % 1000000));
    if (std::filesystem::create_directories(dir)) return dir;
  }
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::optional<std::string> test_database_url() {
  const char* url = std::getenv("SLUICE_TEST_DATABASE_URL");
  if (!url || !*url) return std::nullopt;
  return std::string(url);
}

std::string psql(const std::string& sql) {
  auto url = test_database_url();
  if (!url) throw std::runtime_error("SLUICE_TEST_DATABASE_URL is not set");
  auto result = run_process({"/usr/bin/psql", *url, "-X", "-q", "-A", "-t", "-F", "|", "-v",
                             "ON_ERROR_STOP=1", "-c", sql},
                            std::chrono::seconds{120});
  if (result.exit_code != 0)
    throw std::runtime_error("psql failed: " + result.output + "\nSQL: " + sql);
  while (!result.output.empty() && (result.output.back() == '\n' || result.output.back() == ' '))
    result.output.pop_back();
  return result.output;
}

std::vector<std::string> psql_rows(const std::string& sql) {
  std::vector<std::string> rows;
  std::string out = psql(sql);
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto nl = out.find('\n', pos);
    if (nl == std::string::npos) nl = out.size();
    rows.push_back(out.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return rows;
}

void drop_schema(const std::string& schema) {
  psql("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
}

process_result run_sluice(const std::vector<std::string>& args,
                          const std::vector<std::string>& extra_env, std::chrono::seconds timeout) {
  std::vector<std::string> argv{SLUICE_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv, timeout, extra_env);
}

std::string database_toml(const std::string& schema) {
  auto url = test_database_url();
  if (!url) throw std::runtime_error("SLUICE_TEST_DATABASE_URL is not set");
  return "[database]\nurl = \"" + *url + "\"\nschema = \"" + schema +
         "\"\n\n[daemon]\nlisten = \"\"\n\n";
}

}  // namespace sluice::test
