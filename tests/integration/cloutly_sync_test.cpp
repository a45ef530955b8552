// End to end against the fake Cloutly: the newest-first walk, its early stop, arrivals during a
// walk, full walks that detect deletions, the snapshot safety valve, a resumable first backfill,
// and every variant of the vendor's undocumented `total` and page size, with archived reviews.
#include <algorithm>
#include <csignal>
#include <map>
#include <ostream>
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
  start_fake(
      {"--cloutly-reviews", "1500", "--cloutly-arrive-every", "3", "--cloutly-arrive-count", "7"});
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
  for (const auto& id : mutation.at("deleted").as_array())
    deleted.insert(std::string(id.as_string()));
  ASSERT_EQ(deleted.size(), 10u);

  // An incremental run cannot see deletions: nothing is marked.
  ASSERT_EQ(sync(cfg, {"--stream", "reviews"}).exit_code, 0);
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".reviews WHERE deleted_at IS NOT NULL"), "0");

  auto full = sync(cfg, {"--stream", "reviews", "--full"});
  ASSERT_EQ(full.exit_code, 0) << full.output;
  std::set<std::string> marked;
  for (auto& id :
       psql_rows("SELECT external_id FROM " + schema_ + ".reviews WHERE deleted_at IS NOT NULL"))
    if (!id.empty()) marked.insert(id);
  EXPECT_EQ(marked, deleted);
  EXPECT_EQ(table_ids("reviews", true), fake_ids("reviews"));
  // The edits the incremental walk could not see arrived with the full walk.
  EXPECT_EQ(psql("SELECT mode || '|' || status || '|' || deleted FROM " + schema_ +
                 ".sync_runs WHERE stream = 'reviews' ORDER BY id DESC LIMIT 1"),
            "full|succeeded|10");
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
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".businesses WHERE deleted_at IS NOT NULL"),
            "0");
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
  EXPECT_EQ(psql("SELECT cursor ? 'walk' FROM " + schema_ + ".sync_state WHERE stream = 'reviews'"),
            "f");
}

// ---- the vendor's undocumented `total`, archived reviews: every variant of the fake

struct cloutly_variant {
  const char* name;
  const char* total;      // --cloutly-total: what the answers' `total` counts
  const char* max_limit;  // --cloutly-max-limit: the page size the server allows
};

std::ostream& operator<<(std::ostream& out, const cloutly_variant& v) { return out << v.name; }

const cloutly_variant cloutly_variants[] = {
    {"honest", "listing", "50"},
    {"honest_pages_of_17", "listing", "17"},
    {"total_counts_the_page", "page", "50"},  // smaller than the truth on every page
    {"total_counts_the_page_17", "page", "17"},
    {"total_counts_the_account", "account", "50"},  // the same as the listing while nothing hides
};

class cloutly_vendor : public cloutly_sync, public ::testing::WithParamInterface<cloutly_variant> {
protected:
  void start_variant(std::vector<std::string> options) {
    options.insert(options.end(), {"--cloutly-total", GetParam().total, "--cloutly-max-limit",
                                   GetParam().max_limit});
    start_fake(std::move(options));
  }

  std::set<std::string> marked_deleted() {
    std::set<std::string> ids;
    for (auto& id :
         psql_rows("SELECT external_id FROM " + schema_ + ".reviews WHERE deleted_at IS NOT NULL"))
      if (!id.empty()) ids.insert(id);
    return ids;
  }

  // id -> isArchived, from the fake's dump.
  std::map<std::string, bool> fake_archived() {
    std::map<std::string, bool> out;
    const auto dump = fake_->get("/_control/cloutly/reviews");
    for (const auto& v : dump.as_array())
      out[std::string(v.at("id").as_string())] = v.at("isArchived").as_bool();
    return out;
  }

  std::map<std::string, bool> table_archived() {
    std::map<std::string, bool> out;
    for (auto& line : psql_rows("SELECT external_id, archived FROM " + schema_ +
                                ".reviews WHERE deleted_at IS NULL")) {
      if (line.empty()) continue;
      auto bar = line.find('|');
      out[line.substr(0, bar)] = line.substr(bar + 1) == "t";
    }
    return out;
  }
};

INSTANTIATE_TEST_SUITE_P(v, cloutly_vendor, ::testing::ValuesIn(cloutly_variants),
                         [](const auto& info) { return std::to_string(info.index); });

// Whatever `total` says, the walk reads the whole listing and a full walk marks exactly the
// reviews that were deleted: never more (a total that is too small must not cut the walk short,
// or every review after the cut would be marked deleted).
TEST_P(cloutly_vendor, full_walk_marks_deleted) {
  start_variant({"--cloutly-reviews", "600"});
  auto cfg = config("streams = [\"reviews\"]\n");
  ASSERT_EQ(sync(cfg).exit_code, 0);
  EXPECT_EQ(table_ids("reviews", true), fake_ids("reviews"));

  auto mutation =
      fake_->post("/_control/cloutly/mutate", R"({"delete":10,"update":5,"add":3,"seed":7})");
  std::set<std::string> deleted;
  for (const auto& id : mutation.at("deleted").as_array())
    deleted.insert(std::string(id.as_string()));
  auto full = sync(cfg, {"--full"});
  ASSERT_EQ(full.exit_code, 0) << full.output;
  EXPECT_EQ(marked_deleted(), deleted);
  EXPECT_EQ(table_ids("reviews", true), fake_ids("reviews"));
  EXPECT_EQ(psql("SELECT mode || '|' || status || '|' || inserted || '|' || deleted FROM " +
                 schema_ + ".sync_runs WHERE stream = 'reviews' ORDER BY id DESC LIMIT 1"),
            "full|succeeded|3|10");
}

// isArchived becomes `archived`; archived reviews stay live rows, and the BI views count them
// apart. Archiving later is an edit that the next full walk brings in.
TEST_P(cloutly_vendor, archived_counted_apart) {
  start_variant({"--cloutly-reviews", "800", "--cloutly-businesses", "6"});
  auto cfg = config();
  ASSERT_EQ(sync(cfg).exit_code, 0);
  auto archived = fake_archived();
  EXPECT_EQ(table_archived(), archived);
  const auto count =
      std::count_if(archived.begin(), archived.end(), [](const auto& e) { return e.second; });
  ASSERT_GT(count, 0) << "the fake generates about 5% archived reviews";
  const auto views_count = [&](const std::string& view) {
    return psql("SELECT sum(archived_reviews) || '|' || sum(reviews) FROM " + schema_ + "." + view +
                " WHERE source = 'shop'");
  };
  const auto expected = std::to_string(count) + "|" + std::to_string(archived.size());
  EXPECT_EQ(views_count("review_daily_stats"), expected);
  EXPECT_EQ(views_count("review_business_stats"), expected);

  auto mutation = fake_->post("/_control/cloutly/mutate", R"({"archive":4,"seed":3})");
  ASSERT_EQ(mutation.at("archived").as_array().size(), 4u);
  ASSERT_EQ(sync(cfg, {"--full", "--stream", "reviews"}).exit_code, 0);
  EXPECT_EQ(table_archived(), fake_archived());
  EXPECT_EQ(views_count("review_daily_stats"),
            std::to_string(count + 4) + "|" + std::to_string(archived.size()));
  EXPECT_EQ(last_run("shop", "reviews"), "succeeded|0|4|0");
}

// An honest total larger than what the listing shows means reviews were missed: the full walk
// reads what it can, commits its high-water mark, marks nothing deleted (not even reviews that
// really were deleted: absence proves nothing in an incomplete walk) and is recorded suspicious.
// Without the count, hiding 10 of 500 (2%) would pass the safety valve and mark 10 live reviews
// deleted.
TEST_F(cloutly_sync, an_honest_total_larger_than_what_was_read_never_deletes) {
  start_fake({"--cloutly-reviews", "500", "--cloutly-total", "account"});
  auto cfg = config("streams = [\"reviews\"]\n");
  ASSERT_EQ(sync(cfg).exit_code, 0);
  auto all = fake_ids("reviews");

  // The listing loses its 10 oldest reviews; `total` still counts them. One review is really
  // deleted as well.
  fake_->post("/_control/cloutly/listing",
              R"({"reviews":"truncate","truncate_to":490,"total":"account"})");
  auto mutation = fake_->post("/_control/cloutly/mutate", R"({"delete":1,"seed":11})");
  auto really_deleted = std::string(mutation.at("deleted").as_array().at(0).as_string());
  auto full = sync(cfg, {"--full"});
  EXPECT_EQ(full.exit_code, 0) << full.output;
  EXPECT_NE(full.output.find("distinct reviews, but the listing reported"), std::string::npos)
      << full.output;
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".reviews WHERE deleted_at IS NOT NULL"), "0");
  EXPECT_EQ(last_run("shop", "reviews"), "suspicious|0|0|0");
  // The walk is over all the same: no walk left in the cursor, the high-water mark committed.
  EXPECT_EQ(psql("SELECT (cursor ? 'walk')::text || '|' || (cursor ? 'high_water')::text FROM " +
                 schema_ + ".sync_state WHERE stream = 'reviews'"),
            "false|true");

  // Once the listing shows everything again, a full walk completes and marks the real deletion.
  fake_->post("/_control/cloutly/listing", R"({"total":"account"})");
  ASSERT_EQ(sync(cfg, {"--full"}).exit_code, 0);
  EXPECT_EQ(psql("SELECT string_agg(external_id, ',') FROM " + schema_ +
                 ".reviews WHERE deleted_at IS NOT NULL"),
            really_deleted);
  EXPECT_EQ(last_run("shop", "reviews"), "succeeded|0|0|1");
}

}  // namespace
}  // namespace sluice::test
