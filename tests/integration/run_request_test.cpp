// `sluice sync --source NAME` against a source a running daemon holds: the run is handed to that
// daemon (table run_requests, NOTIFY on sluice_control), and the command reports the daemon's
// outcome and exit code as if it had run the streams itself. With two daemons the request reaches
// the holder; with the holder killed, the next holder runs it. A source another one-shot command
// holds still fails with who holds it. Runs and requests are counted in the tables; the time
// limits only bound a broken test.
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.hpp"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

class run_request_test : public daemon_fixture {
protected:
  std::string request_field(const std::string& field, const std::string& where = "true") {
    return psql("SELECT " + field + " FROM " + schema_ + ".run_requests WHERE " + where +
                " ORDER BY id DESC LIMIT 1");
  }
  std::int64_t last_run_id() {
    return count("SELECT coalesce(max(id), 0) FROM " + schema_ + ".sync_runs");
  }
  // Every stream of the source ran once since the daemon took it (its first runs are over).
  bool first_runs_done(const std::string& source) {
    return count("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE source = '" + source +
                 "' AND status = 'succeeded'") >= 2 &&
           count("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE source = '" + source +
                 "' AND status = 'running'") == 0;
  }
  // The holders of the runs of `source` after run id `after`, e.g. "alpha#...".
  std::string run_holders(const std::string& source, std::int64_t after) {
    return psql("SELECT string_agg(DISTINCT split_part(holder, '#', 1), ',') FROM " + schema_ +
                ".sync_runs WHERE source = '" + source + "' AND id > " + std::to_string(after));
  }
};

// long function: one daemon, four hand-offs (success, failure, one stream in full over a pause,
// --no-wait), each checked in the output, the exit code and the tables.
TEST_F(run_request_test,
       a_sync_of_a_held_source_runs_in_the_daemon_with_its_outcome_and_exit_code) {
  start_fake({"--partoo-reviews", "60", "--partoo-businesses", "3"});
  auto config = daemon_config(partoo_source("p1", "1h"), "instance = \"alpha\"");
  daemon_process d(config);
  ASSERT_TRUE(eventually([&] { return held_by("alpha") == 1 && first_runs_done("p1"); }))
      << d.log();

  auto mark = last_run_id();
  auto r = sync(config, {"--source", "p1"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("held by the daemon 'alpha#"));
  EXPECT_THAT(r.output, HasSubstr("handed the run to it (request #"));
  EXPECT_THAT(r.output, HasSubstr("p1/reviews#"));
  EXPECT_THAT(r.output, HasSubstr("records, 0 inserted"));
  EXPECT_THAT(r.output, HasSubstr("sync finished: 2 streams succeeded"));
  EXPECT_THAT(r.output, Not(HasSubstr("not synced")));
  EXPECT_EQ(request_field("state || '|' || exit_code || '|' || split_part(claimed_by, '#', 1)"),
            "done|0|alpha");
  // The runs are the daemon's, recorded like any other.
  EXPECT_EQ(run_holders("p1", mark), "alpha");
  EXPECT_EQ(
      count("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE id > " + std::to_string(mark)),
      2);
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".run_request_streams WHERE run_id IS NULL"),
            0);

  // The vendor refuses (repeating the key it was sent): the daemon's failure, and exit code 1.
  fake_->set_faults(R"({"error_every":1,"error_status":400,"echo_credentials":true})");
  r = sync(config, {"--source", "p1"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("failed ("));
  EXPECT_THAT(r.output, HasSubstr("sync finished: 2 of 2 streams failed"));
  EXPECT_EQ(request_field("state || '|' || exit_code"), "done|1");
  EXPECT_EQ(r.output.find(partoo_key), std::string::npos) << r.output;
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".run_request_streams WHERE report LIKE '%" +
                  partoo_key + "%'"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".run_request_streams WHERE report LIKE '%" +
                  "400 Bad Request%'"),
            2);
  fake_->set_faults("{}");

  // One stream, in full, although paused: an explicit sync overrides a pause here too.
  ASSERT_EQ(run_sluice({"pause", "-c", config, "--source", "p1"}).exit_code, 0);
  mark = last_run_id();
  r = sync(config, {"--source", "p1", "--stream", "reviews", "--full"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("sync finished: 1 streams succeeded"));
  EXPECT_EQ(psql("SELECT string_agg(stream || ':' || mode, ',') FROM " + schema_ +
                 ".sync_runs WHERE id > " + std::to_string(mark)),
            "reviews:full");
  EXPECT_EQ(request_field("streams::text || '|' || full_refresh"), "{reviews}|true");

  // --no-wait: back at once with the request's number; the daemon still runs it.
  r = sync(config, {"--source", "p1", "--no-wait"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("not waiting (--no-wait)"));
  const auto id = request_field("id");
  EXPECT_THAT(r.output, HasSubstr("request #" + id));
  EXPECT_TRUE(eventually([&] { return request_field("state", "id = " + id) == "done"; }))
      << d.log();
  // `status` lists the requests: who asked, where they ran, how they ended.
  auto status = run_sluice({"status", "-c", config});
  EXPECT_THAT(status.output, HasSubstr("REQUEST"));
  EXPECT_THAT(status.output, HasSubstr("reviews (full)"));
  EXPECT_THAT(status.output, HasSubstr("ran on alpha#"));

  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
}

// A daemon that cannot answer (stopped): the command waits; SIGINT withdraws the request.
TEST_F(run_request_test, interrupting_the_wait_cancels_a_request_no_daemon_started) {
  start_fake({"--partoo-reviews", "20", "--partoo-businesses", "2"});
  auto config = daemon_config(partoo_source("p1", "1h"), "instance = \"alpha\"");
  daemon_process d(config);
  ASSERT_TRUE(eventually([&] { return held_by("alpha") == 1 && first_runs_done("p1"); }))
      << d.log();
  d.kill(SIGSTOP);
  child waiting({SLUICE_BINARY, "sync", "-c", config, "--source", "p1"});
  std::string seen;
  ASSERT_TRUE(eventually([&] {
    while (auto line = waiting.read_line(100ms)) seen += *line + "\n";
    return seen.find("handed the run to it") != std::string::npos;
  })) << seen;
  waiting.kill(SIGINT);
  auto result = waiting.wait(30s);
  seen += result.output;
  EXPECT_EQ(result.exit_code, 1) << seen;
  EXPECT_THAT(seen, HasSubstr("cancelled before any daemon started it"));
  EXPECT_THAT(seen, HasSubstr("sync interrupted"));
  EXPECT_EQ(request_field("state"), "cancelled");

  // Woken up, the daemon runs nothing for it.
  const auto mark = last_run_id();
  d.kill(SIGCONT);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(last_run_id(), mark) << d.log();
  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
}

TEST_F(run_request_test, with_two_daemons_each_request_reaches_the_holder_of_its_source) {
  start_fake({"--partoo-reviews", "30", "--partoo-businesses", "2"});
  const std::string sources = partoo_source("p1", "1h") + partoo_source("p2", "1h");
  auto a_config = daemon_config(sources, "instance = \"alpha\"", "a.toml");
  auto b_config = daemon_config(sources, "instance = \"beta\"", "b.toml");
  daemon_process a(a_config);
  ASSERT_TRUE(eventually([&] { return held_by("alpha") == 2; })) << a.log();
  daemon_process b(b_config);
  ASSERT_TRUE(eventually([&] { return held_by("alpha") == 1 && held_by("beta") == 1; }))
      << a.log() << b.log();
  ASSERT_TRUE(eventually([&] { return first_runs_done("p1") && first_runs_done("p2"); }))
      << a.log() << b.log();
  const auto holder = holders();
  const auto p1_daemon = holder.at("p1").substr(0, holder.at("p1").find('#'));
  const auto p2_daemon = holder.at("p2").substr(0, holder.at("p2").find('#'));

  // Asked through the other daemon's configuration file: what matters is who holds the source.
  const auto mark = last_run_id();
  auto r = sync(p1_daemon == "alpha" ? b_config : a_config, {"--source", "p1"});
  EXPECT_EQ(r.exit_code, 0) << r.output << a.log() << b.log();
  EXPECT_EQ(request_field("split_part(claimed_by, '#', 1)"), p1_daemon);
  EXPECT_EQ(run_holders("p1", mark), p1_daemon);

  // Both sources in one command: one request each, each run by its own holder.
  const auto both = last_run_id();
  r = sync(a_config);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("sync finished: 4 streams succeeded"));
  EXPECT_EQ(run_holders("p1", both), p1_daemon);
  EXPECT_EQ(run_holders("p2", both), p2_daemon);
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".run_requests WHERE state = 'done'"), 3);

  // One stream of both: each request names it.
  r = sync(b_config, {"--stream", "reviews"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("sync finished: 2 streams succeeded"));
  EXPECT_EQ(psql("SELECT string_agg(DISTINCT streams::text, ',') FROM " + schema_ +
                 ".run_requests WHERE id > 3"),
            "{reviews}");

  a.kill(SIGTERM);
  b.kill(SIGTERM);
  EXPECT_EQ(a.wait_exit(), 0) << a.log();
  EXPECT_EQ(b.wait_exit(), 0) << b.log();
}

// long function: the kill happens while the daemon runs the request; the other daemon finishes it.
TEST_F(run_request_test, a_request_whose_holder_is_killed_is_run_by_the_next_holder) {
  // Slow answers and many pages: a full walk of the reviews takes seconds.
  start_fake({"--partoo-reviews", "2000", "--partoo-businesses", "2"});
  const std::string sources = partoo_source("p1", "1h");
  auto a_config = daemon_config(sources, "instance = \"alpha\"\nlease_ttl = \"3s\"", "a.toml");
  auto b_config = daemon_config(sources, "instance = \"beta\"\nlease_ttl = \"3s\"", "b.toml");
  daemon_process a(a_config);
  ASSERT_TRUE(eventually([&] { return held_by("alpha") == 1 && first_runs_done("p1"); }))
      << a.log();
  daemon_process b(b_config);
  ASSERT_TRUE(eventually([&] { return b.logged("sluice run: instance"); })) << b.log();
  fake_->set_faults(R"({"slow_ms":150})");

  const auto mark = last_run_id();
  child waiting({SLUICE_BINARY, "sync", "-c", b_config, "--source", "p1", "--full"});
  // The command saw the request run on alpha, and alpha's run is in flight.
  std::string seen;
  ASSERT_TRUE(eventually([&] {
    while (auto line = waiting.read_line(100ms)) seen += *line + "\n";
    return seen.find("running on 'alpha#") != std::string::npos &&
           count("SELECT count(*) FROM " + schema_ +
                 ".sync_runs WHERE status = 'running' AND id > " + std::to_string(mark)) > 0;
  })) << seen
      << a.log();
  a.kill(SIGKILL);
  a.wait_exit();

  auto result = waiting.wait(120s);
  seen += result.output;
  EXPECT_EQ(result.exit_code, 0) << seen << b.log();
  EXPECT_THAT(seen, HasSubstr("running on 'beta#"));
  EXPECT_THAT(seen, HasSubstr("sync finished: 2 streams succeeded"));
  EXPECT_EQ(request_field("state || '|' || exit_code || '|' || split_part(claimed_by, '#', 1)"),
            "done|0|beta");
  EXPECT_TRUE(b.logged("taken over from alpha#")) << b.log();
  // The streams' reported runs are beta's, and full.
  EXPECT_EQ(
      psql("SELECT string_agg(DISTINCT split_part(r.holder, '#', 1) || ':' || r.mode, ',') "
           "FROM " +
           schema_ + ".run_request_streams s JOIN " + schema_ + ".sync_runs r ON r.id = s.run_id"),
      "beta:full");
  EXPECT_EQ(rows("p1"), fake_live_reviews());

  b.kill(SIGTERM);
  EXPECT_EQ(b.wait_exit(), 0) << b.log();
}

// A one-shot holder takes no requests: the second command fails at once, naming the first.
TEST_F(run_request_test, a_source_another_sync_holds_is_not_handed_over) {
  start_fake({"--partoo-reviews", "3000", "--slow-ms", "200"});
  auto config = daemon_config(partoo_source("p1"));
  child first({SLUICE_BINARY, "sync", "-c", config, "--source", "p1"});
  ASSERT_TRUE(eventually([&] { return holders().count("p1") > 0; }));
  auto second = sync(config, {"--source", "p1"});
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_THAT(second.output, HasSubstr("not synced"));
  EXPECT_THAT(second.output, HasSubstr("/sync#"));
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".run_requests"), 0);
  EXPECT_EQ(first.wait(120s).exit_code, 0);
}

}  // namespace
}  // namespace sluice::test
