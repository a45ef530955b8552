// backfill_store, and backfill sinks of the batch writer (progress in backfill_jobs, never in
// sync_state).
#include "store/backfill_jobs.hpp"

#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "core/time.hpp"
#include "store/batch_writer.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
namespace asio = boost::asio;

timestamp at(std::string_view iso) { return *parse_timestamp(iso); }

std::vector<std::int64_t> ids(const std::vector<backfill_job>& jobs) {
  std::vector<std::int64_t> out;
  for (const auto& j : jobs) out.push_back(j.id);
  return out;
}

record_batch batch_of(std::vector<row> rows, std::optional<std::string> cursor) {
  record_batch b;
  b.table = &tables::reviews;
  b.rows = std::move(rows);
  b.cursor_after = std::move(cursor);
  return b;
}

sink_options backfill_sink(std::int64_t job) {
  return {.source = "eu", .stream = "reviews", .table = &tables::reviews, .backfill_job = job};
}

// long function: one job's life told step by step against one database.
TEST(backfill_jobs, are_created_found_by_exact_range_and_listed) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_backfill_jobs");
  backfill_store jobs(db);
  const timestamp since = at("2023-01-01T00:00:00.123456Z");
  const timestamp until = at("2024-01-01T00:00:00Z");

  const backfill_job ranged = jobs.create("eu", "reviews", since, until);
  EXPECT_GT(ranged.id, 0);
  EXPECT_EQ(ranged.source, "eu");
  EXPECT_EQ(ranged.stream, "reviews");
  EXPECT_EQ(ranged.since, since);
  EXPECT_EQ(ranged.until, until);
  EXPECT_EQ(ranged.status, "pending");
  EXPECT_FALSE(ranged.progress.has_value());
  EXPECT_EQ(ranged.records, 0);
  EXPECT_EQ(ranged.holder, "");
  EXPECT_EQ(ranged.error, "");
  EXPECT_TRUE(ranged.created_at.has_value());
  EXPECT_FALSE(ranged.started_at.has_value());
  EXPECT_FALSE(ranged.finished_at.has_value());
  const backfill_job open_ended = jobs.create("eu", "reviews", since, std::nullopt);
  const backfill_job everything = jobs.create("eu", "reviews", std::nullopt, std::nullopt);
  const backfill_job other = jobs.create("us", "reviews", std::nullopt, std::nullopt);

  // Exactly this source, stream and range; an open end matches only an open end.
  EXPECT_EQ(jobs.find_unfinished("eu", "reviews", since, until)->id, ranged.id);
  EXPECT_EQ(jobs.find_unfinished("eu", "reviews", since, std::nullopt)->id, open_ended.id);
  EXPECT_EQ(jobs.find_unfinished("eu", "reviews", std::nullopt, std::nullopt)->id, everything.id);
  EXPECT_FALSE(jobs.find_unfinished("eu", "reviews", std::nullopt, until).has_value());
  EXPECT_FALSE(
      jobs.find_unfinished("eu", "reviews", at("2023-01-01T00:00:00.123457Z"), until).has_value());
  EXPECT_FALSE(jobs.find_unfinished("eu", "businesses", since, until).has_value());

  EXPECT_EQ(ids(jobs.unfinished({"eu"})),
            (std::vector<std::int64_t>{ranged.id, open_ended.id, everything.id}));
  EXPECT_EQ(ids(jobs.unfinished({"eu", "us"})),
            (std::vector<std::int64_t>{ranged.id, open_ended.id, everything.id, other.id}));
  EXPECT_TRUE(jobs.unfinished({}).empty());

  jobs.mark_running(ranged.id, "host-a:1");
  auto running = jobs.get(ranged.id);
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->status, "running");
  EXPECT_EQ(running->holder, "host-a:1");
  ASSERT_TRUE(running->started_at.has_value());
  EXPECT_EQ(jobs.find_unfinished("eu", "reviews", since, until)->id, ranged.id);

  // A failure, then a second attempt: the first start is kept, the error goes.
  jobs.finish(ranged.id, false, "the API said no");
  auto failed = jobs.get(ranged.id);
  EXPECT_EQ(failed->status, "failed");
  EXPECT_EQ(failed->error, "the API said no");
  EXPECT_TRUE(failed->finished_at.has_value());
  EXPECT_FALSE(jobs.find_unfinished("eu", "reviews", since, until).has_value());
  jobs.mark_running(ranged.id, "host-b:2");
  auto again = jobs.get(ranged.id);
  EXPECT_EQ(again->status, "running");
  EXPECT_EQ(again->holder, "host-b:2");
  EXPECT_EQ(again->started_at, running->started_at);
  EXPECT_EQ(again->error, "");
  EXPECT_FALSE(again->finished_at.has_value());

  jobs.finish(ranged.id, true, "");
  jobs.finish(everything.id, true, "");
  auto done = jobs.get(ranged.id);
  EXPECT_EQ(done->status, "succeeded");
  EXPECT_EQ(done->error, "");
  EXPECT_TRUE(done->finished_at.has_value());
  EXPECT_EQ(ids(jobs.unfinished({"eu"})), std::vector<std::int64_t>{open_ended.id});

  EXPECT_EQ(ids(jobs.recent("eu", 10)),
            (std::vector<std::int64_t>{everything.id, open_ended.id, ranged.id}));
  EXPECT_EQ(ids(jobs.recent("eu", 1)), std::vector<std::int64_t>{everything.id});
  EXPECT_EQ(jobs.recent("eu", 10)[0].status, "succeeded");
  EXPECT_FALSE(jobs.get(other.id + 1000).has_value());
  try {
    jobs.mark_running(other.id + 1000, "x");
    ADD_FAILURE() << "marked a job that does not exist";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
  }
}

TEST(backfill_jobs, progress_and_records_commit_with_the_batch_and_the_cursor_stays) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_backfill_sink");
  backfill_store jobs(db);
  const auto job = jobs.create("eu", "reviews", at("2020-01-01T00:00:00Z"), std::nullopt);
  query(db, "INSERT INTO sync_state (source, stream, cursor) VALUES ('eu', 'reviews', '\"live\"')");
  const std::string live_updated_at =
      scalar<std::string>(db, "SELECT updated_at::text FROM sync_state");
  batch_writer writer(db, writer_options{.max_queued_rows = 1000, .max_rows_per_commit = 2});

  run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, backfill_sink(job.id));
    {
      auto batch = batch_of({sample_review("1"), sample_review("2")}, R"({"page": 1})");
      co_await sink->write(std::move(batch));
    }
    {
      auto batch = batch_of({sample_review("3")}, R"({"page": 2})");
      co_await sink->write(std::move(batch));
    }
    {
      auto batch = batch_of({sample_review("4")}, std::nullopt);
      co_await sink->write(std::move(batch));
    }
    co_await sink->flush();
  });
  auto progressed = jobs.get(job.id);
  EXPECT_EQ(progressed->progress, std::string(R"({"page": 2})"));
  EXPECT_EQ(progressed->records, 4);
  EXPECT_EQ(progressed->status, "pending");  // the runner, not the writer, decides that
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews"), 4);
  EXPECT_EQ(rows_of(db, "SELECT cursor::text, updated_at::text FROM sync_state"),
            (result_rows{{"\"live\"", live_updated_at}}));
  // One transaction: the job row was written by the transaction that wrote the last rows.
  EXPECT_TRUE(scalar<bool>(db,
                           "SELECT (SELECT xmin FROM backfill_jobs) = "
                           "(SELECT xmin FROM reviews WHERE external_id = '4')"));

  // A batch that fails leaves the job where it was.
  row bad = sample_review("5");
  bad[tables::reviews.index("rating")] = std::string("abc");
  try {
    run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
      auto sink = writer.open(ex, backfill_sink(job.id));
      {
        auto batch = batch_of({bad}, R"({"page": 3})");
        co_await sink->write(std::move(batch));
      }
      co_await sink->flush();
    });
    ADD_FAILURE() << "the bad batch committed";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::database);
  }
  auto unchanged = jobs.get(job.id);
  EXPECT_EQ(unchanged->progress, std::string(R"({"page": 2})"));
  EXPECT_EQ(unchanged->records, 4);
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews"), 4);
}

TEST(backfill_jobs, a_backfill_sink_is_never_a_snapshot_and_needs_its_job) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_backfill_refusals");
  backfill_store jobs(db);
  const auto job = jobs.create("eu", "reviews", std::nullopt, std::nullopt);
  batch_writer writer(db);
  run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, backfill_sink(job.id));
    try {
      co_await sink->begin_snapshot(false);
      ADD_FAILURE() << "began a snapshot";
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::data);
    }
    try {
      co_await sink->complete_snapshot(1.0);
      ADD_FAILURE() << "completed a snapshot";
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::data);
    }
  });

  try {
    run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
      auto sink = writer.open(ex, backfill_sink(job.id + 1000));
      {
        auto batch = batch_of({sample_review("1")}, R"({"page": 1})");
        co_await sink->write(std::move(batch));
      }
      co_await sink->flush();
    });
    ADD_FAILURE() << "wrote for a job that does not exist";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
  }
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews"), 0);
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM sync_state"), 0);
}

}  // namespace
}  // namespace sluice::store
