// The Partoo connector as the daemon sees it: its streams, cursor_time, and backfill runs through a
// real http_client against sluice-fakeapi (whose GET /reviews honours update_date__gte/__lte).
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <exception>
#include <map>
#include <set>

#include "connectors/partoo/partoo.hpp"
#include "connectors/partoo/walk.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "net/http_client.hpp"
#include "tests/connectors/test_support.hpp"
#include "tests/connectors/recording_sink.hpp"
#include "tests/support/fakeapi.hpp"

namespace sluice::connectors::partoo {
namespace {

using namespace std::chrono_literals;
using test::at;
using test::recording_sink;

timestamp floor_seconds(timestamp t) {
  return std::chrono::time_point_cast<timestamp::duration>(
      std::chrono::floor<std::chrono::seconds>(t));
}
timestamp ceil_seconds(timestamp t) {
  return std::chrono::time_point_cast<timestamp::duration>(
      std::chrono::ceil<std::chrono::seconds>(t));
}

// A filter value as it appears in a request target: naive UTC seconds, ':' percent-encoded.
std::string in_target(timestamp t) {
  auto text = format_naive_utc(t);
  std::string out;
  for (char c : text) out += c == ':' ? std::string("%3A") : std::string(1, c);
  return out;
}

source_config partoo_source(std::string base_url = "https://api.partoo.co/v2") {
  source_config source;
  source.name = "p";
  source.kind = "partoo";
  source.base_url = std::move(base_url);
  source.api_key = secret("partoo-test-key");  // sluice-fakeapi's default
  source.lookback = 1h;
  source.start_date = at("2000-01-01T00:00:00Z");
  return source;
}

// ---- what the daemon reads off the connector

TEST(PartooConnector, BothStreamsCanBeBackfilled) {
  auto connector = make_connector(partoo_source());
  auto streams = connector->streams();
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[0].name, "reviews");
  EXPECT_EQ(streams[0].mode, stream_mode::incremental);
  EXPECT_TRUE(streams[0].backfill);
  EXPECT_FALSE(streams[0].full_refresh);
  EXPECT_EQ(streams[1].name, "businesses");
  EXPECT_EQ(streams[1].mode, stream_mode::incremental);
  EXPECT_TRUE(streams[1].backfill);
  EXPECT_FALSE(streams[1].full_refresh);
}

TEST(PartooConnector, CursorTimeParsesEachStreamsCursorAndNeverThrows) {
  auto connector = make_connector(partoo_source());
  auto t = at("2017-08-01T17:15:54.256123Z");
  EXPECT_EQ(connector->cursor_time("reviews", reviews_cursor(t)), t);
  EXPECT_EQ(
      connector->cursor_time("reviews", R"({"update_date":"2017-08-01T19:15:54.256123+02:00"})"),
      t);
  EXPECT_EQ(
      connector->cursor_time("businesses", businesses_cursor_json({t, time_form::unix_seconds})),
      t);
  EXPECT_EQ(connector->cursor_time("businesses", businesses_cursor_json({t, time_form::iso})), t);
  // Each stream reads only its own form.
  EXPECT_EQ(connector->cursor_time("reviews", businesses_cursor_json({t, time_form::iso})),
            std::nullopt);
  EXPECT_EQ(connector->cursor_time("businesses", reviews_cursor(t)), std::nullopt);
  for (auto garbage :
       {"", "not json", "[]", "{}", R"({"update_date":5})", R"({"update_date":"<string>"})",
        R"({"modified":"2019-06-24","form":"x"})"}) {
    EXPECT_EQ(connector->cursor_time("reviews", garbage), std::nullopt) << garbage;
    EXPECT_EQ(connector->cursor_time("businesses", garbage), std::nullopt) << garbage;
  }
  EXPECT_EQ(connector->cursor_time("photos", reviews_cursor(t)), std::nullopt);
}

// ---- backfill against sluice-fakeapi

struct fake_review {
  std::string id;
  timestamp update_date;
};

// One shared fake for the backfill tests: 3000 reviews, 250 of them sharing one update_date.
class PartooBackfillAgainstFake : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    fake_ = new test::fakeapi({"--partoo-reviews", "3000", "--partoo-tie-block", "250"});
    auto dump = fake_->get("/_control/partoo/reviews");
    for (const auto& v : dump.as_array()) {
      const auto& o = v.as_object();
      reviews_.push_back({std::to_string(o.at("id").to_number<std::int64_t>()),
                          *parse_timestamp(o.at("update_date").as_string())});
    }
    std::sort(reviews_.begin(), reviews_.end(),
              [](const auto& a, const auto& b) { return a.update_date < b.update_date; });
  }
  static void TearDownTestSuite() {
    delete fake_;
    fake_ = nullptr;
    reviews_.clear();
  }

  void SetUp() override { fake_->reset_stats(); }

  // Where the 250 equal update_dates start in reviews_.
  static std::size_t tie_start() {
    for (std::size_t i = 0; i + 249 < reviews_.size(); ++i)
      if (reviews_[i].update_date == reviews_[i + 249].update_date) return i;
    throw std::logic_error("the fake has no tie block");
  }

  static std::set<std::string> ids_between(timestamp since, timestamp until) {
    std::set<std::string> ids;
    for (const auto& r : reviews_)
      if (r.update_date >= since && r.update_date < until) ids.insert(r.id);
    return ids;
  }

  struct outcome {
    recording_sink out;
    std::map<std::string, timestamp> written;  // external_id -> updated_at
  };

  // One backfill run of the reviews stream through a real http_client.
  static std::unique_ptr<outcome> run_backfill(std::optional<std::string> progress,
                                               backfill_range range) {
    auto source = partoo_source(fake_->http_url("/partoo/v2"));
    auto connector = make_connector(source);
    boost::asio::io_context io;
    net::client_options options;
    options.source = source.name;
    net::http_client http(io.get_executor(), options, std::make_shared<net::token_bucket>(0.0, 1.0),
                          make_authenticator(source));
    auto result = std::make_unique<outcome>();
    run_counters counters;
    stream_run run{source, "reviews", false, std::move(progress), http, result->out, counters};
    run.backfill = range;
    std::exception_ptr failure;
    boost::asio::co_spawn(io, connector->run(run),
                          [&](std::exception_ptr e, write_totals) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);
    for (const auto& batch : result->out.batches)
      for (const auto& row : batch.rows)
        result->written[test::value_of<std::string>(row, tables::reviews, "external_id")] =
            test::value_of<timestamp>(row, tables::reviews, "updated_at");
    return result;
  }

  static std::vector<std::string> reviews_requests() {
    std::vector<std::string> out;
    for (auto& target : fake_->request_log())
      if (target.find("/partoo/v2/reviews") != std::string::npos) out.push_back(target);
    return out;
  }

  static test::fakeapi* fake_;
  static std::vector<fake_review> reviews_;
};

test::fakeapi* PartooBackfillAgainstFake::fake_ = nullptr;
std::vector<fake_review> PartooBackfillAgainstFake::reviews_;

bool contains_all(const std::map<std::string, timestamp>& written,
                  const std::set<std::string>& wanted) {
  return std::all_of(wanted.begin(), wanted.end(),
                     [&](const std::string& id) { return written.contains(id); });
}

TEST_F(PartooBackfillAgainstFake, ReadsOnlyTheRangeThroughATieBlockAndStops) {
  auto tie = tie_start();
  ASSERT_GE(tie, 400u);
  ASSERT_LT(tie + 250 + 400, reviews_.size());
  // 300 reviews, the 250-review tie block, 300 more: [since, until) spans several pages.
  auto since = reviews_[tie - 300].update_date;
  auto until = reviews_[tie + 250 + 300].update_date;
  auto expected = ids_between(since, until);
  ASSERT_GE(expected.size(), 850u);

  auto result = run_backfill(std::nullopt, {since, until});
  EXPECT_TRUE(contains_all(result->written, expected));
  for (const auto& [id, updated] : result->written) {
    EXPECT_GE(updated, floor_seconds(since)) << id;
    EXPECT_LE(updated, ceil_seconds(until)) << id;
  }
  // Every request carried the range. About one page per 99 reviews (pages overlap by one), a
  // few more to step through the tie block; reading on to the present would take twice as many.
  auto requests = reviews_requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_LE(requests.size(), expected.size() / 99 + 5);
  EXPECT_NE(requests[0].find("update_date__gte=" + in_target(since)), std::string::npos)
      << requests[0];
  for (const auto& target : requests) {
    EXPECT_NE(target.find("update_date__lte=" + in_target(ceil_seconds(until))), std::string::npos)
        << target;
    EXPECT_NE(target.find("update_date__gte="), std::string::npos) << target;
  }
  // The deleted walk (state__in=deleted) comes first and moves no progress; then the progress is
  // the largest update_date read so far, never moving backwards; no snapshot, no flush before the
  // end.
  auto sequence = result->out.sequence();
  ASSERT_GE(sequence.size(), 3u);
  EXPECT_EQ(sequence.back(), "flush");
  EXPECT_NE(requests[0].find("state__in=deleted"), std::string::npos) << requests[0];
  std::optional<timestamp> previous;
  bool progressing = false;
  for (const auto& e : result->out.events) {
    if (e.what == "flush") continue;
    ASSERT_EQ(e.what, "write");
    if (!progressing && !e.cursor) continue;  // the deleted walk's batches
    progressing = true;
    auto progress = parse_reviews_cursor(e.cursor);
    ASSERT_TRUE(progress);
    if (previous) {
      EXPECT_GE(*progress, *previous);
    }
    previous = progress;
  }
  auto newest = std::max_element(result->written.begin(), result->written.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; });
  EXPECT_EQ(previous, newest->second);
}

TEST_F(PartooBackfillAgainstFake, ResumesFromItsProgressWithoutReReadingEarlierPages) {
  auto since = reviews_[200].update_date;
  auto until = reviews_[2800].update_date;
  auto first = run_backfill(std::nullopt, {since, until});
  ASSERT_GE(first->out.batches.size(), 6u);
  // The job died after its third batch committed.
  auto progress = first->out.batches[2].cursor_after;
  auto resume_at = parse_reviews_cursor(progress).value();

  fake_->reset_stats();
  auto resumed = run_backfill(progress, {since, until});
  auto requests = reviews_requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_NE(requests[0].find("&page=1&update_date__gte=" + in_target(resume_at)), std::string::npos)
      << requests[0];
  for (const auto& [id, updated] : resumed->written)
    EXPECT_GE(updated, floor_seconds(resume_at)) << id;  // nothing from the earlier pages
  EXPECT_TRUE(contains_all(resumed->written, ids_between(resume_at, until)));
  EXPECT_LT(resumed->written.size(), first->written.size());
  EXPECT_EQ(resumed->out.batches.back().cursor_after, first->out.batches.back().cursor_after);
}

TEST_F(PartooBackfillAgainstFake, AnOpenRangeReadsFromSinceToThePresent) {
  auto since = reviews_[2700].update_date;
  auto result = run_backfill(std::nullopt, {since, std::nullopt});
  EXPECT_TRUE(contains_all(result->written, ids_between(since, reviews_.back().update_date + 1s)));
  for (const auto& target : reviews_requests())
    EXPECT_EQ(target.find("update_date__lte"), std::string::npos) << target;
}

}  // namespace
}  // namespace sluice::connectors::partoo
