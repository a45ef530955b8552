// The table side of verifications: what the census counts (live or listed rows), how a re-read
// span's vanished rows are marked (only unseen rows of the span, never rows written since the
// re-read began, behind the valve, in one fenced transaction, undone when the record comes back),
// and the verifications journal.
#include "store/census.hpp"

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "core/time.hpp"
#include "store/batch_writer.hpp"
#include "store/verifications.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
namespace asio = boost::asio;

const table_def& reviews = tables::reviews;

timestamp at(int minute) {
  return *parse_timestamp("2024-03-01T10:00:00Z") + std::chrono::minutes{minute};
}

// A Partoo-like review updated at minute `minute`; `state` "deleted" makes it deleted at the
// source (deleted_at set, as the mapping does).
row review(const std::string& id, int minute, const std::string& state = "treated") {
  row r = sample_review(id);
  r[reviews.index("status")] = state;
  r[reviews.index("updated_at")] = at(minute);
  if (state == "deleted") r[reviews.index("deleted_at")] = at(minute);
  return r;
}

void write(batch_writer& writer, const std::string& source, std::vector<row> rows) {
  run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, source, "reviews", reviews, 0);
    record_batch batch{&reviews, std::move(rows), std::nullopt};
    co_await sink->write(std::move(batch));
    co_await sink->flush();
  });
}

class verifications_test : public ::testing::Test {
protected:
  void SetUp() override {
    SLUICE_REQUIRE_DATABASE();
    // A schema per test: ctest runs the tests of this file in parallel.
    db_ = migrated_schema(
        (std::string("tv_") + ::testing::UnitTest::GetInstance()->current_test_info()->name())
            .substr(0, 60));
    writer_ = std::make_unique<batch_writer>(db_);
    census_ = std::make_unique<census>(db_);
    // Minutes 0..9; r3 was deleted at the source (the API lists it as deleted, or not at all).
    std::vector<row> rows;
    for (int i = 0; i < 10; ++i)
      rows.push_back(review("r" + std::to_string(i), i, i == 3 ? "deleted" : "treated"));
    write(*writer_, "eu", std::move(rows));
    write(*writer_, "other", {review("r5", 5)});  // another source's row with the same id
  }

  // Marks in minutes [from, to] with `seen` returned by the API.
  vanish_request span(int from, int to, std::vector<std::string> seen,
                      row_presence presence = row_presence::live) {
    vanish_request r;
    r.table = &reviews;
    r.time_column = "updated_at";
    r.spans.push_back({at(from), at(to)});
    r.presence = presence;
    r.seen = std::move(seen);
    r.read_started = census_->clock();
    r.max_delete_fraction = 0.5;
    return r;
  }

  std::string deleted_ids(const std::string& source = "eu") {
    return scalar<std::string>(db_,
                               "SELECT coalesce(string_agg(external_id, ',' ORDER BY "
                               "external_id), '') FROM reviews WHERE source = '" +
                                   source + "' AND deleted_at IS NOT NULL");
  }

  database_options db_;
  std::unique_ptr<batch_writer> writer_;
  std::unique_ptr<census> census_;
};

TEST_F(verifications_test, counts_live_or_listed_rows_of_one_source) {
  EXPECT_EQ(census_->count("eu", reviews, row_presence::live), 9);
  EXPECT_EQ(census_->count("eu", reviews, row_presence::listed), 10);
  const auto live = census_->times("eu", reviews, "updated_at", row_presence::live);
  ASSERT_EQ(live.size(), 9u);
  EXPECT_TRUE(std::is_sorted(live.begin(), live.end()));
  EXPECT_EQ(live.front(), at(0));
  EXPECT_EQ(census_->times("eu", reviews, "updated_at", row_presence::listed).size(), 10u);
  EXPECT_THROW(census_->times("eu", reviews, "content", row_presence::live), std::invalid_argument);
}

TEST_F(verifications_test, marks_only_the_unseen_rows_of_the_span) {
  // Minutes 2..6 re-read: r5 did not come back (r2, r4, r6 did; r3 is deleted at the source and
  // did not come back either). Rows outside the span are never touched, nor other sources' rows.
  auto result =
      census_->mark_vanished("eu", "", 0, span(2, 6, {"r2", "r4", "r6"}, row_presence::listed));
  EXPECT_EQ(result.rows, 5);
  EXPECT_EQ(result.vanished, 2);
  EXPECT_EQ(result.deleted, 1);  // r5: r3 already had its deleted_at
  EXPECT_FALSE(result.suspicious);
  EXPECT_EQ(deleted_ids(), "r3,r5");
  EXPECT_EQ(deleted_ids("other"), "");
  // r3's own deletion date is kept; both are now out of what the API lists.
  EXPECT_EQ(scalar<std::string>(db_,
                                "SELECT to_char(deleted_at AT TIME ZONE 'UTC', 'HH24:MI') "
                                "FROM reviews WHERE source = 'eu' AND external_id = 'r3'"),
            "10:03");
  EXPECT_EQ(census_->count("eu", reviews, row_presence::listed), 8);
  EXPECT_EQ(census_->count("eu", reviews, row_presence::live), 8);
  EXPECT_EQ(scalar<int>(db_, "SELECT count(*) FROM verification_marks WHERE source = 'eu'"), 2);
}

TEST_F(verifications_test, rows_written_since_the_read_began_are_never_marked) {
  auto request = span(0, 9, {"r0", "r1", "r2", "r3", "r4", "r6", "r7", "r8", "r9"});
  // A live pull writes r5 anew (and a new r10 in the span) after the re-read began.
  write(*writer_, "eu", {review("r5", 5, "treated_auto_reply"), review("r10", 7)});
  auto result = census_->mark_vanished("eu", "", 0, request);
  EXPECT_EQ(result.vanished, 0);
  EXPECT_EQ(deleted_ids(), "r3");
}

TEST_F(verifications_test, the_valve_holds_a_span_that_lost_too_much_or_came_back_empty) {
  auto most = census_->mark_vanished("eu", "", 0, span(0, 9, {"r0", "r1"}));
  EXPECT_TRUE(most.suspicious);
  EXPECT_EQ(most.held, 1);
  EXPECT_NE(most.reason.find("would mark 7 of the span's 9 rows"), std::string::npos)
      << most.reason;
  auto empty = census_->mark_vanished("eu", "", 0, span(0, 1, {}));
  EXPECT_TRUE(empty.suspicious);
  EXPECT_NE(empty.reason.find("none of the span's 2 rows"), std::string::npos) << empty.reason;
  EXPECT_EQ(deleted_ids(), "r3");
  // Spans are judged one by one: a sound span is marked beside a held one.
  auto both = span(0, 1, {});
  both.spans.push_back({at(6), at(9)});
  both.seen = {"r6", "r7", "r8"};
  auto mixed = census_->mark_vanished("eu", "", 0, both);
  EXPECT_EQ(mixed.held, 1);
  EXPECT_EQ(mixed.deleted, 1);
  EXPECT_EQ(deleted_ids(), "r3,r9");
}

TEST_F(verifications_test, count_only_changes_nothing) {
  auto request = span(2, 6, {"r2"}, row_presence::listed);
  request.count_only = true;
  auto result = census_->mark_vanished("eu", "", 0, request);
  EXPECT_EQ(result.vanished, 4);
  EXPECT_EQ(result.deleted, 0);
  EXPECT_EQ(deleted_ids(), "r3");
  EXPECT_EQ(scalar<int>(db_, "SELECT count(*) FROM verification_marks"), 0);
}

TEST_F(verifications_test, a_marked_record_that_comes_back_counts_again) {
  census_->mark_vanished("eu", "", 0, span(2, 6, {"r2", "r4", "r6"}, row_presence::listed));
  ASSERT_EQ(census_->count("eu", reviews, row_presence::listed), 8);
  // Both come back unchanged (a later pull or re-read): the writer must rewrite them.
  write(*writer_, "eu", {review("r3", 3, "deleted"), review("r5", 5)});
  EXPECT_EQ(deleted_ids(), "r3");
  EXPECT_EQ(census_->count("eu", reviews, row_presence::listed), 10);
  // A re-read that sees them clears the marks themselves.
  census_->mark_vanished("eu", "", 0, span(2, 6, {"r2", "r3", "r4", "r5", "r6"}));
  EXPECT_EQ(scalar<int>(db_, "SELECT count(*) FROM verification_marks"), 0);
}

TEST_F(verifications_test, marks_only_while_holding_the_lease) {
  query(db_,
        "INSERT INTO leases (source, holder, expires_at) VALUES ('eu', 'other:1', now() + "
        "interval '1 minute')");
  try {
    census_->mark_vanished("eu", "me:2", 0, span(2, 6, {"r2"}));
    FAIL() << "marked without the lease";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::cancelled);
    EXPECT_NE(std::string(e.what()).find("lease lost to other:1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(deleted_ids(), "r3");
  query(db_, "UPDATE leases SET holder = 'me:2'");
  EXPECT_EQ(census_->mark_vanished("eu", "me:2", 0, span(2, 6, {"r2", "r3", "r4", "r6"})).deleted,
            1);
}

TEST_F(verifications_test, whole_table_spans_need_no_time_column) {
  vanish_request r;
  r.table = &reviews;
  r.spans.push_back({});
  r.seen = {"r0", "r1", "r2", "r4", "r5", "r6", "r7", "r8"};
  r.read_started = census_->clock();
  auto result = census_->mark_vanished("eu", "", 0, r);
  EXPECT_EQ(result.rows, 9);
  EXPECT_EQ(result.deleted, 1);
  EXPECT_EQ(deleted_ids(), "r3,r9");
  r.spans.push_back({at(0), at(1)});
  EXPECT_THROW(census_->mark_vanished("eu", "", 0, r), std::invalid_argument);
}

TEST_F(verifications_test, the_journal_records_each_verification) {
  verification_store journal(db_);
  EXPECT_FALSE(journal.latest("eu", "reviews"));
  EXPECT_FALSE(journal.last_finished("eu"));
  const auto id = journal.begin("eu", "reviews", false);
  auto running = journal.latest("eu", "reviews");
  ASSERT_TRUE(running);
  EXPECT_EQ(running->outcome, "running");
  EXPECT_FALSE(running->finished_at);

  verification v;
  v.id = id;
  v.outcome = "repaired";
  v.api_count = 100;
  v.table_count = 100;
  v.ranges_probed = 9;
  v.ranges_drifted = 2;
  v.rows_repaired = 3;
  v.rows_deleted = 1;
  v.requests = 17;
  v.details = R"({"drifted":[]})";
  journal.finish(v);
  auto done = journal.latest("eu", "reviews");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->outcome, "repaired");
  EXPECT_EQ(done->api_count, 100);
  EXPECT_EQ(done->ranges_drifted, 2);
  EXPECT_EQ(done->requests, 17);
  EXPECT_EQ(done->details, R"({"drifted": []})");
  EXPECT_TRUE(done->finished_at);
  const auto finished = journal.last_finished("eu");
  ASSERT_TRUE(finished);

  // Dry runs are reported but do not count as the source's last verification.
  verification dry;
  dry.id = journal.begin("eu", "reviews", true);
  dry.outcome = "drift";
  journal.finish(dry);
  EXPECT_EQ(journal.latest("eu", "reviews")->outcome, "drift");
  EXPECT_EQ(journal.last_finished("eu"), finished);
}

}  // namespace
}  // namespace sluice::store
