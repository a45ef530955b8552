#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <cstdio>
#include <functional>
#include <iterator>
#include <set>

#include "connectors/cloutly/walk.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "net/query.hpp"
#include "tests/connectors/test_support.hpp"

namespace sluice::connectors::cloutly {
namespace {

using namespace std::chrono_literals;
using test::at;

const timestamp t0 = at("2021-06-01T12:00:00Z");

std::string param(const net::query_params& query, std::string_view key) {
  for (const auto& [k, v] : query)
    if (k == key) return v;
  return "<absent>";
}

std::int64_t offset_of(const net::query_params& query) {
  return std::stoll(param(query, "offset"));
}

std::string id_of(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "r%05d", n);
  return buf;
}

mapped_review review(std::string id, timestamp created_at) {
  row values(tables::reviews.columns.size());
  values[tables::reviews.index("external_id")] = id;
  return {std::move(values), std::move(id), created_at};
}

std::string row_id(const row& r) {
  return std::get<std::string>(r.at(tables::reviews.index("external_id")));
}

struct stored_review {
  std::string id;
  timestamp created_at;
};

// An imitation of GET /reviews?limit&offset&sort=desc in memory: newest first, `limit` silently
// capped at `cap`, `total` the listing's size at the time of the answer.
class fake_reviews_api {
public:
  std::vector<stored_review> listing;  // newest first
  std::int64_t cap = 100;
  bool report_total = true;
  bool page_total = false;            // `total` counts only the reviews on the page
  std::int64_t hidden = 0;            // reviews `total` counts that the listing never shows
  bool ignore_offset = false;         // a broken server: every answer is the first page
  std::vector<std::int64_t> offsets;  // asked, in order

  // `count` reviews, one minute apart, the newest at `newest`.
  void fill(int count, timestamp newest = t0) {
    for (int i = 0; i < count; ++i)
      listing.push_back({id_of(next_id_++), newest - std::chrono::minutes(i)});
  }

  // `count` reviews created now (newer than everything): they push the listing down.
  void arrive(int count) {
    auto newest = listing.empty() ? t0 : listing.front().created_at;
    std::vector<stored_review> fresh;
    for (int i = count; i > 0; --i)
      fresh.push_back({id_of(next_id_++), newest + std::chrono::seconds(i)});
    listing.insert(listing.begin(), fresh.begin(), fresh.end());
  }

  // The `count` newest reviews are deleted at the source: every later one moves up by `count`.
  void delete_newest(int count) {
    listing.erase(listing.begin(),
                  listing.begin() + std::min<std::ptrdiff_t>(count, std::ssize(listing)));
  }

  reviews_page answer(const net::query_params& query) {
    EXPECT_EQ(param(query, "sort"), "desc");
    auto offset = ignore_offset ? 0 : offset_of(query);
    auto limit = std::min<std::int64_t>(std::stoll(param(query, "limit")), cap);
    offsets.push_back(offset_of(query));
    reviews_page page;
    for (auto i = offset; i < offset + limit && i < static_cast<std::int64_t>(listing.size()); ++i)
      page.records.push_back(review(listing[i].id, listing[i].created_at));
    if (report_total)
      page.total = page_total ? std::ssize(page.records) : std::ssize(listing) + hidden;
    return page;
  }

  std::set<std::string> ids() const {
    std::set<std::string> out;
    for (const auto& r : listing) out.insert(r.id);
    return out;
  }

  std::set<std::string> ids_created_at_or_after(timestamp floor) const {
    std::set<std::string> out;
    for (const auto& r : listing)
      if (r.created_at >= floor) out.insert(r.id);
    return out;
  }

private:
  int next_id_ = 0;
};

struct walk_result {
  std::set<std::string> written;  // ids of every row in every batch
  std::vector<record_batch> batches;
  std::string final_cursor;
  bool full = false;
  bool resumed = false;
  std::optional<std::string> shortfall;
  std::int64_t read = 0;  // distinct reviews the walk counted
};

// Runs a walk to its end against the fake; `between_pages` may change the listing mid-walk.
walk_result run_walk(fake_reviews_api& api, const walk_start& start,
                     const std::function<void(int)>& between_pages = {}) {
  walk_result result;
  reviews_walk walk(start);
  result.full = walk.full();
  result.resumed = walk.resumed();
  int pages = 0;
  while (!walk.done()) {
    if (pages++ > 1000) {  // every walk here ends well before; fail fast, not slowly
      ADD_FAILURE() << "walk does not end";
      break;
    }
    if (auto batch = walk.on_page(api.answer(walk.query()))) {
      for (const auto& r : batch->rows) result.written.insert(row_id(r));
      result.batches.push_back(std::move(*batch));
    }
    if (between_pages) between_pages(pages);
  }
  result.final_cursor = walk.final_cursor();
  result.shortfall = walk.shortfall();
  result.read = walk.reviews_read();
  return result;
}

// What reviews_walk would read with page_overlap = 0: the same walk to `total` with offsets
// advancing by exactly what was returned; `between_pages` as in run_walk.
std::set<std::string> ids_read_without_overlap(fake_reviews_api& api,
                                               const std::function<void(int)>& between_pages) {
  std::set<std::string> read;
  std::int64_t offset = 0;
  for (int pages = 1; pages < 1000; ++pages) {
    auto page = api.answer(reviews_query(offset));
    for (const auto& r : page.records) read.insert(r.id);
    offset += static_cast<std::int64_t>(page.records.size());
    if (page.records.empty() || offset >= page.total.value()) break;
    between_pages(pages);
  }
  return read;
}

std::set<std::string> missing_from(const std::set<std::string>& read,
                                   const std::set<std::string>& listed) {
  std::set<std::string> missing;
  std::set_difference(listed.begin(), listed.end(), read.begin(), read.end(),
                      std::inserter(missing, missing.end()));
  return missing;
}

reviews_cursor cursor_of(const std::optional<std::string>& json) {
  return parse_reviews_cursor(json);
}

std::string high_water(timestamp t) { return reviews_cursor_json({t, std::nullopt}); }

// ---- cursor and query forms

TEST(CloutlyWalk, QueryAsksForOneHundredNewestFirstAtTheOffset) {
  EXPECT_EQ(net::make_url("https://app.cloutly.com/api/v1", "/reviews", reviews_query(300)),
            "https://app.cloutly.com/api/v1/reviews?limit=100&offset=300&sort=desc");
  reviews_walk walk({});
  EXPECT_EQ(offset_of(walk.query()), 0);
  EXPECT_EQ(param(walk.query(), "limit"), "100");
}

TEST(CloutlyWalk, CursorJsonAtFullPrecisionRoundTrips) {
  reviews_cursor cursor{at("2021-03-01T00:02:21.739123Z"),
                        walk_progress{300, at("2021-03-02T10:00:00.5Z"), true}};
  auto json = reviews_cursor_json(cursor);
  EXPECT_EQ(json, R"({"high_water":"2021-03-01T00:02:21.739123Z","walk":{"offset":300,)"
                  R"("newest":"2021-03-02T10:00:00.500000Z","full":true,"read":0,"tail":[]}})");
  EXPECT_EQ(parse_reviews_cursor(json), cursor);
  // A full walk's count goes with it; an incremental walk has none.
  cursor.walk->tally = walk_tally{295, 1200, {"r00290", "r00299"}};
  json = reviews_cursor_json(cursor);
  EXPECT_NE(json.find(R"("read":295,"least_total":1200,"tail":["r00290","r00299"])"),
            std::string::npos)
      << json;
  EXPECT_EQ(parse_reviews_cursor(json), cursor);
  // A full walk stored before counting existed counts from zero.
  EXPECT_EQ(parse_reviews_cursor(std::string(R"({"walk":{"offset":300,"full":true}})")).walk->tally,
            walk_tally{});
  EXPECT_EQ(reviews_cursor_json({t0, std::nullopt}),
            R"({"high_water":"2021-06-01T12:00:00.000000Z"})");
  EXPECT_EQ(reviews_cursor_json({}), "{}");
  EXPECT_EQ(parse_reviews_cursor(std::nullopt), reviews_cursor{});
  EXPECT_EQ(parse_reviews_cursor(std::string("{}")), reviews_cursor{});
  // A walk that has not seen a review yet has no `newest`.
  reviews_cursor fresh{t0, walk_progress{0, std::nullopt, false}};
  EXPECT_EQ(parse_reviews_cursor(reviews_cursor_json(fresh)), fresh);
}

TEST(CloutlyWalk, MalformedStoredCursorIsADataError) {
  for (auto cursor :
       {"not json", "[1]", R"({"high_water": 5})", R"({"high_water": "<string>"})",
        R"({"high_water": "2021-01-01T00:00:00Z", "walk": 3})",
        R"({"high_water": "2021-01-01T00:00:00Z", "walk": {"offset": -1, "full": true}})",
        R"({"high_water": "2021-01-01T00:00:00Z", "walk": {"offset": "7", "full": true}})",
        R"({"high_water": "2021-01-01T00:00:00Z", "walk": {"offset": 7}})",
        R"({"walk": {"offset": 7, "full": false, "newest": "yesterday"}})",
        R"({"walk": {"offset": 7, "full": true, "read": -1}})",
        R"({"walk": {"offset": 7, "full": true, "read": 5, "tail": "r1"}})",
        R"({"walk": {"offset": 7, "full": true, "read": 5, "tail": [1]}})",
        R"({"walk": {"offset": 7, "full": true, "least_total": "many"}})"}) {
    try {
      reviews_walk walk({std::string(cursor), false, 1h, std::nullopt});
      ADD_FAILURE() << "accepted " << cursor;
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::data) << cursor;
      EXPECT_NE(std::string(e.what()).find("sluice reset"), std::string::npos);
    }
  }
}

// ---- how a run starts

TEST(CloutlyWalk, PlanFreshWalks) {
  // First run, or no high-water mark: full whatever was asked.
  EXPECT_EQ(plan_walk({}, false), (walk_plan{{0, std::nullopt, true}, false}));
  EXPECT_EQ(plan_walk({}, true), (walk_plan{{0, std::nullopt, true}, false}));
  // A high-water mark and no walk in progress: what was asked.
  EXPECT_EQ(plan_walk({t0, std::nullopt}, false), (walk_plan{{0, std::nullopt, false}, false}));
  EXPECT_EQ(plan_walk({t0, std::nullopt}, true), (walk_plan{{0, std::nullopt, true}, false}));
}

TEST(CloutlyWalk, PlanResumesCompatibleWalks) {
  walk_progress incremental{200, t0 + 1h, false};
  walk_progress full{5000, t0 + 2h, true};
  // Same kind: resume at the offset, keeping `newest`.
  EXPECT_EQ(plan_walk({t0, incremental}, false), (walk_plan{incremental, true}));
  EXPECT_EQ(plan_walk({t0, full}, true), (walk_plan{full, true}));
  // A full walk is finished even by an incremental run.
  EXPECT_EQ(plan_walk({t0, full}, false), (walk_plan{full, true}));
  // An incremental walk does not satisfy a full run: start a fresh full walk.
  EXPECT_EQ(plan_walk({t0, incremental}, true), (walk_plan{{0, std::nullopt, true}, false}));
  // An incremental walk without a high-water mark (never written by sluice): fresh full walk.
  EXPECT_EQ(plan_walk({std::nullopt, incremental}, false),
            (walk_plan{{0, std::nullopt, true}, false}));
  EXPECT_EQ(plan_walk({std::nullopt, full}, false), (walk_plan{full, true}));
}

// ---- incremental walks

TEST(CloutlyWalk, IncrementalStopsAtTheFirstPageReachingHighWaterMinusLookback) {
  fake_reviews_api api;
  api.fill(1000);  // one a minute: t0, t0-1m, ..., t0-999m
  // High water at t0-250m, lookback 1h: the floor is t0-310m, review index 310 and below are older.
  auto committed = high_water(t0 - 250min);
  auto result = run_walk(api, {committed, false, 1h, std::nullopt});
  EXPECT_FALSE(result.full);
  // Pages at 0, 95, 190, 285 (each overlapping the one before by page_overlap): the fourth holds
  // index 311 (created before the floor); it is still written whole, and nothing after it is read.
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 95, 190, 285}));
  EXPECT_EQ(result.written.size(), 385u);
  auto due = api.ids_created_at_or_after(t0 - 310min);
  EXPECT_TRUE(std::includes(result.written.begin(), result.written.end(), due.begin(), due.end()));
  ASSERT_EQ(result.batches.size(), 4u);
  EXPECT_EQ(result.batches.back().cursor_after, high_water(t0));
  EXPECT_EQ(result.final_cursor, high_water(t0));
}

TEST(CloutlyWalk, AReviewExactlyAtTheFloorDoesNotStopTheWalk) {
  fake_reviews_api api;
  api.fill(300);
  // The floor is exactly the last review of page 1 (index 99): not older, so page 2 is read.
  run_walk(api, {high_water(t0 - 39min), false, 1h, std::nullopt});
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 95}));
}

TEST(CloutlyWalk, HighWaterIsNotCommittedUntilTheWalkReachesIt) {
  fake_reviews_api api;
  api.fill(500);
  auto old_mark = t0 - 350min;
  auto result = run_walk(api, {high_water(old_mark), false, 0s, std::nullopt});
  ASSERT_EQ(result.batches.size(), 4u);  // offsets 0, 95, 190, 285; page 4 holds index 351
  for (std::size_t i = 0; i + 1 < result.batches.size(); ++i) {
    auto cursor = cursor_of(result.batches[i].cursor_after);
    EXPECT_EQ(cursor.high_water, old_mark) << i;  // unchanged while the walk is in progress
    ASSERT_TRUE(cursor.walk) << i;
    EXPECT_EQ(cursor.walk->offset, static_cast<std::int64_t>((i + 1) * (100 - page_overlap))) << i;
    EXPECT_EQ(cursor.walk->newest, t0) << i;
    EXPECT_FALSE(cursor.walk->full) << i;
    EXPECT_EQ(result.batches[i].table, &tables::reviews);
    EXPECT_EQ(result.batches[i].rows.size(), 100u);
  }
  EXPECT_EQ(cursor_of(result.batches.back().cursor_after), (reviews_cursor{t0, std::nullopt}));
}

TEST(CloutlyWalk, OffsetFollowsWhatWasReturnedUnderACappedLimit) {
  fake_reviews_api api;
  api.cap = 30;  // the server silently answers 30 of the 100 asked for
  api.fill(100);
  auto result = run_walk(api, {});
  // Each page starts page_overlap before the end of the 30 returned: 0-29, 25-54, 50-79, 75-99,
  // then 95-99: shorter than the server's pages, and nothing in it is new, so the listing ends.
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 25, 50, 75, 95}));
  EXPECT_EQ(result.written, api.ids());
}

TEST(CloutlyWalk, ShortPagesDoNotEndTheWalk) {
  fake_reviews_api api;
  api.cap = 7;
  api.report_total = false;  // nothing but the empty page says where the listing ends
  api.fill(20);
  auto result = run_walk(api, {});
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 7, 14, 20}));
  EXPECT_EQ(result.written, api.ids());
}

TEST(CloutlyWalk, PagesOfAtMostTwiceTheOverlapAdvanceFullyAndEnd) {
  // A server capping pages at 2 * page_overlap or fewer: an overlap would leave such pages little
  // or no progress, so they advance by all they returned, with or without a `total`.
  for (std::int64_t cap : {std::int64_t{1}, page_overlap, 2 * page_overlap}) {
    ASSERT_GT(cap, 0);
    for (bool report_total : {true, false}) {
      fake_reviews_api api;
      api.cap = cap;
      api.report_total = report_total;
      api.fill(23);
      auto result = run_walk(api, {});
      std::vector<std::int64_t> expected;
      for (std::int64_t offset = 0; offset < 23; offset += cap) expected.push_back(offset);
      expected.push_back(23);  // only the empty page ends it
      EXPECT_EQ(api.offsets, expected) << cap << " " << report_total;
      EXPECT_EQ(result.written, api.ids()) << cap << " " << report_total;
    }
  }
  // One more and the pages overlap: 0-10, 6-16, 12-22, then 18-22, a short page of reviews read
  // already: the end.
  fake_reviews_api api;
  api.cap = 2 * page_overlap + 1;
  api.fill(23);
  auto result = run_walk(api, {});
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 6, 12, 18}));
  EXPECT_EQ(result.written, api.ids());
}

TEST(CloutlyWalk, ReachingTotalDoesNotEndTheWalk) {
  fake_reviews_api api;
  api.fill(195);  // the second page (95-194) ends exactly at the total; the walk asks on
  auto result = run_walk(api, {});
  // 190-194: shorter than the server's pages and nothing new in it: the listing's end.
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 95, 190}));
  EXPECT_EQ(result.written.size(), 195u);
  EXPECT_EQ(result.read, 195);
  EXPECT_EQ(result.shortfall, std::nullopt);
}

TEST(CloutlyWalk, EmptyListing) {
  fake_reviews_api api;
  // A first (full) run over an empty account: nothing to write; the final cursor is `{}`.
  auto first = run_walk(api, {});
  EXPECT_TRUE(first.full);
  EXPECT_TRUE(first.batches.empty());
  EXPECT_EQ(first.final_cursor, "{}");
  // An incremental run that finds nothing still commits a cursor: it ends the walk the cursor
  // recorded, whose newest review becomes the high-water mark.
  reviews_cursor stored{t0, walk_progress{40, t0 + 1min, false}};
  auto later = run_walk(api, {reviews_cursor_json(stored), false, 1h, std::nullopt});
  ASSERT_EQ(later.batches.size(), 1u);
  EXPECT_TRUE(later.batches[0].rows.empty());
  EXPECT_EQ(later.batches[0].cursor_after, high_water(t0 + 1min));
}

TEST(CloutlyWalk, ArrivalsAtTheHeadDuringAWalkAreReReadNeverSkipped) {
  // A page of 100 moves the walk 95 reviews on (the rest is the overlap): at 95 or more arrivals
  // per page it could never catch up, a real limit of any offset walk, not exercised here.
  for (int k : {1, 3, 50, 94}) {
    fake_reviews_api api;
    api.fill(300);
    auto before = api.ids();
    // After every page, k new reviews arrive and push every later page down by k.
    auto result = run_walk(api, {high_water(t0 - 2000min), false, 0s, std::nullopt},
                           [&](int) { api.arrive(k); });
    EXPECT_TRUE(
        std::includes(result.written.begin(), result.written.end(), before.begin(), before.end()))
        << "skipped a review with " << k << " arrivals per page";
    // The arrivals were never on a page read; they are newer than the new high-water mark, so
    // the next run reads them.
    EXPECT_EQ(result.final_cursor, high_water(t0)) << k;
  }
}

TEST(CloutlyWalk, ArrivalsDuringAFullWalkAreAllInTheSnapshot) {
  fake_reviews_api api;
  api.cap = 40;
  api.fill(500);
  auto before = api.ids();
  auto result = run_walk(api, {}, [&](int page) { api.arrive(page % 3); });
  EXPECT_TRUE(result.full);
  EXPECT_TRUE(
      std::includes(result.written.begin(), result.written.end(), before.begin(), before.end()));
}

// ---- deletions at the source during a walk

TEST(CloutlyWalk, AReviewDeletedDuringAWalkIsNotSkipped) {
  // After every page the newest review (already read) is deleted at the source: everything after
  // it moves up by one, so the first review of the next page slides back onto the page just read.
  auto walk_with_deletions = [](fake_reviews_api& api, auto&& walk) {
    api.fill(500);
    return walk(api, [&api](int) { api.delete_newest(1); });
  };

  fake_reviews_api api;
  auto result = walk_with_deletions(
      api, [](fake_reviews_api& a, auto between) { return run_walk(a, {}, between); });
  EXPECT_TRUE(result.full);
  // Every review still listed was read: the snapshot marks none of them deleted.
  EXPECT_EQ(missing_from(result.written, api.ids()), std::set<std::string>{});
  // The listing shrank to 494: 475-494, then 490-493, short and nothing new.
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 95, 190, 285, 380, 475, 490}));

  // Without the overlap the same deletions hide the review at each page boundary.
  fake_reviews_api naive;
  auto read = walk_with_deletions(naive, [](fake_reviews_api& a, auto between) {
    return ids_read_without_overlap(a, between);
  });
  EXPECT_EQ(naive.offsets, (std::vector<std::int64_t>{0, 100, 200, 300, 400}));
  EXPECT_EQ(missing_from(read, naive.ids()),
            (std::set<std::string>{id_of(100), id_of(201), id_of(302), id_of(403)}));
}

TEST(CloutlyWalk, UpToPageOverlapDeletionsBetweenTwoPagesHideNothing) {
  for (int deleted : {2, static_cast<int>(page_overlap)}) {
    fake_reviews_api api;
    api.fill(1000);
    auto result = run_walk(api, {}, [&](int) { api.delete_newest(deleted); });
    EXPECT_EQ(missing_from(result.written, api.ids()), std::set<std::string>{}) << deleted;
  }
  // One more than the overlap between two pages is the documented limit: the first review of
  // the second page (index 100) slides to 94, before the second page's start (95).
  fake_reviews_api api;
  api.fill(300);
  auto result = run_walk(api, {}, [&](int page) {
    if (page == 1) api.delete_newest(static_cast<int>(page_overlap) + 1);
  });
  EXPECT_EQ(missing_from(result.written, api.ids()), std::set<std::string>{id_of(100)});
}

TEST(CloutlyWalk, HighWaterNeverMovesBackwards) {
  fake_reviews_api api;
  api.fill(50);                          // newest t0
  auto committed = high_water(t0 + 1h);  // e.g. a review since deleted
  auto incremental = run_walk(api, {committed, false, 2h, std::nullopt});
  EXPECT_EQ(incremental.batches.back().cursor_after, committed);
  auto full = run_walk(api, {committed, true, 2h, std::nullopt});
  EXPECT_EQ(full.final_cursor, committed);
  for (const auto& batch : full.batches)
    EXPECT_EQ(cursor_of(batch.cursor_after).high_water, t0 + 1h);
}

// ---- full walks

TEST(CloutlyWalk, FullWalkReadsEverythingAndItsCursorComesOnlyFromFinalCursor) {
  fake_reviews_api api;
  api.fill(250);
  auto old_mark = t0 - 100min;
  auto result = run_walk(api, {high_water(old_mark), true, 1h, std::nullopt});
  EXPECT_TRUE(result.full);
  EXPECT_FALSE(result.resumed);
  EXPECT_EQ(result.written, api.ids());  // the floor of an incremental walk does not apply
  // Pages at 0, 95, 190 and 245 (the overlap, which finds the end).
  ASSERT_EQ(result.batches.size(), 4u);
  for (const auto& batch : result.batches) {
    auto cursor = cursor_of(batch.cursor_after);
    EXPECT_EQ(cursor.high_water, old_mark);  // the snapshot's completion moves it, not a batch
    ASSERT_TRUE(cursor.walk);
    EXPECT_TRUE(cursor.walk->full);
  }
  // The last batch records the walk at its end, so a crash before complete_snapshot resumes
  // there and completes at once.
  EXPECT_EQ(cursor_of(result.batches.back().cursor_after).walk->offset, 250);
  EXPECT_EQ(result.final_cursor, high_water(t0));
}

TEST(CloutlyWalk, FullWalkStopsAtStartDate) {
  fake_reviews_api api;
  api.fill(400);
  auto result = run_walk(api, {std::nullopt, true, 1h, t0 - 150min});
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 95}));  // page 2 reaches index 151
  EXPECT_EQ(result.final_cursor, high_water(t0));
}

// ---- resuming

TEST(CloutlyWalk, ResumesAnIncrementalWalkAtItsOffsetKeepingNewest) {
  fake_reviews_api api;
  api.fill(600);
  reviews_cursor stored{t0 - 450min, walk_progress{300, t0 + 5min, false}};
  auto result = run_walk(api, {reviews_cursor_json(stored), false, 0s, std::nullopt});
  EXPECT_FALSE(result.full);
  EXPECT_TRUE(result.resumed);
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{300, 395}));  // index 451 ends it
  auto first = cursor_of(result.batches.at(0).cursor_after);
  EXPECT_EQ(first, (reviews_cursor{t0 - 450min, walk_progress{395, t0 + 5min, false}}));
  // The newest review of the interrupted walk (perhaps deleted since) becomes the high water.
  EXPECT_EQ(result.final_cursor, high_water(t0 + 5min));
  EXPECT_EQ(result.batches.back().cursor_after, high_water(t0 + 5min));
}

TEST(CloutlyWalk, ResumesAFullWalkEvenOnAnIncrementalRun) {
  fake_reviews_api api;
  api.fill(350);
  reviews_cursor stored{t0 - 10min, walk_progress{200, t0, true}};
  auto result = run_walk(api, {reviews_cursor_json(stored), false, 1h, std::nullopt});
  EXPECT_TRUE(result.full);
  EXPECT_TRUE(result.resumed);
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{200, 295, 345}));  // to the end, no floor
  for (const auto& batch : result.batches) EXPECT_TRUE(cursor_of(batch.cursor_after).walk->full);
  EXPECT_EQ(result.final_cursor, high_water(t0));
}

TEST(CloutlyWalk, AFullRunDoesNotResumeAnIncrementalWalk) {
  fake_reviews_api api;
  api.fill(150);
  reviews_cursor stored{t0 - 10min, walk_progress{100, t0, false}};
  auto result = run_walk(api, {reviews_cursor_json(stored), true, 1h, std::nullopt});
  EXPECT_TRUE(result.full);
  EXPECT_FALSE(result.resumed);
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 95, 145}));
  EXPECT_EQ(result.written, api.ids());
}

TEST(CloutlyWalk, AResumedFullWalkAtItsEndCompletesWithOneRequest) {
  fake_reviews_api api;
  api.fill(250);
  reviews_cursor stored{t0 - 10min, walk_progress{250, t0, true}};
  auto result = run_walk(api, {reviews_cursor_json(stored), true, 1h, std::nullopt});
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{250}));
  EXPECT_TRUE(result.batches.empty());
  EXPECT_EQ(result.final_cursor, high_water(t0));
}

// ---- guards

TEST(CloutlyWalk, AServerIgnoringOffsetIsStopped) {
  // Full pages, capped pages and tiny ones (which do not overlap), with or without a `total`:
  // the second answer repeats the first whole.
  for (std::int64_t cap : {std::int64_t{100}, std::int64_t{30}, std::int64_t{8}}) {
    for (bool report_total : {true, false}) {
      fake_reviews_api api;
      api.ignore_offset = true;
      api.cap = cap;
      api.report_total = report_total;
      api.fill(300);
      try {
        run_walk(api, {});
        ADD_FAILURE() << "no error with pages of " << cap;
      } catch (const error& e) {
        EXPECT_EQ(e.kind(), error_kind::data);
        EXPECT_NE(std::string(e.what()).find("repeats"), std::string::npos) << e.what();
      }
      EXPECT_EQ(api.offsets.size(), 2u) << cap << " " << report_total;
    }
  }
}

TEST(CloutlyWalk, TheOverlapIsNotTakenForARepeatedPage) {
  auto page_of = [](int first, int count) {
    reviews_page p;
    p.total = 1000;
    for (int i = first; i < first + count; ++i)
      p.records.push_back(review(id_of(i), t0 - std::chrono::minutes(i)));
    return p;
  };
  reviews_walk walk({});
  walk.on_page(page_of(0, 100));
  ASSERT_EQ(offset_of(walk.query()), 95);
  // The page at 95 shares its first page_overlap reviews with the one before: a normal page.
  EXPECT_NO_THROW(walk.on_page(page_of(95, 100)));
  ASSERT_EQ(offset_of(walk.query()), 190);
  // The same page again at 190: the server ignored `offset`.
  try {
    walk.on_page(page_of(95, 100));
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("at offset 190 repeats"), std::string::npos) << e.what();
  }
}

TEST(CloutlyWalk, TotalNeverEndsAWalk) {
  // Every answer says 5 reviews, and every page brings a new one: the walk goes on until a page
  // comes back empty, however small the total.
  reviews_walk walk({});
  int pages = 0;
  while (!walk.done() && pages < 100) {
    reviews_page p;
    p.total = 5;
    if (pages < 20) p.records.push_back(review(id_of(pages), t0 - std::chrono::minutes(pages)));
    ++pages;
    walk.on_page(std::move(p));
  }
  EXPECT_EQ(pages, 21);
  EXPECT_EQ(walk.reviews_read(), 20);
}

TEST(CloutlyWalk, PagesThatBringNothingNewAreStopped) {
  // A server that serves two pages in turn whatever the offset: neither page repeats the one
  // before, but after extra_pages_allowed pages beyond one per distinct review the walk stops.
  reviews_walk walk({});
  auto page_of = [](int first) {
    reviews_page p;
    p.total = 1'000'000;  // a large total does not make the pages plausible
    for (int i = first; i < first + 3; ++i)
      p.records.push_back(review(id_of(i), t0 - std::chrono::minutes(i)));
    return p;
  };
  int pages = 0;
  try {
    while (pages < 1000) {
      walk.on_page(page_of(pages % 2 == 0 ? 0 : 3));
      ++pages;
    }
    FAIL() << "walk never stopped";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("brought only 6 distinct reviews"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(pages, 6 + extra_pages_allowed);  // the page after those is refused
}

TEST(CloutlyWalk, AServerInventingReviewsForeverIsStoppedAtMaxPages) {
  reviews_walk walk({std::nullopt, true, 0s, std::nullopt});
  std::int64_t pages = 0;
  try {
    while (pages <= max_pages) {
      reviews_page p;
      p.records.push_back(review(id_of(static_cast<int>(pages)), t0 - std::chrono::seconds(pages)));
      walk.on_page(std::move(p));
      ++pages;
    }
    FAIL() << "walk never stopped";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
  }
  EXPECT_EQ(pages, max_pages);
}

// ---- the undocumented `total` and complete snapshots

TEST(CloutlyWalk, ATotalCountingOnlyThePageStillReadsEverythingAndIsComplete) {
  fake_reviews_api api;
  api.cap = 50;
  api.page_total = true;  // 50, 50, ..., then 0: smaller than the truth on every page
  api.fill(500);
  auto result = run_walk(api, {});
  EXPECT_TRUE(result.full);
  EXPECT_EQ(result.written, api.ids());
  EXPECT_EQ(result.read, 500);
  EXPECT_EQ(result.shortfall, std::nullopt);  // a total that is too small proves nothing
}

TEST(CloutlyWalk, AFullWalkReadingFewerThanTheTotalIsAShortfall) {
  // The listing shows 300 reviews; the total counts 20 more that the walk never sees.
  fake_reviews_api api;
  api.hidden = 20;
  api.fill(300);
  auto result = run_walk(api, {});
  EXPECT_EQ(result.written, api.ids());
  ASSERT_TRUE(result.shortfall);
  EXPECT_NE(result.shortfall->find("read 300 distinct reviews, but the listing reported 320"),
            std::string::npos)
      << *result.shortfall;
  // The walk is over all the same: its final cursor carries the new high-water mark.
  EXPECT_EQ(result.final_cursor, high_water(t0));
}

TEST(CloutlyWalk, OnlyFullWalksThatReadTheWholeListingAreCompared) {
  fake_reviews_api api;
  api.hidden = 20;
  api.fill(400);
  // Incremental: not a snapshot.
  EXPECT_EQ(run_walk(api, {high_water(t0 - 10min), false, 1h, std::nullopt}).shortfall,
            std::nullopt);
  // A full walk stopped by start_date left the older reviews unread on purpose.
  EXPECT_EQ(run_walk(api, {std::nullopt, true, 1h, t0 - 150min}).shortfall, std::nullopt);
}

TEST(CloutlyWalk, ArrivalsDuringAFullWalkAreNoShortfall) {
  // Later answers count the arrivals, which land above the walk: the smallest total is the one
  // the walk owes.
  fake_reviews_api api;
  api.fill(600);
  auto result = run_walk(api, {}, [&](int) { api.arrive(7); });
  EXPECT_GE(result.read, 600);
  EXPECT_EQ(result.shortfall, std::nullopt);
}

TEST(CloutlyWalk, ReviewsDeletedDuringAFullWalkAreNoShortfall) {
  // Deleted after being read (the newest ones): later totals shrink, the count stays.
  fake_reviews_api api;
  api.fill(600);
  auto result = run_walk(api, {}, [&](int) { api.delete_newest(2); });
  EXPECT_EQ(result.shortfall, std::nullopt);
}

TEST(CloutlyWalk, AResumedFullWalkCountsOnWithoutCountingTheOverlapTwice) {
  fake_reviews_api api;
  api.hidden = 1;  // one review short: a walk that double-counted the overlap would not see it
  api.fill(450);
  // Interrupt a full walk after its second page, then resume from the cursor it committed.
  std::optional<std::string> committed;
  {
    reviews_walk first({});
    for (int page = 0; page < 2; ++page)
      committed = first.on_page(api.answer(first.query()))->cursor_after;
  }
  auto stored = cursor_of(committed);
  ASSERT_TRUE(stored.walk);
  EXPECT_EQ(stored.walk->tally.read, 195);
  EXPECT_EQ(stored.walk->tally.least_total, 451);
  EXPECT_EQ(stored.walk->tally.tail.size(), static_cast<std::size_t>(page_overlap));
  auto resumed = run_walk(api, {committed, false, 1h, std::nullopt});
  EXPECT_TRUE(resumed.resumed);
  EXPECT_EQ(resumed.read, 450);
  ASSERT_TRUE(resumed.shortfall);
  EXPECT_NE(resumed.shortfall->find("read 450 distinct reviews, but the listing reported 451"),
            std::string::npos)
      << *resumed.shortfall;

  // Without the hidden review, the same interrupted walk completes.
  api.hidden = 0;
  EXPECT_EQ(run_walk(api, {committed, false, 1h, std::nullopt}).shortfall, std::nullopt);
}

// ---- backfill

// A backfill start; `full`, `lookback` and `start_date` are set to values that would change a
// live walk, to show that a backfill ignores them.
walk_start backfill_start(std::optional<std::string> progress, std::optional<timestamp> since,
                          std::optional<timestamp> until = std::nullopt) {
  walk_start start;
  start.cursor = std::move(progress);
  start.full = true;
  start.lookback = 1h;
  start.start_date = t0 - 10min;
  start.backfill = backfill_range{since, until};
  return start;
}

backfill_progress progress_of(const std::optional<std::string>& json) {
  return parse_backfill_progress(json);
}

TEST(CloutlyBackfill, ProgressJsonRoundTrips) {
  backfill_progress progress{300, at("2021-02-03T00:00:00.25Z")};
  auto json = backfill_progress_json(progress);
  EXPECT_EQ(json, R"({"offset":300,"oldest":"2021-02-03T00:00:00.250000Z"})");
  EXPECT_EQ(parse_backfill_progress(json), progress);
  EXPECT_EQ(backfill_progress_json({0, std::nullopt}), R"({"offset":0})");
  EXPECT_EQ(parse_backfill_progress(std::nullopt), (backfill_progress{0, std::nullopt}));
}

TEST(CloutlyBackfill, MalformedProgressIsADataError) {
  for (auto progress : {"not json", "[1]", "{}", R"({"offset": -1})", R"({"offset": "7"})",
                        R"({"offset": 7, "oldest": 5})", R"({"offset": 7, "oldest": "soon"})"}) {
    try {
      reviews_walk walk(backfill_start(std::string(progress), t0));
      ADD_FAILURE() << "accepted " << progress;
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::data) << progress;
      EXPECT_NE(std::string(e.what()).find("backfill progress"), std::string::npos) << e.what();
    }
  }
}

TEST(CloutlyBackfill, StopsAtTheFirstPageReachingBelowSinceAndIsNeverASnapshot) {
  fake_reviews_api api;
  api.fill(1000);            // one a minute: t0, t0-1m, ..., t0-999m
  auto since = t0 - 250min;  // index 251 and beyond were created before it
  auto result = run_walk(api, backfill_start(std::nullopt, since));
  EXPECT_FALSE(result.full);  // even though the start asked for a full walk
  EXPECT_FALSE(result.resumed);
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 95, 190}));  // page 3 holds index 251
  auto due = api.ids_created_at_or_after(since);
  EXPECT_TRUE(std::includes(result.written.begin(), result.written.end(), due.begin(), due.end()));
  ASSERT_EQ(result.batches.size(), 3u);
  // Every batch, the last included, commits the walk's position, never a high-water mark.
  EXPECT_EQ(progress_of(result.batches[0].cursor_after), (backfill_progress{95, t0 - 99min}));
  EXPECT_EQ(progress_of(result.batches[1].cursor_after), (backfill_progress{190, t0 - 194min}));
  EXPECT_EQ(progress_of(result.batches[2].cursor_after), (backfill_progress{290, t0 - 289min}));
  for (const auto& batch : result.batches)
    EXPECT_EQ(batch.cursor_after->find("high_water"), std::string::npos) << *batch.cursor_after;
}

TEST(CloutlyBackfill, ReviewsNewerThanUntilAreWrittenAndNeverEndTheWalk) {
  fake_reviews_api api;
  api.fill(1000);
  auto result = run_walk(api, backfill_start(std::nullopt, t0 - 250min, t0 - 200min));
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 95, 190}));
  EXPECT_TRUE(result.written.contains(id_of(0)));  // created at t0, after `until`
  auto due = api.ids_created_at_or_after(t0 - 250min);
  EXPECT_TRUE(std::includes(result.written.begin(), result.written.end(), due.begin(), due.end()));
}

TEST(CloutlyBackfill, WithoutSinceWalksToTheEndIgnoringStartDate) {
  fake_reviews_api api;
  api.fill(250);
  auto result = run_walk(api, backfill_start(std::nullopt, std::nullopt, t0 - 100min));
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{0, 95, 190, 245}));
  EXPECT_EQ(result.written, api.ids());
  EXPECT_EQ(progress_of(result.batches.back().cursor_after), (backfill_progress{250, t0 - 249min}));
}

TEST(CloutlyBackfill, ResumesAtTheStoredOffset) {
  fake_reviews_api api;
  api.fill(1000);
  auto stored = backfill_progress_json({190, t0 - 194min});
  auto result = run_walk(api, backfill_start(stored, t0 - 250min));
  EXPECT_TRUE(result.resumed);
  EXPECT_FALSE(result.full);
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{190}));  // nothing before it is read again
  ASSERT_EQ(result.batches.size(), 1u);
  EXPECT_EQ(progress_of(result.batches[0].cursor_after), (backfill_progress{290, t0 - 289min}));
}

TEST(CloutlyBackfill, ALiveCursorIsNotTakenForProgress) {
  // The live cursor never reaches a backfill walk; if it did, it is refused, not misread.
  EXPECT_THROW(reviews_walk(backfill_start(high_water(t0), t0 - 1h)), error);
}

TEST(CloutlyBackfill, AResumedJobAtTheEndOfTheListingEndsWithOneRequest) {
  fake_reviews_api api;
  api.fill(300);
  auto result = run_walk(api, backfill_start(backfill_progress_json({300, t0 - 299min}), t0 - 1h));
  EXPECT_EQ(api.offsets, (std::vector<std::int64_t>{300}));
  EXPECT_TRUE(result.batches.empty());
}

TEST(CloutlyBackfill, ArrivalsDuringTheWalkAreReReadNeverSkipped) {
  fake_reviews_api api;
  api.fill(1000);
  auto since = t0 - 400min;
  // Arrivals land at the head, which the walk has left: they are live data, not the range's.
  auto due = api.ids_created_at_or_after(since);
  auto result = run_walk(api, backfill_start(std::nullopt, since), [&](int) { api.arrive(20); });
  EXPECT_GT(api.offsets.size(), 5u);  // the arrivals pushed the range further down
  EXPECT_TRUE(std::includes(result.written.begin(), result.written.end(), due.begin(), due.end()));
}

// ---- businesses

TEST(CloutlyBusinesses, RowsInBatchesOfAtMostOneThousandWithoutCursor) {
  std::vector<row> rows;
  for (int i = 0; i < 2500; ++i) {
    row r(tables::businesses.columns.size());
    r[0] = id_of(i);
    rows.push_back(std::move(r));
  }
  auto batches = businesses_batches(std::move(rows));
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].rows.size(), 1000u);
  EXPECT_EQ(batches[1].rows.size(), 1000u);
  EXPECT_EQ(batches[2].rows.size(), 500u);
  EXPECT_EQ(std::get<std::string>(batches[2].rows.back()[0]), id_of(2499));
  for (const auto& b : batches) {
    EXPECT_EQ(b.table, &tables::businesses);
    EXPECT_EQ(b.cursor_after, std::nullopt);
  }
  EXPECT_TRUE(businesses_batches({}).empty());
}

}  // namespace
}  // namespace sluice::connectors::cloutly
