// End to end against every variant of the Partoo imitation: each behaviour that Partoo's own
// documents allow (deleted reviews left out of the default search, states beyond the 2021 enum,
// 30 per page whatever per_page says, reply suggestions and customers' comments in reply threads,
// business pages counted from 0) is a switch of sluice-fakeapi, and every test here runs the real
// sluice against each combination below. The last test checks every request sluice sent against
// Partoo's own OpenAPI description.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/time.hpp"
#include "tests/integration/partoo_fixture.hpp"

namespace sluice::test {
namespace {

using namespace std::chrono_literals;

struct partoo_variant {
  std::string name;  // short: it ends up in the test's schema name (at most 48 characters)
  std::vector<std::string> flags;
};

std::ostream& operator<<(std::ostream& os, const partoo_variant& v) { return os << v.name; }

// The fake's defaults already argue for the vendor: deleted reviews hidden from the default
// search, pending_/treated_auto_reply states, reply suggestions and customers' comments.
const partoo_variant variants[] = {
    {"defaults", {}},
    {"include_deleted", {"--partoo-deleted-in-search", "include"}},
    {"thirty_per_page", {"--partoo-ignore-per-page"}},
    {"page_zero", {"--partoo-business-first-page", "0"}},
    {"documented_2021",
     {"--partoo-deleted-in-search", "include", "--partoo-extra-states=false",
      "--partoo-reply-threads=false"}},
    {"all_at_once", {"--partoo-ignore-per-page", "--partoo-business-first-page", "0"}},
};

std::vector<std::int64_t> ids_of(const boost::json::value& mutation, const char* key) {
  std::vector<std::int64_t> ids;
  for (const auto& id : mutation.at(key).as_array()) ids.push_back(id.to_number<std::int64_t>());
  return ids;
}

std::string now_text() {
  return format_timestamp(
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
}

class pv : public partoo_sync, public ::testing::WithParamInterface<partoo_variant> {
protected:
  void start_variant(std::vector<std::string> options) {
    options.insert(options.end(), GetParam().flags.begin(), GetParam().flags.end());
    start_fake(std::move(options));
  }

  // One JSON object per table: external_id -> column (json_object_agg keeps a value with line
  // breaks on one line of psql output).
  boost::json::object table_column(const std::string& table, const std::string& column) {
    auto text = psql("SELECT coalesce(json_object_agg(external_id, " + column + "), '{}') FROM " +
                     schema_ + "." + table + " WHERE source = 'reviews-eu'");
    return boost::json::parse(text).as_object();
  }

  // The reply column holds the business's answer the fake put in each thread, whatever else the
  // thread holds (reply suggestions, the customer's own comments).
  void expect_replies_match_fake() {
    auto table = table_column("reviews", "reply_content");
    int mismatches = 0;
    auto annotated = fake_->get("/_control/partoo/reviews?annotate=true");
    for (const auto& v : annotated.as_array()) {
      const auto& o = v.as_object();
      auto id = std::to_string(o.at("id").to_number<std::int64_t>());
      const auto* stored = table.if_contains(id);
      const auto& expected = o.at("_business_reply");
      if (stored == nullptr || *stored != expected) {
        if (++mismatches < 5)
          ADD_FAILURE() << "review " << id << ": reply " << (stored ? serialize(*stored) : "absent")
                        << ", the business answered " << serialize(expected) << " in "
                        << serialize(o.at("comments"));
      }
    }
    EXPECT_EQ(mismatches, 0);
  }

  void expect_businesses_match_fake() {
    auto table = table_column("businesses", "name");
    auto dump = fake_->get("/_control/partoo/businesses");
    const auto& fake = dump.as_array();
    EXPECT_EQ(table.size(), fake.size());
    for (const auto& v : fake) {
      const auto& o = v.as_object();
      const auto* stored = table.if_contains(o.at("id").as_string());
      EXPECT_TRUE(stored != nullptr && *stored == o.at("name")) << serialize(v);
    }
  }

  std::string last_reviews_run(const std::string& columns) {
    return psql("SELECT " + columns + " FROM " + schema_ +
                ".sync_runs WHERE stream = 'reviews' ORDER BY id DESC LIMIT 1");
  }
};

INSTANTIATE_TEST_SUITE_P(v, pv, ::testing::ValuesIn(variants),
                         [](const auto& info) { return info.param.name; });

TEST_P(pv, sync_and_changes) {
  // A tie block longer than a page of 100 (and of 30) in the middle; 45 businesses: two pages.
  start_variant(
      {"--partoo-reviews", "1500", "--partoo-tie-block", "130", "--partoo-businesses", "45"});
  auto config = partoo_config();
  auto first = sync(config);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  expect_table_matches_fake();
  expect_replies_match_fake();
  expect_businesses_match_fake();
  auto cursor_before = cursor();

  // Everything the documents allow, at once: edits, deletions (hidden from the default search in
  // most variants), restores with and without a stale delete_date, deletions without a state,
  // reviews arriving dated 20 hours back (below the cursor), one dated 9999-12-31.
  auto changed = fake_->post("/_control/partoo/mutate",
                             R"({"update":30,"delete":12,"add":5,"restore":3,"restore_stale":3,
                                 "delete_without_state":2,"backdate":4,"backdate_hours":20,
                                 "future":1,"seed":7})");
  fake_->post("/_control/partoo/businesses/mutate", R"({"update":4,"seed":3})");
  auto second = sync(config);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  expect_table_matches_fake();
  expect_replies_match_fake();
  expect_businesses_match_fake();

  auto deleted_at = table_column("reviews", "deleted_at");
  auto is_deleted = [&](std::int64_t id) { return !deleted_at.at(std::to_string(id)).is_null(); };
  for (auto id : ids_of(changed, "deleted")) EXPECT_TRUE(is_deleted(id)) << id;
  for (auto id : ids_of(changed, "deleted_without_state")) EXPECT_TRUE(is_deleted(id)) << id;
  for (auto id : ids_of(changed, "restored_stale")) EXPECT_FALSE(is_deleted(id)) << id;
  for (auto id : ids_of(changed, "backdated"))
    EXPECT_TRUE(deleted_at.contains(std::to_string(id))) << id;
  ASSERT_EQ(ids_of(changed, "future").size(), 1u);
  EXPECT_TRUE(deleted_at.contains(std::to_string(ids_of(changed, "future")[0])));
  // The review dated 9999-12-31 is stored with a warning; the cursor stops at now and reads back.
  EXPECT_GE(std::stoll(last_reviews_run("warnings")), 1);
  EXPECT_GT(cursor(), cursor_before);
  EXPECT_LE(cursor(), now_text());

  // Nothing changed: a third run writes nothing (and the cursor written above read back).
  auto third = sync(config);
  ASSERT_EQ(third.exit_code, 0) << third.output;
  EXPECT_EQ(last_reviews_run("status || '|' || inserted + updated"), "succeeded|0");
  expect_table_matches_fake();
}

TEST_P(pv, order_ignored) {
  start_variant({"--partoo-reviews", "800"});
  auto config = partoo_config("streams = [\"reviews\"]\n");
  ASSERT_EQ(sync(config).exit_code, 0);
  auto before = cursor();
  // The switch, thrown at run time: answers in id order whatever order_by says.
  fake_->post("/_control/partoo/settings", R"({"ignore_order_by":true})");
  fake_->post("/_control/partoo/mutate", R"({"update":60,"delete":6,"seed":5})");
  auto failed = sync(config);
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_NE(failed.output.find("reviews-eu/reviews"), std::string::npos) << failed.output;
  EXPECT_NE(failed.output.find("update_date order"), std::string::npos) << failed.output;
  EXPECT_NE(failed.output.find("/partoo/v2/reviews"), std::string::npos) << failed.output;
  EXPECT_EQ(cursor(), before);
  EXPECT_EQ(last_reviews_run("status || ':' || error_kind"), "failed:data");

  fake_->post("/_control/partoo/settings", R"({"ignore_order_by":false})");
  auto repaired = sync(config);
  ASSERT_EQ(repaired.exit_code, 0) << repaired.output;
  expect_table_matches_fake();
  EXPECT_GT(cursor(), before);
}

// Every request sluice sends, in every variant, validates against the vendor's OpenAPI
// description (tests/fixtures/partoo/openapi.yaml; checker: openapi_check.py beside it).
TEST_P(pv, vendor_check) {
  start_variant(
      {"--partoo-reviews", "400", "--partoo-tie-block", "40", "--partoo-businesses", "35"});
  auto config = partoo_config();
  fake_->post("/_control/partoo/requests/reset", "");
  ASSERT_EQ(run_sluice({"check", "-c", config}).exit_code, 0);
  ASSERT_EQ(sync(config).exit_code, 0);
  fake_->post("/_control/partoo/mutate", R"({"update":10,"delete":4,"backdate":2,"seed":2})");
  ASSERT_EQ(sync(config).exit_code, 0);
  ASSERT_EQ(sync(config, {"--full"}).exit_code, 0);
  // Drift that only a verification finds (a review dated a month back, one purged): its count
  // probes and range re-reads are requests like any other. Its outcome is verify's own tests'.
  fake_->post("/_control/partoo/mutate",
              R"({"backdate":1,"backdate_hours":720,"purge":1,"seed":3})");
  run_sluice({"verify", "-c", config});

  auto log = fake_->get("/_control/partoo/requests");
  bool deleted_walk = false, unfiltered_walk = false, businesses = false, probe = false,
       range_probe = false;
  for (const auto& entry : log.as_array()) {
    std::string target(entry.at("target").as_string());
    if (target.find("/reviews?") != std::string::npos) {
      deleted_walk |= target.find("state__in=deleted") != std::string::npos;
      unfiltered_walk |= target.find("order_by=update_date") != std::string::npos &&
                         target.find("state__in") == std::string::npos;
      probe |= target.find("per_page=1&") != std::string::npos || target.ends_with("per_page=1");
      range_probe |= target.find("per_page=1&") != std::string::npos &&
                     target.find("update_date__lte=") != std::string::npos;
    }
    businesses |= target.find("/business/search") != std::string::npos;
  }
  EXPECT_TRUE(deleted_walk && unfiltered_walk && businesses && probe && range_probe)
      << serialize(log);

  auto file = dir_ / "requests.json";
  write_file(file, serialize(log));
  const std::string fixtures = SLUICE_FIXTURES_DIR;
  // Debian's interpreter first: python3-yaml installs there.
  const std::string python =
      std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  auto checked =
      run_process({python, fixtures + "/partoo/openapi_check.py", fixtures + "/partoo/openapi.yaml",
                   file.string(), "--prefix", "/partoo/v2"});
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find(" 0 failed"), std::string::npos) << checked.output;
}

// A crash between or during the two review walks never leaves a deletion unread for good. With a
// lookback of one second, a design that let the unfiltered walk move the cursor before the deleted
// walk had read its window would lose the deletions below the moved cursor: this test kills the
// sync while each walk is running and checks that the reruns end with every deletion in place.
TEST_F(partoo_sync, killed_during_either_review_walk_loses_no_deletion) {
  start_fake({"--partoo-reviews", "600", "--slow-ms", "120"});
  auto config = partoo_config("lookback = \"1s\"\nstreams = [\"reviews\"]\n");
  ASSERT_EQ(sync(config).exit_code, 0);

  // Wait until the request log shows `wanted`, then kill the sync.
  auto kill_when = [&](auto wanted) {
    fake_->post("/_control/partoo/requests/reset", "");
    child run({SLUICE_BINARY, "sync", "-c", config, "--stream", "reviews"});
    for (int i = 0; i < 600; ++i) {
      bool seen = false;
      auto log = fake_->get("/_control/partoo/requests");
      for (const auto& e : log.as_array()) seen |= wanted(std::string(e.at("target").as_string()));
      if (seen) break;
      std::this_thread::sleep_for(10ms);
    }
    run.kill(SIGKILL);
    run.wait();
  };
  auto deleted_walk = [](const std::string& t) {
    return t.find("state__in=deleted") != std::string::npos;
  };
  auto unfiltered_walk = [](const std::string& t) {
    return t.find("/reviews?") != std::string::npos && t.find("state__in") == std::string::npos;
  };

  // Deletions first, then many updates after them: the unfiltered walk moves the cursor far past
  // the deletions' update dates.
  fake_->post("/_control/partoo/mutate", R"({"delete":8,"seed":1})");
  fake_->post("/_control/partoo/mutate", R"({"update":350,"seed":2})");
  kill_when(deleted_walk);
  kill_when(unfiltered_walk);
  fake_->post("/_control/partoo/mutate", R"({"delete":5,"seed":3})");
  fake_->post("/_control/partoo/mutate", R"({"update":250,"seed":4})");
  kill_when(unfiltered_walk);
  kill_when(deleted_walk);

  auto final_run = sync(config);
  ASSERT_EQ(final_run.exit_code, 0) << final_run.output;
  expect_table_matches_fake();
}

}  // namespace
}  // namespace sluice::test
