// Rows PostgreSQL would refuse anonymously are refused by sluice first, naming the record and
// the field; one commit keeps the newest version of a record it holds twice; run rows are always
// finished, whatever bytes the failure quoted.
#include "store/batch_writer.hpp"
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "connectors/review_tables.hpp"
#include "core/time.hpp"
#include "store/row_check.hpp"
#include "store/state.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
namespace asio = boost::asio;

const table_def& reviews = tables::reviews;

row review(const std::string& id, const std::string& content, std::string_view updated_at) {
  row r = make_row(reviews);
  r[reviews.index("external_id")] = id;
  r[reviews.index("provider")] = std::string("partoo");
  r[reviews.index("content")] = content;
  r[reviews.index("updated_at")] = *parse_timestamp(updated_at);
  r[reviews.index("raw")] = std::string(R"({"content":")" + content + "\"}");
  return r;
}

write_totals write_rows(batch_writer& writer, std::vector<row> rows,
                        const table_def& table = reviews) {
  return run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<write_totals> {
    auto sink = writer.open(ex, "eu", "reviews", table, 0);
    record_batch b;
    b.table = &table;
    b.rows = std::move(rows);
    co_await sink->write(std::move(b));
    co_return co_await sink->flush();
  });
}

TEST(hostile_rows, the_newest_version_of_a_record_in_one_commit_wins) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_hostile_newest");
  batch_writer writer(db);
  // The older version comes last in the answer: the update time decides, not the order.
  write_rows(writer, {review("1", "new", "2024-05-02T00:00:00Z"),
                      review("2", "only", "2024-05-01T00:00:00Z"),
                      review("1", "old", "2024-05-01T00:00:00Z")});
  EXPECT_EQ(
      query(db, "SELECT content FROM reviews WHERE external_id = '1'")[0][0].as<std::string>(),
      "new");
  // Equal update times (or none): the last one wins.
  write_rows(writer, {review("2", "first", "2024-06-01T00:00:00Z"),
                      review("2", "second", "2024-06-01T00:00:00Z")});
  EXPECT_EQ(
      query(db, "SELECT content FROM reviews WHERE external_id = '2'")[0][0].as<std::string>(),
      "second");

  const table_def& businesses = tables::businesses;  // no update time: the last one wins
  auto business = [&](const std::string& name) {
    row r = make_row(businesses);
    r[0] = std::string("b1");
    r[businesses.index("name")] = name;
    r[businesses.index("raw")] = std::string("{}");
    return r;
  };
  write_rows(writer, {business("first"), business("last")}, businesses);
  EXPECT_EQ(query(db, "SELECT name FROM businesses")[0][0].as<std::string>(), "last");
}

std::string rejection(batch_writer& writer, row r) {
  try {
    write_rows(writer, {std::move(r)});
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    return e.what();
  }
  return "(accepted)";
}

TEST(hostile_rows, unstorable_ids_are_refused_naming_source_stream_record_and_field) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_hostile_ids");
  batch_writer writer(db);

  auto nul = rejection(writer, review(std::string("ab\0cd", 5), "x", "2024-05-01T00:00:00Z"));
  EXPECT_NE(nul.find("source 'eu', stream 'reviews': record 'ab\\x00cd', field external_id"),
            std::string::npos)
      << nul;
  EXPECT_NE(nul.find("NUL"), std::string::npos) << nul;

  auto long_id = rejection(writer, review(std::string(10000, 'x'), "x", "2024-05-01T00:00:00Z"));
  EXPECT_NE(long_id.find("field external_id"), std::string::npos) << long_id;
  EXPECT_NE(long_id.find("10000 bytes"), std::string::npos) << long_id;
  EXPECT_LT(long_id.size(), 300u) << "the id is shortened in the message";

  row reference = review("ok", "x", "2024-05-01T00:00:00Z");
  reference[reviews.index("business_external_id")] = std::string("b\0", 2);
  auto ref = rejection(writer, std::move(reference));
  EXPECT_NE(ref.find("record 'ok', field business_external_id"), std::string::npos) << ref;

  // Nothing reached the table, and the writer still works.
  EXPECT_EQ(query(db, "SELECT count(*) FROM reviews")[0][0].as<int>(), 0);
  row fine = review(std::string(max_id_bytes, 'y'), "x", "2024-05-01T00:00:00Z");
  EXPECT_EQ(write_rows(writer, {fine}).inserted, 1);
}

TEST(hostile_rows, a_run_is_finished_whatever_bytes_its_error_quotes) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_hostile_finish");
  state st(db);
  const auto id = st.begin_run("eu", "reviews", "incremental");
  run_outcome failed;
  failed.status = "failed";
  failed.error = error_kind::server;
  // An error body cut in the middle of "€", a Latin-1 "é", a NUL.
  failed.error_message = std::string("HTTP 500: prix 10 \xE2\x82") + " caf\xE9 \0end";
  failed.error_message += std::string(5000, 'z');
  failed.counters.warn(std::string("rating \xFF\xFE is odd"));
  st.finish_run(id, failed);
  auto r = query(db,
                 "SELECT status, error, first_warning, finished_at IS NOT NULL FROM sync_runs "
                 "WHERE id = " +
                     std::to_string(id))[0];
  EXPECT_EQ(r[0].as<std::string>(), "failed");
  const auto message = r[1].as<std::string>();
  EXPECT_EQ(message.rfind("HTTP 500: prix 10 \\xE2\\x82 caf\\xE9 ", 0), 0u) << message;
  EXPECT_LE(message.size(), 2000u);
  EXPECT_EQ(r[2].as<std::string>(), "rating \\xFF\\xFE is odd");
  EXPECT_TRUE(r[3].as<bool>());
}

}  // namespace
}  // namespace sluice::store
