// Operator control of running daemons: `sluice pause` and `sluice resume` against two `sluice run`
// instances sharing one database and its sources. A pause stops new runs of the stream on every
// instance within a couple of seconds and shows in status, /metrics and the stream_latest_runs
// view; resume lets runs start again. `status --watch` redraws while runs go on. Runs are counted
// in sync_runs; the time limits only bound a broken test.
#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/http.hpp"
#include "tests/support/prometheus.hpp"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class control_test : public daemon_fixture {
protected:
  std::int64_t runs_of(const std::string& source, const std::string& stream,
                       std::int64_t after_id = 0) {
    return count("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE source = '" + source +
                 "' AND stream = '" + stream + "' AND id > " + std::to_string(after_id));
  }
  std::int64_t last_run_id() {
    return count("SELECT coalesce(max(id), 0) FROM " + schema_ + ".sync_runs");
  }
  // sluice_stream_paused of the stream, summed over the instances' scrapes (only the holder of
  // the source reports its streams).
  double paused_metric(const std::vector<int>& ports, const std::string& source,
                       const std::string& stream) {
    double sum = 0;
    for (int port : ports) {
      auto m = parse_prometheus(http_request(port, "GET", "/metrics").body);
      sum += m.sum("sluice_stream_paused", {{"source", source}, {"stream", stream}});
    }
    return sum;
  }
  boost::json::object status_of(const std::string& config, const std::string& source,
                                const std::string& stream) {
    auto r = run_sluice({"status", "-c", config, "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    auto all = boost::json::parse(r.output.substr(r.output.find('['))).as_array();
    for (const auto& v : all) {
      const auto& o = v.as_object();
      if (o.at("source").as_string() == source && o.at("stream").as_string() == stream) return o;
    }
    ADD_FAILURE() << "no status of " << source << "/" << stream << ": " << r.output;
    return {};
  }
};

// long function: one scenario, pause to resume, checked on both instances and every surface.
TEST_F(control_test, pause_and_resume_take_effect_on_every_instance) {
  start_fake({"--partoo-reviews", "40", "--partoo-businesses", "3"});
  const std::string sources = partoo_source("p1") + partoo_source("p2");
  auto a_config = daemon_config(sources, "instance = \"alpha\"", "a.toml");
  auto b_config = daemon_config(sources, "instance = \"beta\"", "b.toml");
  daemon_process a(a_config);
  ASSERT_TRUE(eventually([&] { return held_by("alpha") == 2; })) << a.log();
  daemon_process b(b_config);
  ASSERT_TRUE(eventually([&] { return held_by("alpha") == 1 && held_by("beta") == 1; }))
      << a.log() << b.log();
  const std::vector<int> ports{a.port(), b.port()};
  ASSERT_TRUE(eventually([&] {
    return runs_of("p1", "reviews") >= 2 && runs_of("p2", "reviews") >= 2;
  })) << a.log()
      << b.log();

  // Both sources' reviews: one is pulled by each instance.
  auto p = run_sluice({"pause", "-c", a_config, "--source", "p1", "--stream", "reviews", "--reason",
                       "vendor maintenance"});
  ASSERT_EQ(p.exit_code, 0) << p.output;
  EXPECT_THAT(p.output, HasSubstr("paused p1/reviews: vendor maintenance"));
  p = run_sluice({"pause", "-c", b_config, "--source", "p2", "--stream", "reviews"});
  ASSERT_EQ(p.exit_code, 0) << p.output;

  // Within 2 s no new run of them starts anywhere (one already in flight may finish), while the
  // businesses streams go on.
  std::this_thread::sleep_for(2s);
  const auto mark = last_run_id();
  const auto businesses = runs_of("p1", "businesses", mark) + runs_of("p2", "businesses", mark);
  ASSERT_TRUE(eventually([&] {
    return runs_of("p1", "businesses", mark) + runs_of("p2", "businesses", mark) >= businesses + 4;
  })) << a.log()
      << b.log();
  EXPECT_EQ(runs_of("p1", "reviews", mark), 0) << a.log() << b.log();
  EXPECT_EQ(runs_of("p2", "reviews", mark), 0) << a.log() << b.log();

  // Everything that reports it says so.
  auto s = status_of(a_config, "p1", "reviews");
  EXPECT_EQ(s["paused"], true);
  EXPECT_EQ(s["pause_reason"], "vendor maintenance");
  EXPECT_EQ(s["freshness"], "paused");
  EXPECT_TRUE(s["paused_at"].is_string());
  EXPECT_EQ(status_of(a_config, "p1", "businesses")["paused"], false);
  auto text = run_sluice({"status", "-c", a_config});
  EXPECT_THAT(text.output, HasSubstr("paused by"));
  EXPECT_THAT(text.output, HasSubstr("vendor maintenance"));
  ASSERT_TRUE(eventually([&] {
    return paused_metric(ports, "p1", "reviews") == 1 && paused_metric(ports, "p2", "reviews") == 1;
  })) << a.log()
      << b.log();
  EXPECT_EQ(paused_metric(ports, "p1", "businesses"), 0);
  ASSERT_TRUE(eventually([&] {
    return psql("SELECT paused || '|' || coalesce(stale::text, 'null') FROM " + schema_ +
                ".stream_latest_runs WHERE source = 'p1' AND stream = 'reviews'") == "true|false";
  })) << psql("SELECT paused, stale FROM " + schema_ + ".stream_latest_runs");
  EXPECT_TRUE(a.logged("p1/reviews: paused by") || b.logged("p1/reviews: paused by"));

  // Resume: runs start again on both instances.
  auto r = run_sluice({"resume", "-c", a_config, "--source", "p1", "--stream", "reviews"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("resumed p1/reviews"));
  r = run_sluice({"resume", "-c", a_config, "--source", "p2"});  // the source: its pauses too
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("resumed p2/reviews"));
  const auto resumed = last_run_id();
  ASSERT_TRUE(eventually(
      [&] {
        return runs_of("p1", "reviews", resumed) > 0 && runs_of("p2", "reviews", resumed) > 0;
      },
      30s))
      << a.log() << b.log();
  EXPECT_EQ(status_of(a_config, "p1", "reviews")["paused"], false);
  ASSERT_TRUE(eventually([&] { return paused_metric(ports, "p1", "reviews") == 0; }));

  a.kill(SIGTERM);
  b.kill(SIGTERM);
  EXPECT_EQ(a.wait_exit(), 0) << a.log();
  EXPECT_EQ(b.wait_exit(), 0) << b.log();
}

TEST_F(control_test, pause_and_resume_check_names_and_say_what_they_did) {
  start_fake({"--partoo-reviews", "5"});
  auto config = daemon_config(partoo_source("p1", "1h"));
  EXPECT_EQ(run_sluice({"pause", "-c", config, "--source", "nope"}).exit_code, 64);
  EXPECT_EQ(run_sluice({"pause", "-c", config, "--source", "p1", "--stream", "nope"}).exit_code,
            64);
  EXPECT_EQ(run_sluice({"resume", "-c", config, "--source", "nope"}).exit_code, 64);
  EXPECT_EQ(run_sluice({"pause", "-c", config}).exit_code, 64);

  auto r = run_sluice({"resume", "-c", config, "--source", "p1"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("source p1 is not paused"));

  r = run_sluice({"pause", "-c", config, "--source", "p1", "--reason", "audit"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("paused source p1: audit"));
  r = run_sluice({"pause", "-c", config, "--source", "p1"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("already paused"));
  EXPECT_EQ(psql("SELECT stream FROM " + schema_ + ".stream_pauses"), "*");

  // A one-shot sync still runs a paused stream, with a warning.
  auto s = sync(config);
  EXPECT_EQ(s.exit_code, 0) << s.output;
  EXPECT_THAT(s.output, HasSubstr("syncing it anyway"));

  r = run_sluice({"resume", "-c", config, "--source", "p1", "--stream", "reviews"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("the whole source p1 is"));
  r = run_sluice({"resume", "-c", config, "--source", "p1"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("resumed source p1"));
  EXPECT_EQ(count("SELECT count(*) FROM " + schema_ + ".stream_pauses"), 0);
}

TEST_F(control_test, status_watch_redraws_with_the_run_in_flight_until_interrupted) {
  // Slow answers and many pages: the first run stays in flight while the table is redrawn.
  start_fake({"--partoo-reviews", "3000", "--slow-ms", "200"});
  auto config = daemon_config(partoo_source("p1"));
  daemon_process d(config);
  ASSERT_TRUE(eventually([&] {
    return psql("SELECT to_regclass('" + schema_ + ".sync_runs') IS NOT NULL") == "t" &&
           count("SELECT count(*) FROM " + schema_ +
                 ".sync_runs WHERE stream = 'reviews' AND status = 'running'") > 0;
  })) << d.log();

  // Not a terminal: one table after another, no screen clearing.
  child watch({SLUICE_BINARY, "status", "-c", config, "--watch", "--interval", "0.5"});
  int tables = 0;
  std::string seen;
  ASSERT_TRUE(eventually([&] {
    while (auto line = watch.read_line(100ms)) {
      seen += *line + "\n";
      if (line->starts_with("sluice status at")) ++tables;
    }
    return tables >= 3;
  })) << seen;
  watch.kill(SIGINT);
  auto result = watch.wait(10s);
  EXPECT_EQ(result.exit_code, 0) << seen << result.output;
  EXPECT_EQ(seen.find("\033[2J"), std::string::npos);
  EXPECT_THAT(seen, HasSubstr("SOURCE"));
  EXPECT_THAT(seen, HasSubstr("in flight since"));
  EXPECT_THAT(seen, HasSubstr("records so far"));
  // Requests (pages) too, as the commits counted them: not zero while the walk goes on.
  EXPECT_THAT(seen, ::testing::ContainsRegex("updated, [1-9][0-9]* requests"));
  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
}

}  // namespace
}  // namespace sluice::test
