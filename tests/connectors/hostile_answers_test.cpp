// Hostile answers served by sluice-fakeapi (POST /_control/canned) through the real Partoo
// connector, http_client and batch_writer into PostgreSQL: odd numbers are stored exactly in raw
// and NULL plus a warning in the typed column, a record with an id PostgreSQL cannot store fails
// the run naming source, stream, record and field, a record repeated with an older version last
// keeps the newer one, and no run row is ever left 'running', whatever bytes the error quoted.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <exception>

#include "connectors/partoo/partoo.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "net/http_client.hpp"
#include "net/token_bucket.hpp"
#include "store/batch_writer.hpp"
#include "store/state.hpp"
#include "tests/store/store_fixture.hpp"
#include "tests/support/fakeapi.hpp"

namespace sluice::connectors::partoo {
namespace {

using namespace std::chrono_literals;
using namespace sluice::store::testing;

class HostileAnswers : public ::testing::Test {
protected:
  static void SetUpTestSuite() { fake_ = new test::fakeapi(); }
  static void TearDownTestSuite() {
    delete fake_;
    fake_ = nullptr;
  }
  void TearDown() override { fake_->post("/_control/canned", "{}"); }

  static void serve(const std::string& canned) { fake_->post("/_control/canned", canned); }

  static void serve_page(const std::string& body) {
    boost::json::object o{{"path", "/partoo/v2/reviews"}, {"status", 200}, {"body", body}};
    serve(boost::json::serialize(o));
  }

  struct outcome {
    std::string error;
    run_counters counters;
  };

  // One incremental run of the reviews stream, recorded in sync_runs as the daemon does.
  static outcome run_reviews(const store::database_options& db) {
    source_config source;
    source.name = "p";
    source.kind = "partoo";
    source.base_url = fake_->http_url("/partoo/v2");
    source.api_key = secret("partoo-test-key");  // sluice-fakeapi's default
    source.lookback = 1h;
    source.start_date = *parse_timestamp("2000-01-01T00:00:00Z");
    auto connector = make_connector(source);

    store::state st(db);
    store::batch_writer writer(db);
    boost::asio::io_context io;
    net::client_options options;
    options.source = source.name;
    net::http_client http(io.get_executor(), options, std::make_shared<net::token_bucket>(0.0, 1.0),
                          make_authenticator(source));
    const auto run_id = st.begin_run("p", "reviews", "incremental");
    auto sink = writer.open(io.get_executor(), "p", "reviews", tables::reviews, run_id);
    outcome out;
    store::run_outcome result;
    stream_run run{source, "reviews", false, std::nullopt, http, *sink, out.counters};
    std::exception_ptr failure;
    boost::asio::co_spawn(io, connector->run(run), [&](std::exception_ptr e, write_totals t) {
      failure = e;
      result.totals = t;
    });
    io.run();
    result.status = "succeeded";
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const error& e) {
        out.error = e.what();
        result.status = "failed";
        result.error = e.kind();
        result.error_message = e.what();
      }
    }
    result.counters = out.counters;
    st.finish_run(run_id, result);
    writer.stop();
    return out;
  }

  static std::string one(const store::database_options& db, const std::string& sql) {
    auto r = query(db, sql);
    return r.empty() || r[0][0].is_null() ? "(null)" : r[0][0].as<std::string>();
  }

  static test::fakeapi* fake_;
};

test::fakeapi* HostileAnswers::fake_ = nullptr;

TEST_F(HostileAnswers, OddNumbersAreStoredExactlyAndARepeatedRecordKeepsItsNewestVersion) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_conn_hostile_numbers");
  // Partoo refuses a page out of update_date order, so the repeated record comes newest last
  // here; the writer's choice by update time is tested with the older version last in the store
  // tests.
  serve_page(R"({"reviews":[)"
             R"({"id":2,"update_date":"2024-05-01T00:00:00Z","rating":1e999999},)"
             R"({"id":1,"update_date":"2024-05-01T00:00:00Z","content":"old","rating":1},)"
             R"({"id":1,"update_date":"2024-05-02T00:00:00Z","content":"new",)"
             R"("rating":123456789012345678901234567890,"extra":1e400,"note":"a\u0000b"}],)"
             R"("max_page":1})");
  auto out = run_reviews(db);
  ASSERT_EQ(out.error, "");
  EXPECT_EQ(one(db, "SELECT content FROM reviews WHERE external_id = '1'"), "new");
  EXPECT_EQ(one(db, "SELECT rating::text FROM reviews WHERE external_id = '1'"),
            "123456789012345678901234567890");
  EXPECT_EQ(one(db, "SELECT raw->>'rating' FROM reviews WHERE external_id = '1'"),
            "123456789012345678901234567890");
  EXPECT_EQ(one(db, "SELECT (raw->'extra')::numeric = 1e400 FROM reviews WHERE external_id = '1'"),
            "t");
  EXPECT_EQ(one(db, "SELECT raw->>'note' FROM reviews WHERE external_id = '1'"), "ab");
  // The rating numeric cannot hold: NULL, a warning, and raw keeps its digits as a string.
  EXPECT_EQ(one(db, "SELECT rating FROM reviews WHERE external_id = '2'"), "(null)");
  EXPECT_EQ(one(db, "SELECT raw->>'rating' FROM reviews WHERE external_id = '2'"), "1e999999");
  EXPECT_GE(out.counters.warnings, 2);
  EXPECT_EQ(one(db, "SELECT status FROM sync_runs"), "succeeded");
  EXPECT_NE(one(db, "SELECT first_warning FROM sync_runs"), "(null)");
}

TEST_F(HostileAnswers, UnstorableIdsFailTheRunNamingTheRecordAndField) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_conn_hostile_ids");
  serve_page(R"({"reviews":[{"id":"a\u0000b","update_date":"2024-05-01T00:00:00Z"}],)"
             R"("max_page":1})");
  auto nul = run_reviews(db);
  EXPECT_NE(nul.error.find("source 'p', stream 'reviews': record 'a\\x00b', field external_id"),
            std::string::npos)
      << nul.error;

  serve_page(R"({"reviews":[{"id":")" + std::string(10000, 'x') +
             R"(","update_date":"2024-05-01T00:00:00Z"}],"max_page":1})");
  auto long_id = run_reviews(db);
  EXPECT_NE(long_id.error.find("field external_id: the value is 10000 bytes long"),
            std::string::npos)
      << long_id.error;
  EXPECT_EQ(one(db, "SELECT count(*) FROM reviews"), "0");
  EXPECT_EQ(one(db,
                "SELECT count(*) FROM sync_runs WHERE status = 'failed' AND "
                "finished_at IS NOT NULL AND error LIKE '%field external_id%'"),
            "2");
}

TEST_F(HostileAnswers, AnOverlongValueForAnIndexedColumnIsNullWithAWarning) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_conn_hostile_indexed");
  // reviews.platform is indexed: 10 kB there would fail every commit of the table.
  serve_page(R"({"reviews":[{"id":7,"update_date":"2024-05-01T00:00:00Z","partner":")" +
             std::string(10000, 'p') + R"("}],"max_page":1})");
  auto out = run_reviews(db);
  ASSERT_EQ(out.error, "");
  EXPECT_EQ(one(db, "SELECT platform FROM reviews WHERE external_id = '7'"), "(null)");
  EXPECT_EQ(one(db, "SELECT length(raw->>'partner') FROM reviews WHERE external_id = '7'"),
            "10000");
  // One per walk that read it (the canned page answers the deleted-reviews walk too).
  EXPECT_GE(out.counters.warnings, 1);
  EXPECT_NE(out.counters.first_warning.find("10000 bytes long"), std::string::npos)
      << out.counters.first_warning;
}

TEST_F(HostileAnswers, ARunIsFinishedWhateverBytesItsErrorQuotes) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_conn_hostile_utf8");
  // 198 bytes, then "€" (E2 82 AC): the client's 200-byte excerpt cuts the character; a Latin-1
  // "é" (E9) follows for good measure.
  std::string hex;
  for (int i = 0; i < 198; ++i) hex += "78";
  hex += "e282ac20e9";
  serve(R"({"path":"/partoo/v2/reviews","status":400,"content_type":"text/plain","body_hex":")" +
        hex + "\"}");
  auto out = run_reviews(db);
  EXPECT_NE(out.error, "");
  EXPECT_EQ(one(db, "SELECT count(*) FROM sync_runs WHERE status = 'running'"), "0");
  EXPECT_EQ(one(db, "SELECT status FROM sync_runs"), "failed");
  EXPECT_NE(one(db, "SELECT error FROM sync_runs").find("\\xE2\\x82"), std::string::npos)
      << one(db, "SELECT error FROM sync_runs");
}

}  // namespace
}  // namespace sluice::connectors::partoo
