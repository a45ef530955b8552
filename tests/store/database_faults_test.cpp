// What the store does when the database misbehaves under it: a table locked by someone else fails
// only the batches that need it, a refused row is named without its content, a lost connection is
// re-established and the work repeated, and run rows never stay 'running'.
#include "store/batch_writer.hpp"
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <gmock/gmock.h>

#include "connectors/review_tables.hpp"
#include "store/state.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using ::testing::HasSubstr;
using ::testing::Not;

write_totals write_rows(batch_writer& writer, const std::string& stream, const table_def& table,
                        std::vector<row> rows) {
  return run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<write_totals> {
    auto sink = writer.open(ex, "eu", stream, table, 0);
    record_batch b;
    b.table = &table;
    b.rows = std::move(rows);
    b.cursor_after = std::string("\"done\"");
    co_await sink->write(std::move(b));
    co_return co_await sink->flush();
  });
}

row sample_business(const std::string& id) {
  const table_def& t = tables::businesses;
  row r = make_row(t);
  r[t.index("external_id")] = id;
  r[t.index("name")] = std::string("Shop ") + id;
  return r;
}

std::string failure_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::database) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no failure";
  return {};
}

TEST(database_faults, a_locked_table_fails_its_own_batches_only_and_within_the_lock_timeout) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_fault_lock");
  db.lock_timeout = 300ms;
  batch_writer writer(db);

  // A BI user holds the reviews table.
  auto bi = inspect(db);
  pqxx::work lock(*bi);
  lock.exec("LOCK TABLE reviews IN ACCESS EXCLUSIVE MODE");

  const std::string message =
      failure_of([&] { write_rows(writer, "reviews", tables::reviews, {sample_review("1")}); });
  EXPECT_THAT(message, HasSubstr("lock timeout")) << message;
  EXPECT_THAT(message, HasSubstr("table reviews")) << message;
  // The same writer keeps committing other tables meanwhile.
  EXPECT_EQ(write_rows(writer, "businesses", tables::businesses, {sample_business("b1")}).inserted,
            1);
  EXPECT_EQ(
      scalar<std::string>(db, "SELECT cursor::text FROM sync_state WHERE stream = 'businesses'"),
      "\"done\"");

  lock.abort();
  EXPECT_EQ(write_rows(writer, "reviews", tables::reviews, {sample_review("1")}).inserted, 1);
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM sync_state WHERE stream = 'reviews'"), 1);
}

TEST(database_faults, a_refused_row_is_named_by_its_id_and_column_never_by_its_content) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_fault_refused");
  batch_writer writer(db);
  write_rows(writer, "reviews", tables::reviews, {sample_review("old-1", "fine")});
  // A BI user adds a constraint that some incoming rows break: on the COPY path (new rows) and on
  // the merge path (changed rows).
  query(db, "ALTER TABLE reviews ADD CONSTRAINT no_secrets CHECK (content NOT LIKE '%Jane Doe%')");

  const std::string fresh = failure_of([&] {
    write_rows(
        writer, "reviews", tables::reviews,
        {sample_review("new-1", "ok"), sample_review("new-2", "Jane Doe wrote this privately")});
  });
  EXPECT_THAT(fresh, HasSubstr("no_secrets"));
  EXPECT_THAT(fresh, HasSubstr("record 'new-2'"));
  EXPECT_THAT(fresh, Not(HasSubstr("Jane Doe")));
  EXPECT_THAT(fresh, Not(HasSubstr("privately")));

  const std::string changed = failure_of([&] {
    write_rows(writer, "reviews", tables::reviews, {sample_review("old-1", "now Jane Doe's text")});
  });
  EXPECT_THAT(changed, HasSubstr("no_secrets"));
  EXPECT_THAT(changed, HasSubstr("record 'old-1'"));
  EXPECT_THAT(changed, Not(HasSubstr("Jane Doe")));

  // A column whose type a BI user narrowed: the value is not shown, the record and column are.
  query(db,
        "ALTER TABLE reviews DROP CONSTRAINT no_secrets; "
        "ALTER TABLE reviews ALTER COLUMN author_name TYPE varchar(4)");
  row long_author = sample_review("new-3");
  long_author[tables::reviews.index("author_name")] = std::string("Jonathan Private-Person");
  const std::string narrow =
      failure_of([&] { write_rows(writer, "reviews", tables::reviews, {long_author}); });
  EXPECT_THAT(narrow, HasSubstr("record 'new-3'"));
  EXPECT_THAT(narrow, Not(HasSubstr("Private-Person")));
}

TEST(database_faults, a_terminated_backend_is_replaced_and_the_call_repeated) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_fault_terminated");
  state st(db);
  const auto run = st.begin_run("eu", "reviews", "incremental", "host:1/test");
  EXPECT_EQ(scalar<int>(db,
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
                        "application_name = 'sluice:" +
                            db.schema + "'"),
            1);
  run_outcome ok;
  ok.status = "succeeded";
  ok.totals.inserted = 7;
  st.finish_run(run, ok);
  EXPECT_EQ(rows_of(db, "SELECT status, inserted::text FROM sync_runs"),
            (result_rows{{"succeeded", "7"}}));
}

TEST(database_faults, a_connection_that_cannot_be_re_established_fails_after_reconnect_for) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_fault_gone");
  db.reconnect_for = 300ms;
  state st(db);
  // The role sluice connects as may no longer log in (like a server that refuses connections).
  const std::string role = "t_store_fault_gone_role";
  query(db, "DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role +
                " LOGIN PASSWORD 'pw-9c8b7a6d'; "
                "GRANT ALL ON SCHEMA " +
                db.schema + " TO " + role + "; GRANT ALL ON ALL TABLES IN SCHEMA " + db.schema +
                " TO " + role + "; GRANT ALL ON ALL SEQUENCES IN SCHEMA " + db.schema + " TO " +
                role);
  database_options as_role = db;
  as_role.url =
      "host=" + scalar<std::string>(db, "SELECT coalesce(host(inet_server_addr()), 'localhost')") +
      " port=" + scalar<std::string>(db, "SELECT current_setting('port')") +
      " dbname=" + scalar<std::string>(db, "SELECT current_database()") + " user=" + role +
      " password=pw-9c8b7a6d";
  state theirs(as_role);
  theirs.cursor("eu", "reviews");
  query(db, "ALTER ROLE " + role +
                " NOLOGIN; SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE usename = '" +
                role + "'");
  const auto began = std::chrono::steady_clock::now();
  const std::string message = failure_of([&] { theirs.cursor("eu", "reviews"); });
  EXPECT_THAT(message, HasSubstr("not re-established within"));
  EXPECT_THAT(message, Not(HasSubstr("pw-9c8b7a6d")));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 30s);
  query(db, "DROP OWNED BY " + role + "; DROP ROLE " + role);
}

TEST(database_faults, run_rows_left_running_are_closed_as_interrupted) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_fault_abandoned");
  state st(db);
  // A process that died mid-run, and one that still holds its source.
  const auto dead = st.begin_run("eu", "reviews", "incremental", "gone:1/run");
  const auto alive = st.begin_run("us", "reviews", "incremental", "here:2/run");
  query(db,
        "INSERT INTO leases (source, holder, expires_at) VALUES ('us', 'here:2/run', now() + "
        "interval '1 hour')");
  EXPECT_EQ(st.close_abandoned_runs(), 1);
  EXPECT_EQ(
      scalar<std::string>(db, "SELECT status FROM sync_runs WHERE id = " + std::to_string(dead)),
      "interrupted");
  EXPECT_THAT(
      scalar<std::string>(db, "SELECT error FROM sync_runs WHERE id = " + std::to_string(dead)),
      HasSubstr("abandoned"));
  EXPECT_EQ(
      scalar<std::string>(db, "SELECT status FROM sync_runs WHERE id = " + std::to_string(alive)),
      "running");
  // A process about to exit closes its own.
  EXPECT_EQ(st.close_abandoned_runs("here:2/run"), 1);

  // The next run of a stream closes what an earlier run of it left, whoever ran it.
  const auto lost = st.begin_run("eu", "businesses", "incremental", "here:2/run");
  const auto next = st.begin_run("eu", "businesses", "incremental", "here:2/run");
  EXPECT_EQ(rows_of(db,
                    "SELECT id::text, status, coalesce(holder, '') FROM sync_runs WHERE stream = "
                    "'businesses' ORDER BY id"),
            (result_rows{{std::to_string(lost), "interrupted", "here:2/run"},
                         {std::to_string(next), "running", "here:2/run"}}));
  EXPECT_EQ(
      scalar<int>(
          db,
          "SELECT count(*) FROM sync_runs WHERE status = 'interrupted' AND finished_at IS NULL"),
      0);
}

}  // namespace
}  // namespace sluice::store
