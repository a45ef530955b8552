#include "store/state.hpp"

#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;

const stream_status* find(const std::vector<stream_status>& all, std::string_view source,
                          std::string_view stream) {
  for (const auto& s : all)
    if (s.source == source && s.stream == stream) return &s;
  return nullptr;
}

// long function: one run's record told step by step.
TEST(state, runs_are_recorded_from_begin_to_finish) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_state_runs");
  state st(db);
  const std::int64_t ok_run = st.begin_run("eu", "reviews", "incremental");
  EXPECT_GT(ok_run, 0);
  {
    auto all = st.status({{"eu", "reviews", "reviews"}});
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].last_status, "running");
    EXPECT_EQ(all[0].last_mode, "incremental");
    EXPECT_TRUE(all[0].last_started_at.has_value());
    EXPECT_FALSE(all[0].last_finished_at.has_value());
    EXPECT_FALSE(all[0].last_success_at.has_value());
  }

  run_outcome ok;
  ok.status = "succeeded";
  ok.totals.records = 10;
  ok.totals.inserted = 4;
  ok.totals.updated = 3;
  ok.totals.deleted = 2;
  ok.counters.requests = 7;
  ok.counters.throttled = 1;
  ok.counters.retries = 2;
  ok.counters.warn("rating \"n/a\" is not a number");
  st.finish_run(ok_run, ok);

  const std::int64_t failed_run = st.begin_run("eu", "reviews", "full");
  EXPECT_GT(failed_run, ok_run);
  run_outcome failed;
  failed.status = "failed";
  failed.totals.records = 1;
  failed.error = error_kind::auth;
  failed.error_message = "partoo rejected the API key (401)";
  st.finish_run(failed_run, failed);

  auto row = query(db,
                   "SELECT records, inserted, updated, deleted, warnings, requests, "
                   "throttled, retries, first_warning, error_kind, error, finished_at IS NOT "
                   "NULL FROM sync_runs WHERE id = " +
                       std::to_string(ok_run))[0];
  EXPECT_EQ(row[0].as<int>(), 10);
  EXPECT_EQ(row[1].as<int>(), 4);
  EXPECT_EQ(row[2].as<int>(), 3);
  EXPECT_EQ(row[3].as<int>(), 2);
  EXPECT_EQ(row[4].as<int>(), 1);
  EXPECT_EQ(row[5].as<int>(), 7);
  EXPECT_EQ(row[6].as<int>(), 1);
  EXPECT_EQ(row[7].as<int>(), 2);
  EXPECT_EQ(row[8].as<std::string>(), "rating \"n/a\" is not a number");
  EXPECT_TRUE(row[9].is_null());
  EXPECT_TRUE(row[10].is_null());
  EXPECT_TRUE(row[11].as<bool>());

  auto all = st.status({{"eu", "reviews", "reviews"}});
  ASSERT_EQ(all.size(), 1u);
  const auto& s = all[0];
  EXPECT_EQ(s.last_run_id, failed_run);
  EXPECT_EQ(s.last_mode, "full");
  EXPECT_EQ(s.last_status, "failed");
  EXPECT_EQ(s.last_records, 1);
  EXPECT_EQ(s.last_error, "partoo rejected the API key (401)");
  ASSERT_TRUE(s.last_success_at.has_value());
  ASSERT_TRUE(s.last_finished_at.has_value());
  EXPECT_LE(*s.last_success_at, *s.last_finished_at);
  EXPECT_EQ(scalar<std::string>(
                db, "SELECT error_kind FROM sync_runs WHERE id = " + std::to_string(failed_run)),
            "auth");
}

TEST(state, status_reports_cursor_rows_and_live_leases) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_state_status");
  query(db, R"(INSERT INTO sync_state (source, stream, cursor) VALUES
                 ('eu', 'reviews', '{"update_date": "2024-01-01T00:00:00Z"}'),
                 ('gone', 'items', '"x"'))");
  query(db,
        "INSERT INTO reviews (source, external_id, content_hash, deleted_at) VALUES "
        "('eu', '1', '\\x00', NULL), ('eu', '2', '\\x00', NULL), "
        "('eu', '3', '\\x00', now()), ('us', '4', '\\x00', NULL)");
  query(db,
        "INSERT INTO leases VALUES ('eu', 'host-a:42', now() + interval '30 seconds'), "
        "('us', 'host-b:7', now() - interval '1 second')");
  state st(db);
  EXPECT_EQ(st.cursor("eu", "reviews"), R"({"update_date": "2024-01-01T00:00:00Z"})");
  EXPECT_EQ(st.cursor("eu", "businesses"), std::nullopt);

  auto all = st.status({{"eu", "reviews", "reviews"},
                        {"eu", "businesses", "businesses"},
                        {"us", "reviews", "reviews"}});
  ASSERT_EQ(all.size(), 4u);  // the three configured, then the unconfigured one with state
  EXPECT_EQ(all[0].source, "eu");
  EXPECT_EQ(all[0].stream, "reviews");
  EXPECT_EQ(all[3].source, "gone");

  const auto* eu = find(all, "eu", "reviews");
  ASSERT_NE(eu, nullptr);
  EXPECT_EQ(eu->cursor, R"({"update_date": "2024-01-01T00:00:00Z"})");
  EXPECT_TRUE(eu->cursor_updated_at.has_value());
  EXPECT_EQ(eu->rows, 2);  // deleted rows are not live
  EXPECT_EQ(eu->lease_holder, "host-a:42");
  EXPECT_FALSE(eu->last_run_id.has_value());

  const auto* us = find(all, "us", "reviews");
  ASSERT_NE(us, nullptr);
  EXPECT_EQ(us->rows, 1);
  EXPECT_EQ(us->lease_holder, "");  // expired
  EXPECT_FALSE(us->cursor.has_value());

  const auto* gone = find(all, "gone", "items");
  ASSERT_NE(gone, nullptr);
  EXPECT_EQ(gone->cursor, "\"x\"");
  EXPECT_EQ(gone->rows, 0);
}

TEST(state, reset_forgets_cursors_of_one_stream_or_a_whole_source) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_state_reset");
  query(db,
        "INSERT INTO sync_state (source, stream, cursor) VALUES ('eu', 'reviews', '1'), "
        "('eu', 'businesses', '2'), ('us', 'reviews', '3')");
  state st(db);
  EXPECT_EQ(st.reset("eu", "reviews"), 1);
  EXPECT_EQ(st.cursor("eu", "reviews"), std::nullopt);
  EXPECT_EQ(st.cursor("eu", "businesses"), "2");
  EXPECT_EQ(st.reset("eu", "nope"), 0);
  EXPECT_EQ(st.reset("eu", ""), 1);
  EXPECT_EQ(st.cursor("eu", "businesses"), std::nullopt);
  EXPECT_EQ(st.cursor("us", "reviews"), "3");
}

TEST(state, last_full_run_is_the_latest_full_run_that_read_everything) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_state_last_full");
  state st(db);
  EXPECT_EQ(st.last_full_run("eu", "reviews"), std::nullopt);

  const auto finish = [&](std::string_view source, std::string_view mode, std::string status) {
    const std::int64_t id = st.begin_run(source, "reviews", mode);
    run_outcome o;
    o.status = std::move(status);
    st.finish_run(id, o);
    return id;
  };
  const auto finished_at = [&](std::int64_t id) {
    return timestamp(duration(scalar<std::int64_t>(
        db,
        "SELECT (extract(epoch FROM finished_at) * 1000000)::bigint FROM sync_runs "
        "WHERE id = " +
            std::to_string(id))));
  };
  // Distinct finish times, whatever the clock's resolution.
  const auto set_finished = [&](std::int64_t id, const char* at) {
    query(db, "UPDATE sync_runs SET finished_at = '" + std::string(at) +
                  "' WHERE id = " + std::to_string(id));
  };

  const std::int64_t full_ok = finish("eu", "full", "succeeded");
  set_finished(full_ok, "2024-01-01 00:00Z");
  EXPECT_EQ(st.last_full_run("eu", "reviews"), finished_at(full_ok));

  set_finished(finish("eu", "incremental", "succeeded"), "2024-01-02 00:00Z");
  set_finished(finish("eu", "full", "failed"), "2024-01-03 00:00Z");
  st.begin_run("eu", "reviews", "full");  // still running (or died): no finished_at
  set_finished(finish("us", "full", "succeeded"), "2024-01-04 00:00Z");
  EXPECT_EQ(st.last_full_run("eu", "reviews"), finished_at(full_ok));
  EXPECT_EQ(st.last_full_run("eu", "businesses"), std::nullopt);

  // A suspicious full run read everything too (only its deletions were held back).
  const std::int64_t suspicious = finish("eu", "full", "suspicious");
  set_finished(suspicious, "2024-01-05 00:00Z");
  EXPECT_EQ(st.last_full_run("eu", "reviews"), finished_at(suspicious));
  EXPECT_EQ(finished_at(suspicious), *parse_timestamp("2024-01-05T00:00:00Z"));
}

TEST(state, server_version_names_postgresql) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_state_version");
  state st(db);
  const std::string v = st.server_version();
  EXPECT_TRUE(v.starts_with("PostgreSQL ")) << v;
  EXPECT_EQ(v, "PostgreSQL " + scalar<std::string>(db,
                                                   "SELECT split_part(current_setting("
                                                   "'server_version'), ' ', 1)"));
}

TEST(state, unreachable_database_is_a_database_error) {
  try {
    state st(database_options{"host=127.0.0.1 port=1 password=pw-5a4b3c2d", "s"});
    FAIL() << "connected";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::database);
    EXPECT_EQ(std::string(e.what()).find("pw-5a4b3c2d"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sluice::store
