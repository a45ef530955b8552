// Freshness objectives, incidents and the webhook's body: the rules behind `sluice status`'s
// ok/stale, the sluice_stream_* gauges and the [alerts] notifications.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/redaction.hpp"
#include "daemon/config.hpp"
#include "daemon/freshness.hpp"
#include "daemon/incidents.hpp"
#include "daemon/webhook.hpp"
#include "tests/config/temp_dir.hpp"

namespace sluice::daemon {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using clock = std::chrono::system_clock;

const clock::time_point t0 = clock::time_point{} + std::chrono::hours{24 * 20000};

// -- configuration -------------------------------------------------------------------------------

class alerting_config_test : public ::testing::Test {
protected:
  config load(const std::string& text) { return load_config(dir_.write("sluice.toml", text)); }
  std::string error_of(const std::string& text) {
    try {
      load(text);
    } catch (const error& e) {
      return e.what();
    }
    ADD_FAILURE() << "no error for:\n" << text;
    return {};
  }
  testing::temp_dir dir_;
};

constexpr const char* partoo = "[sources.eu]\nkind = \"partoo\"\napi_key = \"k\"\n";

TEST_F(alerting_config_test, max_staleness_defaults_to_three_intervals_and_at_least_an_hour) {
  auto cfg = load(std::string(partoo) + "interval = \"30m\"\n");
  EXPECT_EQ(cfg.sources[0].max_staleness.for_stream("reviews", cfg.sources[0].interval), 90min);
  cfg = load(std::string(partoo) + "interval = \"1m\"\n");
  EXPECT_EQ(cfg.sources[0].max_staleness.for_stream("reviews", cfg.sources[0].interval), 1h);
}

TEST_F(alerting_config_test, max_staleness_per_source_or_per_stream) {
  auto cfg = load(std::string(partoo) + "max_staleness = \"2h\"\n");
  EXPECT_EQ(cfg.sources[0].max_staleness.for_stream("businesses", 15min), 2h);
  cfg = load(std::string(partoo) + "max_staleness = { default = \"2h\", businesses = \"3d\" }\n");
  EXPECT_EQ(cfg.sources[0].max_staleness.for_stream("reviews", 15min), 2h);
  EXPECT_EQ(cfg.sources[0].max_staleness.for_stream("businesses", 15min), 72h);
  EXPECT_THAT(error_of(std::string(partoo) + "max_staleness = { contacts = \"1h\" }\n"),
              HasSubstr("sources.eu.max_staleness.contacts: unknown stream \"contacts\""));
  EXPECT_THAT(error_of(std::string(partoo) + "max_staleness = \"0s\"\n"),
              HasSubstr("sources.eu.max_staleness"));
  EXPECT_THAT(error_of(std::string(partoo) + "max_staleness = 5\n"),
              HasSubstr("a duration or a table of durations by stream name"));
}

TEST_F(alerting_config_test, alerts_section_keys_and_the_url_stays_secret) {
  auto cfg = load(
      "[alerts]\nwebhook_url = \"https://hooks.example/T/B/XyZ-SECRET-123\"\n"
      "min_severity = \"critical\"\nfailing_runs = 5\n");
  EXPECT_EQ(cfg.alerts.webhook_url.reveal(), "https://hooks.example/T/B/XyZ-SECRET-123");
  EXPECT_EQ(cfg.alerts.min_severity, "critical");
  EXPECT_EQ(cfg.alerts.failing_runs, 5);
  EXPECT_THAT(redact("posting to https://hooks.example/T/B/XyZ-SECRET-123 failed"),
              Not(HasSubstr("XyZ-SECRET-123")));
  auto message = error_of("[alerts]\nwebhook_url = \"ftp://x/ANOTHER-SECRET-456\"\n");
  EXPECT_THAT(message, HasSubstr("alerts.webhook_url: must start with http:// or https://"));
  EXPECT_THAT(message, Not(HasSubstr("ANOTHER-SECRET-456")));
  EXPECT_THAT(error_of("[alerts]\nmin_severity = \"loud\"\n"), HasSubstr("unknown severity"));
  EXPECT_THAT(error_of("[alerts]\nfailing_runs = 0\n"), HasSubstr("must be between 1 and 1000"));
  EXPECT_THAT(error_of("[alerts]\nwebhook = \"x\"\n"), HasSubstr("unknown key"));
}

// -- freshness -----------------------------------------------------------------------------------

TEST(freshness, a_stream_is_stale_when_its_newest_success_is_older_than_the_objective) {
  freshness f;
  f.watch("eu", "reviews", std::chrono::duration_cast<duration>(1h), t0 - 30min, t0);
  auto v = f.judge(t0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_FALSE(v[0].stale);
  EXPECT_TRUE(v[0].ever_succeeded);
  EXPECT_TRUE(f.judge(t0 + 31min)[0].stale);
  f.on_success("eu", "reviews", t0 + 31min);
  EXPECT_FALSE(f.judge(t0 + 32min)[0].stale);
  f.on_success("eu", "reviews", t0);  // an older report (the history read) changes nothing
  EXPECT_FALSE(f.judge(t0 + 32min)[0].stale);
}

TEST(freshness, a_stream_that_never_succeeded_is_as_old_as_the_time_it_has_been_watched) {
  freshness f;
  f.watch("eu", "reviews", std::chrono::duration_cast<duration>(1h), std::nullopt, t0);
  EXPECT_FALSE(f.judge(t0 + 59min)[0].stale);
  EXPECT_TRUE(f.judge(t0 + 61min)[0].stale);
  EXPECT_FALSE(f.judge(t0 + 61min)[0].ever_succeeded);
  f.forget_source("eu");
  EXPECT_TRUE(f.judge(t0).empty());
}

TEST(freshness, a_paused_stream_is_not_stale_and_gets_its_objective_after_resuming) {
  freshness f;
  f.watch("eu", "reviews", std::chrono::duration_cast<duration>(1h), t0, t0);
  f.set_paused("eu", "reviews", true, t0 + 10min);
  auto v = f.judge(t0 + 5h);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_FALSE(v[0].stale);
  EXPECT_TRUE(v[0].paused);
  f.set_paused("eu", "reviews", false, t0 + 5h);
  EXPECT_FALSE(f.judge(t0 + 5h + 59min)[0].stale) << "the age counts from the resumption";
  EXPECT_FALSE(f.judge(t0 + 5h + 59min)[0].paused);
  EXPECT_TRUE(f.judge(t0 + 6h + 1min)[0].stale);
}

// -- incidents -----------------------------------------------------------------------------------

run_observation failed(error_kind kind, std::string message = "HTTP 503") {
  return {"failed", kind, std::move(message), ""};
}
const run_observation succeeded{"succeeded", std::nullopt, "", ""};

TEST(incidents, failing_opens_after_n_failures_in_a_row_once_and_resolves_once) {
  incident_tracker t(3);
  EXPECT_TRUE(t.on_run("eu", "reviews", failed(error_kind::server), t0).empty());
  EXPECT_TRUE(t.on_run("eu", "reviews", succeeded, t0).empty()) << "a success resets the count";
  EXPECT_TRUE(t.on_run("eu", "reviews", failed(error_kind::server), t0).empty());
  EXPECT_TRUE(t.on_run("eu", "reviews", failed(error_kind::timeout), t0).empty());
  auto opened = t.on_run("eu", "reviews", failed(error_kind::server, "HTTP 502"), t0);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_FALSE(opened[0].resolved);
  EXPECT_EQ(opened[0].what.id(), "stream_failing:eu/reviews");
  EXPECT_THAT(opened[0].what.summary, HasSubstr("3 run(s) in a row"));
  EXPECT_THAT(opened[0].what.summary, HasSubstr("HTTP 502"));
  EXPECT_TRUE(t.on_run("eu", "reviews", failed(error_kind::server), t0).empty()) << "once";
  EXPECT_TRUE(t.on_run("eu", "reviews", {"cancelled", error_kind::cancelled, "", ""}, t0).empty());
  auto closed = t.on_run("eu", "reviews", succeeded, t0 + 1h);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_TRUE(closed[0].resolved);
  EXPECT_THAT(closed[0].resolution, HasSubstr("after 4 failed run(s)"));
  EXPECT_TRUE(t.on_run("eu", "reviews", succeeded, t0).empty());
}

TEST(incidents, rejected_credentials_are_one_critical_incident_per_source) {
  incident_tracker t(3);
  auto opened = t.on_run("eu", "reviews", failed(error_kind::auth, "HTTP 401"), t0);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].what.id(), "auth_rejected:eu");
  EXPECT_EQ(opened[0].what.level, severity::critical);
  EXPECT_TRUE(t.on_run("eu", "businesses", failed(error_kind::auth), t0).empty());
  EXPECT_TRUE(t.on_run("eu", "reviews", failed(error_kind::auth), t0).empty());
  EXPECT_TRUE(t.on_run("eu", "reviews", failed(error_kind::auth), t0).empty())
      << "no second incident for the same cause";
  EXPECT_EQ(t.failures_in_a_row("eu", "reviews"), 3);
  auto closed = t.on_run("eu", "businesses", succeeded, t0);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].what.id(), "auth_rejected:eu");
}

TEST(incidents, a_held_back_snapshot_opens_until_a_snapshot_completes) {
  incident_tracker t(3);
  auto opened = t.on_run("eu", "businesses", {"suspicious", std::nullopt, "", "90% vanished"}, t0);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].what.id(), "snapshot_held_back:eu/businesses");
  EXPECT_THAT(opened[0].what.summary, HasSubstr("90% vanished"));
  EXPECT_TRUE(t.on_run("eu", "businesses", {"suspicious", std::nullopt, "", "x"}, t0).empty());
  EXPECT_EQ(t.on_run("eu", "businesses", succeeded, t0).size(), 1u);
}

TEST(incidents, staleness_and_leases) {
  incident_tracker t(3);
  freshness::verdict v{"eu", "reviews", true, 2h, 1h, true};
  auto opened = t.on_verdict(v, t0);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_THAT(opened[0].what.summary, HasSubstr("eu/reviews stale"));
  EXPECT_TRUE(t.on_verdict(v, t0).empty());
  v.stale = false;
  EXPECT_EQ(t.on_verdict(v, t0).size(), 1u);
  EXPECT_TRUE(t.on_verdict(v, t0).empty());

  EXPECT_EQ(t.on_lease_lost("eu", "expired", t0).size(), 1u);
  EXPECT_TRUE(t.on_lease_lost("eu", "expired", t0).empty());
  t.forget_streams("eu");  // the source went elsewhere: its lease incident stays
  EXPECT_TRUE(t.is_open(incident_kind::lease_lost, "eu", ""));
  EXPECT_EQ(t.on_lease_settled("eu", true, t0).size(), 1u);
}

TEST(incidents, seeding_from_history_opens_silently) {
  incident_tracker t(3);
  t.seed("eu", "reviews", 5, "failed", t0);
  EXPECT_TRUE(t.is_open(incident_kind::stream_failing, "eu", "reviews"));
  EXPECT_TRUE(t.on_run("eu", "reviews", failed(error_kind::server), t0).empty())
      << "announced by the process before, not again";
  EXPECT_EQ(t.on_run("eu", "reviews", succeeded, t0).size(), 1u);
}

// -- webhook body --------------------------------------------------------------------------------

TEST(webhook_body, carries_a_chat_text_and_structured_fields_without_secrets) {
  register_secret("WEBHOOK-TEST-KEY-9876");
  incident i{incident_kind::stream_failing,
             severity::warning,
             "eu",
             "reviews",
             "eu/reviews failing: HTTP 400: bad key WEBHOOK-TEST-KEY-9876",
             t0};
  auto body = boost::json::parse(webhook_body({false, i, "", t0}, "host:1#ab")).as_object();
  EXPECT_EQ(body.at("event").as_string(), "open");
  EXPECT_EQ(body.at("id").as_string(), "stream_failing:eu/reviews");
  EXPECT_EQ(body.at("severity").as_string(), "warning");
  EXPECT_EQ(body.at("source").as_string(), "eu");
  EXPECT_EQ(body.at("stream").as_string(), "reviews");
  EXPECT_TRUE(body.at("resolved_at").is_null());
  EXPECT_THAT(std::string(body.at("text").as_string()), HasSubstr("WARNING"));
  EXPECT_THAT(boost::json::serialize(body), Not(HasSubstr("WEBHOOK-TEST-KEY-9876")));

  auto done = boost::json::parse(
                  webhook_body({true, i, "eu/reviews succeeded again", t0 + 1h}, "host:1#ab"))
                  .as_object();
  EXPECT_EQ(done.at("event").as_string(), "resolved");
  EXPECT_TRUE(done.at("resolved_at").is_string());
  EXPECT_THAT(std::string(done.at("text").as_string()), HasSubstr("RESOLVED"));
}

}  // namespace
}  // namespace sluice::daemon
