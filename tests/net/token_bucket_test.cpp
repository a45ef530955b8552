#include "net/token_bucket.hpp"

#include <gtest/gtest.h>

namespace sluice::net {
namespace {

using namespace std::chrono_literals;
using clock_type = token_bucket::clock;

const clock_type::time_point t0 = clock_type::time_point{} + 1000h;

// Durations compared at millisecond precision: the arithmetic is in doubles.
long long ms(clock_type::duration d) {
  return std::chrono::round<std::chrono::milliseconds>(d).count();
}

TEST(token_bucket, burst_is_available_at_once) {
  token_bucket b(10, 3);
  EXPECT_EQ(b.take(t0), 0ns);
  EXPECT_EQ(b.take(t0), 0ns);
  EXPECT_EQ(b.take(t0), 0ns);
  EXPECT_EQ(ms(b.take(t0)), 100);  // the 4th waits one token interval
}

TEST(token_bucket, callers_queue_at_the_steady_rate) {
  token_bucket b(2, 1);
  EXPECT_EQ(b.take(t0), 0ns);
  EXPECT_EQ(ms(b.take(t0)), 500);
  EXPECT_EQ(ms(b.take(t0)), 1000);
  EXPECT_EQ(ms(b.take(t0 + 250ms)), 1250);  // reserved slots are kept: t0 + 1.5 s
  // Long idle: refilled, but never above the burst.
  EXPECT_EQ(b.take(t0 + 60s), 0ns);
  EXPECT_EQ(ms(b.take(t0 + 60s)), 500);
}

TEST(token_bucket, steady_rate_over_time) {
  token_bucket b(5, 1);
  int sent_now = 0;
  for (int i = 0; i < 50; ++i) {
    auto now = t0 + i * 200ms;  // exactly the configured rate
    if (b.take(now) == 0ns) ++sent_now;
  }
  EXPECT_EQ(sent_now, 50);
  // Faster than the rate: the waits grow by one interval per request.
  auto now = t0 + 50 * 200ms;
  EXPECT_EQ(ms(b.take(now)), 0);
  EXPECT_EQ(ms(b.take(now)), 200);
  EXPECT_EQ(ms(b.take(now)), 400);
}

TEST(token_bucket, unlimited_rate_never_waits_but_honours_pause) {
  token_bucket b(0, 1);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(b.take(t0), 0ns);
  b.pause_until(t0 + 3s);
  EXPECT_EQ(b.take(t0 + 1s), 2s);
  EXPECT_EQ(b.take(t0 + 3s), 0ns);
}

TEST(token_bucket, pause_until_holds_everyone_then_probes_with_one_request) {
  token_bucket b(10, 5);
  b.pause_until(t0 + 2s);
  EXPECT_EQ(ms(b.take(t0)), 2000);
  EXPECT_EQ(ms(b.take(t0)), 2100);  // no burst right after the pause
  EXPECT_EQ(ms(b.take(t0 + 1s)), 1200);
  // An earlier pause does not shorten a later one.
  b.pause_until(t0 + 1s);
  EXPECT_EQ(ms(b.take(t0 + 1500ms)), 800);  // t0 + 2.3 s
  // Tokens do not pile up during a pause; after it they refill at the rate, up to the burst.
  EXPECT_EQ(b.take(t0 + 10s), 0ns);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(b.take(t0 + 10s), 0ns);
  EXPECT_EQ(ms(b.take(t0 + 10s)), 100);
}

TEST(token_bucket, repeated_429s_halve_the_rate_down_to_a_floor) {
  token_bucket b(8, 1);
  EXPECT_DOUBLE_EQ(b.configured_rate(), 8);
  EXPECT_DOUBLE_EQ(b.effective_rate(t0), 8);
  for (int i = 1; i < token_bucket::throttle_threshold; ++i) b.on_throttled(t0);
  EXPECT_DOUBLE_EQ(b.effective_rate(t0), 8);  // below the threshold: no change
  b.on_throttled(t0);
  EXPECT_DOUBLE_EQ(b.effective_rate(t0), 4);
  for (int round = 0; round < 5; ++round)
    for (int i = 0; i < token_bucket::throttle_threshold; ++i) b.on_throttled(t0);
  EXPECT_DOUBLE_EQ(b.effective_rate(t0), 1);  // floor: 1/8 of the configured rate
  EXPECT_DOUBLE_EQ(b.configured_rate(), 8);

  // The lower rate is what take() hands out.
  b.take(t0);
  EXPECT_EQ(ms(b.take(t0)), 1000);
}

TEST(token_bucket, a_success_breaks_the_run_of_429s) {
  token_bucket b(8, 1);
  for (int i = 1; i < token_bucket::throttle_threshold; ++i) b.on_throttled(t0);
  b.on_success(t0);
  for (int i = 1; i < token_bucket::throttle_threshold; ++i) b.on_throttled(t0);
  EXPECT_DOUBLE_EQ(b.effective_rate(t0), 8);
}

TEST(token_bucket, recovers_step_by_step_after_the_cooldown) {
  token_bucket b(8, 1);
  for (int round = 0; round < 3; ++round)
    for (int i = 0; i < token_bucket::throttle_threshold; ++i) b.on_throttled(t0);
  ASSERT_DOUBLE_EQ(b.effective_rate(t0), 1);

  const auto cooldown = token_bucket::slowdown_cooldown;
  b.on_success(t0 + cooldown - 1s);
  EXPECT_DOUBLE_EQ(b.effective_rate(t0 + cooldown - 1s), 1);  // still cooling down
  b.on_success(t0 + cooldown);
  EXPECT_DOUBLE_EQ(b.effective_rate(t0 + cooldown), 2);
  b.on_success(t0 + cooldown + 1s);
  EXPECT_DOUBLE_EQ(b.effective_rate(t0 + cooldown + 1s), 2);  // one step per cooldown
  b.on_success(t0 + 2 * cooldown);
  EXPECT_DOUBLE_EQ(b.effective_rate(t0 + 2 * cooldown), 4);
  b.on_success(t0 + 3 * cooldown);
  EXPECT_DOUBLE_EQ(b.effective_rate(t0 + 3 * cooldown), 8);
  b.on_success(t0 + 10 * cooldown);
  EXPECT_DOUBLE_EQ(b.effective_rate(t0 + 10 * cooldown), 8);  // never above the configured rate
}

TEST(token_bucket, low_priority_uses_an_idle_bucket) {
  token_bucket b(10, 2);
  EXPECT_TRUE(b.try_take_now(t0));
  EXPECT_TRUE(b.try_take_now(t0));  // the whole burst
  EXPECT_FALSE(b.try_take_now(t0));
  EXPECT_EQ(ms(b.low_priority_retry_after(t0)), 100);  // one token interval
  EXPECT_FALSE(b.try_take_now(t0 + 50ms));
  EXPECT_EQ(ms(b.low_priority_retry_after(t0 + 50ms)), 50);
  EXPECT_TRUE(b.try_take_now(t0 + 100ms));
  // A failed try reserves nothing: a normal caller right after it is not delayed by it.
  EXPECT_FALSE(b.try_take_now(t0 + 150ms));
  EXPECT_FALSE(b.try_take_now(t0 + 150ms));
  EXPECT_EQ(ms(b.take(t0 + 150ms)), 50);
}

TEST(token_bucket, low_priority_gets_nothing_while_normal_callers_have_reserved_ahead) {
  token_bucket b(10, 1);
  EXPECT_EQ(b.take(t0), 0ns);
  EXPECT_EQ(ms(b.take(t0)), 100);
  EXPECT_EQ(ms(b.take(t0)), 200);  // two normal callers queued: the balance is -2
  EXPECT_FALSE(b.try_take_now(t0));
  EXPECT_EQ(ms(b.low_priority_retry_after(t0)), 300);  // after both queued slots and one more
  // Tokens that accrue go to the queued normal callers first.
  EXPECT_FALSE(b.try_take_now(t0 + 100ms));
  EXPECT_FALSE(b.try_take_now(t0 + 250ms));
  EXPECT_EQ(ms(b.low_priority_retry_after(t0 + 250ms)), 50);
  EXPECT_TRUE(b.try_take_now(t0 + 300ms));
  EXPECT_FALSE(b.try_take_now(t0 + 300ms));
  // A normal caller arriving now queues behind what low priority took, like behind anyone.
  EXPECT_EQ(ms(b.take(t0 + 300ms)), 100);
  // Normal callers keep arriving at the full rate: low priority never gets a turn.
  for (int i = 1; i <= 20; ++i) {
    const auto now = t0 + 300ms + i * 100ms;
    EXPECT_FALSE(b.try_take_now(now)) << i;
    b.take(now);
  }
}

TEST(token_bucket, low_priority_gets_nothing_while_the_source_is_paused) {
  token_bucket b(10, 5);
  b.pause_until(t0 + 2s);
  EXPECT_FALSE(b.try_take_now(t0));
  EXPECT_FALSE(b.try_take_now(t0 + 1999ms));
  EXPECT_EQ(ms(b.low_priority_retry_after(t0 + 1s)), 1000);  // one token is left for the probe
  EXPECT_TRUE(b.try_take_now(t0 + 2s));
  EXPECT_FALSE(b.try_take_now(t0 + 2s));  // no burst right after the pause
  EXPECT_EQ(ms(b.low_priority_retry_after(t0 + 2s)), 100);

  // The pause is honoured with an unlimited rate too.
  token_bucket unlimited(0, 1);
  EXPECT_TRUE(unlimited.try_take_now(t0));
  unlimited.pause_until(t0 + 3s);
  EXPECT_FALSE(unlimited.try_take_now(t0 + 1s));
  EXPECT_EQ(unlimited.low_priority_retry_after(t0 + 1s), 2s);
  EXPECT_TRUE(unlimited.try_take_now(t0 + 3s));
  EXPECT_TRUE(unlimited.try_take_now(t0 + 3s));
}

TEST(token_bucket, low_priority_follows_the_adaptive_slowdown) {
  token_bucket b(8, 1);
  for (int i = 0; i < token_bucket::throttle_threshold; ++i) b.on_throttled(t0);
  ASSERT_DOUBLE_EQ(b.effective_rate(t0), 4);
  EXPECT_TRUE(b.try_take_now(t0));
  EXPECT_EQ(ms(b.low_priority_retry_after(t0)), 250);
  EXPECT_FALSE(b.try_take_now(t0 + 200ms));
  EXPECT_TRUE(b.try_take_now(t0 + 260ms));
}

}  // namespace
}  // namespace sluice::net
