// End to end against the fake Clevertim: seven resources as full snapshots, deletions by absence,
// the error envelope, a transient 503, the final 500/501, task dates in the account's time zone,
// and a 50,000-contact answer loaded with bounded memory.
#include <cstdio>
#include <map>
#include <set>

#include <malloc.h>

#include <boost/json.hpp>

#include "tests/support/http.hpp"

#include "tests/support/sync_fixture.hpp"

namespace sluice::test {
namespace {

constexpr const char* token = "clevertim-TOKEN-77aa88bb";

const std::map<std::string, std::string> table_of{
    {"contact", "crm_contacts"},          {"company", "crm_companies"}, {"case", "crm_cases"},
    {"opportunity", "crm_opportunities"}, {"task", "crm_tasks"},        {"note", "crm_notes"},
    {"customfield", "crm_custom_fields"}};

class clevertim_sync : public sync_fixture {
protected:
  void start_fake(std::vector<std::string> options) {
    options.insert(options.end(), {"--clevertim-token", token});
    fake_ = std::make_unique<fakeapi>(options);
  }

  std::string config() {
    return write_config("[sources.crm]\nkind = \"clevertim\"\nbase_url = \"" +
                        fake_->http_url("/clevertim/api") + "\"\napi_key = \"" + token +
                        "\"\nrate_limit = \"100000/min\"\n");
  }

  std::set<std::string> fake_ids(const std::string& resource) {
    std::set<std::string> ids;
    auto dump = fake_->get("/_control/clevertim/" + resource);
    const auto& list = dump.is_array() ? dump.as_array() : dump.at("content").as_array();
    for (const auto& v : list) {
      const auto& id = v.at("id");
      ids.insert(id.is_string() ? std::string(id.as_string())
                                : std::to_string(id.to_number<std::int64_t>()));
    }
    return ids;
  }

  std::set<std::string> live_ids(const std::string& table) {
    std::set<std::string> ids;
    for (auto& id : psql_rows("SELECT external_id FROM " + schema_ + "." + table +
                              " WHERE source = 'crm' AND deleted_at IS NULL"))
      if (!id.empty()) ids.insert(id);
    return ids;
  }

  // Tasks' dates as stored, "id|start|end" in UTC ("" for NULL).
  std::set<std::string> table_task_times(const std::string& where = "true") {
    std::set<std::string> out;
    const std::string form = "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'";
    for (auto& line :
         psql_rows("SELECT external_id || '|' || coalesce(to_char(starts_at AT TIME ZONE 'UTC', " +
                   form + "), '') || '|' || coalesce(to_char(ends_at AT TIME ZONE 'UTC', " + form +
                   "), '') FROM " + schema_ + ".crm_tasks WHERE " + where))
      if (!line.empty()) out.insert(line);
    return out;
  }

  std::string deleted_ids(const std::string& table) {
    return psql("SELECT coalesce(string_agg(external_id, ',' ORDER BY external_id), '') FROM " +
                schema_ + "." + table + " WHERE source = 'crm' AND deleted_at IS NOT NULL");
  }
};

TEST_F(clevertim_sync, loads_every_resource_then_marks_exactly_the_removed_records) {
  start_fake({});
  auto cfg = config();
  auto first = sync(cfg);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  for (const auto& [resource, table] : table_of) {
    auto expected = fake_ids(resource);
    // Tasks the source itself flags is_deleted are stored with deleted_at: count all rows there.
    if (resource == "task") {
      EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".crm_tasks"),
                std::to_string(expected.size()));
    } else {
      EXPECT_EQ(live_ids(table), expected) << resource;
    }
  }

  auto removed =
      fake_->post("/_control/clevertim/mutate", R"({"remove":{"contact":1,"task":1},"seed":4})");
  auto id_text = [](const boost::json::value& v) {
    return v.is_string() ? std::string(v.as_string()) : std::to_string(v.to_number<std::int64_t>());
  };
  auto contact = id_text(removed.at("removed").at("contact").as_array().at(0));
  auto task = id_text(removed.at("removed").at("task").as_array().at(0));
  auto deleted_tasks_before = deleted_ids("crm_tasks");

  auto second = sync(cfg);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(deleted_ids("crm_contacts"), contact);
  auto tasks_now = deleted_ids("crm_tasks");
  EXPECT_NE(("," + tasks_now + ",").find("," + task + ","), std::string::npos) << tasks_now;
  for (const auto& table :
       {"crm_companies", "crm_cases", "crm_opportunities", "crm_notes", "crm_custom_fields"})
    EXPECT_EQ(deleted_ids(table), "") << table;
  // Unchanged records cost no write.
  EXPECT_EQ(psql("SELECT sum(inserted + updated) FROM " + schema_ +
                 ".sync_runs WHERE id > (SELECT max(id) - 7 FROM " + schema_ + ".sync_runs)"),
            "0");
}

TEST_F(clevertim_sync, transient_503_is_retried_and_an_error_envelope_fails_only_its_stream) {
  start_fake({});
  auto cfg = config();
  fake_->post("/_control/clevertim/fail", R"({"resource":"contact","status":503,"times":2})");
  fake_->post("/_control/clevertim/fail",
              R"({"resource":"case","status":400,"error":"Invalid request","times":1000})");
  auto result = sync(cfg);
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("crm/case"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("Invalid request"), std::string::npos) << result.output;
  EXPECT_EQ(last_run("crm", "case").substr(0, 6), "failed");
  EXPECT_EQ(last_run("crm", "contact").substr(0, 9), "succeeded");
  EXPECT_EQ(live_ids("crm_contacts"), fake_ids("contact"));
  EXPECT_EQ(psql("SELECT requests FROM " + schema_ +
                 ".sync_runs WHERE stream = 'contact' ORDER BY id DESC LIMIT 1"),
            "3");
  for (const auto& stream : {"company", "opportunity", "task", "note", "customfield"})
    EXPECT_EQ(last_run("crm", stream).substr(0, 9), "succeeded") << stream;
}

TEST_F(clevertim_sync, an_empty_answer_marks_nothing) {
  start_fake({});
  auto cfg = config();
  ASSERT_EQ(sync(cfg).exit_code, 0);
  fake_->post("/_control/clevertim/empty", R"({"resource":"contact","empty":true})");
  auto result = sync(cfg, {"--stream", "contact"});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(deleted_ids("crm_contacts"), "");
  EXPECT_EQ(last_run("crm", "contact").substr(0, 10), "suspicious");
}

TEST_F(clevertim_sync, fifty_thousand_contacts_in_one_answer_load_with_bounded_memory) {
  start_fake({"--clevertim-contacts", "50000"});
  auto cfg = config();
  // The dump is the same bytes as the API's answer. Only its size is needed: parsing it here
  // would grow this process's heap, and a forked child's peak RSS would inherit that.
  const double body_mb =
      static_cast<double>(
          http_request(fake_->http_port(), "GET", "/_control/clevertim/contact").body.size()) /
      1048576.0;
  malloc_trim(0);
  auto result = run_sluice({"sync", "-c", cfg, "--stream", "contact"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(psql("SELECT count(*) FROM " + schema_ + ".crm_contacts"), "50000");
  const double rss_mb = static_cast<double>(result.max_rss_kb) / 1024.0;
  // The body is held once as text; records are parsed one at a time and written in batches.
  // Parsing it into one JSON document as well would cost several times the body on top.
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's shadow memory and quarantine make RSS meaningless: the bound is checked
  // by the default preset.
  (void)rss_mb;
#else
  EXPECT_LT(rss_mb, 1.6 * body_mb + 60.0)
      << "peak RSS " << rss_mb << " MB for a " << body_mb << " MB answer";
#endif
  std::printf("50,000 contacts: answer %.1f MB, sluice peak RSS %.1f MB\n", body_mb, rss_mb);
}

// ---- the account's time zone, and the vendor's final 500/501: every variant of the fake

class clevertim_zone : public clevertim_sync, public ::testing::WithParamInterface<const char*> {
protected:
  std::string zone_config() {
    return write_config("[sources.crm]\nkind = \"clevertim\"\nbase_url = \"" +
                        fake_->http_url("/clevertim/api") + "\"\napi_key = \"" + token +
                        "\"\nrate_limit = \"100000/min\"\ntimezone = \"" + GetParam() + "\"\n");
  }

  // The tasks' true instants: the fake's own dates shown in UTC, as "id|start|end" lines.
  std::set<std::string> true_task_times() {
    fake_->post("/_control/clevertim/timezone", R"({"timezone":"UTC"})");
    auto dump = fake_->get("/_control/clevertim/task");
    fake_->post("/_control/clevertim/timezone",
                std::string(R"({"timezone":")") + GetParam() + "\"}");
    auto text = [](const boost::json::value& d) -> std::string {
      if (d.is_null()) return "";
      char buf[32];
      const auto& o = d.as_object();
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:00Z",
                    static_cast<int>(o.at("y").to_number<int>()), o.at("mo").to_number<int>(),
                    o.at("d").to_number<int>(), o.at("h").to_number<int>(),
                    o.at("mi").to_number<int>());
      return buf;
    };
    std::set<std::string> out;
    for (const auto& t : dump.at("content").as_array())
      out.insert(std::to_string(t.at("id").to_number<std::int64_t>()) + "|" +
                 text(t.at("startDate")) + "|" + text(t.at("endDate")));
    return out;
  }
};

INSTANTIATE_TEST_SUITE_P(v, clevertim_zone,
                         ::testing::Values("UTC", "Europe/Paris", "America/New_York",
                                           "Australia/Sydney"),
                         [](const auto& info) { return std::to_string(info.index); });

// The fake shows every task date as the account's wall-clock time; with the same `timezone`,
// sluice stores the instants the fake meant, summer and winter alike.
TEST_P(clevertim_zone, task_dates_local) {
  start_fake({"--clevertim-tasks", "300", "--clevertim-timezone", GetParam()});
  auto cfg = zone_config();
  auto truth = true_task_times();
  auto result = sync(cfg, {"--stream", "task"});
  ASSERT_EQ(result.exit_code, 0) << result.output;
  EXPECT_EQ(table_task_times(), truth);
  // A second run changes nothing.
  ASSERT_EQ(sync(cfg, {"--stream", "task"}).exit_code, 0);
  EXPECT_EQ(last_run("crm", "task"), "succeeded|0|0|0");
}

// Europe/Paris around its 2023 changes: 02:30 on 2023-10-29 happens twice (00:30Z and 01:30Z) and
// reads as the first; 02:30 on 2023-03-26 never happens and reads with the winter offset, 01:30Z.
TEST_F(clevertim_sync, task_dates_around_daylight_saving_changes) {
  start_fake({"--clevertim-tasks", "5", "--clevertim-timezone", "Europe/Paris"});
  auto cfg = write_config("[sources.crm]\nkind = \"clevertim\"\nbase_url = \"" +
                          fake_->http_url("/clevertim/api") + "\"\napi_key = \"" + token +
                          "\"\nrate_limit = \"100000/min\"\ntimezone = \"Europe/Paris\"\n");
  auto tasks = fake_->get("/_control/clevertim/task").at("content").as_array();
  ASSERT_GE(tasks.size(), 3u);
  auto id = [&](std::size_t i) {
    return std::to_string(tasks.at(i).at("id").to_number<std::int64_t>());
  };
  // Instants the fake renders in Paris time, and wall-clock fields it sends as they are.
  fake_->post("/_control/clevertim/task_dates",
              R"({"id":)" + id(0) +
                  R"(,"startDate":"2023-10-29T00:30:00Z","endDate":"2023-10-29T01:30:00Z"})");
  fake_->post(
      "/_control/clevertim/task_dates",
      R"({"id":)" + id(1) +
          R"(,"startDate":{"y":2023,"mo":3,"d":26,"h":2,"mi":30},"endDate":"2023-03-26T01:30:00Z"})");
  fake_->post("/_control/clevertim/task_dates",
              R"({"id":)" + id(2) +
                  R"(,"startDate":"2023-07-14T08:30:00Z","endDate":"2023-12-24T18:00:00Z"})");
  ASSERT_EQ(sync(cfg, {"--stream", "task"}).exit_code, 0);
  const auto times =
      table_task_times("external_id IN ('" + id(0) + "','" + id(1) + "','" + id(2) + "')");
  EXPECT_EQ(times, (std::set<std::string>{
                       // Both render as 02:30: the wall clock cannot tell them apart, and the
                       // first occurrence is the rule (the end reads an hour early).
                       id(0) + "|2023-10-29T00:30:00Z|2023-10-29T00:30:00Z",
                       // The nonexistent 02:30, and 03:30 CEST, are the same instant.
                       id(1) + "|2023-03-26T01:30:00Z|2023-03-26T01:30:00Z",
                       id(2) + "|2023-07-14T08:30:00Z|2023-12-24T18:00:00Z",
                   }));
}

// Clevertim documents 500 as "your JSON cannot be parsed" and 501 as "operation not supported":
// the same request would get the same answer, so each is asked once. 503 is still retried.
TEST_F(clevertim_sync, cannot_parse_and_not_supported_are_requested_once) {
  start_fake({});
  auto cfg = config();
  for (const char* status : {"500", "501"}) {
    fake_->reset_stats();
    fake_->post("/_control/clevertim/fail",
                std::string(R"({"resource":"task","times":100,"status":)") + status + "}");
    auto result = sync(cfg, {"--stream", "task"});
    EXPECT_EQ(result.exit_code, 1) << result.output;
    EXPECT_NE(result.output.find(std::string("HTTP ") + status), std::string::npos)
        << result.output;
    EXPECT_EQ(fake_->requests("clevertim.task"), 1) << status;
    EXPECT_EQ(psql("SELECT status || '|' || error_kind || '|' || requests FROM " + schema_ +
                   ".sync_runs WHERE stream = 'task' ORDER BY id DESC LIMIT 1"),
              "failed|server|1")
        << status;
    fake_->post("/_control/clevertim/fail", R"({"resource":"task","times":0})");
  }
  fake_->reset_stats();
  fake_->post("/_control/clevertim/fail", R"({"resource":"task","times":2,"status":503})");
  ASSERT_EQ(sync(cfg, {"--stream", "task"}).exit_code, 0);
  EXPECT_EQ(fake_->requests("clevertim.task"), 3);
}

}  // namespace
}  // namespace sluice::test
