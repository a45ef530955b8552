// End to end: the real sluice binary syncs the real sluice-fakeapi (Partoo imitation) into a real
// PostgreSQL. Every promise of the data flow, the sync semantics and the error rules that Partoo
// exercises has a test here that fails if the promise breaks. partoo_vendor_test.cpp runs the
// connector against every variant of the fake's vendor behaviours.
#include <algorithm>
#include <csignal>
#include <map>
#include <random>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/time.hpp"
#include "tests/integration/partoo_fixture.hpp"

namespace sluice::test {
namespace {

TEST_F(partoo_sync, full_sync_then_incremental_fetches_only_changed_pages) {
  start_fake({"--partoo-reviews", "10000", "--partoo-businesses", "40"});
  auto config = partoo_config();
  auto first = sync(config);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  expect_table_matches_fake();
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".businesses"), "40");
  // 10,000 reviews at 100 per page: about 100 pages over both walks (the fake's default search
  // hides the ~3% deleted reviews, which the state__in=deleted walk reads), nothing fetched twice.
  EXPECT_LE(review_requests().size(), 105u);

  fake_->post("/_control/partoo/mutate", R"({"update":40,"delete":10,"add":5,"seed":3})");
  fake_->reset_stats();
  auto second = sync(config);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  expect_table_matches_fake();
  // The 55 changed reviews sit after the old cursor; the 48h lookback re-reads about 55 unchanged
  // ones (10,000 reviews over a year): one page of deleted reviews, then one or two pages.
  auto requests = review_requests();
  EXPECT_GE(requests.size(), 2u);
  EXPECT_LE(requests.size(), 3u);
  for (const auto& r : requests) EXPECT_NE(r.find("update_date__gte="), std::string::npos) << r;
  auto fake_now = fake_reviews();
  auto deleted_at_source = std::count_if(fake_now.begin(), fake_now.end(),
                                         [](const auto& kv) { return kv.second.deleted; });
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".reviews WHERE deleted_at IS NOT NULL"),
            std::to_string(deleted_at_source));

  auto run = psql("SELECT status, inserted, updated, deleted FROM " + schema_ +
                  ".sync_runs WHERE stream = 'reviews' ORDER BY id DESC LIMIT 1");
  EXPECT_EQ(run, "succeeded|5|50|10");

  // Nothing changed: a third run writes nothing.
  auto third = sync(config);
  ASSERT_EQ(third.exit_code, 0) << third.output;
  EXPECT_EQ(psql("SELECT inserted + updated FROM " + schema_ +
                 ".sync_runs WHERE stream = 'reviews' ORDER BY id DESC LIMIT 1"),
            "0");
}

TEST_F(partoo_sync, tie_block_longer_than_a_page_is_read_completely) {
  start_fake({"--partoo-reviews", "1200", "--partoo-tie-block", "350"});
  auto config = partoo_config();
  auto result = sync(config, {"--stream", "reviews"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_table_matches_fake();
  // The walk made progress through the tie block instead of re-reading one page forever.
  EXPECT_LT(review_requests().size(), 25u);
}

TEST_F(partoo_sync, storm_of_429_still_completes_and_is_counted) {
  start_fake({"--partoo-reviews", "800", "--throttle-every", "2", "--retry-after", "0"});
  auto config = partoo_config();
  auto result = sync(config, {"--stream", "reviews"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_table_matches_fake();
  auto throttled = std::stoll(psql("SELECT throttled FROM " + schema_ +
                                   ".sync_runs WHERE stream = 'reviews' ORDER BY id DESC LIMIT 1"));
  EXPECT_GE(throttled, 4);
}

TEST_F(partoo_sync, transient_5xx_and_html_error_pages_are_retried) {
  start_fake({"--partoo-reviews", "600", "--error-every", "3", "--html-every", "5"});
  auto config = partoo_config();
  auto result = sync(config, {"--stream", "reviews"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  expect_table_matches_fake();
}

TEST_F(partoo_sync, malformed_json_fails_the_stream_without_moving_its_cursor) {
  start_fake({"--partoo-reviews", "1000"});
  auto config = partoo_config();
  ASSERT_EQ(sync(config).exit_code, 0);
  auto before = cursor();
  ASSERT_FALSE(before.empty());

  fake_->post("/_control/partoo/mutate", R"({"update":20,"seed":5})");
  fake_->set_faults(R"({"malformed_every":1})");
  auto failed = sync(config);
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("reviews-eu/reviews"), std::string::npos) << failed.output;
  EXPECT_NE(failed.output.find("JSON"), std::string::npos) << failed.output;
  EXPECT_EQ(cursor(), before);
  EXPECT_EQ(psql("SELECT status || ':' || error_kind FROM " + schema_ +
                 ".sync_runs WHERE stream = 'reviews' ORDER BY id DESC LIMIT 1"),
            "failed:data");

  // An HTML page served as 200 is refused the same way.
  fake_->set_faults(R"({"html_every":1,"html_status":200})");
  auto html = sync(config, {"--stream", "reviews"});
  EXPECT_EQ(html.exit_code, 1) << html.output;
  EXPECT_EQ(cursor(), before);

  fake_->set_faults("{}");
  ASSERT_EQ(sync(config).exit_code, 0);
  expect_table_matches_fake();
  EXPECT_GT(cursor(), before);
}

TEST_F(partoo_sync, killed_at_random_points_then_rerun_ends_with_exactly_the_source) {
  // ~31 pages at 30 ms each: every kill below lands mid-walk.
  start_fake({"--partoo-reviews", "3000", "--partoo-tie-block", "150", "--slow-ms", "30"});
  auto config = partoo_config();
  std::mt19937 rng(12345);
  int kills_mid_run = 0;
  for (int round = 0; round < 4; ++round) {
    // Odd rounds re-walk everything (--full), so they are always still running when killed.
    std::vector<std::string> argv{SLUICE_BINARY, "sync", "-c", config, "--stream", "reviews"};
    if (round % 2 == 1) argv.push_back("--full");
    child run(argv);
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 500));
    run.kill(SIGKILL);
    if (run.wait().signal == SIGKILL) ++kills_mid_run;
    // Invariant after every crash: no cursor ahead of its rows. Every source record updated
    // strictly before the committed cursor is in the table, in its current version.
    // A kill may land before the first migration created sync_state (slow builds): then there
    // is no cursor, and nothing to check yet.
    bool migrated = psql("SELECT to_regclass('" + schema_ + ".sync_state') IS NOT NULL") == "t";
    auto c = migrated ? cursor() : std::string();
    if (!c.empty()) {
      auto table = table_reviews();
      for (const auto& [id, r] : fake_reviews())
        if (r.updated_at < c) {
          ASSERT_TRUE(table.count(id)) << "cursor " << c << " ahead of review " << id;
          ASSERT_EQ(table.at(id), r) << "cursor " << c << " ahead of review " << id << "'s update";
        }
    }
    if (round == 1)
      fake_->post("/_control/partoo/mutate", R"({"update":30,"delete":5,"add":10,"seed":9})");
  }
  EXPECT_GE(kills_mid_run, 2) << "the test must kill running syncs to prove anything";
  fake_->set_faults("{}");
  auto final_run = sync(config, {"--stream", "reviews"});
  ASSERT_EQ(final_run.exit_code, 0) << final_run.output;
  expect_table_matches_fake();
}

TEST_F(partoo_sync, https_with_the_right_ca_works_and_a_wrong_ca_is_refused) {
  start_fake({"--partoo-reviews", "150"});
  auto good = partoo_config("", true);
  auto ok = sync(good, {"--stream", "reviews"});
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  expect_table_matches_fake();

  fakeapi other({"--partoo-reviews", "1"});  // its certificate is not the one our fake serves
  auto bad = partoo_config("", true, other.cert_file().string());
  fake_->reset_stats();
  auto refused = sync(bad, {"--stream", "reviews"});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("certificate"), std::string::npos) << refused.output;
  EXPECT_EQ(fake_->requests("partoo.reviews"), 0);  // no request got through
}

TEST_F(partoo_sync, no_secret_appears_in_any_output) {
  start_fake({"--partoo-reviews", "50"});
  auto config = partoo_config();
  std::vector<process_result> outputs;
  outputs.push_back(sync(config, {"--log-level", "debug"}));
  outputs.push_back(run_sluice({"check", "-c", config, "--log-level", "debug"}));
  outputs.push_back(run_sluice({"status", "-c", config}));
  outputs.push_back(run_sluice({"status", "-c", config, "--json"}));
  // Rejected credentials: the key we sent must not be echoed either.
  write_file(dir_ / "partoo.key", "wrong-KEY-0123456789\n");
  auto rejected = sync(config, {"--log-level", "debug"});
  EXPECT_EQ(rejected.exit_code, 1) << rejected.output;
  EXPECT_NE(rejected.output.find("auth"), std::string::npos) << rejected.output;
  outputs.push_back(rejected);
  // The database password (from the test database URL) must not leak either.
  std::string db_password;
  auto url = *test_database_url();
  auto at = url.find('@');
  auto colon = url.find(':', url.find("//") + 2);
  if (at != std::string::npos && colon < at) db_password = url.substr(colon + 1, at - colon - 1);
  for (const auto& out : outputs) {
    EXPECT_EQ(out.output.find(api_key), std::string::npos) << out.output;
    EXPECT_EQ(out.output.find("wrong-KEY-0123456789"), std::string::npos) << out.output;
    if (db_password.size() >= 8) {
      EXPECT_EQ(out.output.find(db_password), std::string::npos) << out.output;
    }
  }
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE error LIKE '%" +
                 std::string(api_key) + "%' OR error LIKE '%wrong-KEY%'"),
            "0");
}

TEST_F(partoo_sync, check_reports_database_and_authentication_and_status_shows_cursor) {
  start_fake({"--partoo-reviews", "120"});
  auto config = partoo_config();
  auto check = run_sluice({"check", "-c", config});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("database: ok"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("source reviews-eu (partoo"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("authenticated"), std::string::npos) << check.output;

  ASSERT_EQ(sync(config).exit_code, 0);
  auto status = run_sluice({"status", "-c", config});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("update_date=" + cursor()), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("succeeded"), std::string::npos) << status.output;

  auto json = run_sluice({"status", "-c", config, "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.output;
  auto parsed = boost::json::parse(json.output);
  bool found = false;
  for (const auto& s : parsed.as_array()) {
    if (s.at("stream").as_string() != "reviews") continue;
    found = true;
    EXPECT_EQ(std::to_string(s.at("rows").to_number<int>()),
              psql("SELECT count(*) FROM " + schema_ + ".reviews WHERE deleted_at IS NULL"));
    EXPECT_EQ(s.at("cursor").at("update_date").as_string(), cursor());
    EXPECT_EQ(s.at("last_run").at("status").as_string(), "succeeded");
  }
  EXPECT_TRUE(found) << json.output;

  // A wrong key: check names the source and the authentication failure, exit code 1.
  write_file(dir_ / "partoo.key", "nope\n");
  auto bad = run_sluice({"check", "-c", config});
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("FAILED (auth)"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace sluice::test
