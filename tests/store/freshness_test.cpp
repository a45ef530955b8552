// Freshness in the database: the objectives sluice records, the run history a restarted daemon
// starts from, and the stream_latest_runs view's ok/stale, which BI tools and SQL alerts read.
#include "store/state.hpp"

#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
using namespace std::chrono_literals;

class freshness_store_test : public ::testing::Test {
protected:
  void SetUp() override {
    SLUICE_REQUIRE_DATABASE();
    db_ = migrated_schema(std::string("t_store_fresh_") +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void finish(state& st, std::int64_t id, const std::string& status) {
    run_outcome o;
    o.status = status;
    if (status == "failed") {
      o.error = error_kind::server;
      o.error_message = "HTTP 503";
    }
    st.finish_run(id, o);
  }
  database_options db_;
};

TEST_F(freshness_store_test, objectives_are_written_only_when_they_change) {
  state st(db_);
  st.set_objectives({{"eu", "reviews", std::chrono::duration_cast<duration>(2h)}});
  const auto first = rows_of(db_,
                             "SELECT max_staleness::text, updated_at::text FROM "
                             "stream_objectives");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0][0], "02:00:00");
  st.set_objectives({{"eu", "reviews", std::chrono::duration_cast<duration>(2h)}});
  EXPECT_EQ(rows_of(db_, "SELECT max_staleness::text, updated_at::text FROM stream_objectives"),
            first)
      << "an unchanged objective is not rewritten";
  st.set_objectives({{"eu", "reviews", std::chrono::duration_cast<duration>(45min)}});
  EXPECT_EQ(rows_of(db_, "SELECT max_staleness::text FROM stream_objectives")[0][0], "00:45:00");
}

TEST_F(freshness_store_test, health_counts_failures_since_the_newest_success) {
  state st(db_);
  finish(st, st.begin_run("eu", "reviews", "incremental"), "failed");
  finish(st, st.begin_run("eu", "reviews", "incremental"), "succeeded");
  for (int i = 0; i < 3; ++i) finish(st, st.begin_run("eu", "reviews", "incremental"), "failed");
  finish(st, st.begin_run("eu", "businesses", "snapshot"), "suspicious");
  st.begin_run("eu", "businesses", "snapshot");  // still running: not the last finished
  finish(st, st.begin_run("us", "reviews", "incremental"), "failed");

  auto all = st.health();
  ASSERT_EQ(all.size(), 3u);
  auto of = [&](const std::string& source, const std::string& stream) {
    for (const auto& h : all)
      if (h.source == source && h.stream == stream) return h;
    ADD_FAILURE() << source << "/" << stream;
    return stream_health{};
  };
  EXPECT_EQ(of("eu", "reviews").failures_in_a_row, 3);
  EXPECT_TRUE(of("eu", "reviews").last_success_at.has_value());
  EXPECT_EQ(of("eu", "reviews").last_status, "failed");
  EXPECT_EQ(of("eu", "businesses").failures_in_a_row, 0);
  EXPECT_EQ(of("eu", "businesses").last_status, "suspicious");
  EXPECT_EQ(of("us", "reviews").failures_in_a_row, 1);
  EXPECT_FALSE(of("us", "reviews").last_success_at.has_value());
}

TEST_F(freshness_store_test, the_latest_runs_view_says_stale_by_the_recorded_objective) {
  state st(db_);
  finish(st, st.begin_run("eu", "reviews", "incremental"), "succeeded");
  finish(st, st.begin_run("eu", "reviews", "incremental"), "failed");
  finish(st, st.begin_run("eu", "businesses", "snapshot"), "failed");
  finish(st, st.begin_run("us", "reviews", "incremental"), "succeeded");
  // The success of eu/reviews happened 3 hours ago.
  query(db_,
        "UPDATE sync_runs SET finished_at = now() - interval '3 hours' WHERE source = 'eu' "
        "AND stream = 'reviews' AND status = 'succeeded'");
  st.set_objectives({{"eu", "reviews", std::chrono::duration_cast<duration>(1h)},
                     {"eu", "businesses", std::chrono::duration_cast<duration>(1h)}});
  EXPECT_EQ(rows_of(db_,
                    "SELECT source, stream, status, stale::text, max_staleness::text, "
                    "last_success_at IS NOT NULL FROM stream_latest_runs ORDER BY 1, 2"),
            (result_rows{{"eu", "businesses", "failed", "true", "01:00:00", "f"},
                         {"eu", "reviews", "failed", "true", "01:00:00", "t"},
                         {"us", "reviews", "succeeded", "<NULL>", "<NULL>", "t"}}));
  st.set_objectives({{"eu", "reviews", std::chrono::duration_cast<duration>(4h)}});
  EXPECT_EQ(rows_of(db_,
                    "SELECT stale::text FROM stream_latest_runs WHERE source = 'eu' AND "
                    "stream = 'reviews'"),
            (result_rows{{"false"}}));
}

}  // namespace
}  // namespace sluice::store
