// End to end against the fake Cloutly: the newest-first walk, its early stop, arrivals during a
// walk, full walks that detect deletions, the snapshot safety valve, and a resumable first backfill.
#include <csignal>
#include <set>
#include <thread>

#include <boost/json.hpp>

#include "tests/support/sync_fixture.hpp"

namespace sluice::test {
namespace {

constexpr const char* api_key = "cloutly-KEY-0a1b2c3d4e5f";

class cloutly_sync : public sync_fixture {
protected:
  void start_fake(std::vector<std::string> options) {
    options.insert(options.end(), {"--cloutly-key", api_key});
    fake_ = std::make_unique<fakeapi>(options);
  }

  std::string config(const std::string& extra = "") {
    return write_config("[sources.shop]\nkind = \"cloutly\"\nbase_url = \"" +
                        fake_->http_url("/cloutly/api/v1") + "\"\napi_key = \"" + api_key +
                        "\"\nrate_limit = \"100000/min\"\n" + extra);
  }

  std::set<std::string> fake_ids(const std::string& what) {
    std::set<std::string> ids;
    auto dump = fake_->get("/_control/cloutly/" + what);
    for (const auto& v : dump.as_array()) ids.insert(std::string(v.at("id").as_string()));
    return ids;
  }

  std::set<std::string> table_ids(const std::string& table, bool live) {
    std::set<std::string> ids;
    for (auto& id : psql_rows("SELECT external_id FROM " + schema_ + "." + table +
                              " WHERE source = 'shop'" + (live ? " AND deleted_at IS NULL" : "")))
      if (!id.empty()) ids.insert(id);
    return ids;
  }

  std::vector<std::string> review_requests() {
    std::vector<std::string> out;
    for (auto& t : fake_->request_log())
      if (t.find("/cloutly/api/v1/reviews") != std::string::npos) out.push_back(t);
    return out;
  }
};

TEST_F(cloutly_sync, loads_then_incremental_run_requests_only_the_first_pages) {
  start_fake({"--cloutly-reviews", "5000", "--cloutly-businesses", "12"});
  auto cfg = config();
  auto check = run_sluice({"check", "-c", cfg});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("source shop (cloutly"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("authenticated; 5000 reviews"), std::string::npos) << check.output;
  auto first = sync(cfg);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(table_ids("reviews", true), fake_ids("reviews"));
  EXPECT_EQ(table_ids("businesses", true), fake_ids("businesses"));
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".reviews WHERE rating IS NULL"), "0");

  fake_->post("/_control/cloutly/mutate", R"({"add":20,"seed":4})");
  fake_->reset_stats();
  auto second = sync(cfg, {"--stream", "reviews"});
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(table_ids("reviews", true), fake_ids("reviews"));
  // 20 new reviews sit on the first page (the server caps pages at 50); the walk stops at the
  // first page that reaches below the high-water mark minus the lookback.
  EXPECT_LE(review_requests().size(), 2u);
  EXPECT_EQ(last_run("shop", "reviews"), "succeeded|20|0|0");
}

TEST_F(cloutly_sync, reviews_arriving_during_a_walk_are_neither_skipped_nor_duplicated) {
  // Every 3rd page request, 7 new reviews land at the head and push everything down by 7.
  start_fake({"--cloutly-reviews", "1500", "--cloutly-arrive-every", "3", "--cloutly-arrive-count", "7"});
  auto cfg = config("streams = [\"reviews\"]\n");
  auto before_walk = fake_ids("reviews");
  auto first = sync(cfg);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  // Not one review that existed when the walk started was skipped by the shifting offsets...
  auto table = table_ids("reviews", false);
  for (const auto& id : before_walk) EXPECT_TRUE(table.count(id)) << "skipped " << id;
  // ...the shift made the walk read some twice, and the key kept one row each.
  auto records = std::stoll(psql("SELECT records FROM " + schema_ +
                                 ".sync_runs WHERE stream = 'reviews' ORDER BY id DESC LIMIT 1"));
  EXPECT_GT(records, static_cast<long long>(before_walk.size()));
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".reviews"), std::to_string(table.size()));

  // The reviews that arrived above the walk are newer than its high-water mark: the next
  // incremental run picks them up.
  fake_->post("/_control/cloutly/arrivals", R"({"every":0,"count":0})");
  auto second = sync(cfg);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(table_ids("reviews", false), fake_ids("reviews"));
}

TEST_F(cloutly_sync, full_marks_exactly_the_deleted_reviews) {
  start_fake({"--cloutly-reviews", "5000"});
  auto cfg = config();
  ASSERT_EQ(sync(cfg).exit_code, 0);
  auto mutation = fake_->post("/_control/cloutly/mutate", R"({"delete":10,"update":5,"seed":2})");
  std::set<std::string> deleted;
  for (const auto& id : mutation.at("deleted").as_array()) deleted.insert(std::string(id.as_string()));
  ASSERT_EQ(deleted.size(), 10u);

  // An incremental run cannot see deletions: nothing is marked.
  ASSERT_EQ(sync(cfg, {"--stream", "reviews"}).exit_code, 0);
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".reviews WHERE deleted_at IS NOT NULL"), "0");

  auto full = sync(cfg, {"--stream", "reviews", "--full"});
  ASSERT_EQ(full.exit_code, 0) << full.output;
  std::set<std::string> marked;
  for (auto& id : psql_rows("SELECT external_id FROM " + schema_ + ".reviews WHERE deleted_at IS NOT NULL"))
    if (!id.empty()) marked.insert(id);
  EXPECT_EQ(marked, deleted);
  EXPECT_EQ(table_ids("reviews", true), fake_ids("reviews"));
  // The edits the incremental walk could not see arrived with the full walk.
  EXPECT_EQ(psql("SELECT mode || '|' || status || '|' || deleted FROM " + schema_ +
                 ".sync_runs WHERE stream = 'reviews' ORDER BY id DESC LIMIT 1"), "full|succeeded|10");
}

TEST_F(cloutly_sync, safety_valve_holds_on_an_empty_and_on_a_truncated_answer) {
  start_fake({"--cloutly-reviews", "400", "--cloutly-businesses", "10"});
  auto cfg = config();
  ASSERT_EQ(sync(cfg).exit_code, 0);

  fake_->post("/_control/cloutly/listing", R"({"reviews":"empty","businesses":"empty"})");
  auto empty = sync(cfg, {"--full"});
  EXPECT_EQ(empty.exit_code, 0) << empty.output;
  EXPECT_NE(empty.output.find("shop/reviews"), std::string::npos) << empty.output;
  EXPECT_NE(empty.output.find("shop/businesses"), std::string::npos) << empty.output;
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".reviews WHERE deleted_at IS NOT NULL"), "0");
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".businesses WHERE deleted_at IS NOT NULL"), "0");
  EXPECT_EQ(last_run("shop", "reviews").substr(0, 10), "suspicious");
  EXPECT_EQ(last_run("shop", "businesses").substr(0, 10), "suspicious");

  fake_->post("/_control/cloutly/listing", R"({"reviews":"truncate","truncate_to":150})");
  auto truncated = sync(cfg, {"--full", "--stream", "reviews"});
  EXPECT_EQ(truncated.exit_code, 0) << truncated.output;
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".reviews WHERE deleted_at IS NOT NULL"), "0");
  EXPECT_EQ(last_run("shop", "reviews").substr(0, 10), "suspicious");

  // Back to normal: a full walk completes and nothing is deleted (nothing was).
  fake_->post("/_control/cloutly/listing", R"({"reviews":"normal","businesses":"normal"})");
  ASSERT_EQ(sync(cfg, {"--full"}).exit_code, 0);
  EXPECT_EQ(last_run("shop", "reviews"), "succeeded|0|0|0");
}

TEST_F(cloutly_sync, a_killed_first_backfill_resumes_where_it_stopped) {
  start_fake({"--cloutly-reviews", "2000", "--slow-ms", "40"});  // 40 pages of 50, ~1.6 s
  auto cfg = config("streams = [\"reviews\"]\n");
  child first({SLUICE_BINARY, "sync", "-c", cfg});
  // Kill it as soon as some walk progress is committed (polled, not timed: slow builds such as
  // ASan start later).
  auto progress_sql = "SELECT cursor->'walk'->>'offset' FROM " + schema_ +
                      ".sync_state WHERE source = 'shop' AND stream = 'reviews'";
  for (int i = 0; i < 600; ++i) {
    bool migrated = psql("SELECT to_regclass('" + schema_ + ".sync_state') IS NOT NULL") == "t";
    if (migrated && !psql(progress_sql).empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  first.kill(SIGKILL);
  ASSERT_EQ(first.wait().signal, SIGKILL) << "the backfill finished before it was killed";

  auto stored = psql("SELECT cursor->'walk'->>'offset' FROM " + schema_ +
                     ".sync_state WHERE source = 'shop' AND stream = 'reviews'");
  ASSERT_FALSE(stored.empty()) << "no walk progress was committed";
  auto offset = std::stoll(stored);
  EXPECT_GT(offset, 0);

  fake_->reset_stats();
  auto resumed = sync(cfg);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  auto requests = review_requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_NE(requests.front().find("offset=" + stored), std::string::npos)
      << "resumed at " << requests.front() << ", stored offset " << stored;
  // Only the rest of the listing is read: pages of 50 that overlap by 5 advance 45 at a time.
  EXPECT_LE(requests.size(), static_cast<std::size_t>((2000 - offset) / 45 + 2));
  EXPECT_EQ(table_ids("reviews", true), fake_ids("reviews"));
  EXPECT_EQ(psql("SELECT cursor ? 'walk' FROM " + schema_ + ".sync_state WHERE stream = 'reviews'"), "f");
}

}  // namespace
}  // namespace sluice::test
