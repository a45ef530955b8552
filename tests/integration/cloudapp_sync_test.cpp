// End to end against the fake CloudApp: HTTP Digest with real verification, nonce renewal,
// a silently capped per_page, the trash (with and without deleted_at), and items that vanish.
#include <map>
#include <ostream>

#include <boost/json.hpp>

#include "tests/support/sync_fixture.hpp"

namespace sluice::test {
namespace {

constexpr const char* user = "ops@example.com";
constexpr const char* password = "cloudapp-PASS-5e6f7a8b";

struct item_state {
  std::string trashed_at;  // "" when live
  std::string view_counter;
  bool operator==(const item_state&) const = default;
};

class cloudapp_sync : public sync_fixture {
protected:
  void start_fake(std::vector<std::string> options) {
    options.insert(options.end(), {"--cloudapp-user", user, "--cloudapp-password", password});
    fake_ = std::make_unique<fakeapi>(options);
  }

  // The user name is given in capitals on purpose: CloudApp compares the lower-cased e-mail.
  std::string config(const std::string& pass = password) {
    return write_config("[sources.shots]\nkind = \"cloudapp\"\nbase_url = \"" +
                        fake_->http_url("/cloudapp") + "\"\nusername = \"Ops@Example.com\"\n" +
                        "password = \"" + pass + "\"\nrate_limit = \"100000/min\"\n");
  }

  static std::string id_of(const boost::json::value& item) {
    std::string href(item.at("href").as_string());
    return href.substr(href.rfind('/') + 1);
  }

  std::map<std::string, item_state> fake_items() {
    std::map<std::string, item_state> out;
    auto dump = fake_->get("/_control/cloudapp/items");
    for (const auto& v : dump.as_array()) {
      const auto& d = v.at("deleted_at");
      out[id_of(v)] = {d.is_null() ? "" : std::string(d.as_string()),
                       std::to_string(v.at("view_counter").to_number<std::int64_t>())};
    }
    return out;
  }

  // Live (not vanished) rows: id -> state; trashed_at as the API writes it.
  std::map<std::string, item_state> table_items() {
    std::map<std::string, item_state> out;
    for (auto& line :
         psql_rows("SELECT external_id, coalesce(to_char(trashed_at AT TIME ZONE 'UTC', "
                   "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), view_counter FROM " +
                   schema_ + ".cloudapp_items WHERE deleted_at IS NULL")) {
      if (line.empty()) continue;
      auto a = line.find('|'), b = line.rfind('|');
      out[line.substr(0, a)] = {line.substr(a + 1, b - a - 1), line.substr(b + 1)};
    }
    return out;
  }

  std::int64_t cloudapp_requests() {
    return fake_->requests("cloudapp.items") + fake_->requests("cloudapp.unauthorized");
  }
};

TEST_F(cloudapp_sync, loads_live_and_trashed_then_tells_trash_from_vanish) {
  start_fake({"--cloudapp-items", "1000", "--cloudapp-trashed", "100"});
  auto cfg = config();
  auto first = sync(cfg);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  auto before = table_items();
  EXPECT_EQ(before, fake_items());
  EXPECT_EQ(before.size(), 1100u);
  EXPECT_EQ(
      psql("SELECT count(*) FROM " + schema_ + ".cloudapp_items WHERE trashed_at IS NOT NULL"),
      "100");

  auto changed = fake_->post("/_control/cloudapp/mutate", R"({"trash":1,"remove":1,"seed":3})");
  fake_->post("/_control/cloudapp/bump_views", R"({"seed":5})");
  auto trashed = changed.at("trashed").as_array().at(0);
  auto removed = changed.at("removed").as_array().at(0);
  std::string trashed_id = trashed.is_string() ? std::string(trashed.as_string()) : id_of(trashed);
  std::string removed_id = removed.is_string() ? std::string(removed.as_string()) : id_of(removed);
  trashed_id = trashed_id.substr(trashed_id.rfind('/') + 1);
  removed_id = removed_id.substr(removed_id.rfind('/') + 1);

  auto second = sync(cfg);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  auto after = table_items();
  EXPECT_EQ(after, fake_items());
  EXPECT_EQ(psql("SELECT deleted_at IS NOT NULL FROM " + schema_ +
                 ".cloudapp_items WHERE external_id = '" + removed_id + "'"),
            "t");
  EXPECT_EQ(psql("SELECT trashed_at IS NOT NULL AND deleted_at IS NULL FROM " + schema_ +
                 ".cloudapp_items WHERE external_id = '" + trashed_id + "'"),
            "t");
  EXPECT_EQ(
      psql("SELECT count(*) FROM " + schema_ + ".cloudapp_items WHERE deleted_at IS NOT NULL"),
      "1");
  // Nothing else changed but view counters: every other item has the same trashed_at.
  int other_changes = 0;
  for (const auto& [id, state] : before) {
    if (id == trashed_id || id == removed_id) continue;
    auto it = after.find(id);
    if (it == after.end() || it->second.trashed_at != state.trashed_at) ++other_changes;
  }
  EXPECT_EQ(other_changes, 0);
}

TEST_F(cloudapp_sync, capped_per_page_loses_nothing_and_requests_are_pages_plus_renewals) {
  // 30 per page although sluice asks 100; a nonce lasts 5 uses, then the server says stale.
  start_fake({"--cloudapp-items", "250", "--cloudapp-trashed", "40", "--cloudapp-max-per-page",
              "30", "--cloudapp-nonce-uses", "5"});
  auto cfg = config();
  auto result = sync(cfg);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(table_items(), fake_items());
  // Pages: ceil(250/30) + 1 empty, ceil(40/30) + 1 empty = 10 + 3 = 13 pages answered 200.
  const std::int64_t pages = 13;
  EXPECT_EQ(fake_->requests("cloudapp.items") - fake_->requests("cloudapp.unauthorized"), pages);
  // One challenge at first contact, then at most one renewal per nonce (5 uses each).
  EXPECT_LE(fake_->requests("cloudapp.unauthorized"), 1 + (pages + 4) / 5);
  EXPECT_GE(fake_->requests("cloudapp.unauthorized"), 1);
}

TEST_F(cloudapp_sync, wrong_password_fails_with_auth_error_without_retry_loops) {
  start_fake({"--cloudapp-items", "20", "--cloudapp-trashed", "0"});
  auto cfg = config("not-the-password-123");
  auto result = sync(cfg);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("shots/items"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("auth"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("not-the-password-123"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find(password), std::string::npos) << result.output;
  // The challenge, then our one answer to it: two requests, no loop.
  EXPECT_LE(fake_->requests("cloudapp.items"), 2);
  EXPECT_EQ(psql("SELECT status || ':' || error_kind FROM " + schema_ +
                 ".sync_runs ORDER BY id DESC LIMIT 1"),
            "failed:auth");

  auto check = run_sluice({"check", "-c", cfg});
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_NE(check.output.find("FAILED (auth)"), std::string::npos) << check.output;
}

TEST_F(cloudapp_sync, digest_with_several_challenges_and_sha256) {
  start_fake({"--cloudapp-items", "40", "--cloudapp-trashed", "5", "--cloudapp-tricky-challenge",
              "--cloudapp-algorithm", "SHA-256"});
  auto cfg = config();
  auto check = run_sluice({"check", "-c", cfg});
  EXPECT_EQ(check.exit_code, 0) << check.output;
  EXPECT_NE(check.output.find("authenticated as ops@example.com"), std::string::npos)
      << check.output;
  auto result = sync(cfg);
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(table_items(), fake_items());
}

TEST_F(cloudapp_sync, an_empty_listing_marks_nothing) {
  start_fake({"--cloudapp-items", "30", "--cloudapp-trashed", "3"});
  auto cfg = config();
  ASSERT_EQ(sync(cfg).exit_code, 0);
  fake_->post("/_control/cloudapp/mutate", R"({"remove":33,"seed":1})");
  auto result = sync(cfg);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(
      psql("SELECT count(*) FROM " + schema_ + ".cloudapp_items WHERE deleted_at IS NOT NULL"),
      "0");
  EXPECT_EQ(last_run("shots", "items").substr(0, 10), "suspicious");
}

// ---- the trash, with and without deleted_at: every variant of the fake

struct cloudapp_variant {
  const char* name;
  bool omit_deleted_at;  // --cloudapp-omit-deleted-at: as in the vendor's own examples
};

std::ostream& operator<<(std::ostream& out, const cloudapp_variant& v) { return out << v.name; }

const cloudapp_variant cloudapp_variants[] = {{"deleted_at_given", false},
                                              {"deleted_at_omitted", true}};

class cloudapp_vendor : public cloudapp_sync,
                        public ::testing::WithParamInterface<cloudapp_variant> {
protected:
  void start_variant(std::vector<std::string> options) {
    if (GetParam().omit_deleted_at) options.emplace_back("--cloudapp-omit-deleted-at");
    start_fake(std::move(options));
  }

  // id -> trashed_at as the table holds it ("" when NULL), over every row.
  std::map<std::string, std::string> trashed_at() {
    std::map<std::string, std::string> out;
    for (auto& line : psql_rows("SELECT external_id, coalesce(to_char(trashed_at AT TIME ZONE "
                                "'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') FROM " +
                                schema_ + ".cloudapp_items")) {
      if (line.empty()) continue;
      auto bar = line.find('|');
      out[line.substr(0, bar)] = line.substr(bar + 1);
    }
    return out;
  }

  // The database's clock, in the same form: "between two syncs" without reading our own clock.
  std::string db_now() {
    return psql("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')");
  }

  // Rows the last run of the items stream wrote: "inserted|updated|deleted".
  std::string last_writes() {
    return last_run("shots", "items").substr(last_run("shots", "items").find('|') + 1);
  }
};

INSTANTIATE_TEST_SUITE_P(v, cloudapp_vendor, ::testing::ValuesIn(cloudapp_variants),
                         [](const auto& info) { return std::to_string(info.index); });

// Everything listed in the trash is trashed: trashed_at is the API's deleted_at, or, when the
// item does not say, when sluice first saw it there; that time stays put on later runs, and a run
// that finds nothing changed writes nothing.
TEST_P(cloudapp_vendor, trash_is_stable) {
  start_variant({"--cloudapp-items", "200", "--cloudapp-trashed", "30"});
  auto cfg = config();
  const std::string before_first = db_now();
  auto first = sync(cfg);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::string after_first = db_now();
  auto stamps = trashed_at();
  auto truth = fake_items();
  ASSERT_EQ(stamps.size(), 230u);
  for (const auto& [id, state] : truth) {
    if (state.trashed_at.empty()) {
      EXPECT_EQ(stamps[id], "") << id;
    } else if (!GetParam().omit_deleted_at) {
      EXPECT_EQ(stamps[id], state.trashed_at) << id;
    } else {
      // First seen during the first sync (whole seconds: the same second counts).
      EXPECT_GE(stamps[id], before_first.substr(0, 19)) << id;
      EXPECT_LE(stamps[id], after_first) << id;
    }
  }

  // Nothing changed at the source: a second run keeps every trashed_at and writes no row.
  auto second = sync(cfg);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(trashed_at(), stamps);
  EXPECT_EQ(last_writes(), "0|0|0");

  // An item trashed since gets its own time; an item restored from the trash is live again;
  // everything else keeps its time.
  auto changed = fake_->post("/_control/cloudapp/mutate", R"({"trash":1,"restore":1,"seed":9})");
  auto id_of_href = [](const boost::json::value& v) {
    std::string href(v.as_string());
    return href.substr(href.rfind('/') + 1);
  };
  const auto newly = id_of_href(changed.at("trashed").as_array().at(0));
  const auto restored = id_of_href(changed.at("restored").as_array().at(0));
  ASSERT_EQ(sync(cfg).exit_code, 0);
  auto third = trashed_at();
  EXPECT_NE(third[newly], "");
  EXPECT_EQ(third[restored], "");
  for (const auto& [id, stamp] : stamps) {
    if (id != newly && id != restored) {
      EXPECT_EQ(third[id], stamp) << id;
    }
  }
  EXPECT_EQ(last_writes(), "0|2|0");

  ASSERT_EQ(sync(cfg).exit_code, 0);
  EXPECT_EQ(trashed_at(), third);
  EXPECT_EQ(last_writes(), "0|0|0");
}

}  // namespace
}  // namespace sluice::test
