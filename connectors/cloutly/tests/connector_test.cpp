// The Cloutly streams (connector.cpp), run through the connector against canned answers and a
// recording sink: which requests they send, and in which order they call begin_snapshot, write and
// complete_snapshot.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>

#include "tests/support/run_sync.hpp"
#include "connectors/cloutly/cloutly.hpp"
#include "connectors/cloutly/walk.hpp"
#include "connectors/registry.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "net/http_client.hpp"
#include "tests/connectors/test_support.hpp"
#include "tests/connectors/connector_harness.hpp"
#include "tests/connectors/recording_sink.hpp"

namespace sluice::connectors::cloutly {
namespace {

using boost::asio::awaitable;
using namespace std::chrono_literals;
using test::at;

const timestamp t0 = at("2021-06-01T12:00:00Z");

// Runs a coroutine to its end on a fresh io_context; rethrows what it threw.
using test::run_sync;

using test::recording_sink;

std::string param_of(std::string_view url, std::string_view key) {
  auto query = url.substr(url.find('?') + 1);
  std::string needle = std::string(key) + "=";
  for (std::size_t at = 0; at < query.size();) {
    auto end = query.find('&', at);
    auto pair = query.substr(at, end == std::string_view::npos ? query.npos : end - at);
    if (pair.substr(0, needle.size()) == needle) return std::string(pair.substr(needle.size()));
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return "<absent>";
}

net::response json_answer(const boost::json::value& body) {
  return {200, {{"Content-Type", "application/json; charset=utf-8"}}, boost::json::serialize(body)};
}

// Canned GET /reviews and GET /businesses answers, newest review first, `limit` capped at `cap`.
struct fake_cloutly {
  int reviews = 0;
  std::int64_t cap = 100;
  int businesses = 0;
  int hidden = 0;            // reviews `total` counts that the listing never shows
  int fail_at_request = -1;  // throw a server error on this request (0-based)
  bool drop_created_at_on_second_page = false;
  std::vector<std::string> urls;

  static std::string id_of(int n) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "r%05d", n);
    return buf;
  }

  net::response answer(const std::string& url) {
    auto request = static_cast<int>(urls.size());
    urls.push_back(url);
    if (request == fail_at_request)
      throw error(error_kind::server, "source 'cl': GET " + url + ": 503", 503);
    if (url.find("/businesses") != std::string::npos) {
      boost::json::array list;
      for (int i = 0; i < businesses; ++i)
        list.push_back(boost::json::object{{"id", "b" + std::to_string(i)},
                                           {"name", "Shop " + std::to_string(i)},
                                           {"sources", boost::json::array{"google"}}});
      return json_answer(list);
    }
    auto offset = std::stoll(param_of(url, "offset") == "<absent>" ? "0" : param_of(url, "offset"));
    auto limit = std::min<std::int64_t>(std::stoll(param_of(url, "limit")), cap);
    boost::json::array list;
    for (auto i = offset; i < offset + limit && i < reviews; ++i) {
      boost::json::object review{{"id", id_of(static_cast<int>(i))},
                                 {"businessId", "b1"},
                                 {"rating", "5"},
                                 {"source", "google"},
                                 {"response", nullptr}};
      if (!(drop_created_at_on_second_page && request == 1))
        review["createdAt"] = format_timestamp(t0 - std::chrono::minutes(i));
      list.push_back(std::move(review));
    }
    return json_answer(
        boost::json::object{{"total", reviews + hidden}, {"reviews", std::move(list)}});
  }

  connectors::fetcher fetch() {
    return test::by_url(
        [this](std::string url) -> awaitable<net::response> { co_return answer(url); });
  }
};

source_config cloutly_source() {
  source_config source;
  source.name = "cl";
  source.kind = "cloutly";
  source.base_url = "https://app.cloutly.com/api/v1";
  source.api_key = secret("jwt-SECRET-value");
  source.lookback = 1h;
  source.max_delete_fraction = 0.25;
  return source;
}

struct fixture {
  source_config source = cloutly_source();
  fake_cloutly server;
  recording_sink out;
  run_counters counters;

  std::optional<connectors::fetcher> network;  // instead of `server`, when set

  fixture() { out.record_flush = false; }

  // One run of `stream` through the connector; returns why it was held back, if it was.
  std::optional<std::string> pull(std::string stream, bool full,
                                  std::optional<std::string> cursor) {
    auto connector = make_connector(source);
    return test::run_stream(*connector, source, std::move(stream), network.value_or(server.fetch()),
                            out, counters, full, std::move(cursor));
  }
  std::optional<std::string> backfill(std::optional<std::string> progress, backfill_range range) {
    auto connector = make_connector(source);
    return test::run_stream(*connector, source, "reviews", server.fetch(), out, counters, false,
                            std::move(progress), range);
  }
};

// `sluice check` against `network`, for source "cl" at https://app.cloutly.com/api/v1.
std::string check_with(connectors::fetcher network) {
  run_counters counters;
  return run_sync(make_connector(cloutly_source())->check(std::move(network), counters));
}

std::string high_water(timestamp t) { return reviews_cursor_json({t, std::nullopt}); }

// ---- the connector's description

TEST(CloutlyConnector, StreamsAndRegistryEntry) {
  auto source = cloutly_source();
  auto connector = make_connector(source);
  auto streams = connector->streams();
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[0].name, "reviews");
  EXPECT_EQ(streams[0].table, &tables::reviews);
  EXPECT_EQ(streams[0].mode, stream_mode::incremental);
  EXPECT_TRUE(streams[0].full_refresh);
  EXPECT_TRUE(streams[0].backfill);
  EXPECT_EQ(streams[1].name, "businesses");
  EXPECT_EQ(streams[1].table, &tables::businesses);
  EXPECT_EQ(streams[1].mode, stream_mode::snapshot);
  EXPECT_FALSE(streams[1].full_refresh);
  EXPECT_FALSE(streams[1].backfill);

  const auto* kind = find_kind("cloutly");
  ASSERT_NE(kind, nullptr);
  EXPECT_EQ(kind->default_base_url, "https://app.cloutly.com/api/v1");
  EXPECT_DOUBLE_EQ(kind->default_rate.per_second, 100.0 / 60.0);
  EXPECT_EQ(kind->credentials, (std::vector<std::string_view>{"api_key"}));
  EXPECT_NE(kind->make(source), nullptr);
}

TEST(CloutlyConnector, AuthenticatesWithTheXApiKeyHeaderVerbatim) {
  auto auth = make_authenticator(cloutly_source());
  net::request request;
  auth->apply(request);
  ASSERT_EQ(request.headers.size(), 1u);
  EXPECT_EQ(request.headers[0].name, "x-api-key");
  EXPECT_EQ(request.headers[0].value, "jwt-SECRET-value");
}

TEST(CloutlyConnector, UnknownStreamIsAConfigError) {
  boost::asio::io_context io;
  net::http_client http(io.get_executor(), {}, std::make_shared<net::token_bucket>(0.0, 1.0),
                        make_authenticator(cloutly_source()));
  auto source = cloutly_source();
  auto connector = make_connector(source);
  recording_sink out;
  run_counters counters;
  stream_run run{source, "photos", false, std::nullopt, http, out, counters};
  try {
    run_sync(connector->run(run));
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    EXPECT_NE(std::string(e.what()).find("photos"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(out.events.empty());
}

// ---- reviews

TEST(CloutlyConnector, FirstRunIsAFullWalkWrappedInASnapshot) {
  fixture f;
  f.server.reviews = 230;
  f.pull("reviews", false, std::nullopt);
  EXPECT_EQ(f.server.urls,
            (std::vector<std::string>{
                "https://app.cloutly.com/api/v1/reviews?limit=100&offset=0&sort=desc",
                "https://app.cloutly.com/api/v1/reviews?limit=100&offset=95&sort=desc",
                "https://app.cloutly.com/api/v1/reviews?limit=100&offset=190&sort=desc",
                // The overlap again: shorter than the pages before, nothing new, so the end.
                "https://app.cloutly.com/api/v1/reviews?limit=100&offset=225&sort=desc"}));
  EXPECT_EQ(f.out.sequence(),
            (std::vector<std::string>{"begin", "write", "write", "write", "write", "complete"}));
  EXPECT_FALSE(f.out.events[0].resume);
  for (int i = 1; i <= 4; ++i) {
    auto cursor = parse_reviews_cursor(f.out.events[i].cursor);
    EXPECT_EQ(cursor.high_water, std::nullopt);  // nothing committed before the walk completes
    ASSERT_TRUE(cursor.walk);
    EXPECT_TRUE(cursor.walk->full);
  }
  EXPECT_EQ(f.out.events[3].rows, 40u);  // 190-229: pages overlap by page_overlap
  const auto& complete = f.out.events[5];
  EXPECT_DOUBLE_EQ(complete.fraction, 0.25);  // the source's max_delete_fraction
  EXPECT_EQ(complete.cursor, high_water(t0));
  // Rows are mapped: the string rating became numeric text.
  const auto& first = f.out.batches.at(0).rows.at(0);
  EXPECT_EQ(std::get<std::string>(first.at(tables::reviews.index("rating"))), "5");
  EXPECT_EQ(std::get<std::string>(first.at(tables::reviews.index("external_id"))), "r00000");
}

TEST(CloutlyConnector, IncrementalRunCommitsTheHighWaterWithItsLastBatchAndNoSnapshot) {
  fixture f;
  f.server.reviews = 1000;
  // High water at t0-150m, lookback 1h: the walk stops at the page holding index 211.
  f.pull("reviews", false, high_water(t0 - 150min));
  EXPECT_EQ(f.server.urls.size(), 3u);
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"write", "write", "write"}));
  EXPECT_EQ(parse_reviews_cursor(f.out.events[0].cursor).high_water, t0 - 150min);
  EXPECT_EQ(f.out.events[2].cursor, high_water(t0));
}

TEST(CloutlyConnector, CappedPagesMoveTheOffsetByWhatCame) {
  fixture f;
  f.server.reviews = 70;
  f.server.cap = 25;
  f.pull("reviews", true, high_water(t0));
  // 25 came each time; the next page starts page_overlap before their end: 0, 20, 40, 60. The
  // page at 60 holds the last 10 (5 of them new) and advances fully; the empty page at 70 ends it.
  ASSERT_EQ(f.server.urls.size(), 5u);
  EXPECT_NE(f.server.urls[1].find("offset=20&"), std::string::npos) << f.server.urls[1];
  EXPECT_NE(f.server.urls[2].find("offset=40&"), std::string::npos) << f.server.urls[2];
  EXPECT_NE(f.server.urls[3].find("offset=60&"), std::string::npos) << f.server.urls[3];
  EXPECT_NE(f.server.urls[4].find("offset=70&"), std::string::npos) << f.server.urls[4];
  EXPECT_EQ(f.out.sequence(),
            (std::vector<std::string>{"begin", "write", "write", "write", "write", "complete"}));
}

TEST(CloutlyConnector, ResumedFullWalkKeepsTheSnapshotsIds) {
  fixture f;
  f.server.reviews = 300;
  // The interrupted walk had read 200 distinct reviews of a listing of 300.
  reviews_cursor stored{t0 - 1min, walk_progress{200, t0, true, walk_tally{200, 300, {}}}};
  auto held_back = f.pull("reviews", false, reviews_cursor_json(stored));
  EXPECT_EQ(held_back, std::nullopt);
  EXPECT_EQ(f.server.urls,
            (std::vector<std::string>{
                "https://app.cloutly.com/api/v1/reviews?limit=100&offset=200&sort=desc",
                "https://app.cloutly.com/api/v1/reviews?limit=100&offset=295&sort=desc"}));
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"begin", "write", "write", "complete"}));
  EXPECT_TRUE(f.out.events[0].resume);
  EXPECT_EQ(f.out.events[3].cursor, high_water(t0));
}

TEST(CloutlyConnector, AFailedPageLeavesTheSnapshotOpenAndTheWalkResumable) {
  fixture f;
  f.server.reviews = 500;
  f.server.fail_at_request = 2;
  try {
    f.pull("reviews", true, high_water(t0 - 1h));
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::server);
  }
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"begin", "write", "write"}));
  // The next run finds the walk at offset 190 (pages 0 and 95 were written) and resumes it as a
  // snapshot.
  auto stored = f.out.events.back().cursor;
  auto parsed = parse_reviews_cursor(stored);
  EXPECT_EQ(parsed.high_water, t0 - 1h);
  ASSERT_TRUE(parsed.walk);
  EXPECT_EQ(parsed.walk->offset, 190);
  EXPECT_EQ(parsed.walk->newest, t0);
  EXPECT_TRUE(parsed.walk->full);
  EXPECT_EQ(parsed.walk->tally.read, 195);  // 0-99 and 95-194: the overlap counted once
  EXPECT_EQ(parsed.walk->tally.least_total, 500);

  fixture next;
  next.server.reviews = 500;
  auto held_back = next.pull("reviews", false, stored);
  EXPECT_EQ(held_back, std::nullopt);      // the resumed walk counted on from 195: all 500 read
  ASSERT_EQ(next.server.urls.size(), 5u);  // offsets 190, 285, 380, 475, 495
  EXPECT_NE(next.server.urls[0].find("offset=190&"), std::string::npos) << next.server.urls[0];
  EXPECT_EQ(next.out.sequence(), (std::vector<std::string>{"begin", "write", "write", "write",
                                                           "write", "write", "complete"}));
  EXPECT_TRUE(next.out.events[0].resume);
  EXPECT_EQ(next.out.events.back().cursor, high_water(t0));
}

TEST(CloutlyConnector, AFullWalkThatReadFewerThanTheTotalCommitsItsCursorButDeletesNothing) {
  fixture f;
  f.server.reviews = 230;
  f.server.hidden = 3;  // the total counts 233: three reviews the listing never showed
  auto held_back = f.pull("reviews", true, high_water(t0 - 1h));
  ASSERT_TRUE(held_back);
  EXPECT_NE(held_back->find("read 230 distinct reviews, but the listing reported 233"),
            std::string::npos)
      << *held_back;
  // No complete_snapshot: nothing is marked deleted. The final cursor still commits (the walk is
  // over), in a batch of its own without rows.
  EXPECT_EQ(f.out.sequence(),
            (std::vector<std::string>{"begin", "write", "write", "write", "write", "write"}));
  EXPECT_EQ(f.out.events.back().rows, 0u);
  EXPECT_EQ(f.out.events.back().cursor, high_water(t0));
}

TEST(CloutlyConnector, AReviewWithoutCreatedAtFailsTheRunWithoutCompletingTheSnapshot) {
  fixture f;
  f.server.reviews = 300;
  f.server.drop_created_at_on_second_page = true;
  try {
    f.pull("reviews", true, std::nullopt);
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("createdAt"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("source 'cl'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"begin", "write"}));
}

// ---- backfill

TEST(CloutlyConnector, BackfillWritesProgressWithEveryBatchAndNeverOpensASnapshot) {
  fixture f;
  f.server.reviews = 1000;  // one a minute from t0 down
  // No live cursor at all: a live run would make this a full walk; a backfill never is.
  f.backfill(std::nullopt, {t0 - 250min, t0 - 100min});
  EXPECT_EQ(f.server.urls,
            (std::vector<std::string>{
                "https://app.cloutly.com/api/v1/reviews?limit=100&offset=0&sort=desc",
                "https://app.cloutly.com/api/v1/reviews?limit=100&offset=95&sort=desc",
                "https://app.cloutly.com/api/v1/reviews?limit=100&offset=190&sort=desc"}));
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"write", "write", "write"}));
  EXPECT_EQ(f.out.events[0].cursor, backfill_progress_json({95, t0 - 99min}));
  EXPECT_EQ(f.out.events[2].cursor, backfill_progress_json({290, t0 - 289min}));
}

TEST(CloutlyConnector, BackfillResumesAtTheStoredOffset) {
  fixture f;
  f.server.reviews = 1000;
  auto progress = backfill_progress_json({190, t0 - 194min});
  f.backfill(progress, {t0 - 250min, std::nullopt});
  EXPECT_EQ(f.server.urls,
            (std::vector<std::string>{
                "https://app.cloutly.com/api/v1/reviews?limit=100&offset=190&sort=desc"}));
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"write"}));
  EXPECT_EQ(f.out.events[0].cursor, backfill_progress_json({290, t0 - 289min}));
}

TEST(CloutlyConnector, AFailedBackfillPageLeavesTheLastProgress) {
  fixture f;
  f.server.reviews = 1000;
  f.server.fail_at_request = 2;
  EXPECT_THROW(f.backfill(std::nullopt, {t0 - 500min, std::nullopt}), error);
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"write", "write"}));
  EXPECT_EQ(f.out.events.back().cursor, backfill_progress_json({190, t0 - 194min}));
}

TEST(CloutlyConnector, BusinessesCannotBeBackfilled) {
  boost::asio::io_context io;
  net::http_client http(io.get_executor(), {}, std::make_shared<net::token_bucket>(0.0, 1.0),
                        make_authenticator(cloutly_source()));
  auto source = cloutly_source();
  auto connector = make_connector(source);
  recording_sink out;
  run_counters counters;
  stream_run run{source, "businesses", false, std::nullopt, http, out, counters};
  run.backfill = backfill_range{t0 - 24h, std::nullopt};
  try {
    run_sync(connector->run(run));
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    EXPECT_NE(std::string(e.what()).find("backfill"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(out.events.empty());  // above all no begin_snapshot
}

TEST(CloutlyConnector, CursorTimeIsTheHighWaterMark) {
  auto source = cloutly_source();
  auto connector = make_connector(source);
  EXPECT_EQ(connector->cursor_time("reviews", high_water(t0 + 1500us)), t0 + 1500us);
  // Mid-walk: still the committed high-water mark, not the walk's newest.
  reviews_cursor walking{t0 - 1h, walk_progress{300, t0, false}};
  EXPECT_EQ(connector->cursor_time("reviews", reviews_cursor_json(walking)), t0 - 1h);
  EXPECT_EQ(connector->cursor_time("reviews", "{}"), std::nullopt);  // a walk that found nothing
  for (auto garbage : {"", "not json", "[]", R"({"high_water":"yesterday"})", R"({"high_water":5})",
                       R"({"walk":{"offset":-3,"full":true}})"})
    EXPECT_EQ(connector->cursor_time("reviews", garbage), std::nullopt) << garbage;
  EXPECT_EQ(connector->cursor_time("businesses", high_water(t0)), std::nullopt);
  EXPECT_EQ(connector->cursor_time("photos", high_water(t0)), std::nullopt);
}

// ---- businesses

TEST(CloutlyConnector, BusinessesAreASnapshotInBatchesOfAThousand) {
  fixture f;
  f.server.businesses = 2300;
  f.pull("businesses", false, std::nullopt);
  EXPECT_EQ(f.server.urls, (std::vector<std::string>{"https://app.cloutly.com/api/v1/businesses"}));
  EXPECT_EQ(f.out.sequence(),
            (std::vector<std::string>{"begin", "write", "write", "write", "complete"}));
  EXPECT_FALSE(f.out.events[0].resume);
  EXPECT_EQ(f.out.events[1].rows, 1000u);
  EXPECT_EQ(f.out.events[3].rows, 300u);
  for (int i = 1; i <= 3; ++i) EXPECT_EQ(f.out.events[i].cursor, std::nullopt);
  EXPECT_DOUBLE_EQ(f.out.events[4].fraction, 0.25);
  EXPECT_EQ(f.out.events[4].cursor, std::nullopt);
  EXPECT_EQ(f.out.batches[0].table, &tables::businesses);
}

TEST(CloutlyConnector, AnEmptyBusinessesAnswerStillCompletesTheSnapshot) {
  // The store's safety valve, not the connector, decides that an empty answer deletes nothing.
  fixture f;
  f.pull("businesses", true, std::nullopt);
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"begin", "complete"}));
}

TEST(CloutlyConnector, AnUnusableBusinessesAnswerDoesNotCompleteTheSnapshot) {
  fixture f;
  f.network = test::by_url([](std::string) -> awaitable<net::response> {
    co_return net::response{200, {{"Content-Type", "text/html"}}, "<html>login</html>"};
  });
  EXPECT_THROW(f.pull("businesses", false, std::nullopt), error);
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"begin"}));
}

// ---- check

TEST(CloutlyConnector, CheckReportsTheTotal) {
  fake_cloutly server;
  server.reviews = 30;
  auto text = check_with(server.fetch());
  EXPECT_EQ(text, "authenticated; 30 reviews");
  EXPECT_EQ(server.urls,
            (std::vector<std::string>{"https://app.cloutly.com/api/v1/reviews?limit=1"}));

  auto without_total = test::by_url([](std::string) -> awaitable<net::response> {
    co_return json_answer(boost::json::object{{"reviews", boost::json::array{}}});
  });
  EXPECT_EQ(check_with(without_total), "authenticated");
  auto no_list = test::by_url([](std::string) -> awaitable<net::response> {
    co_return json_answer(boost::json::object{{"message", "ok"}});
  });
  EXPECT_THROW(check_with(no_list), error);
}

}  // namespace
}  // namespace sluice::connectors::cloutly
