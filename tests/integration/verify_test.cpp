// End to end: `sluice verify` and the daemon's own verifications (every verify_interval) against
// sluice-fakeapi and a real PostgreSQL. The Partoo fake hides reviews from every incremental pull
// (arrivals dated far below the cursor and its lookback) and deletes others without a trace; the
// verification must find the drifted spans, repair exactly them within the bisection's request
// bound, never mark an existing review deleted (not even when killed midway), and leave nothing
// to find the second time.
#include <algorithm>
#include <cmath>
#include <csignal>
#include <iostream>
#include <map>
#include <set>

#include <boost/json.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/daemon_process.hpp"
#include "tests/support/http.hpp"
#include "tests/support/prometheus.hpp"
#include "tests/support/sync_fixture.hpp"

namespace sluice::test {
namespace {

using ::testing::HasSubstr;

constexpr const char* partoo_key = "partoo-VERIFY-KEY-2718";
constexpr const char* cloutly_key = "cloutly-VERIFY-KEY-1414";

// Reviews of the Partoo fake in the tests that count requests: enough that re-reading
// everything (200 pages) costs far more than the bisection's bound.
constexpr int partoo_reviews = 20000;

class verify_test : public sync_fixture {
protected:
  void start_fake(std::vector<std::string> options) {
    options.insert(options.end(), {"--partoo-key", partoo_key, "--cloutly-key", cloutly_key});
    fake_ = std::make_unique<fakeapi>(options);
    write_file(dir_ / "partoo.key", std::string(partoo_key) + "\n");
    write_file(dir_ / "cloutly.key", std::string(cloutly_key) + "\n");
  }

  std::string partoo_source(const std::string& extra = "") {
    return "[sources.eu]\nkind = \"partoo\"\nbase_url = \"" + fake_->http_url("/partoo/v2") +
           "\"\napi_key_file = \"" + (dir_ / "partoo.key").string() +
           "\"\nrate_limit = \"1000000/min\"\ntimeout = \"10s\"\n" + extra + "\n";
  }
  std::string cloutly_source(const std::string& extra = "") {
    return "[sources.us]\nkind = \"cloutly\"\nbase_url = \"" + fake_->http_url("/cloutly/api/v1") +
           "\"\napi_key_file = \"" + (dir_ / "cloutly.key").string() +
           "\"\nrate_limit = \"1000000/min\"\ntimeout = \"10s\"\n" + extra + "\n";
  }

  process_result verify(const std::string& config, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"verify", "-c", config};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_sluice(args);
  }

  std::string q(const std::string& sql) { return psql(sql); }
  std::int64_t n(const std::string& sql) {
    auto v = psql(sql);
    return v.empty() ? 0 : std::stoll(v);
  }

  // Review id -> deleted at the source, as the fake holds them (purged reviews are absent).
  std::map<std::string, bool> fake_reviews() {
    std::map<std::string, bool> out;
    const auto dump = fake_->get("/_control/partoo/reviews");
    for (const auto& v : dump.as_array()) {
      const auto& o = v.as_object();
      const bool stateless = o.at("state").is_null();
      out[std::to_string(o.at("id").to_number<std::int64_t>())] =
          stateless ? !o.at("delete_date").is_null() : o.at("state").as_string() == "deleted";
    }
    return out;
  }
  std::map<std::string, bool> table_reviews(const std::string& source = "eu") {
    std::map<std::string, bool> out;
    for (const auto& line : psql_rows("SELECT external_id || '|' || CASE WHEN deleted_at IS NULL "
                                      "THEN 'f' ELSE 't' END FROM " +
                                      schema_ + ".reviews WHERE source = '" + source + "'"))
      if (!line.empty()) out[line.substr(0, line.find('|'))] = line.back() == 't';
    return out;
  }

  // Every review of the fake is in the table, deleted exactly when the fake says so; every other
  // row of the table (purged at the fake) is marked deleted.
  void expect_table_matches_fake() {
    const auto fake = fake_reviews();
    const auto table = table_reviews();
    int problems = 0;
    for (const auto& [id, deleted] : fake) {
      auto it = table.find(id);
      if (it == table.end() || it->second != deleted)
        if (++problems <= 5)
          ADD_FAILURE() << "review " << id
                        << (it == table.end() ? " missing" : " deletedness differs");
    }
    for (const auto& [id, deleted] : table)
      if (!fake.count(id) && !deleted && ++problems <= 5)
        ADD_FAILURE() << "review " << id << " is gone at the source but live in the table";
    EXPECT_EQ(problems, 0);
  }

  // No review that exists (live) at the source is marked deleted in the table.
  void expect_nothing_deleted_wrongly() {
    const auto fake = fake_reviews();
    int wrong = 0;
    for (const auto& [id, deleted] : table_reviews()) {
      auto it = fake.find(id);
      if (deleted && it != fake.end() && !it->second && ++wrong <= 5)
        ADD_FAILURE() << "review " << id << " exists at the source but is marked deleted";
    }
    EXPECT_EQ(wrong, 0);
  }

  // The latest verification of a stream:
  // "outcome|api|table|probed|drifted|repaired|deleted|requests|dry".
  std::string last_verification(const std::string& stream, const std::string& source = "eu") {
    return q(
        "SELECT outcome || '|' || coalesce(api_count::text, '-') || '|' || "
        "coalesce(table_count::text, '-') || '|' || ranges_probed || '|' || ranges_drifted || "
        "'|' || rows_repaired || '|' || rows_deleted || '|' || requests || '|' || "
        "CASE WHEN dry_run THEN 't' ELSE 'f' END FROM " +
        schema_ + ".verifications WHERE source = '" + source + "' AND stream = '" + stream +
        "' ORDER BY id DESC LIMIT 1");
  }
  std::int64_t last_verification_figure(const std::string& column,
                                        const std::string& stream = "reviews") {
    return n("SELECT " + column + " FROM " + schema_ +
             ".verifications WHERE source = 'eu' AND "
             "stream = '" +
             stream + "' ORDER BY id DESC LIMIT 1");
  }

  // Reviews hidden from every incremental pull (arrivals dated ~83 days back, far below the
  // cursor minus its 48h lookback) and others deleted without a trace.
  void make_partoo_drift(int backdated = 30, int purged = 6) {
    fake_->post("/_control/partoo/mutate", "{\"backdate\":" + std::to_string(backdated) +
                                               ",\"backdate_hours\":2000,"
                                               "\"purge\":" +
                                               std::to_string(purged) + ",\"seed\":7}");
  }
};

// The request bound of a Partoo reviews verification with `drifted` spans over `rows` reviews:
// the default search learnt (2), the root count (1), per drifted span the counts of a bisection
// path (log2(rows / 100) + 1 for the open start) and its re-read (at most 3 pages of the default
// search and 2 of the deleted one: a span holds at most 200 reviews), the recent tail (2 + 2) and
// the final count (1). Re-reading everything would cost rows / 100 pages.
std::int64_t bisection_bound(std::int64_t rows, std::int64_t drifted) {
  const auto levels = static_cast<std::int64_t>(std::ceil(std::log2(rows / 100.0))) + 1;
  return 3 + drifted * (levels + 5) + 4 + 1;
}

class verify_partoo : public verify_test, public ::testing::WithParamInterface<const char*> {};

// long function: one verification scenario (drift made, found, repaired, re-verified) in order.
TEST_P(verify_partoo, finds_repairs_and_reports_drift_and_a_second_run_finds_none) {
  start_fake({"--partoo-reviews", std::to_string(partoo_reviews), "--partoo-businesses", "30",
              "--partoo-deleted-in-search", GetParam()});
  auto config = write_config(partoo_source());
  auto synced = sync(config);
  ASSERT_EQ(synced.exit_code, 0) << synced.output;

  auto clean = verify(config);
  EXPECT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_THAT(clean.output, HasSubstr("eu/reviews: matched"));
  EXPECT_THAT(clean.output, HasSubstr("eu/businesses: matched"));
  EXPECT_LE(last_verification_figure("requests"), 3)
      << "no drift: the default search learnt and one count";

  make_partoo_drift();
  const auto before =
      q("SELECT md5(string_agg(external_id || coalesce(deleted_at::text, '') || "
        "synced_at::text, ',' ORDER BY external_id)) FROM " +
        schema_ + ".reviews");

  // --dry-run: localizes, reports, exits 1, changes nothing.
  auto dry = verify(config, {"--dry-run"});
  EXPECT_EQ(dry.exit_code, 1) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("eu/reviews: drift"));
  EXPECT_EQ(q("SELECT md5(string_agg(external_id || coalesce(deleted_at::text, '') || "
              "synced_at::text, ',' ORDER BY external_id)) FROM " +
              schema_ + ".reviews"),
            before);
  EXPECT_THAT(last_verification("reviews"), ::testing::EndsWith("|t"));
  EXPECT_EQ(n("SELECT count(*) FROM " + schema_ + ".verification_marks"), 0);

  const auto cursor_before =
      q("SELECT cursor::text FROM " + schema_ + ".sync_state WHERE stream = 'reviews'");
  fake_->reset_stats();
  auto repaired = verify(config, {"--stream", "reviews"});
  ASSERT_EQ(repaired.exit_code, 0) << repaired.output;
  EXPECT_THAT(repaired.output, HasSubstr("eu/reviews: repaired"));
  expect_table_matches_fake();
  EXPECT_EQ(q("SELECT cursor::text FROM " + schema_ + ".sync_state WHERE stream = 'reviews'"),
            cursor_before)
      << "a verification never moves the live cursor";

  // The figures: 6 purged marked deleted, the 30 arrivals written, spans found one by one.
  EXPECT_EQ(last_verification_figure("rows_deleted"), 6);
  EXPECT_GE(last_verification_figure("rows_repaired"), 30);
  const auto drifted = last_verification_figure("ranges_drifted");
  EXPECT_GE(drifted, 2);
  EXPECT_LE(drifted, 7) << "at most one span per purged review and one for the arrivals";
  EXPECT_EQ(last_verification_figure("api_count"), last_verification_figure("table_count"));
  // Every request counted, at the fake and in the table, within the bisection's bound.
  const auto requests = last_verification_figure("requests");
  EXPECT_EQ(requests, fake_->requests("partoo.reviews"));
  EXPECT_LE(requests, bisection_bound(partoo_reviews, drifted));
  std::cout << "verification: " << drifted << " drifted ranges, " << requests << " requests (bound "
            << bisection_bound(partoo_reviews, drifted) << ", a full re-read "
            << partoo_reviews / 100 << ")\n";
  EXPECT_LT(requests, partoo_reviews / 100 / 2);

  auto again = verify(config, {"--json"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_THAT(last_verification("reviews"), ::testing::StartsWith("matched|"));
  auto line = again.output.substr(again.output.find("[{"));
  auto json = boost::json::parse(line.substr(0, line.find('\n'))).as_array();
  ASSERT_EQ(json.size(), 2u);
  EXPECT_EQ(json[0].at("outcome").as_string(), "matched");
  EXPECT_EQ(json[0].at("api_count"), json[0].at("table_count"));
  EXPECT_EQ(json[0].at("ranges_drifted").to_number<int>(), 0);
}

// One prefix per value: the prefix starts each test's schema name, which is cut at 48 characters.
INSTANTIATE_TEST_SUITE_P(verify_hide, verify_partoo, ::testing::Values("hide"));
INSTANTIATE_TEST_SUITE_P(verify_include, verify_partoo, ::testing::Values("include"));

// Partoo's 2021 description: 30 per page whatever per_page says, business pages from 0.
TEST_F(verify_test, repairs_a_partoo_that_pages_by_thirty_from_page_zero) {
  start_fake({"--partoo-reviews", "4000", "--partoo-businesses", "70", "--partoo-ignore-per-page",
              "--partoo-business-first-page", "0"});
  auto config = write_config(partoo_source());
  ASSERT_EQ(sync(config).exit_code, 0);
  make_partoo_drift();
  q("DELETE FROM " + schema_ + ".businesses WHERE external_id IN (SELECT external_id FROM " +
    schema_ + ".businesses ORDER BY external_id LIMIT 3)");
  auto repaired = verify(config);
  ASSERT_EQ(repaired.exit_code, 0) << repaired.output;
  EXPECT_THAT(repaired.output, HasSubstr("eu/reviews: repaired"));
  EXPECT_THAT(repaired.output, HasSubstr("eu/businesses: repaired; api 70, table 70"));
  expect_table_matches_fake();
  EXPECT_EQ(verify(config).exit_code, 0);
}

TEST_F(verify_test, kill_9_in_the_middle_of_a_repair_loses_nothing_and_a_rerun_finishes) {
  start_fake({"--partoo-reviews", "5000", "--slow-ms", "40"});
  auto config = write_config(partoo_source("streams = [\"reviews\"]"));
  ASSERT_EQ(sync(config).exit_code, 0);
  // Some 25 ranges to repair, a few requests each: the kill after the first lands long before
  // the last (and the marks come only after that).
  make_partoo_drift(10, 25);
  child running({SLUICE_BINARY, "verify", "-c", config, "--log-level", "debug"});
  bool in_repair = false;
  while (auto line = running.read_line(std::chrono::seconds{120})) {
    if (line->find("re-read") != std::string::npos) {
      in_repair = true;
      break;
    }
  }
  ASSERT_TRUE(in_repair) << running.drain();
  running.kill(SIGKILL);
  running.wait();
  EXPECT_EQ(last_verification("reviews").substr(0, 8), "running|") << "killed before it finished";
  EXPECT_EQ(n("SELECT count(*) FROM " + schema_ + ".verification_marks"), 0);
  expect_nothing_deleted_wrongly();

  auto rerun = verify(config);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  expect_table_matches_fake();
  EXPECT_THAT(verify(config).output, HasSubstr("eu/reviews: matched"));
}

// Reviews edited while the drifted ranges are being re-read leave their ranges (they move to a
// new update_date) and are absent from the re-read: the read of the recent reviews before the
// marks must find them, or they would be marked deleted while they exist.
TEST_F(verify_test, a_review_edited_during_the_repair_is_never_taken_for_vanished) {
  start_fake({"--partoo-reviews", "5000", "--slow-ms", "40"});
  auto config = write_config(partoo_source("streams = [\"reviews\"]"));
  ASSERT_EQ(sync(config).exit_code, 0);
  make_partoo_drift(10, 25);
  child running({SLUICE_BINARY, "verify", "-c", config, "--log-level", "debug"});
  bool in_repair = false;
  while (auto line = running.read_line(std::chrono::seconds{120})) {
    if (line->find("re-read") != std::string::npos) {
      in_repair = true;
      break;
    }
  }
  ASSERT_TRUE(in_repair) << running.drain();
  // One review in ten edited now: a few in every range still to be re-read.
  fake_->post("/_control/partoo/mutate", R"({"update":500,"seed":8})");
  auto done = running.wait(std::chrono::seconds{300});
  EXPECT_EQ(done.exit_code, 0) << running.drain();
  expect_nothing_deleted_wrongly();
  EXPECT_EQ(last_verification_figure("rows_deleted"), 25);
  ASSERT_EQ(sync(config).exit_code, 0);
  expect_table_matches_fake();
}

TEST_F(verify_test, the_daemon_repairs_the_same_drift_unattended_and_reports_it) {
  start_fake({"--partoo-reviews", "3000"});
  auto base = database_toml(schema_);
  base.replace(base.find("listen = \"\""), 11, "listen = \"127.0.0.1:0\"\n");
  auto config = (dir_ / "sluice.toml").string();
  write_file(config, base + partoo_source("interval = \"1s\"\nverify_interval = \"2s\"\n"
                                          "streams = [\"reviews\"]"));
  daemon_process d(config);
  const int port = d.port();
  ASSERT_GT(port, 0);
  auto live_at_fake = [&] {
    std::int64_t live = 0;
    for (const auto& [id, deleted] : fake_reviews()) live += !deleted;
    return live;
  };
  const auto loaded = live_at_fake();
  ASSERT_TRUE(eventually([&] {
    return n("SELECT count(*) FROM " + schema_ + ".reviews WHERE deleted_at IS NULL") == loaded;
  })) << d.log();
  ASSERT_TRUE(eventually([&] { return d.logged("verification matched"); })) << d.log();

  make_partoo_drift();
  ASSERT_TRUE(eventually([&] { return d.logged("verification repaired"); })) << d.log();
  expect_table_matches_fake();

  auto m = parse_prometheus(http_request(port, "GET", "/metrics").body);
  EXPECT_GE(m.value("sluice_verify_runs_total", {{"outcome", "repaired"}}).value_or(0), 1.0);
  EXPECT_GE(m.value("sluice_verify_runs_total", {{"outcome", "matched"}}).value_or(0), 1.0);
  EXPECT_EQ(m.value("sluice_stream_drift_records", {{"source", "eu"}, {"stream", "reviews"}}), 0.0);
  EXPECT_EQ(n("SELECT count(*) FROM " + schema_ +
              ".verifications WHERE outcome = 'repaired' "
              "AND rows_deleted = 6"),
            1);

  auto status = run_sluice({"status", "-c", config});
  EXPECT_THAT(status.output, HasSubstr("VERIFIED"));
  auto status_json = run_sluice({"status", "-c", config, "--json"});
  auto json = boost::json::parse(status_json.output.substr(status_json.output.find("[{")));
  const auto& last = json.as_array().at(0).at("last_verification");
  ASSERT_TRUE(last.is_object()) << status_json.output;
  EXPECT_THAT(std::string(last.at("outcome").as_string()), ::testing::AnyOf("matched", "repaired"));
  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
}

TEST_F(verify_test, the_daemon_makes_the_next_cloutly_run_a_full_walk_on_drift) {
  start_fake({"--cloutly-reviews", "200", "--cloutly-businesses", "3"});
  auto base = database_toml(schema_);
  base.replace(base.find("listen = \"\""), 11, "listen = \"127.0.0.1:0\"\n");
  auto config = (dir_ / "sluice.toml").string();
  // Full walks every 24h by default: without the verification, the deletions below would stay
  // invisible for a day.
  write_file(config, base + cloutly_source("interval = \"1s\"\nverify_interval = \"2s\"\n"
                                           "streams = [\"reviews\"]"));
  daemon_process d(config);
  ASSERT_TRUE(eventually([&] { return d.logged("us/reviews: verification matched"); })) << d.log();
  const auto full_runs = n("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE mode = 'full'");
  fake_->post("/_control/cloutly/mutate", R"({"delete":3,"seed":5})");
  ASSERT_TRUE(eventually([&] { return d.logged("us/reviews: verification repaired"); })) << d.log();
  EXPECT_EQ(n("SELECT count(*) FROM " + schema_ + ".reviews WHERE deleted_at IS NOT NULL"), 3);
  EXPECT_GE(n("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE mode = 'full'"), full_runs + 1);
  EXPECT_THAT(q("SELECT outcome || '|' || api_count || '|' || table_count FROM " + schema_ +
                ".verifications WHERE outcome = 'repaired'"),
              "repaired|197|197");
  d.kill(SIGTERM);
  EXPECT_EQ(d.wait_exit(), 0) << d.log();
}

TEST_F(verify_test, cloutly_drift_starts_the_full_walk_and_businesses_are_snapshots) {
  start_fake({"--cloutly-reviews", "300", "--cloutly-businesses", "8"});
  auto config = write_config(cloutly_source());
  ASSERT_EQ(sync(config).exit_code, 0);
  EXPECT_EQ(verify(config).exit_code, 0);
  fake_->post("/_control/cloutly/mutate", R"({"delete":4,"add":2,"seed":3})");
  const auto full_runs = n("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE mode = 'full'");

  auto dry = verify(config, {"--dry-run"});
  EXPECT_EQ(dry.exit_code, 1) << dry.output;
  EXPECT_EQ(n("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE mode = 'full'"), full_runs);

  auto repaired = verify(config);
  ASSERT_EQ(repaired.exit_code, 0) << repaired.output;
  EXPECT_THAT(repaired.output, HasSubstr("us/reviews: repaired; api 298, table 298"));
  EXPECT_THAT(repaired.output, HasSubstr("us/businesses: unsupported"));
  EXPECT_THAT(repaired.output, HasSubstr("snapshot stream"));
  EXPECT_EQ(n("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE mode = 'full'"), full_runs + 1);
  EXPECT_EQ(n("SELECT count(*) FROM " + schema_ +
              ".reviews WHERE source = 'us' AND deleted_at IS NOT NULL"),
            4);
}

TEST_F(verify_test, a_cloutly_total_that_counts_only_the_page_is_no_count) {
  start_fake({"--cloutly-reviews", "120", "--cloutly-businesses", "3", "--cloutly-total", "page"});
  auto config = write_config(cloutly_source());
  ASSERT_EQ(sync(config).exit_code, 0);
  const auto full_runs = n("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE mode = 'full'");
  auto result = verify(config, {"--stream", "reviews"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_THAT(result.output, HasSubstr("us/reviews: unsupported"));
  EXPECT_EQ(n("SELECT count(*) FROM " + schema_ + ".sync_runs WHERE mode = 'full'"), full_runs)
      << "a count that cannot be trusted never starts a full walk";
}

TEST_F(verify_test, partoo_businesses_drift_is_repaired_by_a_snapshot) {
  start_fake({"--partoo-reviews", "200", "--partoo-businesses", "40"});
  auto config = write_config(partoo_source("streams = [\"businesses\"]"));
  ASSERT_EQ(sync(config).exit_code, 0);
  // A business the API no longer has, and two the table lost.
  q("INSERT INTO " + schema_ +
    ".businesses (source, external_id, provider, name, content_hash) "
    "VALUES ('eu', 'ghost', 'partoo', 'Gone since', '\\x01')");
  q("DELETE FROM " + schema_ + ".businesses WHERE external_id IN (SELECT external_id FROM " +
    schema_ + ".businesses WHERE external_id <> 'ghost' ORDER BY external_id LIMIT 2)");
  auto repaired = verify(config);
  ASSERT_EQ(repaired.exit_code, 0) << repaired.output;
  EXPECT_THAT(repaired.output, HasSubstr("eu/businesses: repaired; api 40, table 40"));
  EXPECT_EQ(q("SELECT deleted_at IS NOT NULL FROM " + schema_ +
              ".businesses WHERE external_id = 'ghost'"),
            "t");
  EXPECT_EQ(n("SELECT count(*) FROM " + schema_ + ".businesses WHERE deleted_at IS NULL"), 40);
  EXPECT_THAT(last_verification("businesses", "eu"),
              ::testing::StartsWith("repaired|40|40|2|1|2|1|"));
}

TEST_F(verify_test, usage_errors_and_failed_streams_have_their_exit_codes) {
  start_fake({"--partoo-reviews", "50"});
  auto config = write_config(partoo_source());
  EXPECT_EQ(verify(config, {"--source", "nope"}).exit_code, 64);
  EXPECT_EQ(verify(config, {"--stream", "nope"}).exit_code, 64);
  EXPECT_EQ(run_sluice({"verify", "--bogus"}).exit_code, 64);
  write_file(dir_ / "bad.toml", database_toml(schema_) + "[sources.x]\nkind = \"nope\"\n");
  EXPECT_EQ(verify((dir_ / "bad.toml").string()).exit_code, 78);
  // No database: 69, before any source is contacted.
  write_file(dir_ / "nodb.toml",
             "[database]\nurl = \"postgresql://sluice@127.0.0.1:1/sluice?connect_timeout=3\"\n" +
                 partoo_source());
  EXPECT_EQ(verify((dir_ / "nodb.toml").string()).exit_code, 69);
  // The API rejects the key: the stream fails, the command says so and exits 1.
  auto rejected = write_config("[sources.eu]\nkind = \"partoo\"\nbase_url = \"" +
                               fake_->http_url("/partoo/v2") + "\"\napi_key = \"wrong\"\n");
  auto failed = verify(rejected, {"--stream", "reviews"});
  EXPECT_EQ(failed.exit_code, 1) << failed.output;
  EXPECT_THAT(failed.output, HasSubstr("eu/reviews: failed"));
  EXPECT_THAT(last_verification("reviews"), ::testing::StartsWith("failed|"));
}

}  // namespace
}  // namespace sluice::test
