#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <functional>
#include <map>
#include <set>

#include "connectors/partoo/walk.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "net/query.hpp"
#include "tests/connectors/test_support.hpp"

namespace sluice::connectors::partoo {
namespace {

using namespace std::chrono_literals;
using test::at;

std::string param(const net::query_params& query, std::string_view key) {
  for (const auto& [k, v] : query)
    if (k == key) return v;
  return "<absent>";
}

mapped_review review(std::string id, timestamp update_date) {
  return {row(tables::reviews.columns.size()), std::move(id), update_date};
}

// Records sorted by Partoo's order (update_date, then id) for one query.
struct stored_review {
  std::string id;
  timestamp update_date;
};

// An imitation of GET /reviews in memory: filter update_date >= bound (the bound has whole
// seconds, stored dates have microseconds) and, when `lte` is given, <= lte; order by
// update_date, 100 per page (or `page_size`, whatever was asked), with max_page unless
// `no_max_page`.
class fake_reviews_api {
public:
  std::vector<stored_review> records;
  int requests = 0;
  std::vector<reviews_position> asked;
  std::int64_t page_size = reviews_per_page;
  bool no_max_page = false;

  page<mapped_review> answer(const reviews_position& position,
                             std::optional<timestamp> lte = std::nullopt) {
    ++requests;
    asked.push_back(position);
    std::vector<stored_review> match;
    for (const auto& r : records)
      if ((!position.bound || r.update_date >= *position.bound) && (!lte || r.update_date <= *lte))
        match.push_back(r);
    std::sort(match.begin(), match.end(), [](const auto& a, const auto& b) {
      return std::tie(a.update_date, a.id) < std::tie(b.update_date, b.id);
    });
    page<mapped_review> out;
    out.count = static_cast<std::int64_t>(match.size());
    out.max_page = std::max<std::int64_t>(1, (out.count.value() + page_size - 1) / page_size);
    if (no_max_page) out.max_page.reset();
    auto first = static_cast<std::size_t>((position.page - 1) * page_size);
    for (auto i = first; i < match.size() && i < first + static_cast<std::size_t>(page_size); ++i)
      out.records.push_back(review(match[i].id, match[i].update_date));
    return out;
  }

  void touch(std::string_view id, timestamp when) {
    for (auto& r : records)
      if (r.id == id) r.update_date = when;
  }
};

std::string id_of(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "r%05d", n);
  return buf;
}

struct walk_result {
  std::set<std::string> seen;
  std::vector<record_batch> batches;
};

// Runs a walk to its end against the fake; `between_pages` may change the data mid-walk. With
// `honour_lte` the fake applies the query's update_date__lte, else it ignores it (as a server
// without that filter would).
walk_result run_walk(fake_reviews_api& api, const walk_start& start,
                     const std::function<void(int)>& between_pages = {}, bool honour_lte = false) {
  walk_result result;
  reviews_walk walk(start);
  int pages = 0;
  while (!walk.done()) {
    if (pages++ > 1000) {
      ADD_FAILURE() << "walk does not end";
      break;
    }
    std::optional<timestamp> lte;
    if (honour_lte && param(walk.query(), "update_date__lte") != "<absent>")
      lte = at(param(walk.query(), "update_date__lte"));
    auto page = api.answer(walk.position(), lte);
    for (const auto& r : page.records) result.seen.insert(r.id);
    if (auto batch = walk.on_page(std::move(page))) result.batches.push_back(std::move(*batch));
    if (between_pages) between_pages(pages);
  }
  return result;
}

std::set<std::string> all_ids(const fake_reviews_api& api) {
  std::set<std::string> ids;
  for (const auto& r : api.records) ids.insert(r.id);
  return ids;
}

std::string cursor_of(std::string_view iso) { return reviews_cursor(at(iso)); }

const timestamp t0 = at("2021-01-01T00:00:00Z");

// ---- start bound

TEST(PartooWalk, StartBound) {
  auto cursor = at("2017-08-01T17:15:54.256Z");
  auto start_date = at("2015-01-01T00:00:00Z");
  EXPECT_EQ(start_bound(std::nullopt, false, std::nullopt, 1h), std::nullopt);
  EXPECT_EQ(start_bound(std::nullopt, false, start_date, 1h), start_date);
  EXPECT_EQ(start_bound(cursor, false, start_date, 1h), at("2017-08-01T16:15:54.256Z"));
  EXPECT_EQ(start_bound(cursor, true, start_date, 1h), start_date);  // --full
  EXPECT_EQ(start_bound(cursor, true, std::nullopt, 1h), std::nullopt);
}

// ---- reviews: queries

TEST(PartooWalk, FirstRunWithoutCursorQueriesEverything) {
  reviews_walk walk({});
  auto query = walk.query();
  EXPECT_EQ(param(query, "order_by"), "update_date");
  EXPECT_EQ(param(query, "per_page"), "100");
  EXPECT_EQ(param(query, "page"), "1");
  EXPECT_EQ(param(query, "update_date__gte"), "<absent>");
}

TEST(PartooWalk, CursorMinusLookbackAsNaiveUtcSeconds) {
  reviews_walk walk({cursor_of("2017-08-01T18:15:54.256Z"), false, std::nullopt, 1h});
  EXPECT_EQ(param(walk.query(), "update_date__gte"), "2017-08-01T17:15:54");
  EXPECT_EQ(walk.position().bound, at("2017-08-01T17:15:54Z"));
}

TEST(PartooWalk, StartDateBoundsTheFirstRun) {
  reviews_walk walk({std::nullopt, false, at("2015-01-01T00:00:00+02:00"), 1h});
  EXPECT_EQ(param(walk.query(), "update_date__gte"), "2014-12-31T22:00:00");
}

TEST(PartooWalk, FullIgnoresTheCursor) {
  reviews_walk walk({cursor_of("2017-08-01T18:15:54.256Z"), true, std::nullopt, 1h});
  EXPECT_EQ(param(walk.query(), "update_date__gte"), "<absent>");
}

TEST(PartooWalk, UrlPercentEncodesTheBound) {
  reviews_position position{at("2017-08-01T17:15:54.256Z"), 3};
  // The position stores whole seconds; the format truncates anyway.
  auto url = net::make_url("https://api.partoo.co/v2", "/reviews", reviews_query(position));
  EXPECT_NE(url.find("update_date__gte=2017-08-01T17%3A15%3A54"), std::string::npos) << url;
  EXPECT_EQ(url.find('+'), std::string::npos) << url;
  EXPECT_EQ(url.find(' '), std::string::npos) << url;
  EXPECT_EQ(url.rfind("https://api.partoo.co/v2/reviews?", 0), 0u) << url;
  EXPECT_NE(url.find("page=3"), std::string::npos) << url;
}

TEST(PartooWalk, BoundNeverCarriesAnOffsetEvenFromAnOffsetCursor) {
  // A cursor written with an offset still yields naive UTC: no '+' to be read as a space.
  reviews_walk walk(
      {R"({"update_date":"2017-08-01T19:15:54.256+02:00"})", false, std::nullopt, 0s});
  auto url = net::make_url("https://api.partoo.co/v2", "/reviews", walk.query());
  EXPECT_NE(url.find("update_date__gte=2017-08-01T17%3A15%3A54"), std::string::npos) << url;
  EXPECT_EQ(url.find('+'), std::string::npos) << url;
}

// ---- reviews: the paging rule

std::vector<timestamp> dates(std::initializer_list<std::pair<int, timestamp>> runs) {
  std::vector<timestamp> out;
  for (auto [count, when] : runs)
    for (int i = 0; i < count; ++i) out.push_back(when);
  return out;
}

TEST(PartooWalk, AnEmptyPageEndsTheWalkAShortOneDoesNot) {
  reviews_position here{t0, 1};
  EXPECT_EQ(next_reviews_position(here, {}, 10), std::nullopt);
  EXPECT_EQ(next_reviews_position(here, {}, std::nullopt), std::nullopt);
  // 30 where 100 were asked: the server's page size, not the end.
  auto short_page = dates({{20, t0 + 5s}, {10, t0 + 6s}});
  EXPECT_EQ(next_reviews_position(here, short_page, 10), (reviews_position{t0 + 6s, 1}));
  EXPECT_EQ(next_reviews_position(here, short_page, std::nullopt), (reviews_position{t0 + 6s, 1}));
  EXPECT_EQ(next_reviews_position(here, short_page, 1), std::nullopt);  // the last page
}

TEST(PartooWalk, LastAnnouncedPageEndsTheWalk) {
  auto page = dates({{50, t0 + 1s}, {50, t0 + 2s}});
  EXPECT_EQ(next_reviews_position({t0, 3}, page, 3), std::nullopt);
  EXPECT_EQ(next_reviews_position({t0, 4}, page, 3), std::nullopt);
  EXPECT_NE(next_reviews_position({t0, 2}, page, 3), std::nullopt);
  EXPECT_NE(next_reviews_position({t0, 2}, page, std::nullopt), std::nullopt);  // no max_page
}

TEST(PartooWalk, MixedPageRequeriesFromItsLargestSecond) {
  auto page = dates({{60, t0 + 1s}, {40, t0 + 2s + 750ms}});
  auto next = next_reviews_position({t0, 4}, page, 10);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, (reviews_position{t0 + 2s, 1}));  // truncated to the second
}

TEST(PartooWalk, WholePageTieStepsPages) {
  // Within one second counts as a tie: the filter cannot tell the values apart.
  std::vector<timestamp> page;
  for (int i = 0; i < 100; ++i) page.push_back(t0 + 5s + std::chrono::milliseconds(i));
  auto first = next_reviews_position({t0, 3}, page, 10);
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, (reviews_position{t0 + 5s, 2}));  // page 1 of that query: already seen
  auto second = next_reviews_position(*first, page, 10);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, (reviews_position{t0 + 5s, 3}));
}

TEST(PartooWalk, BoundNeverMovesDown) {
  // Dates below the bound never lower it (the walk refuses such an answer before asking this).
  auto page = dates({{50, t0 - 10s}, {50, t0 - 5s}});
  auto next = next_reviews_position({t0, 1}, page, 10);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, (reviews_position{t0, 2}));
}

// ---- reviews: walks against the imitation

TEST(PartooWalk, DistinctDatesAreAllSeen) {
  fake_reviews_api api;
  for (int i = 0; i < 250; ++i) api.records.push_back({id_of(i), t0 + std::chrono::seconds(i)});
  auto result = run_walk(api, {});
  EXPECT_EQ(result.seen, all_ids(api));
  // Requery after each page from its largest second: pages overlap by one record.
  EXPECT_EQ(api.requests, 3);
  EXPECT_EQ(api.asked[1], (reviews_position{t0 + 99s, 1}));
  EXPECT_EQ(api.asked[2], (reviews_position{t0 + 198s, 1}));
}

TEST(PartooWalk, TieBlockLongerThanAPageIsWalkedThrough) {
  fake_reviews_api api;
  int n = 0;
  for (int i = 0; i < 30; ++i) api.records.push_back({id_of(n++), t0 + std::chrono::seconds(i)});
  for (int i = 0; i < 350; ++i) api.records.push_back({id_of(n++), t0 + 100s});  // one value
  for (int i = 0; i < 30; ++i)
    api.records.push_back({id_of(n++), t0 + 200s + std::chrono::seconds(i)});
  auto result = run_walk(api, {});
  EXPECT_EQ(result.seen, all_ids(api));
  EXPECT_LT(api.requests, 12);
}

TEST(PartooWalk, TieBlockStartingExactlyAtAPageBoundary) {
  fake_reviews_api api;
  int n = 0;
  for (int i = 0; i < 100; ++i) api.records.push_back({id_of(n++), t0 + std::chrono::seconds(i)});
  for (int i = 0; i < 200; ++i) api.records.push_back({id_of(n++), t0 + 500s});  // pages 2 and 3
  for (int i = 0; i < 5; ++i) api.records.push_back({id_of(n++), t0 + 600s});
  auto result = run_walk(api, {});
  EXPECT_EQ(result.seen, all_ids(api));
}

TEST(PartooWalk, RunStartingInsideALongTieBlock) {
  // The first page of the run is all one value above the bound: the bound jumps to it and the
  // walk continues at page 2 of the new query, whose page 1 it has just read.
  fake_reviews_api api;
  int n = 0;
  for (int i = 0; i < 250; ++i) api.records.push_back({id_of(n++), t0 + 100s});
  for (int i = 0; i < 50; ++i)
    api.records.push_back({id_of(n++), t0 + 200s + std::chrono::seconds(i)});
  auto result = run_walk(api, {std::nullopt, false, t0, 1h});
  EXPECT_EQ(result.seen, all_ids(api));
  ASSERT_GE(api.asked.size(), 2u);
  EXPECT_EQ(api.asked[1], (reviews_position{t0 + 100s, 2}));
}

TEST(PartooWalk, TieAtThePageEndContinuesOnTheNextQuery) {
  fake_reviews_api api;
  int n = 0;
  for (int i = 0; i < 90; ++i) api.records.push_back({id_of(n++), t0 + std::chrono::seconds(i)});
  for (int i = 0; i < 40; ++i) api.records.push_back({id_of(n++), t0 + 1000s});  // straddles
  auto result = run_walk(api, {});
  EXPECT_EQ(result.seen, all_ids(api));
  EXPECT_EQ(api.asked.at(1), (reviews_position{t0 + 1000s, 1}));
}

TEST(PartooWalk, WholeResultOneTieBlockOfExactlyOnePage) {
  fake_reviews_api api;
  for (int i = 0; i < 100; ++i) api.records.push_back({id_of(i), t0});
  auto result = run_walk(api, {});
  EXPECT_EQ(result.seen, all_ids(api));
  EXPECT_EQ(api.requests, 1);  // max_page 1
}

TEST(PartooWalk, RecordsUpdatedDuringTheWalkAreSeenLater) {
  fake_reviews_api api;
  for (int i = 0; i < 400; ++i) api.records.push_back({id_of(i), t0 + std::chrono::seconds(i)});
  // After each page, a record from further down and one already read are updated: both move to
  // the end of the order.
  auto result = run_walk(api, {}, [&](int page) {
    api.touch(id_of(page * 100 + 50), t0 + 1000s + std::chrono::seconds(page));
    api.touch(id_of(page), t0 + 2000s + std::chrono::seconds(page));
  });
  EXPECT_EQ(result.seen, all_ids(api));
}

TEST(PartooWalk, EachBatchCommitsTheLargestUpdateDateSeenSoFar) {
  fake_reviews_api api;
  for (int i = 0; i < 150; ++i)
    api.records.push_back({id_of(i), t0 + std::chrono::seconds(i) + 123456us});
  auto result = run_walk(api, {});
  ASSERT_EQ(result.batches.size(), 2u);
  EXPECT_EQ(result.batches[0].table, &tables::reviews);
  EXPECT_EQ(result.batches[0].rows.size(), 100u);
  EXPECT_EQ(result.batches[0].cursor_after, R"({"update_date":"2021-01-01T00:01:39.123456Z"})");
  EXPECT_EQ(result.batches[1].cursor_after, R"({"update_date":"2021-01-01T00:02:29.123456Z"})");
}

TEST(PartooWalk, CursorNeverMovesBackwards) {
  fake_reviews_api api;
  for (int i = 0; i < 10; ++i) api.records.push_back({id_of(i), t0 + std::chrono::seconds(i)});
  // The committed cursor lies above everything the lookback re-reads.
  auto committed = cursor_of("2021-01-01T00:30:00.5Z");
  auto result = run_walk(api, {committed, false, std::nullopt, 1h});
  EXPECT_EQ(api.asked.at(0).bound, at("2020-12-31T23:30:00Z"));
  EXPECT_EQ(result.seen.size(), 10u);
  ASSERT_EQ(result.batches.size(), 1u);
  EXPECT_EQ(result.batches[0].cursor_after, committed);
}

TEST(PartooWalk, FullRunStillNeverMovesTheCursorBackwards) {
  fake_reviews_api api;
  for (int i = 0; i < 10; ++i) api.records.push_back({id_of(i), t0 + std::chrono::seconds(i)});
  auto committed = cursor_of("2021-06-01T00:00:00Z");
  auto result = run_walk(api, {committed, true, std::nullopt, 1h});
  EXPECT_EQ(api.asked.at(0).bound, std::nullopt);
  ASSERT_EQ(result.batches.size(), 1u);
  EXPECT_EQ(result.batches[0].cursor_after, committed);
}

TEST(PartooWalk, LookbackAppliesOnceAtTheStart) {
  fake_reviews_api api;
  for (int i = 0; i < 300; ++i) api.records.push_back({id_of(i), t0 + std::chrono::seconds(i)});
  run_walk(api, {cursor_of("2021-01-01T00:01:00Z"), false, std::nullopt, 30s});
  ASSERT_GE(api.asked.size(), 2u);
  EXPECT_EQ(api.asked[0].bound, t0 + 30s);
  // Page 1 holds seconds 30..129; the next bound is its largest second, no lookback again.
  EXPECT_EQ(api.asked[1], (reviews_position{t0 + 129s, 1}));
}

TEST(PartooWalk, EmptyAnswerWritesNothing) {
  fake_reviews_api api;
  auto result = run_walk(api, {cursor_of("2021-01-01T00:00:00Z"), false, std::nullopt, 1h});
  EXPECT_TRUE(result.batches.empty());
  EXPECT_EQ(api.requests, 1);
}

TEST(PartooWalk, EndlessTieBlockIsStoppedAsADataError) {
  // A server inventing ever new records at one instant with an endless max_page.
  reviews_walk walk({});
  int pages = 0;
  try {
    while (!walk.done() && pages < 20'000) {
      page<mapped_review> p;
      p.max_page = 1'000'000;
      for (int i = 0; i < 100; ++i)
        p.records.push_back({row{}, std::to_string(pages * 100 + i), t0});
      ++pages;
      walk.on_page(std::move(p));
    }
    FAIL() << "walk ended after " << pages << " pages";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_GT(pages, 1000);
    EXPECT_LT(pages, 20'000);
  }
}

TEST(PartooWalk, RepeatedPageThrows) {
  reviews_walk walk({});
  auto same_page = [] {
    page<mapped_review> p;
    p.max_page = 1'000'000;
    for (int i = 0; i < 100; ++i) p.records.push_back(review(id_of(i), t0));
    return p;
  };
  walk.on_page(same_page());
  try {
    walk.on_page(same_page());
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("repeats"), std::string::npos) << e.what();
  }
}

TEST(PartooWalk, MalformedStoredCursorIsADataError) {
  for (auto cursor : {"not json", "[1]", R"({"update_date": 5})", R"({"modified": "2020-01-01"})",
                      R"({"update_date": "<string>"})"}) {
    try {
      reviews_walk walk({std::string(cursor), false, std::nullopt, 1h});
      ADD_FAILURE() << "accepted " << cursor;
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::data) << cursor;
      EXPECT_NE(std::string(e.what()).find("sluice reset"), std::string::npos);
    }
  }
}

TEST(PartooWalk, ReviewsCursorRoundTripsAtFullPrecision) {
  auto t = at("2017-08-01T19:15:54.256123+02:00");
  auto cursor = reviews_cursor(t);
  EXPECT_EQ(cursor, R"({"update_date":"2017-08-01T17:15:54.256123Z"})");
  EXPECT_EQ(parse_reviews_cursor(cursor), t);
  EXPECT_EQ(parse_reviews_cursor(std::nullopt), std::nullopt);
}

// ---- reviews: servers that answer otherwise than asked

fake_reviews_api spread(int count, std::int64_t page_size) {
  fake_reviews_api api;
  api.page_size = page_size;
  for (int i = 0; i < count; ++i)
    api.records.push_back({id_of(i), t0 + std::chrono::seconds(i / 3) + 1000us * i});
  return api;
}

TEST(PartooWalk, ThirtyPerPageWhereAHundredWereAskedIsReadWhole) {
  auto api = spread(250, 30);
  auto result = run_walk(api, {});
  EXPECT_EQ(result.seen, all_ids(api));
  // Every request still asks for 100; the walk ended on max_page, not on the first short page.
  EXPECT_GE(api.requests, 9);
  EXPECT_LE(api.requests, 12);
}

TEST(PartooWalk, WithoutMaxPageTheWalkEndsOnAnEmptyPage) {
  auto api = spread(95, 30);
  api.no_max_page = true;
  auto result = run_walk(api, {});
  EXPECT_EQ(result.seen, all_ids(api));
}

TEST(PartooWalk, TieBlockLongerThanAPageAtThirtyPerPage) {
  fake_reviews_api api;
  api.page_size = 30;
  int n = 0;
  for (int i = 0; i < 20; ++i) api.records.push_back({id_of(n++), t0 + std::chrono::seconds(i)});
  for (int i = 0; i < 95; ++i) api.records.push_back({id_of(n++), t0 + 100s});  // one value
  for (int i = 0; i < 20; ++i)
    api.records.push_back({id_of(n++), t0 + 200s + std::chrono::seconds(i)});
  auto result = run_walk(api, {});
  EXPECT_EQ(result.seen, all_ids(api));
  EXPECT_LT(api.requests, 12);
}

TEST(PartooWalk, ATieBlockOfExactlyOneServerPageAtThirtyPerPage) {
  fake_reviews_api api;
  api.page_size = 30;
  int n = 0;
  for (int i = 0; i < 30; ++i) api.records.push_back({id_of(n++), t0 + 50s});  // page 1, one value
  for (int i = 0; i < 30; ++i) api.records.push_back({id_of(n++), t0 + 60s});  // page 2, another
  for (int i = 0; i < 7; ++i)
    api.records.push_back({id_of(n++), t0 + 70s + std::chrono::seconds(i)});
  auto result = run_walk(api, {std::nullopt, false, t0, 1h});
  EXPECT_EQ(result.seen, all_ids(api));
}

page<mapped_review> page_of(std::initializer_list<std::pair<int, timestamp>> records,
                            std::optional<std::int64_t> max_page = 5) {
  page<mapped_review> p;
  p.max_page = max_page;
  for (auto [n, when] : records) p.records.push_back(review(id_of(n), when));
  return p;
}

TEST(PartooWalk, AnAnswerOutOfUpdateDateOrderFailsBeforeTheCursorMoves) {
  // What a server ignoring order_by sends: id order, dates all over the place.
  reviews_walk walk({cursor_of("2021-01-01T00:00:00Z"), false, std::nullopt, 1h});
  try {
    walk.on_page(page_of({{1, t0 + 5s}, {2, t0 + 50s}, {3, t0 + 7s}}));
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    std::string message = e.what();
    EXPECT_NE(message.find("update_date order"), std::string::npos) << message;
    EXPECT_NE(message.find("r00003"), std::string::npos) << message;
    EXPECT_NE(message.find("order_by"), std::string::npos) << message;
  }
}

TEST(PartooWalk, AnAnswerBelowTheBoundFails) {
  reviews_walk walk({cursor_of("2021-01-01T01:00:00Z"), false, std::nullopt, 1h});
  ASSERT_EQ(walk.position().bound, t0);
  EXPECT_THROW(walk.on_page(page_of({{1, t0 - 1s}, {2, t0 + 5s}})), error);
  reviews_walk fine({cursor_of("2021-01-01T01:00:00Z"), false, std::nullopt, 1h});
  EXPECT_NO_THROW(fine.on_page(page_of({{1, t0}, {2, t0}, {3, t0 + 5s}})));  // ties are in order
}

TEST(PartooWalk, AReviewDatedInTheFutureIsStoredButTheCursorStopsAtNow) {
  walk_start start;
  start.now = at("2024-05-01T12:00:00Z");
  run_counters counters;
  start.counters = &counters;
  const auto far = at("9999-12-31T23:00:00-05:00");  // past year 9999 in UTC
  fake_reviews_api api;
  for (int i = 0; i < 150; ++i) api.records.push_back({id_of(i), t0 + std::chrono::seconds(i)});
  for (int i = 150; i < 260; ++i) api.records.push_back({id_of(i), far});  // more than a page
  auto result = run_walk(api, start);
  EXPECT_EQ(result.seen, all_ids(api));
  ASSERT_FALSE(result.batches.empty());
  for (const auto& batch : result.batches) {
    auto cursor = parse_reviews_cursor(batch.cursor_after);  // every cursor reads back
    ASSERT_TRUE(cursor);
    EXPECT_LE(*cursor, start.now);
  }
  EXPECT_EQ(result.batches.back().cursor_after, reviews_cursor(start.now));
  // No request asked for a bound the filter cannot express.
  for (const auto& asked : api.asked)
    if (asked.bound) {
      EXPECT_LE(*asked.bound, start.now + future_skew);
    }
  EXPECT_GE(counters.warnings, 110);  // one per record read; repeats on overlapping pages count
  EXPECT_NE(counters.first_warning.find("in the future"), std::string::npos)
      << counters.first_warning;
}

TEST(PartooWalk, ACommittedCursorInTheFutureCountsAsNow) {
  walk_start start;
  start.now = at("2024-05-01T12:00:00Z");
  start.cursor = cursor_of("9999-12-31T00:00:00Z");
  start.lookback = 48h;
  reviews_walk walk(start);
  EXPECT_EQ(walk.position().bound, at("2024-04-29T12:00:00Z"));
  auto batch = walk.on_page(page_of({{1, at("2024-04-30T00:00:00Z")}}, 1));
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->cursor_after, reviews_cursor(start.now));
}

// Past year 9999 in UTC (9999-12-31T23:00:00-05:00 is 10000-01-01T04:00Z) the text has a
// five-digit year, which the time parser takes back: a committed cursor never strands a stream.
TEST(PartooWalk, EveryWrittenCursorReadsBack) {
  for (auto text : {"9999-12-31T23:00:00-05:00", "9999-12-31T23:00:00Z", "2021-01-01T00:00:00Z"}) {
    auto cursor = reviews_cursor(at(text));
    EXPECT_EQ(parse_reviews_cursor(cursor), at(text)) << cursor;
  }
}

TEST(PartooWalk, TheDeletedWalkAsksForDeletedReviewsAndMovesNoCursor) {
  walk_start start{cursor_of("2021-01-01T01:00:00Z"), false, std::nullopt, 1h};
  reviews_walk walk(start, reviews_filter::deleted);
  EXPECT_EQ(param(walk.query(), "state__in"), "deleted");
  EXPECT_EQ(param(walk.query(), "update_date__gte"), "2021-01-01T00:00:00");
  auto batch = walk.on_page(page_of({{1, t0 + 5s}, {2, t0 + 6s}}, 1));
  ASSERT_TRUE(batch);
  EXPECT_EQ(batch->rows.size(), 2u);
  EXPECT_EQ(batch->cursor_after, std::nullopt);
  EXPECT_TRUE(walk.done());
  // The unfiltered walk sends no state filter at all.
  reviews_walk all(start);
  EXPECT_EQ(param(all.query(), "state__in"), "<absent>");
}

TEST(PartooWalk, TheTallyComparesDistinctRecordsWithTheFirstCount) {
  auto api = spread(250, 100);
  reviews_walk walk({});
  while (!walk.done()) walk.on_page(api.answer(walk.position()));
  EXPECT_EQ(walk.tally().promised(), 250);
  EXPECT_EQ(walk.tally().seen(), 250);  // pages overlap; distinct records count once
  EXPECT_TRUE(walk.tally().complete());

  reviews_walk short_of_it({});
  auto lying = page_of({{1, t0}, {2, t0 + 1s}}, 1);
  lying.count = 3;
  short_of_it.on_page(std::move(lying));
  EXPECT_TRUE(short_of_it.done());
  EXPECT_FALSE(short_of_it.tally().complete());
}

// ---- reviews: backfill

// One review per second from t0: r00000 at t0, r00001 at t0+1s, ...
fake_reviews_api one_per_second(int count) {
  fake_reviews_api api;
  for (int i = 0; i < count; ++i)
    api.records.push_back({id_of(i), t0 + std::chrono::seconds(i) + 250ms});
  return api;
}

std::set<std::string> ids_between(const fake_reviews_api& api, timestamp since, timestamp until) {
  std::set<std::string> ids;
  for (const auto& r : api.records)
    if (r.update_date >= since && r.update_date < until) ids.insert(r.id);
  return ids;
}

bool contains_all(const std::set<std::string>& seen, const std::set<std::string>& wanted) {
  return std::includes(seen.begin(), seen.end(), wanted.begin(), wanted.end());
}

walk_start backfill_start(std::optional<std::string> progress, std::optional<timestamp> since,
                          std::optional<timestamp> until) {
  walk_start start;
  start.cursor = std::move(progress);
  start.backfill = backfill_range{since, until};
  return start;
}

TEST(PartooBackfillWalk, QuerySendsTheRangeAsGteAndLteInWholeSeconds) {
  reviews_walk walk(backfill_start(std::nullopt, t0 + 10s + 500ms, t0 + 100s + 200ms));
  auto query = walk.query();
  EXPECT_EQ(param(query, "order_by"), "update_date");
  EXPECT_EQ(param(query, "update_date__gte"), "2021-01-01T00:00:10");
  // lte is inclusive: rounded up so that everything below `until` is admitted.
  EXPECT_EQ(param(query, "update_date__lte"), "2021-01-01T00:01:41");
  reviews_walk whole(backfill_start(std::nullopt, std::nullopt, t0 + 100s));
  EXPECT_EQ(param(whole.query(), "update_date__gte"), "<absent>");
  EXPECT_EQ(param(whole.query(), "update_date__lte"), "2021-01-01T00:01:40");
  reviews_walk open_ended(backfill_start(std::nullopt, t0, std::nullopt));
  EXPECT_EQ(param(open_ended.query(), "update_date__lte"), "<absent>");
  // A live walk never sends an upper bound.
  reviews_walk live({cursor_of("2021-01-01T00:00:00Z"), false, std::nullopt, 1h});
  EXPECT_EQ(param(live.query(), "update_date__lte"), "<absent>");
}

TEST(PartooBackfillWalk, NeitherLookbackNorFullNorStartDateMoveTheStart) {
  walk_start start = backfill_start(std::nullopt, t0 + 30s, std::nullopt);
  start.full = true;
  start.start_date = t0 - 24h;
  start.lookback = 1h;
  reviews_walk walk(start);
  EXPECT_EQ(walk.position(), (reviews_position{t0 + 30s, 1}));
}

TEST(PartooBackfillWalk, ReadsOnlyTheRangeAndStopsAtUntilEvenWhenTheServerIgnoresLte) {
  auto api = one_per_second(1000);
  auto since = t0 + 200s;
  auto until = t0 + 450s;
  auto result = run_walk(api, backfill_start(std::nullopt, since, until));
  EXPECT_TRUE(contains_all(result.seen, ids_between(api, since, until)));
  // Pages from 200, 299 and 398 (the third reaches 450): nothing below `since`, and the walk
  // stops instead of going on to the present.
  EXPECT_EQ(api.requests, 3);
  EXPECT_EQ(*result.seen.begin(), id_of(200));
  EXPECT_EQ(*result.seen.rbegin(), id_of(497));
  ASSERT_EQ(result.batches.size(), 3u);
  // The progress is the largest update_date read, in the live cursor's form.
  EXPECT_EQ(result.batches[0].cursor_after, reviews_cursor(t0 + 299s + 250ms));
  EXPECT_EQ(result.batches[2].cursor_after, reviews_cursor(t0 + 497s + 250ms));
}

TEST(PartooBackfillWalk, AServerHonouringLteEndsTheWalkWithAShortPage) {
  auto api = one_per_second(1000);
  auto since = t0 + 200s;
  auto until = t0 + 450s;
  auto result = run_walk(api, backfill_start(std::nullopt, since, until), {}, true);
  EXPECT_TRUE(contains_all(result.seen, ids_between(api, since, until)));
  EXPECT_EQ(api.requests, 3);
  // lte 00:07:30 admits nothing at or past until's second: 449.25 is the last.
  EXPECT_EQ(*result.seen.rbegin(), id_of(449));
}

TEST(PartooBackfillWalk, ResumesFromItsProgressWithoutReReadingEarlierPages) {
  auto api = one_per_second(1000);
  auto since = t0 + 200s;
  auto until = t0 + 700s;
  auto first = run_walk(api, backfill_start(std::nullopt, since, until));
  ASSERT_GE(first.batches.size(), 3u);
  // The job died after its second batch committed; its progress is that batch's cursor_after.
  auto progress = first.batches[1].cursor_after;
  ASSERT_EQ(progress, reviews_cursor(t0 + 398s + 250ms));

  fake_reviews_api again = one_per_second(1000);
  auto resumed = run_walk(again, backfill_start(progress, since, until));
  EXPECT_EQ(again.asked.at(0), (reviews_position{t0 + 398s, 1}));
  EXPECT_EQ(*resumed.seen.begin(), id_of(398));  // only the record at the progress repeats
  EXPECT_TRUE(contains_all(resumed.seen, ids_between(again, t0 + 398s, until)));
  EXPECT_EQ(resumed.batches.back().cursor_after, first.batches.back().cursor_after);
}

TEST(PartooBackfillWalk, ProgressBelowSinceNeverMovesTheStartBelowSince) {
  reviews_walk walk(backfill_start(reviews_cursor(t0 + 5s), t0 + 60s, std::nullopt));
  EXPECT_EQ(walk.position().bound, t0 + 60s);
}

TEST(PartooBackfillWalk, TieBlockLongerThanAPageInsideTheRange) {
  fake_reviews_api api;
  int n = 0;
  for (int i = 0; i < 50; ++i) api.records.push_back({id_of(n++), t0 + std::chrono::seconds(i)});
  for (int i = 0; i < 30; ++i)
    api.records.push_back({id_of(n++), t0 + 100s + std::chrono::seconds(i)});
  for (int i = 0; i < 350; ++i) api.records.push_back({id_of(n++), t0 + 300s});  // one value
  for (int i = 0; i < 30; ++i)
    api.records.push_back({id_of(n++), t0 + 400s + std::chrono::seconds(i)});
  for (int i = 0; i < 500; ++i)
    api.records.push_back({id_of(n++), t0 + 1000s + std::chrono::seconds(i)});  // past until
  auto since = t0 + 100s;
  auto until = t0 + 900s;
  for (bool honour_lte : {false, true}) {
    fake_reviews_api server = api;
    auto result = run_walk(server, backfill_start(std::nullopt, since, until), {}, honour_lte);
    EXPECT_TRUE(contains_all(result.seen, ids_between(server, since, until))) << honour_lte;
    EXPECT_FALSE(result.seen.contains(id_of(0))) << honour_lte;
    EXPECT_LE(result.seen.size(), 410u + 100u) << honour_lte;  // at most one page past until
    EXPECT_LT(server.requests, 10) << honour_lte;
  }
}

TEST(PartooBackfillWalk, ResumingInsideALongTieBlockReadsTheBlockAgain) {
  fake_reviews_api api;
  int n = 0;
  for (int i = 0; i < 250; ++i) api.records.push_back({id_of(n++), t0 + 300s});
  for (int i = 0; i < 20; ++i)
    api.records.push_back({id_of(n++), t0 + 400s + std::chrono::seconds(i)});
  // Progress stands at the block's value: the job died while stepping through it.
  auto result = run_walk(api, backfill_start(reviews_cursor(t0 + 300s), t0, t0 + 500s));
  EXPECT_EQ(result.seen, all_ids(api));
}

TEST(PartooBackfillWalk, AnEmptyRangeWritesNothing) {
  auto api = one_per_second(100);
  auto result = run_walk(api, backfill_start(std::nullopt, t0 + 1h, t0 + 2h));
  EXPECT_TRUE(result.batches.empty());
  EXPECT_EQ(api.requests, 1);
}

TEST(PartooBackfillWalk, MalformedProgressIsADataError) {
  EXPECT_THROW(reviews_walk(backfill_start(std::string("{\"offset\":3}"), t0, std::nullopt)),
               error);
}

// ---- businesses

mapped_business business(std::string id, timestamp modified,
                         time_form form = time_form::unix_seconds) {
  return {row(tables::businesses.columns.size()), std::move(id), modified, form};
}

page<mapped_business> businesses_page(int first, int count, std::optional<std::int64_t> max_page,
                                      timestamp modified = t0,
                                      time_form form = time_form::unix_seconds) {
  page<mapped_business> p;
  p.max_page = max_page;
  for (int i = 0; i < count; ++i) p.records.push_back(business(id_of(first + i), modified, form));
  return p;
}

TEST(PartooBusinessesWalk, FirstRunQueriesEverything) {
  businesses_walk walk({});
  EXPECT_EQ(param(walk.query(), "page"), "1");
  EXPECT_EQ(param(walk.query(), "modified__gte"), "<absent>");
}

TEST(PartooBusinessesWalk, BoundInUnixSecondsWhenTheServerSendsNumbers) {
  businesses_cursor cursor{at("2019-06-24T00:11:51.681374Z"), time_form::unix_seconds};
  businesses_walk walk({businesses_cursor_json(cursor), false, std::nullopt, 1h});
  EXPECT_EQ(param(walk.query(), "modified__gte"), "1561331511.681374");
  auto url = net::make_url("https://api.partoo.co/v2", "/business/search", walk.query());
  EXPECT_EQ(url, "https://api.partoo.co/v2/business/search?page=1&modified__gte=1561331511.681374");
}

TEST(PartooBusinessesWalk, BoundInIsoWhenTheServerSendsStrings) {
  businesses_cursor cursor{at("2019-06-24T00:11:51.681374Z"), time_form::iso};
  businesses_walk walk({businesses_cursor_json(cursor), false, std::nullopt, 1h});
  EXPECT_EQ(param(walk.query(), "modified__gte"), "2019-06-23T23:11:51");
  auto url = net::make_url("https://api.partoo.co/v2", "/business/search", walk.query());
  EXPECT_NE(url.find("modified__gte=2019-06-23T23%3A11%3A51"), std::string::npos) << url;
}

TEST(PartooBusinessesWalk, StartDateOnAFirstRunIsSentAsUnixSeconds) {
  businesses_walk walk({std::nullopt, false, at("2015-01-01T00:00:00Z"), 1h});
  EXPECT_EQ(param(walk.query(), "modified__gte"), "1420070400.000000");
}

TEST(PartooBusinessesWalk, CursorJsonRoundTrips) {
  businesses_cursor cursor{at("2019-06-24T00:11:51.681374Z"), time_form::iso};
  auto json = businesses_cursor_json(cursor);
  EXPECT_EQ(json, R"({"modified":"2019-06-24T00:11:51.681374Z","form":"iso"})");
  EXPECT_EQ(parse_businesses_cursor(json), cursor);
  EXPECT_THROW(parse_businesses_cursor(std::string(R"({"modified":"x","form":"iso"})")), error);
  EXPECT_THROW(parse_businesses_cursor(std::string(R"({"modified":"2019-06-24","form":"v"})")),
               error);
}

TEST(PartooBusinessesWalk, CursorCommitsOnlyWithTheLastPage) {
  businesses_walk walk({});
  // Pages 1 and 2 of 3; the answer's own `page` is never consulted.
  auto out = walk.on_page(businesses_page(0, 30, 3, t0 + 10s));
  EXPECT_TRUE(out.empty());  // held until the next answer shows whether it was the last
  EXPECT_EQ(walk.position().page, 2);
  out = walk.on_page(businesses_page(30, 30, 3, t0 + 30s));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rows.size(), 30u);
  EXPECT_EQ(out[0].cursor_after, std::nullopt);
  EXPECT_EQ(walk.position().page, 3);
  out = walk.on_page(businesses_page(60, 7, 3, t0 + 20s));
  EXPECT_TRUE(walk.done());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].cursor_after, std::nullopt);
  EXPECT_EQ(out[0].rows.size(), 30u);
  EXPECT_EQ(out[1].rows.size(), 7u);
  EXPECT_EQ(out[1].table, &tables::businesses);
  EXPECT_EQ(out[1].cursor_after,
            businesses_cursor_json({t0 + 30s, time_form::unix_seconds}));  // the largest seen
}

TEST(PartooBusinessesWalk, ShortPagesDoNotEndTheWalkAnEmptyOneDoes) {
  businesses_walk walk({});
  auto out = walk.on_page(businesses_page(0, 20, std::nullopt, t0 + 5s, time_form::iso));
  EXPECT_FALSE(walk.done());
  out = walk.on_page(businesses_page(0, 0, std::nullopt));
  EXPECT_TRUE(walk.done());
  ASSERT_EQ(out.size(), 1u);  // the held page carries the cursor
  EXPECT_EQ(out[0].rows.size(), 20u);
  EXPECT_EQ(out[0].cursor_after, businesses_cursor_json({t0 + 5s, time_form::iso}));
}

TEST(PartooBusinessesWalk, BoundStaysFixedAcrossPages) {
  businesses_cursor cursor{t0, time_form::unix_seconds};
  businesses_walk walk({businesses_cursor_json(cursor), false, std::nullopt, 1h});
  auto first = walk.query();
  walk.on_page(businesses_page(0, 30, 5, t0 + 1h));
  EXPECT_EQ(param(walk.query(), "modified__gte"), param(first, "modified__gte"));
  EXPECT_EQ(param(walk.query(), "page"), "2");
}

TEST(PartooBusinessesWalk, NothingNewLeavesTheCursorAlone) {
  businesses_walk walk(
      {businesses_cursor_json({t0, time_form::unix_seconds}), false, std::nullopt, 1h});
  auto out = walk.on_page(businesses_page(0, 0, 0));
  EXPECT_TRUE(walk.done());
  EXPECT_TRUE(out.empty());
}

TEST(PartooBusinessesWalk, CursorNeverMovesBackwards) {
  auto committed = businesses_cursor_json({t0 + 1h, time_form::iso});
  businesses_walk walk({committed, false, std::nullopt, 2h});
  auto out = walk.on_page(businesses_page(0, 3, 1, t0));  // re-read inside the lookback
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].cursor_after, committed);
}

TEST(PartooBusinessesWalk, RepeatedPageThrows) {
  businesses_walk walk({});
  walk.on_page(businesses_page(0, 30, 100));
  EXPECT_THROW(walk.on_page(businesses_page(0, 30, 100)), error);
}

TEST(PartooBusinessesWalk, BackfillStartsAtSinceWithoutLookbackAndKeepsTheCursorToTheEnd) {
  walk_start start;
  start.start_date = t0 - 24h;
  start.lookback = 1h;
  start.full = true;
  start.backfill = backfill_range{at("2019-06-24T00:11:51.681374Z"), at("2019-07-01T00:00:00Z")};
  businesses_walk walk(start);
  EXPECT_EQ(param(walk.query(), "modified__gte"), "1561335111.681374");
  // `until` cannot end the walk (no upper filter, unknown order): every page is read.
  auto late = at("2020-01-01T00:00:00Z");
  EXPECT_TRUE(walk.on_page(businesses_page(0, 30, 2, late)).empty());
  EXPECT_FALSE(walk.done());
  auto out = walk.on_page(businesses_page(30, 5, 2, late + 1s));
  EXPECT_TRUE(walk.done());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].cursor_after, std::nullopt);
  EXPECT_EQ(out[1].cursor_after, businesses_cursor_json({late + 1s, time_form::unix_seconds}));
}

TEST(PartooBusinessesWalk, BackfillResumesFromItsProgressInItsForm) {
  walk_start start;
  start.cursor = businesses_cursor_json({at("2019-06-24T00:11:51Z"), time_form::iso});
  start.backfill = backfill_range{at("2019-01-01T00:00:00Z"), std::nullopt};
  businesses_walk walk(start);
  EXPECT_EQ(param(walk.query(), "modified__gte"), "2019-06-24T00:11:51");
  // A progress below `since` does not move the start below it.
  start.backfill = backfill_range{at("2020-01-01T00:00:00Z"), std::nullopt};
  businesses_walk later_since(start);
  EXPECT_EQ(param(later_since.query(), "modified__gte"), "2020-01-01T00:00:00");
}

TEST(PartooBusinessesWalk, MaxPageEndsTheWalk) {
  EXPECT_EQ(next_businesses_position({std::nullopt, time_form::iso, 10}, 30, 10), std::nullopt);
  EXPECT_EQ(next_businesses_position({std::nullopt, time_form::iso, 1}, 0, 10), std::nullopt);
  auto next = next_businesses_position({t0, time_form::iso, 1}, 30, 10);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, (businesses_position{t0, time_form::iso, 2}));
}

// A /business/search imitation: 30 per page, pages counted from `first` (max_page is the last
// page's number), `refuse_zero` answering page 0 as a client error would.
struct fake_businesses_api {
  fake_businesses_api(int total_, int first_) : total(total_), first(first_) {}
  int total = 0;
  int first = 1;
  timestamp modified = t0;
  std::vector<std::int64_t> asked;

  page<mapped_business> answer(std::int64_t page_number) {
    asked.push_back(page_number);
    auto pages = std::max(1, (total + 29) / 30);
    page<mapped_business> p;
    p.count = total;
    p.max_page = pages - 1 + first;
    auto index = page_number - first;
    if (index < 0) index = 0;  // a server counting from 1 that reads page 0 as page 1
    for (auto i = index * 30; i < total && i < index * 30 + 30; ++i)
      p.records.push_back(business(id_of(static_cast<int>(i)), modified + std::chrono::seconds(i)));
    return p;
  }
};

struct businesses_result {
  std::set<std::string> rows;
  std::vector<record_batch> batches;
};

// Walks to the end; `rows` collects the ids of every business handed out in a batch.
businesses_result run_businesses(fake_businesses_api& api) {
  businesses_walk walk({});
  businesses_result out;
  std::vector<std::string> pending;  // ids of answers whose batch is still held by the walk
  int guard = 0;
  while (!walk.done() && guard++ < 100) {
    auto answer = api.answer(walk.position().page);
    for (const auto& b : answer.records) pending.push_back(b.id);
    auto batches = walk.on_page(std::move(answer));
    for (auto& b : batches) {
      for (std::size_t i = 0; i < b.rows.size(); ++i) out.rows.insert(pending[i]);
      pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(b.rows.size()));
      out.batches.push_back(std::move(b));
    }
  }
  return out;
}

TEST(PartooBusinessesWalk, PagesCountedFromZeroAreReadWhole) {
  for (int total : {0, 10, 30, 45, 100}) {
    fake_businesses_api api{total, 0};
    auto result = run_businesses(api);
    EXPECT_EQ(result.rows.size(), static_cast<std::size_t>(total)) << total;
    if (total > 0) {
      ASSERT_FALSE(result.batches.empty());
      // Complete: the cursor commits, with the last batch only.
      EXPECT_TRUE(result.batches.back().cursor_after.has_value()) << total;
      EXPECT_EQ(api.asked.back(), 0) << total;  // page 0 was asked once, after the others
      EXPECT_EQ(std::count(api.asked.begin(), api.asked.end(), 0), 1) << total;
    }
  }
}

TEST(PartooBusinessesWalk, PagesCountedFromOneNeverAskPageZero) {
  fake_businesses_api api{75, 1};
  auto result = run_businesses(api);
  EXPECT_EQ(result.rows.size(), 75u);
  EXPECT_EQ(api.asked, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_TRUE(result.batches.back().cursor_after.has_value());
}

TEST(PartooBusinessesWalk, AnIncompleteWalkCommitsNoCursor) {
  // The count promises more than the pages hold, and page 0 is refused: the rows are written,
  // but the cursor stays where it was, so the next run reads the same businesses again.
  fake_businesses_api api{40, 1};
  businesses_walk walk({});
  auto p1 = api.answer(1);
  p1.count = 55;
  EXPECT_TRUE(walk.on_page(std::move(p1)).empty());
  auto out = walk.on_page(api.answer(2));
  EXPECT_TRUE(walk.probing_page_zero());
  EXPECT_EQ(walk.position().page, 0);
  for (auto& b : walk.on_page_refused()) out.push_back(std::move(b));
  EXPECT_TRUE(walk.done());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].cursor_after, std::nullopt);
  EXPECT_EQ(out[1].cursor_after, std::nullopt);
  EXPECT_FALSE(walk.tally().complete());
  EXPECT_EQ(walk.tally().seen(), 40);
}

TEST(PartooBusinessesWalk, PageZeroRepeatingPageOneIsNotALoop) {
  // A server counting from 1 that answers page 0 with page 1, while the count says more exist.
  fake_businesses_api api{20, 1};
  businesses_walk walk({});
  auto p1 = api.answer(1);
  p1.count = 25;
  walk.on_page(std::move(p1));
  ASSERT_TRUE(walk.probing_page_zero());
  std::vector<record_batch> out;
  EXPECT_NO_THROW(out = walk.on_page(api.answer(0)));
  EXPECT_TRUE(walk.done());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out.back().cursor_after, std::nullopt);
}

TEST(PartooBusinessesWalk, AModifiedDateInTheFutureStopsTheCursorAtNow) {
  walk_start start;
  start.now = at("2024-05-01T12:00:00Z");
  run_counters counters;
  start.counters = &counters;
  businesses_walk walk(start);
  auto p = businesses_page(0, 3, 1, t0);
  p.records[1].modified = at("9999-12-31T23:00:00-05:00");
  auto out = walk.on_page(std::move(p));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].cursor_after, businesses_cursor_json({start.now, time_form::unix_seconds}));
  EXPECT_EQ(counters.warnings, 1);
}

}  // namespace
}  // namespace sluice::connectors::partoo
