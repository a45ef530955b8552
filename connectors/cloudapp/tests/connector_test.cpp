// The CloudApp run loops (connector.cpp) against a canned server and a recording sink: which
// requests they send (and with which headers), and in which order they call begin_snapshot,
// write and complete_snapshot.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <map>
#include <algorithm>

#include "tests/support/run_sync.hpp"
#include "connectors/cloudapp/cloudapp.hpp"
#include "connectors/registry.hpp"
#include "core/error.hpp"
#include "connectors/cloudapp/tables.hpp"
#include "net/http_client.hpp"
#include "tests/connectors/connector_harness.hpp"

namespace sluice::connectors::cloudapp {
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

  std::vector<std::string> sequence() const {
    std::vector<std::string> out;
    for (const auto& e : log_)
      if (e.rfind("GET ", 0) != 0) out.push_back(e);
    return out;
  }

  awaitable<void> write(record_batch batch) override {
    log_.push_back("write");
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

std::string param_of(std::string_view url, std::string_view key) {
  auto mark = url.find('?');
  if (mark == std::string_view::npos) return "<absent>";
  auto query = url.substr(mark + 1);
  std::string needle = std::string(key) + "=";
  for (std::size_t at = 0; at < query.size();) {
    auto end = query.find('&', at);
    auto pair = query.substr(at, end == std::string_view::npos ? query.npos : end - at);
    if (pair.substr(0, needle.size()) == needle) return std::string(pair.substr(needle.size()));
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return "<absent>";
}

net::response json_answer(const boost::json::value& body) {
  return {200, {{"Content-Type", "application/json; charset=utf-8"}}, boost::json::serialize(body)};
}

boost::json::object item(int n, bool trashed) {
  return {{"href", "http://my.cl.ly/items/" + std::to_string(n)},
          {"name", "item " + std::to_string(n)},
          {"url", "http://cl.ly/" + std::to_string(n)},
          {"item_type", "bookmark"},
          {"view_counter", n % 7},
          {"private", false},
          {"redirect_url", "http://example.com/" + std::to_string(n)},
          {"created_at", "2012-01-01T00:00:00Z"},
          {"updated_at", "2012-01-02T00:00:00Z"},
          {"deleted_at", trashed ? boost::json::value("2012-02-01T00:00:00Z") : nullptr}};
}

// Canned GET /items answers. Live items have ids 1..live, trashed ones 10001..10000+trashed;
// per_page is capped at `cap`. A script, when given, fixes each page's ids instead.
struct fake_cloudapp {
  explicit fake_cloudapp(event_log& log) : log_(log) {}

  int live = 0;
  int trashed = 0;
  std::int64_t cap = 100;
  std::map<std::string, std::vector<std::vector<int>>> script;  // "live"/"trash" -> page ids
  bool ignore_page = false;
  int fail_at_request = -1;  // throw a server error on this request (0-based)
  std::vector<net::request> requests;

  net::response answer(const net::request& req) {
    auto index = static_cast<int>(requests.size());
    requests.push_back(req);
    log_.push_back("GET " + req.url);
    if (index == fail_at_request)
      throw error(error_kind::server, "source 'shots': GET " + req.url + ": 502", 502);

    bool trash = param_of(req.url, "deleted") == "true";
    auto page = ignore_page ? 1 : std::stoll(param_of(req.url, "page"));
    boost::json::array list;
    if (auto it = script.find(trash ? "trash" : "live"); it != script.end()) {
      if (page >= 1 && page <= static_cast<std::int64_t>(it->second.size()))
        for (int id : it->second[page - 1]) list.push_back(item(id, trash));
      return json_answer(list);
    }
    auto per_page = std::min<std::int64_t>(std::stoll(param_of(req.url, "per_page")), cap);
    int count = trash ? trashed : live;
    for (auto i = (page - 1) * per_page; i < page * per_page && i < count; ++i)
      list.push_back(item(static_cast<int>(i) + 1 + (trash ? 10000 : 0), trash));
    return json_answer(list);
  }

  connectors::fetcher send() {
    return test::by_request(
        [this](net::request req) -> awaitable<net::response> { co_return answer(req); });
  }

  std::vector<std::string> urls() const {
    std::vector<std::string> out;
    for (const auto& r : requests) out.push_back(r.url);
    return out;
  }

private:
  event_log& log_;
};

source_config cloudapp_source() {
  source_config source;
  source.name = "shots";
  source.kind = "cloudapp";
  source.base_url = "http://my.cl.ly";
  source.username = "Ops@Example.COM";
  source.password = secret("cloudapp-SECRET-pass");
  source.max_delete_fraction = 0.3;
  return source;
}

struct fixture {
  source_config source = cloudapp_source();
  event_log log;
  fake_cloudapp server{log};
  recording_sink out{log};
  run_counters counters;

  std::optional<connectors::fetcher> network;  // instead of `server`, when set

  fixture() { out.record_flush = false; }

  // One run of the items stream through the connector.
  void pull() {
    auto connector = make_connector(source);
    test::run_stream(*connector, source, "items", network.value_or(server.send()), out, counters);
  }

  // external_id -> trashed_at is set, over every row written, later writes winning.
  std::map<std::string, bool> written() const {
    std::map<std::string, bool> rows;
    const auto& t = tables::cloudapp_items;
    for (const auto& batch : out.batches)
      for (const auto& r : batch.rows)
        rows[std::get<std::string>(r.at(t.index("external_id")))] =
            !std::holds_alternative<std::monostate>(r.at(t.index("trashed_at")));
    return rows;
  }
  std::size_t rows_written() const {
    std::size_t n = 0;
    for (const auto& batch : out.batches) n += batch.rows.size();
    return n;
  }
};

std::string url(std::string_view query) { return "http://my.cl.ly/items?" + std::string(query); }

// ---- the connector's description

TEST(CloudappConnector, StreamsAndRegistryEntry) {
  auto source = cloudapp_source();
  auto connector = make_connector(source);
  auto streams = connector->streams();
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].name, "items");
  EXPECT_EQ(streams[0].table, &tables::cloudapp_items);
  EXPECT_EQ(streams[0].mode, stream_mode::snapshot);
  EXPECT_FALSE(streams[0].full_refresh);

  const auto* kind = find_kind("cloudapp");
  ASSERT_NE(kind, nullptr);
  EXPECT_EQ(kind->default_base_url, "http://my.cl.ly");
  EXPECT_DOUBLE_EQ(kind->default_rate.per_second, 2.0);  // 120/min: no documented budget
  EXPECT_EQ(kind->credentials, (std::vector<std::string_view>{"username", "password"}));
  EXPECT_NE(kind->make(source), nullptr);
  EXPECT_EQ(kind->make_authenticator, &make_authenticator);
}

TEST(CloudappConnector, DigestUserNameIsTheLowerCasedEmail) {
  EXPECT_EQ(digest_username("Ops@Example.COM"), "ops@example.com");
  EXPECT_EQ(digest_username("already.lower+tag@example.com"), "already.lower+tag@example.com");
}

TEST(CloudappConnector, RequestsAreGetsAskingForJson) {
  auto req = json_get("http://my.cl.ly/items?page=1&per_page=100");
  EXPECT_EQ(req.method, "GET");
  EXPECT_EQ(req.url, "http://my.cl.ly/items?page=1&per_page=100");
  ASSERT_EQ(req.headers.size(), 1u);
  EXPECT_EQ(req.headers[0].name, "Accept");
  EXPECT_EQ(req.headers[0].value, "application/json");
  EXPECT_TRUE(req.body.empty());
}

TEST(CloudappConnector, UnknownStreamIsAConfigError) {
  boost::asio::io_context io;
  // Any authenticator will do: the run fails before the first request.
  net::http_client http(io.get_executor(), {}, std::make_shared<net::token_bucket>(0.0, 1.0),
                        std::make_shared<net::header_key_auth>("x", secret("y")));
  auto source = cloudapp_source();
  auto connector = make_connector(source);
  event_log log;
  recording_sink out(log);
  run_counters counters;
  stream_run run{source, "photos", false, std::nullopt, http, out, counters};
  try {
    run_sync(connector->run(run));
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    EXPECT_NE(std::string(e.what()).find("photos"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(log.empty());
}

// ---- the snapshot walk

TEST(CloudappConnector, LivePagesUntilEmptyThenTrashPagesUntilEmptyInOneSnapshot) {
  fixture f;
  f.server.live = 250;
  f.server.trashed = 40;
  f.pull();
  EXPECT_EQ(f.server.urls(), (std::vector<std::string>{
                                 url("page=1&per_page=100"),
                                 url("page=2&per_page=100"),
                                 url("page=3&per_page=100"),
                                 url("page=4&per_page=100"),
                                 url("deleted=true&page=1&per_page=100"),
                                 url("deleted=true&page=2&per_page=100"),
                             }));
  // Each page is written before the next one is asked for; begin and complete exactly once,
  // around everything.
  EXPECT_EQ(f.log, (std::vector<std::string>{
                       "begin",
                       "GET " + url("page=1&per_page=100"),
                       "write",
                       "GET " + url("page=2&per_page=100"),
                       "write",
                       "GET " + url("page=3&per_page=100"),
                       "write",
                       "GET " + url("page=4&per_page=100"),
                       "GET " + url("deleted=true&page=1&per_page=100"),
                       "write",
                       "GET " + url("deleted=true&page=2&per_page=100"),
                       "complete",
                   }));
  EXPECT_EQ(f.out.fractions, (std::vector<double>{0.3}));  // the source's max_delete_fraction
  EXPECT_EQ(f.out.batches.at(2).rows.size(), 50u);
  for (const auto& batch : f.out.batches) {
    EXPECT_EQ(batch.table, &tables::cloudapp_items);
    EXPECT_EQ(batch.cursor_after, std::nullopt);
  }
  auto rows = f.written();
  EXPECT_EQ(rows.size(), 290u);
  EXPECT_EQ(f.rows_written(), 290u);
  EXPECT_FALSE(rows.at("1"));
  EXPECT_FALSE(rows.at("250"));
  EXPECT_TRUE(rows.at("10001"));  // trashed items are kept, with their trash time
  EXPECT_TRUE(rows.at("10040"));
}

TEST(CloudappConnector, EveryRequestSendsAcceptJsonAndNothingElse) {
  fixture f;
  f.server.live = 120;
  f.server.trashed = 3;
  f.pull();
  ASSERT_EQ(f.server.requests.size(), 5u);
  for (const auto& req : f.server.requests) {
    EXPECT_EQ(req.method, "GET") << req.url;
    ASSERT_EQ(req.headers.size(), 1u) << req.url;
    EXPECT_EQ(req.headers[0].name, "Accept");
    EXPECT_EQ(req.headers[0].value, "application/json");
  }
}

TEST(CloudappConnector, ACappedPerPageLosesNothing) {
  // The server answers 30 per page although 100 are asked: pages 1..8 of 30 and page 9 of 10
  // (250 live), 30 and 10 (40 trashed), then each listing's empty page.
  fixture f;
  f.server.live = 250;
  f.server.trashed = 40;
  f.server.cap = 30;
  f.pull();
  EXPECT_EQ(f.server.requests.size(), 13u);  // 9 + 1 live, 2 + 1 trash: pages + 2 empty ones
  EXPECT_EQ(f.server.urls().at(8), url("page=9&per_page=100"));   // 10 items: short, not the end
  EXPECT_EQ(f.server.urls().at(9), url("page=10&per_page=100"));  // empty: the end
  EXPECT_EQ(f.server.urls().at(10), url("deleted=true&page=1&per_page=100"));
  EXPECT_EQ(f.server.urls().at(12), url("deleted=true&page=3&per_page=100"));
  EXPECT_EQ(f.out.batches.size(), 11u);
  auto rows = f.written();
  ASSERT_EQ(rows.size(), 290u);
  EXPECT_EQ(f.rows_written(), 290u);  // each exactly once
  for (int i = 1; i <= 250; ++i) EXPECT_EQ(rows.count(std::to_string(i)), 1u) << i;
  for (int i = 10001; i <= 10040; ++i) EXPECT_EQ(rows.count(std::to_string(i)), 1u) << i;
  EXPECT_EQ(f.out.sequence().front(), "begin");
  EXPECT_EQ(f.out.sequence().back(), "complete");
  EXPECT_EQ(std::count(f.log.begin(), f.log.end(), "complete"), 1);
  EXPECT_EQ(std::count(f.log.begin(), f.log.end(), "begin"), 1);
}

TEST(CloudappConnector, AShortPageDoesNotEndAListing) {
  fixture f;
  f.server.script["live"] = {{1, 2, 3}, {4}, {5, 6}};  // short pages, then the empty page 4
  f.server.script["trash"] = {{7}, {8, 9}};
  f.pull();
  EXPECT_EQ(f.server.urls(), (std::vector<std::string>{
                                 url("page=1&per_page=100"),
                                 url("page=2&per_page=100"),
                                 url("page=3&per_page=100"),
                                 url("page=4&per_page=100"),
                                 url("deleted=true&page=1&per_page=100"),
                                 url("deleted=true&page=2&per_page=100"),
                                 url("deleted=true&page=3&per_page=100"),
                             }));
  EXPECT_EQ(f.written().size(), 9u);
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"begin", "write", "write", "write", "write",
                                                        "write", "complete"}));
}

TEST(CloudappConnector, AnItemTrashedDuringTheWalkEndsUpTrashed) {
  // Item 2 was live on page 1 and is in the trash by the time the trash is read.
  fixture f;
  f.server.script["live"] = {{1, 2}, {3}};
  f.server.script["trash"] = {{2, 9}};
  f.pull();
  auto rows = f.written();  // later writes win, as in the store
  EXPECT_EQ(rows.size(), 4u);
  EXPECT_TRUE(rows.at("2"));
  EXPECT_FALSE(rows.at("1"));
  EXPECT_EQ(f.rows_written(), 5u);
  EXPECT_EQ(f.out.sequence().back(), "complete");
}

TEST(CloudappConnector, AnEmptyAccountStillCompletesTheSnapshot) {
  // The store's safety valve, not the connector, decides that an empty answer deletes nothing.
  fixture f;
  f.pull();
  EXPECT_EQ(f.server.urls(), (std::vector<std::string>{url("page=1&per_page=100"),
                                                       url("deleted=true&page=1&per_page=100")}));
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"begin", "complete"}));
}

TEST(CloudappConnector, AFailureInTheLiveListingNeverCompletesTheSnapshot) {
  fixture f;
  f.server.live = 250;
  f.server.trashed = 40;
  f.server.fail_at_request = 2;
  try {
    f.pull();
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::server);
  }
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"begin", "write", "write"}));
  EXPECT_EQ(f.server.requests.size(), 3u);
}

TEST(CloudappConnector, AFailureInTheTrashListingNeverCompletesTheSnapshot) {
  // Every live item was read; without the trash the snapshot is still incomplete, and
  // completing it would mark every trashed item deleted.
  fixture f;
  f.server.live = 150;
  f.server.trashed = 150;
  f.server.fail_at_request = 4;  // trash page 2
  EXPECT_THROW(f.pull(), error);
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"begin", "write", "write", "write"}));
}

TEST(CloudappConnector, AnUnusablePageNeverCompletesTheSnapshot) {
  fixture f;
  f.server.live = 150;
  auto inner = f.server.send();
  int calls = 0;
  f.network = test::by_request([&](net::request req) -> awaitable<net::response> {
    if (++calls == 2)
      co_return net::response{200, {{"Content-Type", "text/html"}}, "<html>Sign in</html>"};
    co_return co_await inner.send(std::move(req));
  });
  try {
    f.pull();
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("source 'shots'"), std::string::npos) << e.what();
  }
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"begin", "write"}));
}

TEST(CloudappConnector, AServerIgnoringPageIsStoppedAsADataError) {
  fixture f;
  f.server.live = 500;
  f.server.ignore_page = true;
  try {
    f.pull();
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("ignores `page`"), std::string::npos) << e.what();
  }
  EXPECT_EQ(f.server.requests.size(), 2u);
  EXPECT_EQ(f.out.sequence(), (std::vector<std::string>{"begin", "write"}));
}

// ---- check

struct fake_account {
  std::vector<net::request> requests;
  unsigned account_status = 200;
  unsigned stats_status = 200;
  std::string stats_body = R"({"items":287,"views":1923})";

  connectors::fetcher send() {
    return test::by_request([this](net::request req) -> awaitable<net::response> {
      requests.push_back(req);
      bool stats = req.url.ends_with("/account/stats");
      unsigned status = stats ? stats_status : account_status;
      if (status != 200)
        throw error(classify_http_status(status),
                    "source 'shots': GET " + req.url + ": " + std::to_string(status), status);
      if (stats) co_return net::response{200, {{"Content-Type", "application/json"}}, stats_body};
      co_return json_answer(boost::json::object{
          {"id", 42}, {"email", "ops@example.com"}, {"domain", nullptr}, {"subscribed", true}});
    });
  }
};

// `sluice check` of source "shots" at http://my.cl.ly against `network`.
std::string check_with(connectors::fetcher network) {
  run_counters counters;
  return run_sync(make_connector(cloudapp_source())->check(std::move(network), counters));
}

TEST(CloudappConnector, CheckNamesTheAccountAndCountsItems) {
  fake_account server;
  auto text = check_with(server.send());
  EXPECT_EQ(text, "authenticated as ops@example.com; 287 items");
  ASSERT_EQ(server.requests.size(), 2u);
  EXPECT_EQ(server.requests[0].url, "http://my.cl.ly/account");
  EXPECT_EQ(server.requests[1].url, "http://my.cl.ly/account/stats");
  for (const auto& req : server.requests) {
    EXPECT_EQ(req.method, "GET");
    ASSERT_EQ(req.headers.size(), 1u);
    EXPECT_EQ(req.headers[0].name, "Accept");
    EXPECT_EQ(req.headers[0].value, "application/json");
  }
}

TEST(CloudappConnector, CheckWithoutUsableStatsStillAuthenticates) {
  fake_account missing;
  missing.stats_status = 404;
  EXPECT_EQ(check_with(missing.send()), "authenticated as ops@example.com");
  fake_account odd;
  odd.stats_body = R"({"views":3})";
  EXPECT_EQ(check_with(odd.send()), "authenticated as ops@example.com");
  fake_account html;
  html.stats_body = "<html></html>";
  EXPECT_EQ(check_with(html.send()), "authenticated as ops@example.com");
}

TEST(CloudappConnector, CheckFailsOnRejectedCredentials) {
  fake_account rejected;
  rejected.account_status = 401;
  try {
    check_with(rejected.send());
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::auth);
  }
  EXPECT_EQ(rejected.requests.size(), 1u);

  fake_account throttled;  // a failing count is not swallowed when it is not about the endpoint
  throttled.stats_status = 429;
  EXPECT_THROW(check_with(throttled.send()), error);
}

}  // namespace
}  // namespace sluice::connectors::cloudapp
