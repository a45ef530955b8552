// The Clevertim run loops (connector.cpp) against canned answers and a recording sink: one GET
// per resource, records written in batches of at most 1000 while the answer is read, and the
// snapshot completed only after the whole answer was read without error.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <map>

#include "tests/support/run_sync.hpp"
#include "tests/connectors/connector_harness.hpp"
#include "connectors/clevertim/clevertim.hpp"
#include "connectors/registry.hpp"
#include "core/error.hpp"
#include "connectors/clevertim/tables.hpp"
#include "net/http_client.hpp"

namespace sluice::connectors::clevertim {
namespace {

using boost::asio::awaitable;

using test::run_sync;

// One log shared by the fake server and the sink, so tests see requests and writes interleaved.
using event_log = std::vector<std::string>;

class recording_sink final : public sink {
public:
  explicit recording_sink(event_log& log) : log_(log) {}

  std::vector<record_batch> batches;
  std::vector<double> fractions;
  bool record_flush = true;  // runs of the stream's loop alone leave the closing flush out

  awaitable<void> write(record_batch batch) override {
    log_.push_back("write " + std::to_string(batch.rows.size()));
    batches.push_back(std::move(batch));
    co_return;
  }
  awaitable<write_totals> flush() override {
    if (record_flush) log_.push_back("flush");
    co_return write_totals{};
  }
  awaitable<void> begin_snapshot(bool resume) override {
    log_.push_back(resume ? "begin(resume)" : "begin");
    co_return;
  }
  awaitable<snapshot_result> complete_snapshot(double max_delete_fraction,
                                               std::optional<std::string> cursor_after) override {
    log_.push_back(cursor_after ? "complete(cursor)" : "complete");
    fractions.push_back(max_delete_fraction);
    co_return snapshot_result{};
  }

private:
  event_log& log_;
};

boost::json::object contact(int n) {
  return {{"id", n},
          {"fn", "First " + std::to_string(n)},
          {"ln", "Last"},
          {"is_company", false},
          {"email", boost::json::array{"c" + std::to_string(n) + "@example.com"}},
          {"phones", boost::json::array{{{"type", "Work"}, {"no", "0123"}}}},
          {"tags", boost::json::array{"a", "b ] \" ["}},
          {"cf", {{"3", "x"}}},
          {"ao", "2014-01-01T00:00:00Z"},
          {"lm", "2015-01-01T00:00:00Z"}};
}

std::string envelope(int records) {
  boost::json::array content;
  for (int i = 1; i <= records; ++i) content.push_back(contact(i));
  return boost::json::serialize(boost::json::object{{"status", "OK"}, {"content", content}});
}

net::response json_answer(std::string body) {
  return {200, {{"Content-Type", "application/json"}}, std::move(body)};
}

// Canned answers by URL; a URL without one is a 404.
struct fake_clevertim {
  explicit fake_clevertim(event_log& log) : log_(log) {}

  std::map<std::string, std::string> bodies;
  std::map<std::string, error> failures;
  std::vector<std::string> urls;

  connectors::fetcher get() {
    return test::by_url([this](std::string url) -> awaitable<net::response> {
      urls.push_back(url);
      log_.push_back("GET " + url);
      if (auto f = failures.find(url); f != failures.end()) throw f->second;
      auto it = bodies.find(url);
      if (it == bodies.end())
        throw error(error_kind::client, "source 'crm': GET " + url + ": HTTP 404 Not Found", 404);
      co_return json_answer(it->second);
    });
  }

private:
  event_log& log_;
};

source_config clevertim_source() {
  source_config source;
  source.name = "crm";
  source.kind = "clevertim";
  source.base_url = "https://www.clevertim.com/api";
  source.api_key = secret("AKJHjjsdBNhkdjfdnbsdjfDJKHZ123");
  source.max_delete_fraction = 0.4;
  return source;
}

constexpr const char* contact_url = "https://www.clevertim.com/api/contact";

struct fixture {
  source_config source = clevertim_source();
  event_log log;
  fake_clevertim server{log};
  recording_sink out{log};
  run_counters counters;

  fixture() { out.record_flush = false; }

  // One run of the resource's stream through the connector.
  void pull(std::string resource = "contact") {
    auto connector = make_connector(source);
    test::run_stream(*connector, source, std::move(resource), server.get(), out, counters);
  }

  std::vector<std::string> ids() const {
    std::vector<std::string> out_ids;
    for (const auto& batch : out.batches)
      for (const auto& r : batch.rows) out_ids.push_back(std::get<std::string>(r.at(0)));
    return out_ids;
  }

  error failure(std::string resource = "contact") {
    try {
      pull(std::move(resource));
    } catch (const error& e) {
      return e;
    }
    ADD_FAILURE() << "no error";
    return error(error_kind::network, "none");
  }
};

// ---- the connector's description

TEST(ClevertimConnector, StreamsAndRegistryEntry) {
  auto source = clevertim_source();
  auto connector = make_connector(source);
  auto streams = connector->streams();
  std::vector<std::pair<std::string, const table_def*>> got;
  for (const auto& s : streams) {
    got.emplace_back(s.name, s.table);
    EXPECT_EQ(s.mode, stream_mode::snapshot) << s.name;
    EXPECT_FALSE(s.full_refresh) << s.name;
  }
  EXPECT_EQ(got, (std::vector<std::pair<std::string, const table_def*>>{
                     {"contact", &tables::crm_contacts},
                     {"company", &tables::crm_companies},
                     {"case", &tables::crm_cases},
                     {"opportunity", &tables::crm_opportunities},
                     {"task", &tables::crm_tasks},
                     {"note", &tables::crm_notes},
                     {"customfield", &tables::crm_custom_fields},
                 }));

  const auto* kind = find_kind("clevertim");
  ASSERT_NE(kind, nullptr);
  EXPECT_EQ(kind->default_base_url, "https://www.clevertim.com/api");
  EXPECT_DOUBLE_EQ(kind->default_rate.per_second, 2.0);  // 120/min: no documented budget
  EXPECT_EQ(kind->credentials, (std::vector<std::string_view>{"api_key"}));
  EXPECT_NE(kind->make(source), nullptr);
  EXPECT_EQ(kind->make_authenticator, &make_authenticator);
}

TEST(ClevertimConnector, AuthenticatesWithTheTokenAndX) {
  // The seed page's own example: curl -u AKJHjjsdBNhkdjfdnbsdjfDJKHZ123:X
  auto auth = make_authenticator(clevertim_source());
  net::request req;
  req.url = contact_url;
  auth->apply(req);
  ASSERT_EQ(req.headers.size(), 1u);
  EXPECT_EQ(req.headers[0].name, "Authorization");
  EXPECT_EQ(req.headers[0].value, "Basic QUtKSGpqc2RCTmhrZGpmZG5ic2RqZkRKS0haMTIzOlg=");
  net::response unauthorized{401, {}, {}};
  EXPECT_FALSE(auth->renew(unauthorized));  // a rejected token is final
}

TEST(ClevertimConnector, UnknownStreamIsAConfigErrorBeforeAnything) {
  boost::asio::io_context io;
  net::http_client http(io.get_executor(), {}, std::make_shared<net::token_bucket>(0.0, 1.0),
                        std::make_shared<net::header_key_auth>("x", secret("y")));
  auto source = clevertim_source();
  auto connector = make_connector(source);
  event_log log;
  recording_sink out(log);
  run_counters counters;
  stream_run run{source, "contacts", false, std::nullopt, http, out, counters};
  try {
    run_sync(connector->run(run));
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    EXPECT_NE(std::string(e.what()).find("no stream 'contacts'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("contact, company, case"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(log.empty());

  fixture f;  // the pull itself refuses too, before the snapshot starts
  EXPECT_EQ(f.failure("contacts").kind(), error_kind::config);
  EXPECT_TRUE(f.log.empty());
}

// ---- the snapshot

TEST(ClevertimConnector, OneRequestPerResourceToItsOwnPath) {
  for (const auto& [resource, table] : std::vector<std::pair<std::string, const table_def*>>{
           {"contact", &tables::crm_contacts},
           {"company", &tables::crm_companies},
           {"case", &tables::crm_cases},
           {"opportunity", &tables::crm_opportunities},
           {"task", &tables::crm_tasks},
           {"note", &tables::crm_notes},
           {"customfield", &tables::crm_custom_fields}}) {
    fixture f;
    const std::string url = "https://www.clevertim.com/api/" + resource;
    f.server.bodies[url] = R"({"status":"OK","content":[{"id":1},{"id":"2"}]})";
    f.pull(resource);
    EXPECT_EQ(f.log, (event_log{"begin", "GET " + url, "write 2", "complete"})) << resource;
    ASSERT_EQ(f.out.batches.size(), 1u);
    EXPECT_EQ(f.out.batches[0].table, table) << resource;
    EXPECT_EQ(f.out.batches[0].cursor_after, std::nullopt);
    EXPECT_EQ(f.ids(), (std::vector<std::string>{"1", "2"}));
    EXPECT_EQ(f.out.fractions, (std::vector<double>{0.4}));  // the source's max_delete_fraction
  }
}

TEST(ClevertimConnector, BaseUrlWithTrailingSlash) {
  fixture f;
  f.source.base_url = "http://127.0.0.1:8080/clevertim/api/";
  f.server.bodies["http://127.0.0.1:8080/clevertim/api/note"] = R"({"status":"OK","content":[]})";
  f.pull("note");
  EXPECT_EQ(f.server.urls, (std::vector<std::string>{"http://127.0.0.1:8080/clevertim/api/note"}));
}

TEST(ClevertimConnector, LargeAnswersAreWrittenInBatchesOfAThousand) {
  fixture f;
  f.server.bodies[contact_url] = envelope(2500);
  f.pull();
  EXPECT_EQ(f.log, (event_log{"begin", std::string("GET ") + contact_url, "write 1000",
                              "write 1000", "write 500", "complete"}));
  auto ids = f.ids();
  ASSERT_EQ(ids.size(), 2500u);
  for (int i = 0; i < 2500; ++i) ASSERT_EQ(ids[i], std::to_string(i + 1));  // in answer order
  for (const auto& batch : f.out.batches) EXPECT_EQ(batch.table, &tables::crm_contacts);
  // Records were mapped, not just counted: the tag with brackets and quotes survived the scan.
  const auto& row = f.out.batches[2].rows.back();
  EXPECT_EQ(std::get<std::vector<std::string>>(row.at(tables::crm_contacts.index("tags"))),
            (std::vector<std::string>{"a", "b ] \" ["}));
  EXPECT_EQ(f.counters.warnings, 0);
}

TEST(ClevertimConnector, ExactlyOneBatchFullWritesNoEmptyBatch) {
  fixture f;
  f.server.bodies[contact_url] = envelope(1000);
  f.pull();
  EXPECT_EQ(f.log,
            (event_log{"begin", std::string("GET ") + contact_url, "write 1000", "complete"}));
}

TEST(ClevertimConnector, AnEmptyListStillCompletesTheSnapshot) {
  // The store's safety valve, not the connector, decides that an empty answer deletes nothing.
  fixture f;
  f.server.bodies[contact_url] = R"({"status":"OK","content":[]})";
  f.pull();
  EXPECT_EQ(f.log, (event_log{"begin", std::string("GET ") + contact_url, "complete"}));
}

TEST(ClevertimConnector, StatusAfterContentIsHonoured) {
  fixture f;
  f.server.bodies[contact_url] = R"({"content":[{"id":1}],"status":"OK"})";
  f.pull();
  EXPECT_EQ(f.log.back(), "complete");

  fixture g;  // an ERROR found after the list: nothing of the list is written
  g.server.bodies[contact_url] = R"({"content":[{"id":1}],"status":"ERROR","error":"Quota"})";
  auto e = g.failure();
  EXPECT_EQ(e.kind(), error_kind::client);
  EXPECT_EQ(g.log, (event_log{"begin", std::string("GET ") + contact_url}));
}

TEST(ClevertimConnector, AnErrorEnvelopeWith200FailsNamingTheVendorText) {
  fixture f;
  f.server.bodies[contact_url] =
      R"({"status":"ERROR","error":"Message describing the error here"})";
  auto e = f.failure();
  EXPECT_EQ(e.kind(), error_kind::client);
  EXPECT_EQ(e.http_status(), 200u);
  std::string m = e.what();
  EXPECT_NE(m.find("source 'crm'"), std::string::npos) << m;
  EXPECT_NE(m.find(contact_url), std::string::npos) << m;
  EXPECT_NE(m.find("HTTP 200"), std::string::npos) << m;
  EXPECT_NE(m.find("Clevertim error: Message describing the error here"), std::string::npos) << m;
  EXPECT_EQ(f.log, (event_log{"begin", std::string("GET ") + contact_url}));
}

TEST(ClevertimConnector, AnHttpErrorNamesTheVendorTextAndKeepsKindAndStatus) {
  fixture f;
  f.server.failures.emplace(
      contact_url,
      error(error_kind::client,
            std::string("source 'crm': GET ") + contact_url +
                R"(: HTTP 400 Bad Request: {"status": "ERROR", "error": "Invalid \"cust\" id"})",
            400, request_facts{1, R"({"status": "ERROR", "error": "Invalid \"cust\" id"})"}));
  auto e = f.failure();
  EXPECT_EQ(e.kind(), error_kind::client);
  EXPECT_EQ(e.http_status(), 400u);
  EXPECT_EQ(std::string(e.what()),
            std::string("source 'crm': GET ") + contact_url +
                ": HTTP 400 Bad Request: Clevertim error: Invalid \"cust\" id");
  EXPECT_EQ(f.log, (event_log{"begin", std::string("GET ") + contact_url}));  // never completes
}

TEST(ClevertimConnector, VendorTextRewriting) {
  // A 500 after retries keeps its retry note; a text cut off by the 200-byte snippet is marked.
  error retried(
      error_kind::server,
      R"(source 'crm': GET u: HTTP 500 Internal Server Error: {"status":"ERROR","error":"Boom"} (gave up after 6 attempts))",
      500, request_facts{6, R"({"status":"ERROR","error":"Boom"})"});
  EXPECT_EQ(std::string(with_vendor_message(retried).what()),
            "source 'crm': GET u: HTTP 500 Internal Server Error: Clevertim error: Boom (gave up "
            "after 6 attempts)");
  EXPECT_EQ(with_vendor_message(retried).kind(), error_kind::server);

  error cut(
      error_kind::client,
      R"(source 'crm': GET u: HTTP 400 Bad Request: {"status":"ERROR","error":"A very long expla)",
      400, request_facts{1, R"({"status":"ERROR","error":"A very long expla)"});
  EXPECT_EQ(std::string(with_vendor_message(cut).what()),
            "source 'crm': GET u: HTTP 400 Bad Request: Clevertim error: A very long expla...");

  // Not the envelope, or not an HTTP answer at all: unchanged.
  error html(error_kind::server, "source 'crm': GET u: HTTP 502 Bad Gateway: <html>x</html>", 502,
             request_facts{1, "<html>x</html>"});
  EXPECT_EQ(std::string(with_vendor_message(html).what()), html.what());
  error reset(error_kind::network, R"(source 'crm': GET u: connection reset "error":"x")");
  EXPECT_EQ(std::string(with_vendor_message(reset).what()), reset.what());
}

TEST(ClevertimConnector, AFailedRequestNeverCompletesTheSnapshot) {
  fixture f;
  f.server.failures.emplace(contact_url,
                            error(error_kind::server, "source 'crm': GET x: HTTP 503", 503));
  EXPECT_EQ(f.failure().kind(), error_kind::server);
  EXPECT_EQ(f.log, (event_log{"begin", std::string("GET ") + contact_url}));

  fixture g;
  g.server.failures.emplace(contact_url,
                            error(error_kind::auth, "source 'crm': GET x: HTTP 401", 401));
  EXPECT_EQ(g.failure().kind(), error_kind::auth);
  EXPECT_EQ(std::count(g.log.begin(), g.log.end(), "complete"), 0);
}

TEST(ClevertimConnector, AMalformedRecordMidBodyNeverCompletesTheSnapshot) {
  // Record 1501 is broken inside (structure intact): the first 1000 were already handed on, the
  // next batch is not, and the snapshot is not completed.
  fixture f;
  auto body = envelope(2500);
  const std::string needle = R"("fn":"First 1501")";
  auto at = body.find(needle);
  ASSERT_NE(at, std::string::npos);
  body.replace(at, needle.size(), R"("fn":Frist)");
  f.server.bodies[contact_url] = body;
  auto e = f.failure();
  EXPECT_EQ(e.kind(), error_kind::data);
  std::string m = e.what();
  EXPECT_NE(m.find("source 'crm'"), std::string::npos) << m;
  EXPECT_NE(m.find(contact_url), std::string::npos) << m;
  EXPECT_NE(m.find("content[1500]"), std::string::npos) << m;
  EXPECT_NE(m.find("malformed JSON at byte"), std::string::npos) << m;
  EXPECT_EQ(f.log, (event_log{"begin", std::string("GET ") + contact_url, "write 1000"}));
}

TEST(ClevertimConnector, ARecordWithoutIdMidBodyNeverCompletesTheSnapshot) {
  fixture f;
  boost::json::array content;
  for (int i = 1; i <= 1200; ++i) content.push_back(contact(i));
  content[1100].as_object().erase("id");
  f.server.bodies[contact_url] =
      boost::json::serialize(boost::json::object{{"status", "OK"}, {"content", content}});
  auto e = f.failure();
  EXPECT_EQ(e.kind(), error_kind::data);
  EXPECT_NE(std::string(e.what()).find("content[1100]: clevertim contact without a usable id"),
            std::string::npos)
      << e.what();
  EXPECT_EQ(f.log, (event_log{"begin", std::string("GET ") + contact_url, "write 1000"}));
}

TEST(ClevertimConnector, ATruncatedBodyWritesNothing) {
  fixture f;
  auto body = envelope(2500);
  body.resize(body.size() * 2 / 3);
  f.server.bodies[contact_url] = body;
  auto e = f.failure();
  EXPECT_EQ(e.kind(), error_kind::data);
  EXPECT_NE(std::string(e.what()).find("malformed JSON at byte"), std::string::npos) << e.what();
  EXPECT_EQ(f.log, (event_log{"begin", std::string("GET ") + contact_url}));
}

TEST(ClevertimConnector, AnAnswerWithoutItsListIsNotAnEmptyList) {
  fixture f;
  f.server.bodies[contact_url] = R"({"status":"OK"})";
  auto e = f.failure();
  EXPECT_EQ(e.kind(), error_kind::data);
  EXPECT_NE(std::string(e.what()).find("no 'content' list"), std::string::npos) << e.what();
  EXPECT_EQ(std::count(f.log.begin(), f.log.end(), "complete"), 0);

  fixture g;
  g.server.bodies[contact_url] = R"([{"id":1}])";
  EXPECT_EQ(g.failure().kind(), error_kind::data);
  EXPECT_EQ(std::count(g.log.begin(), g.log.end(), "complete"), 0);
}

TEST(ClevertimConnector, OddValuesAreCountedAsWarnings) {
  fixture f;
  f.server.bodies["https://www.clevertim.com/api/opportunity"] =
      R"({"status":"OK","content":[{"id":1,"value":"4500"},{"id":2,"value":"lots"}]})";
  f.pull("opportunity");
  EXPECT_EQ(f.counters.warnings, 1);
  EXPECT_NE(f.counters.first_warning.find("clevertim opportunity 2: value"), std::string::npos);
  EXPECT_EQ(f.log.back(), "complete");
}

// ---- check

// `sluice check` of source "crm" at https://www.clevertim.com/api against `network`.
std::string check_with(connectors::fetcher network) {
  run_counters counters;
  return run_sync(make_connector(clevertim_source())->check(std::move(network), counters));
}

TEST(ClevertimConnector, CheckCountsCustomFields) {
  event_log log;
  fake_clevertim server(log);
  server.bodies["https://www.clevertim.com/api/customfield"] =
      R"({"status":"OK","content":[{"id":1,"name":"Deadline"},{"id":2},{"id":3}]})";
  EXPECT_EQ(check_with(server.get()), "authenticated; 3 custom fields");
  EXPECT_EQ(server.urls, (std::vector<std::string>{"https://www.clevertim.com/api/customfield"}));

  server.bodies["https://www.clevertim.com/api/customfield"] =
      R"({"status":"OK","content":[{"id":1}]})";
  EXPECT_EQ(check_with(server.get()), "authenticated; 1 custom field");
}

TEST(ClevertimConnector, CheckFailsOnRejectedCredentialsAndOnTheErrorEnvelope) {
  event_log log;
  fake_clevertim server(log);
  server.failures.emplace(
      "https://www.clevertim.com/api/customfield",
      error(error_kind::auth, "source 'crm': GET x: HTTP 401 Unauthorized", 401));
  try {
    check_with(server.get());
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::auth);
  }

  fake_clevertim refusing(log);
  refusing.bodies["https://www.clevertim.com/api/customfield"] =
      R"({"status":"ERROR","error":"Invalid token"})";
  try {
    check_with(refusing.get());
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::client);
    EXPECT_NE(std::string(e.what()).find("Invalid token"), std::string::npos) << e.what();
  }
}

// ---- vendor specifics: final statuses, the account's zone

TEST(ClevertimConnector, TheVendorsCannotParseAndNotSupportedAnswersAreFinal) {
  auto req = resource_get("https://www.clevertim.com/api/task");
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "https://www.clevertim.com/api/task");
  EXPECT_TRUE(req.headers.empty());  // authentication is the client's business
  // 500 "your JSON cannot be parsed" and 501 "operation not supported" are not retried; 502-504
  // (gateways, maintenance) still are.
  EXPECT_EQ(req.final_statuses, (std::vector<unsigned>{500, 501}));
}

TEST(ClevertimConnector, TaskDatesAreReadInTheSourcesTimezone) {
  fixture f;
  f.source.timezone = "Europe/Paris";
  f.server.bodies["https://www.clevertim.com/api/task"] =
      R"({"status":"OK","content":[{"id":1,"startDate":{"y":2023,"mo":7,"d":14,"h":10,"mi":30},)"
      R"("endDate":{"y":2023,"mo":12,"d":1,"h":10,"mi":30}}]})";
  f.pull("task");
  const auto& r = f.out.batches.at(0).rows.at(0);
  EXPECT_EQ(std::get<timestamp>(r.at(tables::crm_tasks.index("starts_at"))),
            parse_timestamp("2023-07-14T08:30:00Z"));
  EXPECT_EQ(std::get<timestamp>(r.at(tables::crm_tasks.index("ends_at"))),
            parse_timestamp("2023-12-01T09:30:00Z"));
}

}  // namespace
}  // namespace sluice::connectors::clevertim
