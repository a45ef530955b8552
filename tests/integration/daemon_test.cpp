// End to end: `sluice run` against the fake and a real PostgreSQL: it keeps
// tables fresh, serves /metrics (parsed strictly as Prometheus text), stops cleanly on SIGTERM
// with a consistent cursor, reloads on SIGHUP, shares sources between instances and takes over
// from a dead or frozen one; `sync`, `backfill` and `reset` respect the leases.
#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <regex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/time.hpp"
#include "tests/support/daemon_fixture.hpp"
#include "tests/support/http.hpp"
#include "tests/support/prometheus.hpp"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class daemon_test : public daemon_fixture {};

TEST_F(daemon_test, keeps_tables_fresh_serves_metrics_and_stops_cleanly_on_sigterm) {
  start_fake({"--partoo-reviews", "300", "--partoo-businesses", "5"});
  auto config = daemon_config(partoo_source("reviews-eu"));
  daemon_process d(config);
  int port = d.port();
  ASSERT_GT(port, 0);

  auto expected = fake_live_reviews();
  ASSERT_TRUE(eventually([&] { return rows("reviews-eu") == expected; })) << d.log();
  EXPECT_EQ(http_request(port, "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(port, "GET", "/readyz").status, 200);
  EXPECT_EQ(http_request(port, "GET", "/nope").status, 404);

  // A change at the source appears within an interval or two (interval 1s; the limit only
  // bounds a broken test).
  fake_->post("/_control/partoo/mutate", R"({"add":7,"update":3,"seed":11})");
  expected = fake_live_reviews();
  ASSERT_TRUE(eventually([&] { return rows("reviews-eu") == expected; }, 30s)) << d.log();

  auto scrape = http_request(port, "GET", "/metrics");
  ASSERT_EQ(scrape.status, 200);
  prometheus_scrape m;
  ASSERT_NO_THROW(m = parse_prometheus(scrape.body)) << scrape.body;
  EXPECT_GE(m.sum("sluice_records_total", {{"source", "reviews-eu"}, {"stream", "reviews"}}),
            static_cast<double>(expected));
  EXPECT_GT(m.sum("sluice_http_requests_total", {{"source", "reviews-eu"}, {"code", "200"}}), 0);
  EXPECT_EQ(m.value("sluice_lease_held", {{"source", "reviews-eu"}}), 1.0);
  EXPECT_GT(m.sum("sluice_batch_commit_seconds_count", {{"source", "reviews-eu"}}), 0);
  EXPECT_GT(m.sum("sluice_stream_runs_total", {{"source", "reviews-eu"}, {"status", "succeeded"}}),
            1);
  EXPECT_TRUE(m.value("sluice_stream_last_success_timestamp_seconds",
                      {{"source", "reviews-eu"}, {"stream", "reviews"}}));
  EXPECT_TRUE(m.value("sluice_stream_cursor_lag_seconds",
                      {{"source", "reviews-eu"}, {"stream", "reviews"}}));
  EXPECT_TRUE(m.family("sluice_http_throttled_total"));
  EXPECT_TRUE(m.family("sluice_http_retries_total"));
  EXPECT_EQ(scrape.body.find(partoo_key), std::string::npos);

  auto stop_started = std::chrono::steady_clock::now();
  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
  EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 10s) << "the daemon stops within 10 s";
  EXPECT_THAT(d.log(), HasSubstr("sluice run: stopped"));
  EXPECT_EQ(d.log().find(partoo_key), std::string::npos);
  // Leases and the instance row are handed back: another instance need not wait for a TTL.
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".leases"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".instances"), 0);
}

TEST_F(daemon_test, sigterm_in_the_middle_of_a_large_walk_leaves_a_consistent_cursor) {
  // ~200 pages at 20 ms: SIGTERM lands mid-walk, with batches queued and in flight.
  start_fake({"--partoo-reviews", "20000", "--slow-ms", "20"});
  auto config = daemon_config(partoo_source("reviews-eu", "1h", "streams = [\"reviews\"]"));
  daemon_process d(config);
  ASSERT_TRUE(eventually([&] { return rows("reviews-eu") >= 2000; })) << d.log();
  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
  auto in_table = rows("reviews-eu") + count("SELECT count(*) FROM " + schema_ +
                                             ".reviews WHERE deleted_at IS NOT NULL");
  ASSERT_LT(in_table, 20000) << "the walk must still have been running";

  // No partial batch: every live row in the table is covered by the committed cursor, and every
  // source review updated before the cursor is in the table. (Deleted reviews come from the
  // deleted-reviews walk, which runs first and commits no cursor: they may lie beyond it.)
  auto cursor = psql("SELECT cursor->>'update_date' FROM " + schema_ +
                     ".sync_state WHERE source = 'reviews-eu' AND stream = 'reviews'");
  ASSERT_FALSE(cursor.empty());
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".reviews WHERE updated_at > '" + cursor +
                 "'::timestamptz AND deleted_at IS NULL"),
            "0");
  std::int64_t before_cursor = 0;
  auto c = *parse_timestamp(cursor);
  auto dump = fake_->get("/_control/partoo/reviews");
  for (const auto& v : dump.as_array())
    before_cursor += *parse_timestamp(v.as_object().at("update_date").as_string()) < c;
  EXPECT_GE(in_table, before_cursor);
  // The run is recorded as interrupted, not left "running" and not counted as a failure.
  EXPECT_EQ(psql("SELECT string_agg(status, ',') FROM " + schema_ + ".sync_runs"), "cancelled");
}

TEST_F(daemon_test, sighup_adds_a_source_and_a_bad_config_is_refused) {
  start_fake({"--partoo-reviews", "200", "--cloutly-reviews", "120"});
  auto config = daemon_config(partoo_source("reviews-eu"));
  daemon_process d(config);
  int port = d.port();
  ASSERT_TRUE(eventually([&] { return rows("reviews-eu") > 0; })) << d.log();

  // A broken file: refused, the old configuration keeps running.
  write_file(config, database_toml(schema_) + "[sources.x]\nkind = \"nope\"\n");
  d.kill(SIGHUP);
  ASSERT_TRUE(eventually([&] { return d.logged("reload refused"); })) << d.log();
  EXPECT_EQ(http_request(port, "GET", "/readyz").status, 200);

  // Add a Cloutly source: it is pulled without a restart, and the Partoo one keeps going.
  daemon_config(partoo_source("reviews-eu") + cloutly_source("reviews-us"));
  d.kill(SIGHUP);
  ASSERT_TRUE(eventually([&] { return rows("reviews-us") == 120; })) << d.log();
  EXPECT_THAT(d.log(), HasSubstr("source 'reviews-us': added"));
  auto m = parse_prometheus(http_request(port, "GET", "/metrics").body);
  EXPECT_EQ(m.value("sluice_lease_held", {{"source", "reviews-us"}}), 1.0);
  EXPECT_EQ(m.value("sluice_config_reloads_total", {{"result", "refused"}}), 1.0);

  // Remove the Partoo source: its lease is handed back once idle.
  daemon_config(cloutly_source("reviews-us"));
  d.kill(SIGHUP);
  ASSERT_TRUE(eventually([&] { return !holders().count("reviews-eu"); })) << d.log();
  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
}

TEST_F(daemon_test, two_instances_share_the_sources_and_take_over_from_a_frozen_or_dead_one) {
  start_fake({"--partoo-reviews", "150", "--cloutly-reviews", "100"});
  std::string sources =
      partoo_source("p1") + partoo_source("p2") + cloutly_source("c1") + cloutly_source("c2");
  auto a_config = daemon_config(sources, "instance = \"alpha\"\nlease_ttl = \"3s\"", "a.toml");
  auto b_config = daemon_config(sources, "instance = \"beta\"\nlease_ttl = \"3s\"", "b.toml");

  daemon_process a(a_config);
  ASSERT_TRUE(eventually([&] { return held_by("alpha") == 4; })) << a.log();
  daemon_process b(b_config);
  // The newcomer gets its share without a restart.
  ASSERT_TRUE(eventually([&] { return held_by("alpha") == 2 && held_by("beta") == 2; }))
      << a.log() << b.log();
  auto partoo_live = fake_live_reviews();
  ASSERT_TRUE(eventually([&] {
    return rows("p1") == partoo_live && rows("p2") == partoo_live && rows("c1") == 100 &&
           rows("c2") == 100;
  })) << a.log()
      << b.log() << rows("p1") << " " << rows("p2") << " " << rows("c1") << " " << rows("c2")
      << " of " << partoo_live;

  // Freeze alpha: its leases expire and beta takes its sources after the TTL.
  a.kill(SIGSTOP);
  ASSERT_TRUE(eventually([&] { return held_by("beta") == 4; })) << b.log();
  // Thawed, alpha finds its leases gone and stops pulling them; the two share again.
  a.kill(SIGCONT);
  ASSERT_TRUE(eventually([&] { return a.logged("stopped pulling"); })) << a.log();
  ASSERT_TRUE(eventually([&] { return held_by("alpha") == 2 && held_by("beta") == 2; }))
      << a.log() << b.log();

  // Kill beta: alpha carries on with everything (a dead process on this host: at once; on
  // another host it would be after the TTL).
  b.kill(SIGKILL);
  b.wait_exit();
  ASSERT_TRUE(eventually([&] { return held_by("alpha") == 4; })) << a.log();
  fake_->post("/_control/partoo/mutate", R"({"add":4,"seed":2})");
  partoo_live = fake_live_reviews();
  ASSERT_TRUE(eventually([&] { return rows("p1") == partoo_live && rows("p2") == partoo_live; }))
      << a.log();
  a.kill(SIGTERM);
  EXPECT_EQ(a.wait_exit(), 0) << a.log();
}

TEST_F(daemon_test, one_shot_commands_respect_a_daemons_lease) {
  start_fake({"--partoo-reviews", "100"});
  auto config = daemon_config(partoo_source("reviews-eu", "1h"), "instance = \"the-daemon\"");
  daemon_process d(config);
  ASSERT_TRUE(eventually([&] { return rows("reviews-eu") == fake_live_reviews(); })) << d.log();

  // A sync is handed to the daemon (tests/integration/run_request_test.cpp), which runs it.
  auto s = sync(config);
  EXPECT_EQ(s.exit_code, 0) << s.output;
  EXPECT_THAT(s.output, HasSubstr("held by the daemon 'the-daemon#"));
  auto r = run_sluice({"reset", "-c", config, "--source", "reviews-eu"});
  EXPECT_EQ(r.exit_code, 69) << r.output;
  EXPECT_THAT(r.output, HasSubstr("'the-daemon#"));

  // A backfill is queued for the daemon, which runs it.
  auto b =
      run_sluice({"backfill", "-c", config, "--source", "reviews-eu", "--since", "2000-01-01"});
  EXPECT_EQ(b.exit_code, 0) << b.output;
  EXPECT_THAT(b.output, HasSubstr("'the-daemon#"));
  ASSERT_TRUE(eventually([&] {
    return psql("SELECT count(*) || '|' || bool_and(status = 'succeeded') FROM " + schema_ +
                ".backfill_jobs") == "2|true";  // reviews and businesses
  })) << d.log();

  d.kill(SIGTERM);
  ASSERT_EQ(d.wait_exit(), 0) << d.log();
  auto cursors = "SELECT count(*) FROM " + schema_ + ".sync_state WHERE source = 'reviews-eu'";
  EXPECT_GT(count(cursors), 0);
  r = run_sluice({"reset", "-c", config, "--source", "reviews-eu"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("forgot"));
  EXPECT_EQ(count(cursors), 0);
  EXPECT_EQ(run_sluice({"reset", "-c", config, "--source", "nope"}).exit_code, 64);
  EXPECT_EQ(
      run_sluice({"reset", "-c", config, "--source", "reviews-eu", "--stream", "nope"}).exit_code,
      64);
}

TEST_F(daemon_test, backfill_resumes_after_sigkill_and_never_moves_the_live_cursor) {
  start_fake({"--partoo-reviews", "6000", "--slow-ms", "25"});
  auto config = daemon_config(partoo_source("reviews-eu", "1h", "streams = [\"reviews\"]"));
  // A live sync first: its cursor must survive the backfill untouched.
  auto live = sync(config);
  ASSERT_EQ(live.exit_code, 0) << live.output;
  auto cursor_sql =
      "SELECT cursor::text FROM " + schema_ + ".sync_state WHERE source = 'reviews-eu'";
  auto live_cursor = psql(cursor_sql);
  ASSERT_FALSE(live_cursor.empty());
  psql("TRUNCATE " + schema_ + ".reviews");  // the backfill must bring every review back

  std::vector<std::string> argv{SLUICE_BINARY, "backfill", "-c", config, "--source", "reviews-eu"};
  auto job_sql = "SELECT status || '|' || (progress IS NOT NULL) || '|' || records FROM " +
                 schema_ + ".backfill_jobs";
  {
    child first(argv);
    ASSERT_TRUE(eventually([&] { return rows("reviews-eu") >= 1500; }));
    first.kill(SIGKILL);
    first.wait();
  }
  auto after_kill = psql(job_sql);
  ASSERT_THAT(after_kill, ::testing::StartsWith("running|true|")) << after_kill;
  auto done_before = rows("reviews-eu");
  ASSERT_LT(done_before, 6000);

  fake_->reset_stats();
  auto second = run_sluice({"backfill", "-c", config, "--source", "reviews-eu"});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_THAT(second.output, HasSubstr("resuming"));
  EXPECT_THAT(psql(job_sql), ::testing::StartsWith("succeeded|true|"));
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".backfill_jobs"), 1);  // resumed, not new
  EXPECT_EQ(rows("reviews-eu") +
                count("SELECT count(*) FROM " + schema_ + ".reviews WHERE deleted_at IS NOT NULL"),
            6000);
  // It resumed: the second run fetched fewer pages than the whole walk (60 pages of 100).
  EXPECT_LT(fake_->requests("partoo.reviews"), 60 - done_before / 100 + 5);
  EXPECT_EQ(psql(cursor_sql), live_cursor);

  // Jobs show in status; the stream's run history stays about live pulls.
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE mode = 'backfill'"), 0);
  auto status = run_sluice({"status", "-c", config});
  EXPECT_THAT(status.output, HasSubstr("BACKFILL"));
  EXPECT_THAT(status.output, HasSubstr("succeeded"));
  auto json = run_sluice({"status", "-c", config, "--json"});
  EXPECT_THAT(json.output, HasSubstr("\"backfill_jobs\":[{\"id\":1"));
}

// A stand-in for systemd's notification socket: collects what sd_notify sends.
TEST_F(daemon_test, tells_systemd_ready_after_the_first_lease_round_and_pings_the_watchdog) {
  start_fake({"--partoo-reviews", "50"});
  auto config = daemon_config(partoo_source("reviews-eu", "1h"));
  notify_socket systemd(dir_ / "notify.sock");
  daemon_process d(config,
                   {"NOTIFY_SOCKET=" + (dir_ / "notify.sock").string(), "WATCHDOG_USEC=1000000"});
  std::string seen;
  ASSERT_TRUE(systemd.wait_for("READY=1", seen)) << seen << d.log();
  // READY=1 means migrated and leases taken: the source's lease is already in the database.
  EXPECT_EQ(holders().count("reviews-eu"), 1u);
  ASSERT_TRUE(systemd.wait_for("STATUS=holding 1 of 1 source", seen)) << seen;
  // The watchdog hears from the loop regularly (WatchdogSec=1s here).
  ASSERT_TRUE(systemd.wait_for("WATCHDOG=1", seen)) << seen;
  ASSERT_TRUE(systemd.wait_for("WATCHDOG=1", seen)) << seen;
  d.kill(SIGHUP);
  ASSERT_TRUE(systemd.wait_for("RELOADING=1", seen)) << seen;
  ASSERT_TRUE(systemd.wait_for("READY=1", seen)) << seen;
  d.kill(SIGTERM);
  ASSERT_TRUE(systemd.wait_for("STOPPING=1", seen)) << seen;
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
  EXPECT_EQ(seen.find(partoo_key), std::string::npos);
}

}  // namespace
}  // namespace sluice::test
