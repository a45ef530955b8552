// The bisection of Partoo reviews by update_date (connectors/partoo/bisect.hpp), against an API
// simulated by its own sorted update dates: drift is found where it is, in about log2 of the
// rows per drifted span, and spans meet exactly whatever the fractions of a second.
#include "connectors/partoo/bisect.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>

#include <gtest/gtest.h>

namespace sluice::connectors::partoo {
namespace {

timestamp at_micros(std::int64_t micros) { return timestamp{std::chrono::microseconds{micros}}; }

// The API's prefix count: dates at or before second.000000.
std::int64_t api_upto(const std::vector<timestamp>& api, std::optional<std::int64_t> second) {
  if (!second) return static_cast<std::int64_t>(api.size());
  return std::upper_bound(api.begin(), api.end(), timestamp{std::chrono::seconds{*second}}) -
         api.begin();
}

struct outcome {
  std::vector<drifted_span> drifted;
  int probes = 0;
  bool matched = false;
};

outcome bisect(std::vector<timestamp> table, std::vector<timestamp> api, second_span root) {
  std::sort(table.begin(), table.end());
  std::sort(api.begin(), api.end());
  bisection b(table_prefix(table), root, root.lo ? api_upto(api, root.lo) : 0,
              api_upto(api, root.hi));
  outcome out;
  while (auto at = b.next_probe()) {
    b.on_count(api_upto(api, *at));
    ++out.probes;
  }
  out.drifted = b.drifted();
  out.matched = b.root_matched();
  return out;
}

bool covers(const second_span& s, timestamp t) {
  const timestamp lo{std::chrono::seconds{s.lo.value_or(0)}};
  const timestamp hi{std::chrono::seconds{s.hi.value_or(0)}};
  return (!s.lo || t > lo) && (!s.hi || t <= hi);
}

// 20,000 reviews over a year, at random microseconds.
std::vector<timestamp> year_of_reviews(std::mt19937_64& rng, int n) {
  std::uniform_int_distribution<std::int64_t> when(1'672'531'200'000'000, 1'704'067'200'000'000);
  std::vector<timestamp> out;
  for (int i = 0; i < n; ++i) out.push_back(at_micros(when(rng)));
  std::sort(out.begin(), out.end());
  return out;
}

TEST(partoo_bisect, agreeing_counts_cost_nothing_more) {
  std::mt19937_64 rng(1);
  auto rows = year_of_reviews(rng, 20000);
  auto result = bisect(rows, rows, {std::nullopt, second_of(rows.back()) + 1});
  EXPECT_TRUE(result.matched);
  EXPECT_EQ(result.probes, 0);
  EXPECT_TRUE(result.drifted.empty());
}

TEST(partoo_bisect, finds_each_lost_or_extra_review_in_about_log2_counts) {
  std::mt19937_64 rng(2);
  const auto api = year_of_reviews(rng, 20000);
  const second_span root{std::nullopt, second_of(api.back()) + 1};
  // Three reviews the table lost.
  auto table = api;
  std::vector<timestamp> lost{api[1234], api[9876], api[15000]};
  for (auto t : lost) table.erase(std::find(table.begin(), table.end(), t));
  auto result = bisect(table, api, root);
  ASSERT_FALSE(result.matched);
  ASSERT_EQ(result.drifted.size(), 3u);
  for (auto t : lost)
    EXPECT_TRUE(std::any_of(result.drifted.begin(), result.drifted.end(),
                            [&](const drifted_span& d) { return covers(d.span, t); }));
  for (const auto& d : result.drifted) EXPECT_LE(std::max(d.api, d.table), leaf_records);
  // log2(20000 / 200) is under 7 levels per drifted span, plus the step that closes the open
  // start; the top levels are shared.
  EXPECT_LE(result.probes, 3 * 8);

  // Two rows the API no longer returns.
  table = api;
  std::vector<timestamp> extra{at_micros(1'680'000'000'123'456), at_micros(1'700'000'000'654'321)};
  table.insert(table.end(), extra.begin(), extra.end());
  result = bisect(table, api, root);
  ASSERT_EQ(result.drifted.size(), 2u);
  for (auto t : extra)
    EXPECT_TRUE(std::any_of(result.drifted.begin(), result.drifted.end(),
                            [&](const drifted_span& d) { return covers(d.span, t); }));
  EXPECT_LE(result.probes, 2 * 8);
}

// The limit of every count: a loss and an extra row in the same span add up to no difference.
// The next verification after either changes finds the other.
TEST(partoo_bisect, a_loss_and_an_extra_row_in_one_span_cancel_out) {
  std::mt19937_64 rng(6);
  const auto api = year_of_reviews(rng, 20000);
  auto table = api;
  table.erase(table.begin() + 5000);
  table.push_back(api[5000] + std::chrono::microseconds{1});
  auto result = bisect(table, api, {std::nullopt, second_of(api.back()) + 1});
  EXPECT_TRUE(result.matched);
  EXPECT_TRUE(result.drifted.empty());
}

TEST(partoo_bisect, a_batch_of_late_arrivals_is_found_as_one_place) {
  std::mt19937_64 rng(3);
  auto table = year_of_reviews(rng, 20000);
  auto api = table;
  // 300 reviews arrived dated within ten minutes of one day, long after that day was pulled.
  for (int i = 0; i < 300; ++i) api.push_back(at_micros(1'690'000'000'000'000 + i * 2'000'000));
  std::sort(api.begin(), api.end());
  auto result = bisect(table, api, {std::nullopt, second_of(api.back()) + 1});
  std::int64_t found = 0;
  for (const auto& d : result.drifted) found += d.api - d.table;
  EXPECT_EQ(found, 300);
  EXPECT_LE(result.drifted.size(), 3u);
  EXPECT_LE(result.probes, 20);
}

TEST(partoo_bisect, drift_spread_over_every_page_is_read_whole) {
  std::mt19937_64 rng(4);
  auto api = year_of_reviews(rng, 20000);
  std::vector<timestamp> table;
  // One review in fifty lost, everywhere: finding each would cost more than reading it all.
  for (std::size_t i = 0; i < api.size(); ++i)
    if (i % 50 != 7) table.push_back(api[i]);
  auto result = bisect(table, api, {std::nullopt, second_of(api.back()) + 1});
  std::int64_t missing = 0;
  for (const auto& d : result.drifted) missing += d.api - d.table;
  EXPECT_EQ(missing, 400);
  EXPECT_LE(result.probes, 8);
}

TEST(partoo_bisect, spans_meet_exactly_at_whole_seconds) {
  // Reviews at .000000 and at .999999 of the same seconds: each lands in exactly one span.
  std::vector<timestamp> api;
  for (std::int64_t s = 1'000'000; s < 1'003'000; ++s) {
    api.push_back(timestamp{std::chrono::seconds{s}});
    api.push_back(timestamp{std::chrono::seconds{s}} + std::chrono::microseconds{999'999});
  }
  auto table = api;
  const auto gone = api[2345];
  table.erase(table.begin() + 2345);
  auto result = bisect(table, api, {999'000, 1'003'000});
  ASSERT_EQ(result.drifted.size(), 1u);
  EXPECT_TRUE(covers(result.drifted.front().span, gone));
  EXPECT_EQ(result.drifted.front().api - result.drifted.front().table, 1);
}

TEST(partoo_bisect, a_tie_block_in_one_second_cannot_be_split_and_is_read_whole) {
  std::vector<timestamp> api(1000, at_micros(1'690'000'000'500'000));
  auto table = api;
  table.pop_back();
  auto result = bisect(table, api, {1'689'999'000, 1'690'001'000});
  ASSERT_EQ(result.drifted.size(), 1u);
  EXPECT_TRUE(covers(result.drifted.front().span, api.front()));
  EXPECT_EQ(result.drifted.front().api, 1000);
}

TEST(partoo_bisect, an_empty_table_is_one_span_to_read) {
  std::mt19937_64 rng(5);
  auto api = year_of_reviews(rng, 500);
  auto result = bisect({}, api, {std::nullopt, std::nullopt});
  ASSERT_EQ(result.drifted.size(), 1u);
  EXPECT_EQ(result.drifted.front().span, (second_span{std::nullopt, std::nullopt}));
  EXPECT_EQ(result.probes, 0);
}

}  // namespace
}  // namespace sluice::connectors::partoo
