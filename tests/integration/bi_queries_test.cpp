// docs/bi.md answers analysts' questions in SQL; this test keeps those answers true. It loads the
// demo data of all four vendors the way a user gets it (sluice-fakeapi with scripts/demo-session's
// amounts, then `sluice sync`), and runs every ```sql block of the page in page order, with the
// schema renamed to the test's and the role `sluice_reader` to one of the test's own. A block
// marked `-- expect: statements` runs as the schema's owner (it creates the read-only role);
// every other block is one query, run as that read-only role, that must return at least one row,
// or none when marked `-- expect: empty`.
#include <cctype>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/sync_fixture.hpp"

namespace sluice::test {
namespace {

struct sql_block {
  int line = 0;  // of the opening fence, for failure messages
  std::string text;
};

enum class expectation { rows, empty, statements };

// The amounts scripts/demo-session starts the fake with, so the page is tested on the data the
// demo shows; the credentials are the test's own.
const std::vector<std::string> demo_options{"--partoo-reviews",     "10000",
                                            "--partoo-businesses",  "25",
                                            "--partoo-key",         "partoo-key",
                                            "--cloutly-reviews",    "3000",
                                            "--cloutly-businesses", "8",
                                            "--cloutly-key",        "cloutly-key",
                                            "--cloudapp-items",     "300",
                                            "--cloudapp-trashed",   "20",
                                            "--cloudapp-user",      "ops@example.com",
                                            "--cloudapp-password",  "cloudapp-password",
                                            "--clevertim-contacts", "500",
                                            "--clevertim-token",    "clevertim-token"};

// docs/ sits beside tests/ in the source tree, and SLUICE_FIXTURES_DIR is tests/fixtures.
std::filesystem::path bi_page() {
  return std::filesystem::path(SLUICE_FIXTURES_DIR).parent_path().parent_path() / "docs" / "bi.md";
}

std::vector<sql_block> sql_blocks(const std::filesystem::path& page) {
  std::ifstream in(page);
  if (!in) throw std::runtime_error("cannot read " + page.string());
  std::vector<sql_block> blocks;
  bool inside = false;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!inside && line == "```sql") {
      blocks.push_back({n, ""});
      inside = true;
    } else if (inside && line.starts_with("```")) {
      inside = false;
    } else if (inside) {
      blocks.back().text += line + "\n";
    }
  }
  if (inside) throw std::runtime_error(page.string() + ": a ```sql block is never closed");
  return blocks;
}

// nullopt for an unknown marker: a misspelt one must fail, not quietly mean "rows".
std::optional<expectation> expectation_of(const std::string& sql) {
  static const std::regex marker(R"(--\s*expect:\s*(\S+))");
  std::smatch m;
  if (!std::regex_search(sql, m, marker)) return expectation::rows;
  if (m[1] == "empty") return expectation::empty;
  if (m[1] == "statements") return expectation::statements;
  return std::nullopt;
}

// Whole words only: `sluice.reviews`, `SCHEMA sluice` and the literal 'sluice' (a catalog filter)
// all name the schema, while `sluice_reader` is the role.
std::string for_test(const std::string& sql, const std::string& schema, const std::string& role) {
  const std::string renamed = std::regex_replace(sql, std::regex(R"(\bsluice_reader\b)"), role);
  return std::regex_replace(renamed, std::regex(R"(\bsluice\b)"), schema);
}

// Runs `sql` in a session that first switches to `role`, as a BI tool logged in as it would.
process_result psql_as(const std::string& role, const std::string& sql) {
  return run_process({"/usr/bin/psql", *test_database_url(), "-X", "-q", "-A", "-t", "-v",
                      "ON_ERROR_STOP=1", "-c", "SET ROLE " + role, "-c", sql},
                     std::chrono::seconds{120});
}

// The number of rows the query returns. Counted by the server, since rows of free text may span
// several lines of psql's output; the query keeps its own text inside the subquery.
std::int64_t rows_of(const std::string& role, std::string query) {
  while (!query.empty() && (std::isspace(static_cast<unsigned char>(query.back())) != 0))
    query.pop_back();
  if (query.ends_with(";")) query.pop_back();
  auto result = psql_as(role, "SELECT count(*) FROM (\n" + query + "\n) AS bi_query");
  if (result.exit_code != 0) throw std::runtime_error(result.output);
  return std::stoll(result.output);
}

void drop_role(const std::string& role) {
  psql("DO $$BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '" + role +
       "') THEN EXECUTE 'DROP OWNED BY " + role + "'; EXECUTE 'DROP ROLE " + role +
       "'; END IF; END$$");
}

class bi_queries : public sync_fixture {
protected:
  void TearDown() override {
    if (!schema_.empty() && test_database_url()) drop_role(reader());
    sync_fixture::TearDown();
  }

  // Roles belong to the whole cluster; one per test schema keeps concurrent tests apart.
  std::string reader() const { return schema_ + "_reader"; }

  // One [sources.NAME] table of the demo's configuration, pointing at the fake.
  std::string source(const std::string& name, const std::string& kind, const std::string& path,
                     const std::string& credentials) {
    return "[sources." + name + "]\nkind = \"" + kind + "\"\nbase_url = \"" +
           fake_->http_url(path) + "\"\n" + credentials + "rate_limit = \"100000/min\"\n\n";
  }

  void load_demo_data() {
    fake_ = std::make_unique<fakeapi>(demo_options);
    auto config = write_config(
        source("reviews-demo", "partoo", "/partoo/v2", "api_key = \"partoo-key\"\n") +
        source("reviews-us", "cloutly", "/cloutly/api/v1", "api_key = \"cloutly-key\"\n") +
        source("shots", "cloudapp", "/cloudapp",
               "username = \"ops@example.com\"\npassword = \"cloudapp-password\"\n") +
        source("crm", "clevertim", "/clevertim/api", "api_key = \"clevertim-token\"\n"));
    auto result = sync(config);
    ASSERT_EQ(result.exit_code, 0) << result.output;
  }

  void run_block(const sql_block& block) {
    SCOPED_TRACE("docs/bi.md:" + std::to_string(block.line) + "\n" + block.text);
    const auto expected = expectation_of(block.text);
    ASSERT_TRUE(expected.has_value()) << "unknown `-- expect:` marker";
    const std::string sql = for_test(block.text, schema_, reader());
    try {
      if (*expected == expectation::statements) {
        psql(sql);
      } else if (*expected == expectation::empty) {
        EXPECT_EQ(rows_of(reader(), sql), 0) << "marked `-- expect: empty`";
      } else {
        EXPECT_GT(rows_of(reader(), sql), 0) << "no rows on the demo data";
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "the block fails: " << e.what();
    }
  }
};

TEST_F(bi_queries, every_sql_block_of_docs_bi_md_works_on_the_demo_data) {
  const auto blocks = sql_blocks(bi_page());
  // A floor, so that a page whose fences stopped matching cannot pass by testing nothing.
  ASSERT_GE(blocks.size(), 15U) << bi_page();
  ASSERT_EQ(expectation_of(blocks.front().text), expectation::statements)
      << "the page sets up the read-only role before its queries";
  ASSERT_NO_FATAL_FAILURE(load_demo_data());
  drop_role(reader());  // left by an earlier run against the same cluster
  for (const auto& block : blocks) run_block(block);

  // The role the page sets up can read but not write.
  auto write = psql_as(
      reader(), "INSERT INTO " + schema_ + ".sync_state (source, stream) VALUES ('bi', 'test')");
  EXPECT_NE(write.exit_code, 0) << write.output;
  EXPECT_NE(write.output.find("permission denied"), std::string::npos) << write.output;
}

}  // namespace
}  // namespace sluice::test
