// Migration 0003 (Clevertim): the crm_custom_fields table, the view crm_custom_field_values that
// shows custom values by field name, the CRM join indexes, and the upgrade of a version-2
// database that already holds CRM data.
#include <string>
#include <vector>

#include "schema/embedded.hpp"
#include "store/digest.hpp"
#include "store/migrations.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;

std::string test_name() { return ::testing::UnitTest::GetInstance()->current_test_info()->name(); }

// Definitions in two sources (the same id means different fields there), one deleted at the
// vendor; records of all four kinds with string, number, list, boolean and null values, keys
// without a definition, custom_fields that are NULL, empty or not an object, and deleted records
// whose values must not show.
constexpr const char* sample_data = R"SQL(
  INSERT INTO crm_custom_fields (source, external_id, name, full_name, element_type, model_types,
                                 multiple, allowed_values, deleted_at, content_hash) VALUES
    ('crm',  '10', 'Industry',  'Industry sector', 'text',     '{contact,company}', false, NULL,                NULL,          '\x00'),
    ('crm',  '11', 'Seats',     'Licensed seats',  'number',   '{company}',         false, NULL,                NULL, '\x00'),
    ('crm',  '12', 'Languages', 'Languages',       'checkbox', '{contact,case}',    true,  '["en","fr","de"]', NULL, '\x00'),
    ('crm',  '13', 'VIP',       'VIP customer',    'boolean',  '{contact}',         false, NULL,                NULL, '\x00'),
    ('crm',  '14', 'Old field', 'Retired field',   'text',     '{contact}',         false, NULL,                '2024-05-01Z', '\x00'),
    ('crm2', '10', 'Branche',   'Branche',         'text',     '{contact}',         false, NULL,                NULL, '\x00'),
    ('crm2', '99', 'Unused',    'Unused',          'text',     '{contact}',         false, NULL,                NULL, '\x00');
  INSERT INTO crm_contacts (source, external_id, custom_fields, deleted_at, content_hash) VALUES
    ('crm',  'c1', '{"10": "Retail, food", "11": 25, "12": ["en", "fr"], "13": true, "77": "no definition"}', NULL, '\x00'),
    ('crm',  'c2', '{"14": "old value", "13": false}', NULL, '\x00'),
    ('crm',  'c3', '{"10": "Gone"}', '2024-06-01Z', '\x00'),
    ('crm',  'c4', NULL, NULL, '\x00'),
    ('crm',  'c5', '{}', NULL, '\x00'),
    ('crm',  'c6', '[]', NULL, '\x00'),
    ('crm',  'c7', '"text"', NULL, '\x00'),
    ('crm2', 'c1', '{"10": "Bau"}', NULL, '\x00');
  INSERT INTO crm_companies (source, external_id, custom_fields, deleted_at, content_hash) VALUES
    ('crm', 'k1', '{"11": 1200.50, "12": [], "10": null}', NULL, '\x00'),
    ('crm', 'k2', '{"10": "Deleted company"}', '2024-06-01Z', '\x00');
  INSERT INTO crm_cases (source, external_id, custom_fields, deleted_at, content_hash) VALUES
    ('crm', 's1', '{"12": ["de", 3, true, null], "13": true}', NULL, '\x00'),
    ('crm', 's2', '{"11": "x"}', '2024-06-01Z', '\x00');
  INSERT INTO crm_opportunities (source, external_id, custom_fields, deleted_at, content_hash) VALUES
    ('crm', 'o1', '{"11": -3, "10": "Say \"hi\""}', NULL, '\x00'),
    ('crm', 'o2', '{"13": false}', '2024-06-01Z', '\x00');
)SQL";

const std::string view_columns =
    "source, record_table, record_external_id, field_external_id, field_name, value::text, "
    "value_text";
const std::string view_order = " ORDER BY 1, 2, 3, 4";

// The same rows by another route: live records with object custom_fields filtered first (a
// materialized CTE, so jsonb_each never sees a non-object), names by correlated subquery, text by
// jsonb_each_text and, for lists, array_to_string (which skips nulls as string_agg does).
const std::string reference_query = R"SQL(
  WITH live AS MATERIALIZED (
    SELECT source, 'crm_contacts' AS tbl, external_id AS id, custom_fields AS cf
      FROM crm_contacts WHERE deleted_at IS NULL AND jsonb_typeof(custom_fields) = 'object'
    UNION ALL
    SELECT source, 'crm_companies', external_id, custom_fields
      FROM crm_companies WHERE deleted_at IS NULL AND jsonb_typeof(custom_fields) = 'object'
    UNION ALL
    SELECT source, 'crm_cases', external_id, custom_fields
      FROM crm_cases WHERE deleted_at IS NULL AND jsonb_typeof(custom_fields) = 'object'
    UNION ALL
    SELECT source, 'crm_opportunities', external_id, custom_fields
      FROM crm_opportunities WHERE deleted_at IS NULL AND jsonb_typeof(custom_fields) = 'object'
  )
  SELECT l.source, l.tbl, l.id, e.key,
         (SELECT f.name FROM crm_custom_fields f
           WHERE f.source = l.source AND f.external_id = e.key AND f.deleted_at IS NULL),
         e.value::text,
         CASE WHEN jsonb_typeof(e.value) = 'array'
              THEN nullif(array_to_string(ARRAY(SELECT jsonb_array_elements_text(e.value)), ', '), '')
              ELSE t.value END
  FROM live l
  CROSS JOIN LATERAL jsonb_each(l.cf) e
  JOIN LATERAL jsonb_each_text(l.cf) t ON t.key = e.key
  ORDER BY 1, 2, 3, 4
)SQL";

class crm_custom_fields_test : public ::testing::Test {
protected:
  void SetUp() override {
    SLUICE_REQUIRE_DATABASE();
    db_ = migrated_schema("t_store_crm_cf_" + test_name());
  }
  database_options db_;
};

TEST_F(crm_custom_fields_test, view_matches_a_hand_written_query) {
  query(db_, sample_data);
  const result_rows want = rows_of(db_, reference_query);
  EXPECT_EQ(want.size(), 15u);
  EXPECT_EQ(rows_of(db_, "SELECT " + view_columns + " FROM crm_custom_field_values" + view_order),
            want);
}

TEST_F(crm_custom_fields_test, view_rows_are_exactly_the_expected_ones) {
  query(db_, sample_data);
  const std::string N = "<NULL>";
  EXPECT_EQ(
      rows_of(db_, "SELECT " + view_columns + " FROM crm_custom_field_values" + view_order),
      (result_rows{
          {"crm", "crm_cases", "s1", "12", "Languages", R"(["de", 3, true, null])", "de, 3, true"},
          {"crm", "crm_cases", "s1", "13", "VIP", "true", "true"},
          {"crm", "crm_companies", "k1", "10", "Industry", "null", N},
          {"crm", "crm_companies", "k1", "11", "Seats", "1200.50", "1200.50"},
          {"crm", "crm_companies", "k1", "12", "Languages", "[]", N},
          {"crm", "crm_contacts", "c1", "10", "Industry", R"("Retail, food")", "Retail, food"},
          {"crm", "crm_contacts", "c1", "11", "Seats", "25", "25"},
          {"crm", "crm_contacts", "c1", "12", "Languages", R"(["en", "fr"])", "en, fr"},
          {"crm", "crm_contacts", "c1", "13", "VIP", "true", "true"},
          // No definition for 77; 14's definition was deleted at the vendor.
          {"crm", "crm_contacts", "c1", "77", N, R"("no definition")", "no definition"},
          {"crm", "crm_contacts", "c2", "13", "VIP", "false", "false"},
          {"crm", "crm_contacts", "c2", "14", N, R"("old value")", "old value"},
          {"crm", "crm_opportunities", "o1", "10", "Industry", R"("Say \"hi\"")", R"(Say "hi")"},
          {"crm", "crm_opportunities", "o1", "11", "Seats", "-3", "-3"},
          // Field 10 of the other source has its own name.
          {"crm2", "crm_contacts", "c1", "10", "Branche", R"("Bau")", "Bau"}}));
}

TEST_F(crm_custom_fields_test, view_columns_have_analyst_friendly_types) {
  EXPECT_EQ(rows_of(db_,
                    "SELECT column_name, data_type FROM information_schema.columns WHERE "
                    "table_schema = current_schema() AND table_name = "
                    "'crm_custom_field_values' ORDER BY ordinal_position"),
            (result_rows{{"source", "text"},
                         {"record_table", "text"},
                         {"record_external_id", "text"},
                         {"field_external_id", "text"},
                         {"field_name", "text"},
                         {"value", "jsonb"},
                         {"value_text", "text"}}));
}

TEST_F(crm_custom_fields_test, view_follows_deletions_and_new_definitions) {
  query(db_, sample_data);
  const auto names_of_c1 = [&] {
    return rows_of(db_,
                   "SELECT field_external_id, field_name FROM crm_custom_field_values WHERE "
                   "source = 'crm' AND record_external_id = 'c1' ORDER BY 1");
  };
  const std::string N = "<NULL>";
  EXPECT_EQ(
      names_of_c1(),
      (result_rows{
          {"10", "Industry"}, {"11", "Seats"}, {"12", "Languages"}, {"13", "VIP"}, {"77", N}}));
  query(db_,
        "UPDATE crm_custom_fields SET deleted_at = now() WHERE source = 'crm' AND "
        "external_id = '13'");
  query(db_,
        "INSERT INTO crm_custom_fields (source, external_id, name, content_hash) VALUES "
        "('crm', '77', 'Referrer', '\\x00')");
  EXPECT_EQ(names_of_c1(), (result_rows{{"10", "Industry"},
                                        {"11", "Seats"},
                                        {"12", "Languages"},
                                        {"13", N},
                                        {"77", "Referrer"}}));

  query(db_,
        "UPDATE crm_contacts SET deleted_at = now() WHERE source = 'crm' AND "
        "external_id = 'c1'");
  EXPECT_TRUE(names_of_c1().empty());
  query(db_, "UPDATE crm_contacts SET deleted_at = NULL WHERE source = 'crm'");
  EXPECT_EQ(scalar<std::string>(db_,
                                "SELECT string_agg(value_text, '|' ORDER BY value_text) "
                                "FROM crm_custom_field_values WHERE source = 'crm' AND "
                                "record_external_id = 'c3'"),
            "Gone");
  EXPECT_EQ(names_of_c1().size(), 5u);
}

TEST_F(crm_custom_fields_test, table_and_view_are_commented_for_analysts) {
  for (std::string relation : {"crm_custom_fields", "crm_custom_field_values"}) {
    SCOPED_TRACE(relation);
    EXPECT_GE(scalar<std::string>(db_, "SELECT coalesce(obj_description('" + relation +
                                           "'::regclass, 'pg_class'), '')")
                  .size(),
              40u);
    auto columns = rows_of(db_,
                           "SELECT a.attname, coalesce(col_description(a.attrelid, "
                           "a.attnum), '') FROM pg_attribute a WHERE a.attrelid = '" +
                               relation + "'::regclass AND a.attnum > 0 AND NOT a.attisdropped");
    EXPECT_GE(columns.size(), 7u);
    for (const auto& c : columns) EXPECT_GE(c[1].size(), 15u) << c[0];
  }
}

TEST_F(crm_custom_fields_test, crm_links_are_indexed) {
  // Every column BI tools join CRM tables on has an index leading with it.
  const auto leading = [&](const std::string& table, const std::string& column) {
    return scalar<int>(db_,
                       "SELECT count(*) FROM pg_index i JOIN pg_attribute a ON "
                       "a.attrelid = i.indrelid AND a.attnum = i.indkey[0] WHERE "
                       "i.indrelid = '" +
                           table + "'::regclass AND a.attname = '" + column + "'");
  };
  for (const auto& [table, column] : std::vector<std::pair<std::string, std::string>>{
           {"crm_contacts", "company_external_id"},
           {"crm_cases", "customer_external_id"},
           {"crm_opportunities", "customer_external_id"},
           {"crm_tasks", "case_external_id"},
           {"crm_tasks", "opportunity_external_id"},
           {"crm_tasks", "customer_external_id"},
           {"crm_notes", "case_external_id"},
           {"crm_notes", "opportunity_external_id"},
           {"crm_notes", "customer_external_id"}})
    EXPECT_EQ(leading(table, column), 1) << table << "." << column;
  // The definitions are only ever looked up by their key.
  EXPECT_EQ(rows_of(db_,
                    "SELECT indexrelid::regclass::text, indisprimary::text FROM pg_index "
                    "WHERE indrelid = 'crm_custom_fields'::regclass"),
            (result_rows{{"crm_custom_fields_pkey", "true"}}));
}

TEST(embedded_migrations, version_3_is_clevertim) {
  auto migrations = schema::embedded_migrations();
  ASSERT_GE(migrations.size(), 3u);
  EXPECT_EQ(migrations[2].version, 3);
  EXPECT_EQ(migrations[2].name, "clevertim");
  EXPECT_TRUE(migrations[2].sql.starts_with("-- sluice schema, version 3"));
}

// long function: builds a version-2 database by hand, then checks the upgrade.
TEST(migrate, upgrades_a_version_2_database_with_crm_data) {
  SLUICE_REQUIRE_DATABASE();
  auto db = fresh_schema("t_store_mig_upgrade_v2");
  {
    // What a database migrated by a sluice that knew only 0001 and 0002 looks like.
    auto c = std::make_unique<pqxx::connection>(db.url);
    pqxx::work tx(*c);
    tx.exec("CREATE SCHEMA " + quote_identifier(db.schema));
    tx.exec("SET LOCAL search_path TO " + quote_identifier(db.schema));
    tx.exec(
        "CREATE TABLE schema_migrations (version int PRIMARY KEY, name text NOT NULL, "
        "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& m : schema::embedded_migrations().first(2)) {
      tx.exec(std::string(m.sql));
      tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                     m.version, std::string(m.name), sha256_hex(m.sql));
    }
    tx.exec(R"SQL(
      INSERT INTO crm_contacts (source, external_id, company_external_id, custom_fields,
                                content_hash, synced_at) VALUES
        ('crm', 'c1', 'k1', '{"5": "gold", "6": [1, 2]}', '\x01', '2024-01-01Z'),
        ('crm', 'c2', 'k1', NULL, '\x02', '2024-01-01Z');
      INSERT INTO crm_companies (source, external_id, custom_fields, content_hash, synced_at)
        VALUES ('crm', 'k1', '{"5": "silver"}', '\x03', '2024-01-01Z');
      INSERT INTO crm_tasks (source, external_id, case_external_id, content_hash, synced_at)
        VALUES ('crm', 't1', 's1', '\x04', '2024-01-01Z');
      INSERT INTO sync_state (source, stream, cursor) VALUES ('crm', 'contact', '{}');
    )SQL");
    tx.commit();
  }

  migration_report report = migrate(db);
  EXPECT_EQ(report.from_version, 2);
  EXPECT_EQ(report.to_version, latest_version());
  ASSERT_FALSE(report.applied.empty());
  EXPECT_EQ(report.applied.front(), "0003_clevertim");
  EXPECT_EQ(scalar<int>(db, "SELECT max(version) FROM schema_migrations"), latest_version());

  // Existing rows are untouched (the writer's change detection relies on their hashes).
  EXPECT_EQ(rows_of(db,
                    "SELECT external_id, encode(content_hash, 'hex'), synced_at::text FROM "
                    "crm_contacts ORDER BY 1"),
            (result_rows{{"c1", "01", "2024-01-01 00:00:00+00"},
                         {"c2", "02", "2024-01-01 00:00:00+00"}}));
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM sync_state"), 1);
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM crm_custom_fields"), 0);

  // The view works on the data already there: values without names until definitions sync.
  const std::string values =
      "SELECT record_table, record_external_id, field_external_id, "
      "field_name, value_text FROM crm_custom_field_values ORDER BY 1, 2, 3";
  const std::string N = "<NULL>";
  EXPECT_EQ(rows_of(db, values), (result_rows{{"crm_companies", "k1", "5", N, "silver"},
                                              {"crm_contacts", "c1", "5", N, "gold"},
                                              {"crm_contacts", "c1", "6", N, "1, 2"}}));
  query(db,
        "INSERT INTO crm_custom_fields (source, external_id, name, content_hash) VALUES "
        "('crm', '5', 'Tier', '\\x00')");
  EXPECT_EQ(rows_of(db, values), (result_rows{{"crm_companies", "k1", "5", "Tier", "silver"},
                                              {"crm_contacts", "c1", "5", "Tier", "gold"},
                                              {"crm_contacts", "c1", "6", N, "1, 2"}}));
  EXPECT_EQ(scalar<int>(db,
                        "SELECT count(*) FROM pg_indexes WHERE schemaname = "
                        "current_schema() AND indexname = 'crm_tasks_case_idx'"),
            1);

  // And a second run has nothing left to do.
  EXPECT_TRUE(migrate(db).applied.empty());
}

}  // namespace
}  // namespace sluice::store
