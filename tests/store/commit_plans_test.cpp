// The writer's per-commit statements must cost one primary-key probe per row of the commit,
// whatever PostgreSQL's statistics say. During a first load the target table has never been
// analyzed, and twice a plan chosen on such guesses read every row of the source on every commit
// (a sequential scan, then a hash join): a first load turned quadratic, and no test noticed,
// because the results were right. These tests run the statements under EXPLAIN ANALYZE on a
// filled, never-analyzed table and count the rows each plan read from it.
#include <regex>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "connectors/review_tables.hpp"
#include "store/batch_writer.hpp"
#include "store/merge_sql.hpp"
#include "store/redact.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
namespace asio = boost::asio;

const table_def& reviews = tables::reviews;
constexpr int table_rows = 5'000;
constexpr int commit_rows = 100;

// A migrated schema whose reviews table holds `table_rows` rows of source "s", never analyzed
// (autovacuum off for the table, so nothing analyzes it behind the test's back).
database_options filled_schema(const std::string& name) {
  auto db = migrated_schema(name);
  query(db, "ALTER TABLE reviews SET (autovacuum_enabled = false)");
  batch_writer writer(db);
  run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, "s", "reviews", reviews, 0);
    record_batch b;
    b.table = &reviews;
    b.rows.push_back(sample_review("seed"));
    co_await sink->write(std::move(b));
    co_await sink->flush();
  });
  query(db,
        "INSERT INTO reviews SELECT (jsonb_populate_record(NULL::reviews, to_jsonb(r) || "
        "jsonb_build_object('external_id', 'r' || g))).* FROM reviews r, "
        "generate_series(1, " +
            std::to_string(table_rows) + ") g");
  return db;
}

// The ids of `commit_rows` existing rows, as a text[] literal.
std::string some_ids() {
  std::string ids = "{";
  for (int i = 1; i <= commit_rows; ++i) ids += (i > 1 ? ",r" : "r") + std::to_string(i * 47);
  return ids + "}";
}

// Rows read from the reviews table by the plan of `sql`, summed over the plan's nodes on it.
long rows_read_from_reviews(pqxx::transaction_base& tx, const std::string& sql) {
  static const std::regex node(R"( on reviews\b.*actual rows=(\d+) loops=(\d+))");
  long read = 0;
  std::string plan;
  for (const auto& line : tx.exec("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql)) {
    const std::string text = line[0].as<std::string>();
    plan += text + "\n";
    std::smatch m;
    if (std::regex_search(text, m, node)) read += std::stol(m[1]) * std::stol(m[2]);
  }
  EXPECT_GT(read, 0) << plan;
  EXPECT_LE(read, 2L * commit_rows) << plan;
  return read;
}

TEST(commit_plans, hash_lookup_probes_instead_of_reading_the_table) {
  SLUICE_REQUIRE_DATABASE();
  auto db = filled_schema("t_store_plans_hashes");
  auto c = inspect(db);
  pqxx::work tx(*c);
  // Planned with the values, as commit.cpp sends it (unprepared).
  std::string sql = hashes_sql(quote_identifier(db.schema), reviews);
  sql = std::regex_replace(sql, std::regex(R"(\$1)"), "'s'");
  sql = std::regex_replace(sql, std::regex(R"(\$2)"), tx.quote(some_ids()));
  rows_read_from_reviews(tx, sql);
}

TEST(commit_plans, merge_probes_instead_of_reading_the_table) {
  SLUICE_REQUIRE_DATABASE();
  auto db = filled_schema("t_store_plans_merge");
  auto c = inspect(db);
  pqxx::work tx(*c);
  const std::string schema = quote_identifier(db.schema);
  tx.exec(create_staging_sql(schema, reviews));
  std::string columns = "source";
  for (const auto& col : reviews.columns) columns += ", " + quote_identifier(col.name);
  columns += ", content_hash";
  // Changed rows: their hash differs, so the merge must find and update each of them.
  tx.exec("INSERT INTO " + staging_name(reviews) + " SELECT " + columns +
          " FROM reviews WHERE external_id = ANY(" + tx.quote(some_ids()) + "::text[])");
  tx.exec("UPDATE " + staging_name(reviews) + " SET content_hash = '\\x00'");
  rows_read_from_reviews(tx, merge_sql(schema, reviews));
  tx.abort();
}

}  // namespace
}  // namespace sluice::store
