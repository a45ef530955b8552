#include <thread>
#include <vector>

#include "core/error.hpp"
#include "schema/embedded.hpp"
#include "store/digest.hpp"
#include "store/migrations.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;

TEST(embedded_migrations, are_numbered_from_one_without_gaps) {
  auto migrations = schema::embedded_migrations();
  ASSERT_FALSE(migrations.empty());
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i + 1));
    EXPECT_FALSE(migrations[i].name.empty());
    EXPECT_FALSE(migrations[i].sql.empty());
  }
  EXPECT_EQ(migrations.front().name, "init");
  ASSERT_GE(migrations.size(), 2u);
  EXPECT_EQ(migrations[1].name, "snapshots");
  EXPECT_EQ(latest_version(), migrations.back().version);
  // The embedded bytes are the file's bytes: the first line of 0001_init.sql.
  EXPECT_TRUE(migrations.front().sql.starts_with("-- sluice schema, version 1"));
  EXPECT_TRUE(migrations.front().sql.ends_with(";\n"));
}

TEST(migrate, applies_once_and_is_idempotent) {
  SLUICE_REQUIRE_DATABASE();
  // Mixed case and a space: the schema name must be quoted everywhere.
  auto db = fresh_schema("t_store Migrate Twice");

  migration_report first = migrate(db);
  EXPECT_EQ(first.from_version, 0);
  EXPECT_EQ(first.to_version, latest_version());
  ASSERT_FALSE(first.applied.empty());
  EXPECT_EQ(first.applied.front(), "0001_init");

  migration_report second = migrate(db);
  EXPECT_EQ(second.from_version, latest_version());
  EXPECT_EQ(second.to_version, latest_version());
  EXPECT_TRUE(second.applied.empty());

  auto rows = query(db, "SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  ASSERT_EQ(rows.size(), schema::embedded_migrations().size());
  EXPECT_EQ(rows[0][0].as<int>(), 1);
  EXPECT_EQ(rows[0][1].as<std::string>(), "init");
  EXPECT_EQ(rows[0][2].as<std::string>(), sha256_hex(schema::embedded_migrations().front().sql));
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews"), 0);
}

TEST(migrate, upgrades_a_version_1_database_with_data) {
  SLUICE_REQUIRE_DATABASE();
  auto db = fresh_schema("t_store_mig_upgrade");
  {
    // What a database migrated by a sluice that knew only 0001 looks like.
    auto c = std::make_unique<pqxx::connection>(db.url);
    pqxx::work tx(*c);
    tx.exec("CREATE SCHEMA " + quote_identifier(db.schema));
    tx.exec("SET LOCAL search_path TO " + quote_identifier(db.schema));
    tx.exec(
        "CREATE TABLE schema_migrations (version int PRIMARY KEY, name text NOT NULL, "
        "checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    const auto init = schema::embedded_migrations().front();
    tx.exec(std::string(init.sql));
    tx.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES (1, 'init', $1)",
                   sha256_hex(init.sql));
    tx.exec(
        "INSERT INTO reviews (source, external_id, business_external_id, reply_content, "
        "content_hash) VALUES ('eu', '1', 'b1', 'thanks', '\\x00'), "
        "('eu', '2', 'b1', NULL, '\\x00')");
    tx.commit();
  }
  migration_report report = migrate(db);
  EXPECT_EQ(report.from_version, 1);
  EXPECT_EQ(report.to_version, latest_version());
  ASSERT_FALSE(report.applied.empty());
  EXPECT_EQ(report.applied.front(), "0002_snapshots");
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM snapshot_seen"), 0);
  EXPECT_EQ(scalar<std::string>(db, "SELECT reply_share::text FROM review_reply_share"),
            "0.50000000000000000000");
}

TEST(migrate, refuses_a_changed_migration) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_mig_checksum");
  query(db, "UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1");
  try {
    migrate(db);
    FAIL() << "migrate accepted an edited migration";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::database);
    EXPECT_NE(std::string(e.what()).find("0001_init"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("deadbeef"), std::string::npos) << e.what();
  }
}

// 0001_init.sql's comments were reworded after databases had applied it; the file names the
// checksum of its earlier text, so those databases are accepted and their record updated.
TEST(migrate, accepts_a_migration_whose_comments_were_reworded_as_declared) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_mig_reworded");
  const auto init = schema::embedded_migrations().front();
  const std::string earlier = "e2cda3877d06727b3806f6f8544e7daeca77a9117bebb7a0928814d7fe2b040f";
  ASSERT_NE(init.sql.find("-- earlier checksum: " + earlier), std::string_view::npos);
  query(db, "UPDATE schema_migrations SET checksum = '" + earlier + "' WHERE version = 1");
  migration_report report = migrate(db);
  EXPECT_TRUE(report.applied.empty());
  EXPECT_EQ(scalar<std::string>(db, "SELECT checksum FROM schema_migrations WHERE version = 1"),
            sha256_hex(init.sql));

  // Any other earlier text is still an edited migration.
  query(db,
        "UPDATE schema_migrations SET checksum = '" + std::string(64, 'a') + "' WHERE version = 1");
  EXPECT_THROW(migrate(db), error);
}

TEST(migrate, refuses_a_database_newer_than_the_binary) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_mig_newer");
  const int newer = latest_version() + 1;
  query(db, "INSERT INTO schema_migrations (version, name, checksum) VALUES (" +
                std::to_string(newer) + ", 'future', 'x')");
  try {
    migrate(db);
    FAIL() << "migrate accepted a newer database";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::database);
    EXPECT_EQ(std::string(e.what()), "database schema version " + std::to_string(newer) +
                                         " is newer than this sluice (" +
                                         std::to_string(latest_version()) + "); upgrade sluice");
  }
}

TEST(migrate, concurrent_processes_apply_each_migration_once) {
  SLUICE_REQUIRE_DATABASE();
  auto db = fresh_schema("t_store_mig_concurrent");
  constexpr int workers = 4;
  std::vector<migration_report> reports(workers);
  std::vector<std::string> failures(workers);
  std::vector<std::thread> threads;
  for (int i = 0; i < workers; ++i)
    threads.emplace_back([&, i] {
      try {
        reports[i] = migrate(db);
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  int applied = 0;
  for (int i = 0; i < workers; ++i) {
    EXPECT_EQ(failures[i], "");
    applied += static_cast<int>(reports[i].applied.size());
    EXPECT_EQ(reports[i].to_version, latest_version());
  }
  EXPECT_EQ(applied, latest_version());
}

TEST(migrate, unreachable_database_is_a_database_error_without_the_password) {
  // Port 1 on loopback: nothing listens there, so this fails fast without a server.
  for (std::string url : {"postgresql://sluice:hunter2secret@127.0.0.1:1/sluice?connect_timeout=2",
                          "host=127.0.0.1 port=1 user=sluice password=hunter2secret",
                          "postgresql://sluice:hunter2secret@127.0.0.1:notaport/sluice"}) {
    try {
      migrate(database_options{url, "t_store_unreachable"});
      FAIL() << "connected to " << redact_secrets(url, url);
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::database);
      const std::string message = e.what();
      EXPECT_TRUE(message.starts_with("cannot connect to database: ")) << message;
      EXPECT_EQ(message.find("hunter2secret"), std::string::npos) << message;
    }
  }
}

TEST(redact_secrets, removes_passwords_in_every_form) {
  const std::string uri = "postgresql://sluice:s3cr3t-pw@db.example:5432/sluice";
  EXPECT_EQ(redact_secrets("missing \"=\" after \"" + uri + "\" in connection info string", uri),
            "missing \"=\" after \"postgresql://sluice:***@db.example:5432/sluice\" in "
            "connection info string");
  EXPECT_EQ(redact_secrets("bad: host=x password=s3cr3t-pw user=y", "host=x password=s3cr3t-pw"),
            "bad: host=x password=*** user=y");
  EXPECT_EQ(redact_secrets("bad: password = 'it\\'s a secret' user=y", ""),
            "bad: password = *** user=y");
  EXPECT_EQ(redact_secrets("uri ?sslmode=require&password=s3cr3t-pw&x=1", ""),
            "uri ?sslmode=require&password=***&x=1");
  // A password echoed on its own (not in a recognisable form) is still removed.
  EXPECT_EQ(redact_secrets("authentication failed near s3cr3t-pw", uri),
            "authentication failed near ***");
  EXPECT_EQ(redact_secrets("FATAL: role \"x\" does not exist", uri),
            "FATAL: role \"x\" does not exist");
}

TEST(quote_identifier, doubles_embedded_quotes) {
  EXPECT_EQ(quote_identifier("sluice"), "\"sluice\"");
  EXPECT_EQ(quote_identifier("we\"ird"), "\"we\"\"ird\"");
}

}  // namespace
}  // namespace sluice::store

namespace sluice::store::testing {
namespace {

TEST(migrate, refuses_a_database_that_is_not_utf8) {
  SLUICE_REQUIRE_DATABASE();
  {
    pqxx::connection c(*test_database_url());
    pqxx::nontransaction tx(c);
    tx.exec("DROP DATABASE IF EXISTS sluice_t_ascii");
    tx.exec(
        "CREATE DATABASE sluice_t_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' "
        "TEMPLATE template0");
  }
  auto url = *test_database_url();
  url = url.substr(0, url.rfind('/') + 1) + "sluice_t_ascii";
  try {
    migrate({url, "sluice"});
    ADD_FAILURE() << "migrated a SQL_ASCII database";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    EXPECT_NE(
        std::string(e.what()).find("database encoding is SQL_ASCII; sluice needs a UTF8 database"),
        std::string::npos)
        << e.what();
  }
  pqxx::connection c(*test_database_url());
  pqxx::nontransaction(c).exec("DROP DATABASE IF EXISTS sluice_t_ascii");
}

}  // namespace
}  // namespace sluice::store::testing
