// [alerts] webhook notifications from a live `sluice run` against the fake API and a local
// receiver: a stream driven into failure and staleness gives exactly one "open" and one
// "resolved" event per incident, none of them carrying a secret; a receiver that is down, or
// slow, delays the events but loses none and never holds up syncing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/support/daemon_fixture.hpp"
#include "tests/support/webhook_receiver.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct event {
  std::string id, phase, severity, text;
};

std::vector<event> events_of(const webhook_receiver& receiver) {
  std::vector<event> out;
  for (const auto& body : receiver.bodies()) {
    auto o = boost::json::parse(body).as_object();
    out.push_back({std::string(o.at("id").as_string()), std::string(o.at("event").as_string()),
                   std::string(o.at("severity").as_string()),
                   std::string(o.at("text").as_string())});
  }
  return out;
}

int count_of(const std::vector<event>& events, const std::string& id, const std::string& phase) {
  int n = 0;
  for (const auto& e : events) n += e.id == id && e.phase == phase;
  return n;
}

bool resolved(const webhook_receiver& r, const std::string& id) {
  return count_of(events_of(r), id, "resolved") > 0;
}

class alerts_test : public daemon_fixture {
protected:
  // One stream, checked every second; failing after 2 runs, stale after 4 s without success.
  std::string config_with(const std::string& webhook_url) {
    return daemon_config(
        "[alerts]\nwebhook_url = \"" + webhook_url +
        "\"\nmin_severity = \"info\"\nfailing_runs = 2\n\n" +
        partoo_source("eu", "1s", "streams = [\"reviews\"]\nmax_staleness = \"4s\"\n"));
  }
  // Every API request fails with a 400 whose page repeats the API key it received.
  void break_the_api() {
    fake_->set_faults(R"({"error_every":1,"error_status":400,"echo_credentials":true})");
  }
  void mend_the_api() { fake_->set_faults("{}"); }
};

TEST_F(alerts_test, failure_and_staleness_give_one_open_and_one_resolved_event_each) {
  start_fake({"--partoo-reviews", "300"});
  webhook_receiver receiver;
  daemon_process d(config_with(receiver.url("/hooks/T0K3N-SECRET-PATH")));
  ASSERT_TRUE(eventually([&] { return rows("eu") > 0; })) << d.log();

  break_the_api();
  const std::string failing = "stream_failing:eu/reviews", stale = "stream_stale:eu/reviews";
  ASSERT_TRUE(eventually([&] {
    auto e = events_of(receiver);
    return count_of(e, failing, "open") > 0 && count_of(e, stale, "open") > 0;
  })) << d.log();
  mend_the_api();
  ASSERT_TRUE(eventually([&] { return resolved(receiver, failing) && resolved(receiver, stale); }))
      << d.log();
  // A few more good runs: nothing more is announced.
  const auto runs = count("SELECT count(*) FROM " + schema_ + ".sync_runs");
  ASSERT_TRUE(eventually([&] {
    return count("SELECT count(*) FROM " + schema_ + ".sync_runs") > runs + 2;
  })) << d.log();

  const auto events = events_of(receiver);
  for (const auto& id : {failing, stale}) {
    EXPECT_EQ(count_of(events, id, "open"), 1) << id;
    EXPECT_EQ(count_of(events, id, "resolved"), 1) << id;
  }
  for (const auto& e : events) EXPECT_TRUE(e.id == failing || e.id == stale) << e.id;
  for (const auto& body : receiver.bodies()) {
    EXPECT_THAT(body, Not(HasSubstr(partoo_key)));
    EXPECT_THAT(body, Not(HasSubstr("T0K3N-SECRET-PATH")));
  }
  EXPECT_THAT(d.log(), Not(HasSubstr(partoo_key)));
  EXPECT_THAT(d.log(), Not(HasSubstr("T0K3N-SECRET-PATH")));
  EXPECT_THAT(d.log(), HasSubstr("incident open"));
}

// The receiver is down when the incident opens and comes back later: the event arrives (once),
// and the stream's runs went on meanwhile. Then a slow receiver: still one event each.
TEST_F(alerts_test, a_receiver_that_is_down_or_slow_delays_events_but_loses_none) {
  start_fake({"--partoo-reviews", "100"});
  webhook_receiver receiver(false);  // down
  daemon_process d(config_with(receiver.url("/hook")));
  ASSERT_TRUE(eventually([&] { return rows("eu") > 0; })) << d.log();

  break_the_api();
  ASSERT_TRUE(eventually([&] { return d.logged("incident open (warning): eu/reviews failing"); }))
      << d.log();
  ASSERT_TRUE(eventually([&] { return d.logged("alerts webhook: stream_failing:eu/reviews"); }))
      << d.log();
  const auto runs = count("SELECT count(*) FROM " + schema_ + ".sync_runs");
  receiver.answer_with(200, std::chrono::milliseconds(3000));  // slow from now on
  receiver.come_up();
  ASSERT_TRUE(eventually([&] {
    return count_of(events_of(receiver), "stream_failing:eu/reviews", "open") == 1;
  })) << d.log();
  EXPECT_GT(count("SELECT count(*) FROM " + schema_ + ".sync_runs"), runs)
      << "runs go on while the webhook is down";

  mend_the_api();
  ASSERT_TRUE(eventually([&] { return resolved(receiver, "stream_failing:eu/reviews"); }))
      << d.log();
  const auto events = events_of(receiver);
  EXPECT_EQ(count_of(events, "stream_failing:eu/reviews", "open"), 1);
  EXPECT_EQ(count_of(events, "stream_failing:eu/reviews", "resolved"), 1);
}

// Rejected credentials are one critical incident for the source, not one per stream and run.
TEST_F(alerts_test, rejected_credentials_open_one_critical_incident) {
  start_fake({"--partoo-reviews", "50"});
  webhook_receiver receiver;
  write_file(dir_ / "partoo.key", "not-the-key\n");
  daemon_process d(config_with(receiver.url("/hook")));
  ASSERT_TRUE(eventually([&] {
    return count_of(events_of(receiver), "auth_rejected:eu", "open") == 1;
  })) << d.log();
  write_file(dir_ / "partoo.key", std::string(partoo_key) + "\n");
  d.kill(SIGHUP);  // the new key is read on reload
  ASSERT_TRUE(eventually([&] { return resolved(receiver, "auth_rejected:eu"); })) << d.log();
  const auto events = events_of(receiver);
  EXPECT_EQ(count_of(events, "auth_rejected:eu", "open"), 1);
  for (const auto& e : events) {
    if (e.id == "auth_rejected:eu" && e.phase == "open") {
      EXPECT_EQ(e.severity, "critical");
    }
  }
}

}  // namespace
}  // namespace sluice::test
