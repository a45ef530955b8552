#include <algorithm>
#include <string>
#include <vector>

#include "connectors/registry.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;

std::string expected_type(column_type t) {
  switch (t) {
    case column_type::text: return "text";
    case column_type::text_array: return "text[]";
    case column_type::numeric: return "numeric";
    case column_type::boolean: return "boolean";
    case column_type::bigint: return "bigint";
    case column_type::timestamptz: return "timestamp with time zone";
    case column_type::jsonb: return "jsonb";
  }
  return "?";
}

class schema_test : public ::testing::Test {
protected:
  void SetUp() override {
    SLUICE_REQUIRE_DATABASE();
    // One schema per test: ctest runs each test in its own process, possibly in parallel.
    db_ = migrated_schema(std::string("t_store_schema_") +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  database_options db_;
};

TEST_F(schema_test, data_tables_match_the_core_table_definitions) {
  for (const table_def* table : connectors::all_tables()) {
    SCOPED_TRACE(std::string(table->name));
    auto rows = query(db_,
                      "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull "
                      "FROM pg_attribute a WHERE a.attrelid = '" +
                          std::string(table->name) +
                          "'::regclass AND a.attnum > 0 AND NOT a.attisdropped "
                          "ORDER BY a.attnum");
    std::vector<std::pair<std::string, std::string>> actual;
    for (const auto& r : rows) actual.emplace_back(r[0].as<std::string>(), r[1].as<std::string>());

    std::vector<std::pair<std::string, std::string>> expected{{"source", "text"}};
    for (const auto& col : table->columns)
      expected.emplace_back(std::string(col.name), expected_type(col.type));
    expected.emplace_back("content_hash", "bytea");
    expected.emplace_back("first_synced_at", "timestamp with time zone");
    expected.emplace_back("synced_at", "timestamp with time zone");
    // Columns added by later migrations (reviews.archived) come last on disk while the table
    // description keeps raw and deleted_at last; the writer names every column, so only the set
    // of names and types must agree.
    std::sort(actual.begin(), actual.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(actual, expected);

    auto key = query(db_,
                     "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE contype = 'p' "
                     "AND conrelid = '" +
                         std::string(table->name) + "'::regclass");
    ASSERT_EQ(key.size(), 1u);
    EXPECT_EQ(key[0][0].as<std::string>(), "PRIMARY KEY (source, external_id)");
  }
}

TEST_F(schema_test, information_schema_agrees_on_names_and_types) {
  // What BI tools read: information_schema, minus the columns the store adds.
  for (const table_def* table : connectors::all_tables()) {
    SCOPED_TRACE(std::string(table->name));
    auto rows = query(db_,
                      "SELECT column_name, data_type, udt_name FROM information_schema.columns "
                      "WHERE table_schema = current_schema() AND table_name = '" +
                          std::string(table->name) +
                          "' AND column_name NOT IN ('source', 'content_hash', "
                          "'first_synced_at', 'synced_at') ORDER BY ordinal_position");
    ASSERT_EQ(rows.size(), table->columns.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const auto name = rows[i][0].as<std::string>();
      const auto& col = table->columns[table->index(name)];  // throws for an unknown column
      std::string type = rows[i][1].as<std::string>();
      if (type == "ARRAY") type = rows[i][2].as<std::string>() == "_text" ? "text[]" : "array?";
      EXPECT_EQ(type, expected_type(col.type)) << name;
    }
  }
}

TEST_F(schema_test, every_table_view_and_column_has_a_comment) {
  auto relations = query(db_,
                         "SELECT c.relname, coalesce(obj_description(c.oid, 'pg_class'), '') "
                         "FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
                         "AND c.relkind IN ('r', 'v') ORDER BY 1");
  // 9 data tables, 6 bookkeeping tables, and the views.
  EXPECT_GE(relations.size(), 15u);
  for (const auto& r : relations)
    EXPECT_GE(r[1].as<std::string>().size(), 10u) << "table " << r[0].as<std::string>();

  auto columns =
      query(db_,
            "SELECT c.relname, a.attname, coalesce(col_description(c.oid, a.attnum), '') "
            "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
            "WHERE c.relnamespace = current_schema()::regnamespace "
            "AND c.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped");
  EXPECT_GT(columns.size(), 150u);
  for (const auto& r : columns)
    EXPECT_GE(r[2].as<std::string>().size(), 5u)
        << r[0].as<std::string>() << "." << r[1].as<std::string>();
}

TEST_F(schema_test, only_the_primary_key_serves_lookups_by_source) {
  // The writer's per-row key probe must never have a rival index: see 0001_init.sql.
  auto rivals = query(db_,
                      "SELECT i.indexrelid::regclass::text FROM pg_index i "
                      "JOIN pg_class c ON c.oid = i.indrelid "
                      "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0] "
                      "WHERE c.relnamespace = current_schema()::regnamespace "
                      "AND a.attname = 'source' AND NOT i.indisprimary AND i.indpred IS NULL "
                      "AND EXISTS (SELECT 1 FROM pg_attribute h WHERE h.attrelid = c.oid "
                      "AND h.attname = 'content_hash')");
  for (const auto& r : rivals) ADD_FAILURE() << "index " << r[0].as<std::string>();
  EXPECT_EQ(rivals.size(), 0u);
}

TEST_F(schema_test, bookkeeping_tables_exist_with_their_keys) {
  for (std::string table :
       {"schema_migrations", "sync_state", "sync_runs", "leases", "backfill_jobs"})
    EXPECT_EQ(scalar<int>(db_,
                          "SELECT count(*) FROM pg_constraint WHERE contype = 'p' AND "
                          "conrelid = '" +
                              table + "'::regclass"),
              1)
        << table;
  EXPECT_EQ(scalar<std::string>(db_,
                                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                                "WHERE contype = 'p' AND conrelid = 'sync_state'::regclass"),
            "PRIMARY KEY (source, stream)");
  EXPECT_EQ(scalar<int>(db_,
                        "SELECT count(*) FROM pg_indexes WHERE schemaname = "
                        "current_schema() AND indexname = 'sync_runs_stream_idx'"),
            1);
}

TEST_F(schema_test, snapshot_seen_is_durable_and_keyed_by_stream_and_id) {
  EXPECT_EQ(scalar<std::string>(db_,
                                "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                                "WHERE contype = 'p' AND "
                                "conrelid = 'snapshot_seen'::regclass"),
            "PRIMARY KEY (source, stream, external_id)");
  // Logged: an UNLOGGED table is emptied by a server crash, and a resumed snapshot would then
  // mark everything its first half saw as deleted.
  EXPECT_EQ(scalar<std::string>(db_,
                                "SELECT relpersistence FROM pg_class WHERE oid = "
                                "'snapshot_seen'::regclass"),
            "p");
}

}  // namespace
}  // namespace sluice::store
