// The scheduling rules of daemon/schedule.hpp: jittered intervals and backoff.
#include <gtest/gtest.h>

#include "daemon/schedule.hpp"

namespace sluice::daemon {
namespace {

using namespace std::chrono_literals;
using secs = std::chrono::duration<double>;

double seconds(std::chrono::steady_clock::duration d) { return secs(d).count(); }

TEST(schedule, interval_with_jitter_within_ten_percent_and_not_constant) {
  std::mt19937_64 rng(42);
  double lo = 1e9, hi = 0;
  for (int i = 0; i < 200; ++i) {
    double s = seconds(next_run_delay(15min, 0, rng));
    lo = std::min(lo, s);
    hi = std::max(hi, s);
  }
  EXPECT_GE(lo, 900 * 0.9);
  EXPECT_LE(hi, 900 * 1.1);
  EXPECT_GT(hi - lo, 30);  // jitter actually spreads runs
}

TEST(schedule, failures_back_off_doubling_up_to_a_cap) {
  std::mt19937_64 rng(1);
  auto mid = [&](int failures) {
    double total = 0;
    for (int i = 0; i < 50; ++i) total += seconds(next_run_delay(15min, failures, rng));
    return total / 50;
  };
  EXPECT_NEAR(mid(1), 900, 60);
  EXPECT_NEAR(mid(2), 1800, 120);
  EXPECT_NEAR(mid(3), 3600, 240);
  EXPECT_NEAR(mid(4), 7200, 480);  // cap: max(8 * 15 min, 1 h) = 2 h
  EXPECT_NEAR(mid(30), 7200, 480);
  // Short intervals back off to an hour at most.
  EXPECT_LE(seconds(next_run_delay(1s, 40, rng)), 3600 * 1.1);
  EXPECT_GE(seconds(next_run_delay(1s, 40, rng)), 3600 * 0.9);
}

TEST(schedule, first_runs_spread_over_two_seconds) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100; ++i) {
    auto d = first_run_delay(static_cast<std::size_t>(i), rng);
    EXPECT_GE(d, 0s);
    EXPECT_LE(d, 2100ms);
  }
}

TEST(schedule, backfill_retries_slowly) {
  EXPECT_EQ(backfill_retry_delay(1), 30s);
  EXPECT_EQ(backfill_retry_delay(2), 60s);
  EXPECT_EQ(backfill_retry_delay(20), 30min);
}

}  // namespace
}  // namespace sluice::daemon

namespace sluice::daemon {
namespace {

TEST(schedule, only_the_streams_own_failures_make_it_wait_longer) {
  EXPECT_TRUE(counts_toward_backoff(error_kind::server));
  EXPECT_TRUE(counts_toward_backoff(error_kind::auth));
  EXPECT_TRUE(counts_toward_backoff(error_kind::data));
  // A stop or a lost lease, and the database's health, are not the stream's failures.
  EXPECT_FALSE(counts_toward_backoff(error_kind::cancelled));
  EXPECT_FALSE(counts_toward_backoff(error_kind::database));
}

}  // namespace
}  // namespace sluice::daemon
