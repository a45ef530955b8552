// Pauses in the database: pause and resume (with the whole-source pause "*"), what they return,
// the stream_latest_runs view's paused and stale, and the NOTIFY a listener receives for each.
#include "store/control.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "store/control_listener.hpp"
#include "store/state.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
using namespace std::chrono_literals;

class control_store_test : public ::testing::Test {
protected:
  void SetUp() override {
    SLUICE_REQUIRE_DATABASE();
    db_ = migrated_schema(std::string("t_store_control_") +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  database_options db_;
};

// What a listener was woken with, in order ("" for the periodic re-reads).
class wake_log {
public:
  void add(const std::string& payload) {
    std::lock_guard lock(mutex_);
    payloads_.push_back(payload);
    changed_.notify_all();
  }
  // Waits until `payload` has arrived `n` times in all.
  bool wait_for(const std::string& payload, std::size_t n, std::chrono::seconds limit = 30s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] {
      return static_cast<std::size_t>(std::count(payloads_.begin(), payloads_.end(), payload)) >= n;
    });
  }

private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> payloads_;
};

TEST_F(control_store_test, pause_and_resume_one_stream_and_a_whole_source) {
  control c(db_);
  EXPECT_TRUE(c.pause("eu", "reviews", "vendor maintenance", "ops@host"));
  EXPECT_FALSE(c.pause("eu", "reviews", "still", "other@host")) << "already paused";
  EXPECT_TRUE(c.pause("us", std::string(all_streams), "", "ops@host"));
  auto all = c.list_pauses();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].source, "eu");
  EXPECT_EQ(all[0].stream, "reviews");
  EXPECT_EQ(all[0].reason, "still");
  EXPECT_EQ(all[0].paused_by, "other@host");
  EXPECT_GT(all[0].paused_at.time_since_epoch().count(), 0);
  EXPECT_EQ(all[1].stream, "*");

  EXPECT_TRUE(c.resume("eu", "businesses").empty()) << "not paused";
  auto removed = c.resume("eu", "reviews");
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].reason, "still");
  c.pause("us", "reviews", "", "ops@host");
  EXPECT_EQ(c.resume("us", std::string(all_streams)).size(), 2u) << "the source and its streams";
  EXPECT_TRUE(c.list_pauses().empty());
}

TEST_F(control_store_test, the_view_shows_paused_streams_as_paused_and_not_stale) {
  state st(db_);
  run_outcome failed;
  failed.status = "failed";
  failed.error = error_kind::server;
  failed.error_message = "HTTP 503";
  st.finish_run(st.begin_run("eu", "reviews", "incremental"), failed);
  st.finish_run(st.begin_run("eu", "businesses", "incremental"), failed);
  st.set_objectives({{"eu", "reviews", std::chrono::duration_cast<duration>(1h)},
                     {"eu", "businesses", std::chrono::duration_cast<duration>(1h)}});
  const std::string sql =
      "SELECT stream, paused::text, stale::text FROM stream_latest_runs ORDER BY stream";
  EXPECT_EQ(rows_of(db_, sql),
            (result_rows{{"businesses", "false", "true"}, {"reviews", "false", "true"}}));
  control c(db_);
  c.pause("eu", "reviews", "", "ops@host");
  EXPECT_EQ(rows_of(db_, sql),
            (result_rows{{"businesses", "false", "true"}, {"reviews", "true", "false"}}));
  c.pause("eu", std::string(all_streams), "", "ops@host");
  EXPECT_EQ(rows_of(db_, sql),
            (result_rows{{"businesses", "true", "false"}, {"reviews", "true", "false"}}));
}

TEST_F(control_store_test, a_listener_is_woken_by_each_change_and_rereads_periodically) {
  wake_log log;
  control_listener listener(
      db_, [&](const std::string& payload) { log.add(payload); }, 500ms);
  // The first wake-up comes once it listens: changes from then on are notified.
  ASSERT_TRUE(log.wait_for("", 1));
  control c(db_);
  // Other tests' schemas notify on the same channel: ours are told apart by the payload.
  const auto ours = control_payload(control_change_pause, db_.schema);
  c.pause("eu", "reviews", "", "ops@host");
  EXPECT_TRUE(log.wait_for(ours, 1));
  c.resume("eu", "reviews");
  EXPECT_TRUE(log.wait_for(ours, 2));
  EXPECT_TRUE(log.wait_for("", 3)) << "the periodic re-read, for notifications lost meanwhile";
  listener.stop();
}

}  // namespace
}  // namespace sluice::store
