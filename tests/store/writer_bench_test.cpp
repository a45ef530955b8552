// Throughput of the batch writer against a plain COPY of the same rows. Not a pass/fail test
// (tests must not depend on speed): it runs only when SLUICE_STORE_BENCH_ROWS is set and prints
// rows per second. Example:
//   SLUICE_STORE_BENCH_ROWS=200000 ./store_tests --gtest_filter='writer_bench.*'
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <pqxx/tablewriter>
#pragma GCC diagnostic pop

#include "connectors/review_tables.hpp"
#include "core/time.hpp"
#include "store/batch_writer.hpp"
#include "store/copy_encoder.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

const table_def& reviews = tables::reviews;

// A review shaped like Partoo's: about 1.2KB of raw JSON, a few hundred characters of text.
row bench_review(std::size_t i, int version) {
  const std::string id = std::to_string(1'000'000 + i);
  const std::string text =
      "Service impeccable, personnel tres accueillant et a l'ecoute. Nous reviendrons sans "
      "hesitation ! Les plats etaient savoureux, le cadre agreable, un peu d'attente au "
      "moment du dessert mais rien de grave. Version " +
      std::to_string(version);
  const timestamp created = timestamp(duration(1'600'000'000'000'000LL + 1'000'000LL * i));
  row r = make_row(reviews);
  r[reviews.index("external_id")] = id;
  r[reviews.index("provider")] = std::string("partoo");
  r[reviews.index("business_external_id")] = "biz-" + std::to_string(i % 500);
  r[reviews.index("platform")] = std::string(i % 3 == 0 ? "facebook" : "google");
  r[reviews.index("author_name")] = "Author " + std::to_string(i % 9973);
  r[reviews.index("rating")] = std::to_string(1 + i % 5);
  if (i % 3 == 0) r[reviews.index("recommended")] = (i % 2 == 0);
  r[reviews.index("content")] = text;
  r[reviews.index("status")] = std::string("treated");
  r[reviews.index("review_url")] = "https://maps.google.com/review/" + id;
  if (i % 2 == 0) {
    r[reviews.index("reply_content")] = std::string("Merci beaucoup pour votre retour !");
    r[reviews.index("reply_author")] = std::string("La direction");
    r[reviews.index("reply_at")] = created + std::chrono::hours(5);
  }
  r[reviews.index("tags")] = std::vector<std::string>{"service", "food"};
  r[reviews.index("created_at")] = created;
  r[reviews.index("updated_at")] = created + std::chrono::hours(5);
  r[reviews.index("raw")] =
      R"({"id":)" + id + R"(,"business_id":"biz-)" + std::to_string(i % 500) +
      R"(","author_name":"Author )" + std::to_string(i % 9973) + R"(","content":")" + text +
      R"(","partner":"google_my_business","rating":)" + std::to_string(1 + i % 5) +
      R"(,"state":"treated","date":"2020-09-13T12:26:40","update_date":"2020-09-13T17:26:40",)"
      R"("link":"https://maps.google.com/review/)" +
      id +
      R"(","comments":[{"id":1,"content":"Merci beaucoup pour votre retour !",)"
      R"("author_name":"La direction","date":"2020-09-13T17:26:40","is_reply_suggestion":false}],)"
      R"("tags":[{"id":1,"label":"service","color":"#ff0000"},{"id":2,"label":"food","color":"#00ff00"}],)"
      R"("title":null,"recommended":null,"reply_time_status":"in_time","gmb_url":null})";
  return r;
}

double seconds_since(clock_type::time_point start) {
  return std::chrono::duration<double>(clock_type::now() - start).count();
}

// With `snapshot`, the pass is a whole snapshot (ids recorded, then the anti-join).
double writer_pass(batch_writer& writer, const std::vector<row>& rows, write_totals& totals,
                   bool snapshot = false) {
  const auto start = clock_type::now();
  totals = run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<write_totals> {
    auto sink = writer.open(ex, "bench", "reviews", reviews, 0);
    if (snapshot) co_await sink->begin_snapshot(false);
    constexpr std::size_t page = 100;  // one API page per batch, as connectors send them
    for (std::size_t at = 0; at < rows.size(); at += page) {
      record_batch b;
      b.table = &reviews;
      b.rows.assign(rows.begin() + at, rows.begin() + std::min(rows.size(), at + page));
      b.cursor_after = "\"" + std::to_string(at) + "\"";
      co_await sink->write(std::move(b));
    }
    if (snapshot) (void)co_await sink->complete_snapshot(0.5);
    co_return co_await sink->flush();
  });
  return seconds_since(start);
}

// long function: the benchmark's phases in the order their figures are printed.
TEST(writer_bench, throughput_vs_plain_copy) {
  SLUICE_REQUIRE_DATABASE();
  const char* n_text = std::getenv("SLUICE_STORE_BENCH_ROWS");
  if (n_text == nullptr) GTEST_SKIP() << "set SLUICE_STORE_BENCH_ROWS to run the benchmark";
  const std::size_t n = std::stoul(n_text);

  std::vector<row> rows, changed;
  rows.reserve(n);
  changed.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    rows.push_back(bench_review(i, 1));
    changed.push_back(bench_review(i, 2));
  }

  // Client-side cost alone: encoding and hashing.
  std::string buffer;
  auto start = clock_type::now();
  std::size_t bytes = 0;
  for (const auto& r : rows) {
    append_copy_row(buffer, "bench\t", reviews, r);
    if (buffer.size() > (1 << 20)) {
      bytes += buffer.size();
      buffer.clear();
    }
  }
  bytes += buffer.size();
  const double encode_s = seconds_since(start);

  // Baseline: one plain COPY of the same rows (same columns, content hash included) straight
  // into an empty, identically indexed table, in one transaction.
  auto copy_db = migrated_schema("t_store_bench_copy");
  double copy_s = 0;
  {
    auto c = inspect(copy_db);
    std::vector<std::string> columns{"source"};
    for (const auto& col : reviews.columns) columns.push_back(quote_identifier(col.name));
    columns.emplace_back("content_hash");
    start = clock_type::now();
    pqxx::work tx(*c);
    {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
      pqxx::tablewriter copy(tx, "reviews", columns.begin(), columns.end());
#pragma GCC diagnostic pop
      buffer.clear();
      for (const auto& r : rows) {
        append_copy_row(buffer, "bench\t", reviews, r);
        if (buffer.size() >= (1 << 20)) {
          buffer.pop_back();
          copy.write_raw_line(buffer);
          buffer.clear();
        }
      }
      if (!buffer.empty()) {
        buffer.pop_back();
        copy.write_raw_line(buffer);
      }
      copy.complete();
    }
    tx.commit();
    copy_s = seconds_since(start);
  }
  EXPECT_EQ(scalar<std::size_t>(copy_db, "SELECT count(*) FROM reviews"), n);

  auto db = migrated_schema("t_store_bench_writer");
  batch_writer writer(db);
  write_totals first, rerun, snapshot, update;
  const double first_s = writer_pass(writer, rows, first);
  const double rerun_s = writer_pass(writer, rows, rerun);
  const double snapshot_s = writer_pass(writer, rows, snapshot, true);
  const double update_s = writer_pass(writer, changed, update);
  EXPECT_EQ(first.inserted, static_cast<std::int64_t>(n));
  EXPECT_EQ(rerun.inserted + rerun.updated, 0);
  EXPECT_EQ(snapshot.inserted + snapshot.updated + snapshot.deleted, 0);
  EXPECT_EQ(update.updated, static_cast<std::int64_t>(n));

  auto rate = [&](double s) { return static_cast<double>(n) / s; };
  std::printf("rows: %zu, %.0f bytes of COPY text per row\n", n, double(bytes) / double(n));
  std::printf("encode+hash only      : %9.0f rows/s\n", rate(encode_s));
  std::printf("plain COPY            : %9.0f rows/s (%.2f s)\n", rate(copy_s), copy_s);
  std::printf("writer, first load    : %9.0f rows/s (%.2f s) = %.2f x plain COPY\n", rate(first_s),
              first_s, copy_s / first_s);
  std::printf("writer, unchanged     : %9.0f rows/s (%.2f s) = %.2f x plain COPY\n", rate(rerun_s),
              rerun_s, copy_s / rerun_s);
  // The same unchanged rows as one snapshot: every id recorded, then the anti-join.
  std::printf("writer, snapshot      : %9.0f rows/s (%.2f s) = %.2f x plain COPY\n",
              rate(snapshot_s), snapshot_s, copy_s / snapshot_s);
  std::printf("writer, all changed   : %9.0f rows/s (%.2f s) = %.2f x plain COPY\n", rate(update_s),
              update_s, copy_s / update_s);
}

}  // namespace
}  // namespace sluice::store
