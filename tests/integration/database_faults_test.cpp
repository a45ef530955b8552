// End to end: sluice against a database that misbehaves. A table locked by a BI user holds back
// only the streams that write to it while the daemon stays ready and keeps the watchdog fed; a
// frozen server turns readiness off and new processes give up instead of hanging; a one-shot
// sync rides out a restart and a backend terminated during COPY or while recording the run's
// end; when the database stays away, the failure says what was committed. The faults come from a
// proxy between sluice and the shared test server (tests/support/tcp_proxy), or from SQL.
#include <chrono>
#include <regex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/http.hpp"
#include "tests/support/tcp_proxy.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;

class database_faults : public daemon_fixture {
protected:
  // A proxy to the test server, from SLUICE_TEST_DATABASE_URL's host and port.
  std::unique_ptr<tcp_proxy> proxy() {
    static const std::regex re("@([^:/]+):(\\d+)/");
    std::smatch m;
    const std::string url = *test_database_url();
    EXPECT_TRUE(std::regex_search(url, m, re)) << "cannot find host:port in the test URL";
    return std::make_unique<tcp_proxy>(m[1], std::stoi(m[2]));
  }

  // sluice.toml whose [database] goes through `via` (or straight to the server) with `extra`.
  std::string faults_config(const std::string& sources, const std::string& database_extra,
                            const std::string& daemon_extra, tcp_proxy* via) {
    std::string url = *test_database_url();
    if (via != nullptr) url = via->url_through(url);
    const std::string text = "[database]\nurl = \"" + url + "\"\nschema = \"" + schema_ + "\"\n" +
                             database_extra + "\n[daemon]\nlisten = \"127.0.0.1:0\"\n" +
                             daemon_extra + "\n" + sources;
    auto path = dir_ / "sluice.toml";
    write_file(path, text);
    return path.string();
  }

  bool migrated() {
    return psql("SELECT to_regclass('" + schema_ + ".sync_runs') IS NOT NULL") == "t";
  }
  std::int64_t runs(const std::string& stream, const std::string& status) {
    if (!migrated()) return 0;
    return count("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE stream = '" + stream +
                 "' AND status = '" + status + "'");
  }
  // Every stored review of the source, those the vendor marked deleted included.
  std::int64_t stored(const std::string& source) {
    if (!migrated()) return 0;
    return count("SELECT count(*) FROM " + schema_ + ".reviews WHERE source = '" + source + "'");
  }
  std::int64_t running_rows() {
    if (!migrated()) return 0;
    return count("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE status = 'running'");
  }
  // The backends of this test's sluice processes named `application` ("sluice", "sluice-writer").
  std::string backends(const std::string& application, const std::string& condition = "true") {
    return "SELECT pid FROM pg_stat_activity WHERE application_name = '" + application + ":" +
           schema_ + "' AND " + condition;
  }
};

TEST_F(database_faults, a_locked_table_holds_back_only_its_own_streams_and_the_daemon_stays_ready) {
  start_fake({"--partoo-reviews", "60"});
  auto config = faults_config(partoo_source("eu", "1s"), "lock_timeout = \"1s\"\n", "", nullptr);
  notify_socket systemd(dir_ / "notify.sock");
  daemon_process d(config,
                   {"NOTIFY_SOCKET=" + (dir_ / "notify.sock").string(), "WATCHDOG_USEC=2000000"});
  std::string seen;
  ASSERT_TRUE(systemd.wait_for("READY=1", seen)) << seen << d.log();
  const int port = d.port();
  ASSERT_TRUE(eventually([&] { return stored("eu") == 60 && runs("businesses", "succeeded") > 0; }))
      << d.log();

  // A BI user holds the reviews table for a while; new reviews wait at the vendor.
  child bi({"/usr/bin/psql", *test_database_url(), "-X", "-q", "-c",
            "BEGIN; LOCK TABLE " + schema_ +
                ".reviews IN ACCESS EXCLUSIVE MODE; "
                "SELECT pg_sleep(10); COMMIT;"});
  ASSERT_TRUE(eventually([&] {
    return count(
               "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE "
               "c.relname = 'reviews' AND l.mode = 'AccessExclusiveLock' AND l.granted") > 0;
  }));
  fake_->post("/_control/partoo/mutate", R"({"add":5,"seed":4})");
  const auto businesses_before = runs("businesses", "succeeded");
  int watchdog_pings = 0, ready_answers = 0;
  const auto until = std::chrono::steady_clock::now() + 7s;
  while (std::chrono::steady_clock::now() < until) {
    if (systemd.next().find("WATCHDOG=1") != std::string::npos) ++watchdog_pings;
    ready_answers += http_request(port, "GET", "/readyz").status == 200;
  }
  // While the lock lasts: the other stream kept committing, the daemon stayed ready and alive,
  // and the locked stream failed its batches naming the lock instead of hanging.
  EXPECT_GE(runs("businesses", "succeeded"), businesses_before + 2);
  EXPECT_GE(watchdog_pings, 4);
  EXPECT_EQ(http_request(port, "GET", "/readyz").status, 200);
  EXPECT_GT(ready_answers, 0);
  EXPECT_GE(count("SELECT count(*) FROM " + schema_ +
                  ".sync_runs WHERE stream = 'reviews' AND "
                  "status = 'failed' AND error LIKE '%lock timeout%'"),
            1)
      << d.log();

  // systemd reads every notification; so must we, or the daemon's next one would wait for room.
  ASSERT_TRUE(eventually([&] {
    systemd.next();
    return !bi.running() && stored("eu") == 65;
  })) << d.log();
  d.kill(SIGTERM);
  ASSERT_TRUE(systemd.wait_for("STOPPING=1", seen)) << seen;
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
  EXPECT_EQ(running_rows(), 0);
}

TEST_F(database_faults, a_frozen_server_turns_readiness_off_and_new_processes_give_up) {
  start_fake({"--partoo-reviews", "40"});
  auto via = proxy();
  auto config = faults_config(partoo_source("eu", "1s"), "", "lease_ttl = \"6s\"\n", via.get());
  daemon_process d(config);
  const int port = d.port();
  ASSERT_TRUE(eventually([&] { return http_request(port, "GET", "/readyz").status == 200; }))
      << d.log();
  ASSERT_TRUE(eventually([&] { return stored("eu") == 40; })) << d.log();

  via->freeze();
  // Nothing fails and nothing answers: readiness goes off on its own deadline.
  ASSERT_TRUE(eventually([&] { return http_request(port, "GET", "/readyz").status == 503; }, 60s))
      << d.log();
  EXPECT_THAT(http_request(port, "GET", "/readyz").body, HasSubstr("database"));
  // A new process gives up on the frozen server (libpq's connect_timeout) instead of hanging.
  const auto began = std::chrono::steady_clock::now();
  auto status = run_sluice({"status", "-c", config}, {}, std::chrono::seconds{90});
  EXPECT_EQ(status.exit_code, 69) << status.output;
  EXPECT_THAT(status.output, HasSubstr("cannot connect"));
  EXPECT_LT(std::chrono::steady_clock::now() - began, 30s);

  via->restore();
  fake_->post("/_control/partoo/mutate", R"({"add":3,"seed":8})");
  ASSERT_TRUE(eventually([&] { return http_request(port, "GET", "/readyz").status == 200; }, 90s))
      << d.log();
  ASSERT_TRUE(eventually([&] { return stored("eu") == 43; }, 90s)) << d.log();
  // Nobody took the source: the log must not say someone did.
  EXPECT_EQ(d.log().find("another process took it"), std::string::npos) << d.log();
  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
  EXPECT_EQ(running_rows(), 0) << d.log();
}

TEST_F(database_faults, a_one_shot_sync_rides_out_a_restart) {
  start_fake({"--partoo-reviews", "3000"});
  fake_->set_faults(R"({"slow_ms":60})");  // the walk takes a few seconds
  auto via = proxy();
  auto config = faults_config(partoo_source("eu"), "", "", via.get());
  child sync({SLUICE_BINARY, "sync", "-c", config, "--stream", "reviews"});
  ASSERT_TRUE(eventually([&] { return stored("eu") > 0; })) << sync.drain();
  via->cut();  // every connection dropped, new ones refused: a restart
  std::this_thread::sleep_for(3s);
  via->restore();
  auto result = sync.wait(300s);
  result.output += sync.drain();
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("reconnecting"));
  EXPECT_EQ(stored("eu"), 3000);
  EXPECT_EQ(psql("SELECT status || '|' || inserted FROM " + schema_ +
                 ".sync_runs WHERE stream = 'reviews'"),
            "succeeded|3000");
}

TEST_F(database_faults, a_database_that_stays_away_fails_the_sync_saying_what_was_committed) {
  start_fake({"--partoo-reviews", "3000"});
  fake_->set_faults(R"({"slow_ms":60})");
  auto via = proxy();
  auto config = faults_config(partoo_source("eu"), "reconnect_for = \"2s\"\n", "", via.get());
  child sync({SLUICE_BINARY, "sync", "-c", config, "--stream", "reviews"});
  ASSERT_TRUE(eventually([&] { return stored("eu") >= 500; })) << sync.drain();
  via->cut();
  auto result = sync.wait(300s);
  result.output += sync.drain();
  EXPECT_EQ(result.exit_code, 1) << result.output;
  const auto kept = stored("eu");
  EXPECT_GT(kept, 0);
  EXPECT_THAT(result.output,
              HasSubstr("committed before failure: " + std::to_string(kept) + " inserted"));

  // The run whose end could not be recorded is closed by the next run of the stream.
  via->restore();
  fake_->set_faults("{}");
  auto again = run_sluice({"sync", "-c", config, "--stream", "reviews"});
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(stored("eu"), 3000);
  EXPECT_EQ(running_rows(), 0);
  EXPECT_EQ(psql("SELECT string_agg(status, ',' ORDER BY id) FROM " + schema_ +
                 ".sync_runs WHERE stream = 'reviews'"),
            "interrupted,succeeded");
}

TEST_F(database_faults, a_backend_terminated_during_copy_costs_a_retry_not_a_failure) {
  start_fake({"--partoo-reviews", "20000"});
  auto config = faults_config(partoo_source("eu"), "", "", nullptr);
  // Terminates the writer's backend the first time it is seen in a COPY.
  child killer({"/usr/bin/psql", *test_database_url(), "-X", "-q", "-A", "-t", "-c",
                "DO $$ DECLARE n int := 0; BEGIN FOR i IN 1..60000 LOOP "
                "PERFORM pg_stat_clear_snapshot(); "
                "SELECT count(pg_terminate_backend(pid)) INTO n FROM (" +
                    backends("sluice-writer", "state = 'active' AND query LIKE 'COPY%'") +
                    ") w; "
                    "IF n > 0 THEN RAISE NOTICE 'terminated during COPY'; RETURN; END IF; "
                    "PERFORM pg_sleep(0.001); END LOOP; END $$;"});
  auto result = run_sluice({"sync", "-c", config, "--stream", "reviews"});
  auto killed = killer.wait(120s);
  killed.output += killer.drain();
  ASSERT_THAT(killed.output, HasSubstr("terminated during COPY"));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("lost its connection"));
  EXPECT_EQ(stored("eu"), 20000);
  EXPECT_EQ(psql("SELECT status || '|' || inserted FROM " + schema_ +
                 ".sync_runs WHERE stream = 'reviews'"),
            "succeeded|20000");
}

TEST_F(database_faults, a_backend_terminated_while_recording_the_runs_end_is_replaced) {
  start_fake({"--partoo-reviews", "0"});
  fake_->set_faults(R"({"slow_ms":1500})");  // time to lock the run's row before it ends
  auto config = faults_config(partoo_source("eu"), "", "", nullptr);
  child sync({SLUICE_BINARY, "sync", "-c", config, "--stream", "reviews"});
  ASSERT_TRUE(eventually([&] { return running_rows() == 1; })) << sync.drain();
  child holder({"/usr/bin/psql", *test_database_url(), "-X", "-q", "-c",
                "BEGIN; SELECT 1 FROM " + schema_ +
                    ".sync_runs WHERE status = 'running' FOR UPDATE; "
                    "SELECT pg_sleep(60); COMMIT;"});
  // Each time the run's end waits on the lock, its backend is terminated: twice.
  for (int i = 0; i < 2; ++i)
    ASSERT_TRUE(eventually([&] {
      return count("SELECT count(pg_terminate_backend(pid)) FROM (" +
                   backends("sluice", "wait_event_type = 'Lock'") + ") b") > 0;
    })) << sync.drain();
  holder.kill(SIGKILL);
  psql(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' "
      "AND pid <> pg_backend_pid()");
  auto result = sync.wait(120s);
  result.output += sync.drain();
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(psql("SELECT status FROM " + schema_ + ".sync_runs WHERE stream = 'reviews'"),
            "succeeded");
}

}  // namespace
}  // namespace sluice::test
