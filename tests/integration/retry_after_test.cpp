// A Retry-After longer than a run sensibly waits (sluice-fakeapi's --throttle-every and
// --retry-after): a one-shot sync fails the stream at once as throttled, saying when to retry,
// after one request; the daemon sends nothing to that source before then, and runs the others.
#include <chrono>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/daemon_process.hpp"
#include "tests/support/sync_fixture.hpp"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

constexpr const char* partoo_key = "partoo-RETRY-AFTER-KEY";

class retry_after_test : public sync_fixture {
protected:
  void start_fake(std::vector<std::string> options) {
    options.insert(options.end(), {"--partoo-key", partoo_key, "--partoo-reviews", "50",
                                   "--partoo-businesses", "3"});
    fake_ = std::make_unique<fakeapi>(options);
  }
  std::string partoo_source(const std::string& name, const std::string& interval) {
    return "[sources." + name + "]\nkind = \"partoo\"\nbase_url = \"" +
           fake_->http_url("/partoo/v2") + "\"\napi_key = \"" + partoo_key +
           "\"\nrate_limit = \"100000/min\"\ninterval = \"" + interval + "\"\n\n";
  }
  // Every API request the fake answered (or refused) so far.
  std::int64_t api_requests() {
    std::int64_t n = 0;
    const auto stats = fake_->get("/_control/stats");
    for (const auto& [name, count] : stats.at("requests").as_object())
      if (name.starts_with("partoo.")) n += count.to_number<std::int64_t>();
    return n;
  }
  // The UTC year in `ahead` from now: the message's "retry after YYYY-".
  static std::string year_in(std::chrono::seconds ahead) {
    auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now() + ahead);
    return std::to_string(static_cast<int>(std::chrono::year_month_day(day).year()));
  }
};

TEST_F(retry_after_test, one_shot_sync_fails_at_once_with_the_time_to_retry) {
  start_fake({"--throttle-every", "1", "--retry-after", "86400"});
  auto config = write_config(partoo_source("eu", "15m"));
  const auto started = std::chrono::steady_clock::now();
  auto result = sync(config, {"--stream", "reviews"});
  const auto took = std::chrono::steady_clock::now() - started;

  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_LT(took, 30s) << "waited for the Retry-After instead of failing";
  EXPECT_EQ(api_requests(), 1) << "no retry before the time the API gave";
  EXPECT_THAT(result.output,
              ::testing::ContainsRegex(R"(eu/reviews#[0-9]+: failed \(throttled\))"));
  EXPECT_THAT(result.output, HasSubstr("86400 s (Retry-After)"));
  EXPECT_THAT(result.output, HasSubstr("retry after " + year_in(86400s) + "-"));
  EXPECT_EQ(result.output.find(partoo_key), std::string::npos);
  EXPECT_EQ(psql("SELECT status || '|' || error_kind || '|' || requests || '|' || throttled FROM " +
                 schema_ + ".sync_runs WHERE source = 'eu' AND stream = 'reviews'"),
            "failed|throttled|1|1");
  EXPECT_THAT(psql("SELECT error FROM " + schema_ + ".sync_runs WHERE source = 'eu'"),
              HasSubstr("retry after "));
}

TEST_F(retry_after_test, all_streams_of_the_source_stop_after_one_long_retry_after) {
  start_fake({"--throttle-every", "1", "--retry-after", "3600"});
  auto config = write_config(partoo_source("eu", "15m"));
  auto result = sync(config);  // reviews and businesses, concurrently
  EXPECT_EQ(result.exit_code, 1) << result.output;
  // Each stream may have sent its first request before the first answer paused the source;
  // nothing was sent after it.
  EXPECT_LE(api_requests(), 2);
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ +
                 ".sync_runs WHERE status = 'failed' AND "
                 "error_kind = 'throttled' AND error LIKE '%retry after %'"),
            "2")
      << result.output;
}

TEST_F(retry_after_test, the_daemon_schedules_the_source_after_the_time_and_the_others_go_on) {
  start_fake({});
  auto config = (dir_ / "sluice.toml").string();
  write_file(config, database_toml(schema_) + partoo_source("eu", "1s"));
  daemon_process d(config);
  auto runs = [&](const std::string& where) {
    if (psql("SELECT to_regclass('" + schema_ + ".sync_runs') IS NOT NULL") != "t")
      return std::int64_t{0};
    return static_cast<std::int64_t>(
        std::stoll(psql("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE " + where)));
  };
  ASSERT_TRUE(eventually([&] { return runs("status = 'succeeded'") >= 4; })) << d.log();

  // From now on the API answers 429 and asks for an hour.
  fake_->set_faults(R"({"throttle_every":1,"retry_after":"3600"})");
  ASSERT_TRUE(eventually([&] { return runs("error_kind = 'throttled'") >= 1; })) << d.log();
  // Requests already in flight end; then nothing more reaches the fake for this source although
  // its interval is 1 s (before the fix: a stream waited the Retry-After capped at 60 s, then
  // retried, 20 times).
  std::this_thread::sleep_for(2s);
  fake_->set_faults("{}");
  const auto before = api_requests();
  const auto failed_before = runs("status = 'failed'");
  std::this_thread::sleep_for(8s);
  EXPECT_EQ(api_requests(), before) << d.log();
  EXPECT_EQ(runs("status = 'failed'"), failed_before) << "runs are not even started";
  EXPECT_EQ(runs("status = 'running'"), 0);
  EXPECT_THAT(d.log(), HasSubstr("retry after " + year_in(3600s) + "-"));
  EXPECT_EQ(d.log().find(partoo_key), std::string::npos);

  // A source added by a reload is not held back by another source's pause.
  write_file(config,
             database_toml(schema_) + partoo_source("eu", "1s") + partoo_source("us", "1s"));
  d.kill(SIGHUP);
  ASSERT_TRUE(eventually([&] { return runs("source = 'us' AND status = 'succeeded'") >= 2; }))
      << d.log();
  EXPECT_EQ(
      runs("source = 'eu' AND status = 'succeeded' AND started_at > now() - interval '8 seconds'"),
      0);

  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
}

}  // namespace
}  // namespace sluice::test
