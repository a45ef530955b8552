#include "net/retry_policy.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

namespace sluice::net {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

TEST(retry_policy, non_transient_kinds_never_retry) {
  retry_policy p;
  std::mt19937_64 rng(1);
  for (auto kind : {error_kind::auth, error_kind::client, error_kind::data, error_kind::cancelled,
                    error_kind::config, error_kind::database}) {
    EXPECT_EQ(p.next_delay(1, kind, std::nullopt, rng), std::nullopt) << to_string(kind);
    // Not even when the server names a delay.
    EXPECT_EQ(p.next_delay(1, kind, 1s, rng), std::nullopt) << to_string(kind);
  }
  for (auto kind :
       {error_kind::network, error_kind::timeout, error_kind::server, error_kind::throttled})
    EXPECT_NE(p.next_delay(1, kind, std::nullopt, rng), std::nullopt) << to_string(kind);
}

TEST(retry_policy, attempts_are_bounded) {
  retry_policy p{
      .max_attempts = 3, .base_delay = 10ms, .max_delay = 1s, .max_throttled_attempts = 5};
  std::mt19937_64 rng(2);
  EXPECT_TRUE(p.next_delay(1, error_kind::server, std::nullopt, rng));
  EXPECT_TRUE(p.next_delay(2, error_kind::timeout, std::nullopt, rng));
  EXPECT_FALSE(p.next_delay(3, error_kind::server, std::nullopt, rng));
  EXPECT_FALSE(p.next_delay(4, error_kind::network, std::nullopt, rng));
  // 429s have their own, larger budget.
  EXPECT_TRUE(p.next_delay(3, error_kind::throttled, std::nullopt, rng));
  EXPECT_TRUE(p.next_delay(4, error_kind::throttled, std::nullopt, rng));
  EXPECT_FALSE(p.next_delay(5, error_kind::throttled, std::nullopt, rng));
  // A server's Retry-After does not extend the budget.
  EXPECT_FALSE(p.next_delay(3, error_kind::server, 1ms, rng));
}

TEST(retry_policy, full_jitter_stays_within_the_doubling_window) {
  retry_policy p{.max_attempts = 100, .base_delay = 100ms, .max_delay = 60s};
  std::mt19937_64 rng(42);
  for (int attempt = 1; attempt <= 6; ++attempt) {
    const milliseconds ceiling = 100ms * (1 << (attempt - 1));
    milliseconds lo = ceiling, hi = 0ms;
    for (int i = 0; i < 2000; ++i) {
      auto d = p.next_delay(attempt, error_kind::server, std::nullopt, rng);
      ASSERT_TRUE(d);
      ASSERT_GE(*d, 1ms);
      ASSERT_LE(*d, ceiling) << "attempt " << attempt;
      lo = std::min(lo, *d);
      hi = std::max(hi, *d);
    }
    // Jitter really spreads over the window (not a fixed delay, not only the upper half).
    EXPECT_LT(lo, ceiling / 10) << "attempt " << attempt;
    EXPECT_GT(hi, ceiling * 9 / 10) << "attempt " << attempt;
  }
}

TEST(retry_policy, backoff_is_capped) {
  retry_policy p{.max_attempts = 1000, .base_delay = 500ms, .max_delay = 2s};
  std::mt19937_64 rng(3);
  milliseconds hi = 0ms;
  for (int attempt : {5, 10, 63, 64, 200, 999}) {
    for (int i = 0; i < 500; ++i) {
      auto d = p.next_delay(attempt, error_kind::timeout, std::nullopt, rng);
      ASSERT_TRUE(d);
      ASSERT_LE(*d, 2s);
      ASSERT_GE(*d, 1ms);
      hi = std::max(hi, *d);
    }
  }
  EXPECT_GT(hi, 1500ms);
}

TEST(retry_policy, never_below_one_millisecond) {
  retry_policy p{.max_attempts = 10, .base_delay = 0ms, .max_delay = 0ms};
  std::mt19937_64 rng(4);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(p.next_delay(2, error_kind::server, std::nullopt, rng), 1ms);
}

TEST(retry_policy, retry_after_wins_over_backoff_up_to_the_cap) {
  retry_policy p{.max_attempts = 6, .base_delay = 10ms, .max_delay = 60s};
  std::mt19937_64 rng(5);
  EXPECT_EQ(p.next_delay(1, error_kind::throttled, 5s, rng), 5s);
  EXPECT_EQ(p.next_delay(1, error_kind::server, 30s, rng), 30s);
  EXPECT_EQ(p.next_delay(1, error_kind::throttled, 0ms, rng), 0ms);
  EXPECT_EQ(p.next_delay(1, error_kind::throttled, std::chrono::hours{2}, rng), 60s);
}

class parse_retry_after_test : public ::testing::Test {
protected:
  // 30 seconds before Wed, 21 Oct 2015 07:28:00 GMT.
  const std::chrono::system_clock::time_point now =
      date::sys_days{date::year{2015} / 10 / 21} + 7h + 27min + 30s;
};

TEST_F(parse_retry_after_test, delta_seconds) {
  EXPECT_EQ(parse_retry_after("120", now), 120s);
  EXPECT_EQ(parse_retry_after("0", now), 0s);
  EXPECT_EQ(parse_retry_after(" 5 ", now), 5s);
  // Absurdly large values do not overflow; the policy caps them.
  auto huge = parse_retry_after("99999999999999999999999", now);
  ASSERT_TRUE(huge);
  EXPECT_GT(*huge, std::chrono::hours{24 * 365});
}

TEST_F(parse_retry_after_test, imf_fixdate) {
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now), 30s);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 08:28:00 GMT", now), 3630s);
}

// Found by fuzz/retry_after_fuzz.cpp: a date beyond the clock's nanosecond range (2262).
TEST_F(parse_retry_after_test, far_future_date_does_not_overflow) {
  auto far = parse_retry_after("Wed, 22 Oct 2510 07:28:00 GMT", now);
  ASSERT_TRUE(far);
  EXPECT_GT(*far, std::chrono::hours{24 * 365});
}

TEST_F(parse_retry_after_test, obsolete_date_forms) {
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:28:00 GMT", now), 30s);
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:00 2015", now), 30s);
}

TEST_F(parse_retry_after_test, date_in_the_past_is_zero) {
  EXPECT_EQ(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 0ms);
  EXPECT_EQ(parse_retry_after("Sun Nov  6 08:49:37 1994", now), 0ms);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:27:30 GMT", now), 0ms);
}

TEST_F(parse_retry_after_test, garbage_is_nullopt) {
  for (const char* text : {"", "   ", "soon", "-5", "1.5", "12abc", "Wed, 21 Oct 2015",
                           "Wed, 21 Oct 2015 07:28:00 GMT trailing",
                           "Xyz, 21 Foo 2015 07:28:00 GMT", "Wed, 32 Oct 2015 07:28:00 GMT"})
    EXPECT_EQ(parse_retry_after(text, now), std::nullopt) << '"' << text << '"';
}

}  // namespace
}  // namespace sluice::net
