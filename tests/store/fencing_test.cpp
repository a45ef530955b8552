// Fencing: a sink opened with a lease holder commits only while that holder holds the source's
// lease (docs/architecture.md, "The daemon").
#include "store/batch_writer.hpp"

#include <chrono>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <unistd.h>

#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "store/leases.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
using namespace std::chrono_literals;
namespace asio = boost::asio;

record_batch batch_of(std::vector<row> rows, std::optional<std::string> cursor) {
  record_batch b;
  b.table = &tables::reviews;
  b.rows = std::move(rows);
  b.cursor_after = std::move(cursor);
  return b;
}

sink_options fenced(std::string holder) {
  return {.source = "eu",
          .stream = "reviews",
          .table = &tables::reviews,
          .lease_holder = std::move(holder)};
}

// The error a coroutine failed with; fails the test if it did not fail.
template <typename Make>
error failure_of(Make make) {
  try {
    run_coroutine(make);
  } catch (const error& e) {
    return e;
  }
  ADD_FAILURE() << "no failure";
  return error(error_kind::data, "no failure");
}

// Makes the current lease of `eu` expire now, so that `taker` can take it over.
void take_over(const database_options& db, lease_store& taker) {
  query(db, "UPDATE leases SET expires_at = now() WHERE source = 'eu'");
  ASSERT_TRUE(taker.try_acquire("eu"));
}

TEST(fencing, writes_while_held_and_commits_nothing_once_the_lease_is_lost) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_fencing_lost");
  lease_store a(db, holder_here("a", ::getpid()), 30s);
  lease_store b(db, holder_here("b", ::getpid()), 30s);
  ASSERT_TRUE(a.try_acquire("eu"));
  batch_writer writer(db);

  error lost = failure_of([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, fenced("a"));
    {
      auto batch = batch_of({sample_review("1")}, R"("c1")");
      co_await sink->write(std::move(batch));
    }
    const auto totals = co_await sink->flush();
    EXPECT_EQ(totals.inserted, 1);
    EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state"), "\"c1\"");

    take_over(db, b);
    {
      auto batch = batch_of({sample_review("2"), sample_review("3")}, R"("c2")");
      co_await sink->write(std::move(batch));
    }
    co_await sink->flush();
  });
  EXPECT_EQ(lost.kind(), error_kind::cancelled);
  EXPECT_STREQ(lost.what(), "source 'eu': lease lost to b; batch not committed");
  EXPECT_EQ(rows_of(db, "SELECT external_id FROM reviews"), (result_rows{{"1"}}));
  EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state"), "\"c1\"");

  // The new holder writes as usual; a sink of a holder without any lease writes nothing.
  run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, fenced("b"));
    {
      auto batch = batch_of({sample_review("2")}, R"("b1")");
      co_await sink->write(std::move(batch));
    }
    co_await sink->flush();
  });
  EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state"), "\"b1\"");
  b.release({"eu"});
  error none = failure_of([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, fenced("b"));
    {
      auto batch = batch_of({sample_review("4")}, R"("b2")");
      co_await sink->write(std::move(batch));
    }
    co_await sink->flush();
  });
  EXPECT_EQ(none.kind(), error_kind::cancelled);
  EXPECT_STREQ(none.what(), "source 'eu': lease lost to nobody; batch not committed");
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews"), 2);
  EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state"), "\"b1\"");
}

TEST(fencing, an_expired_lease_of_our_own_fences_too) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_fencing_expired");
  lease_store a(db, holder_here("a", ::getpid()), 30s);
  ASSERT_TRUE(a.try_acquire("eu"));
  query(db, "UPDATE leases SET expires_at = now()");
  batch_writer writer(db);
  error e = failure_of([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, fenced("a"));
    {
      auto batch = batch_of({sample_review("1")}, R"("c1")");
      co_await sink->write(std::move(batch));
    }
    co_await sink->flush();
  });
  EXPECT_EQ(e.kind(), error_kind::cancelled);
  EXPECT_STREQ(e.what(), "source 'eu': lease lost to nobody; batch not committed");
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews"), 0);
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM sync_state"), 0);
}

TEST(fencing, snapshot_steps_are_fenced_too) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_fencing_snapshot");
  lease_store a(db, holder_here("a", ::getpid()), 30s);
  lease_store b(db, holder_here("b", ::getpid()), 30s);
  ASSERT_TRUE(a.try_acquire("eu"));
  query(db,
        "INSERT INTO reviews (source, external_id, content_hash) VALUES "
        "('eu', 'old', '\\x00')");
  batch_writer writer(db);

  // Completing a snapshot after losing the lease would delete rows and store a cursor.
  error completion = failure_of([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, fenced("a"));
    co_await sink->begin_snapshot(false);
    {
      auto batch = batch_of({sample_review("1")}, std::nullopt);
      co_await sink->write(std::move(batch));
    }
    co_await sink->flush();
    take_over(db, b);
    co_await sink->complete_snapshot(1.0, R"("done")");
  });
  EXPECT_EQ(completion.kind(), error_kind::cancelled);
  EXPECT_EQ(rows_of(db,
                    "SELECT external_id, (deleted_at IS NULL)::text FROM reviews "
                    "ORDER BY 1"),
            (result_rows{{"1", "true"}, {"old", "true"}}));
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM sync_state"), 0);
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM snapshot_seen"), 1);

  // Starting one afresh would forget the ids the new holder's snapshot has seen.
  error start = failure_of([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, fenced("a"));
    co_await sink->begin_snapshot(false);
    co_await sink->flush();
  });
  EXPECT_EQ(start.kind(), error_kind::cancelled);
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM snapshot_seen"), 1);
}

// long function: one race (a batch holding the lease row, a takeover waiting) told in order.
TEST(fencing, the_lease_row_lock_holds_off_a_takeover_until_the_batch_commits) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_fencing_lock");
  // The holder's process is gone, so anyone on this host may take the lease at once: only the
  // writer's FOR KEY SHARE lock stands in the way.
  lease_store dead(db, holder_here("dead", dead_pid()), 300s);
  ASSERT_TRUE(dead.try_acquire("eu"));
  lease_store taker(db, holder_here("taker", ::getpid()), 300s);
  query(db, "INSERT INTO sync_state (source, stream, cursor) VALUES ('eu', 'reviews', '\"c0\"')");

  // Holds the batch's transaction open after its fence: the cursor update waits for this lock.
  auto blocker_conn = inspect(db);
  pqxx::work blocker(*blocker_conn);
  blocker.exec("SELECT 1 FROM sync_state FOR UPDATE");

  batch_writer writer(db);
  std::exception_ptr write_failure;
  std::thread write([&] {
    try {
      run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
        auto sink = writer.open(ex, fenced("dead"));
        {
          auto batch = batch_of({sample_review("1")}, R"("c1")");
          co_await sink->write(std::move(batch));
        }
        co_await sink->flush();
      });
    } catch (...) {
      write_failure = std::current_exception();
    }
  });
  EXPECT_TRUE(eventually(db,
                         "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name "
                         "= 'sluice-writer:t_store_fencing_lock' AND "
                         "wait_event_type = 'Lock'"));

  bool taken = false;
  // Each attempt waits at most the lease lock timeout (lease_busy), so the taker keeps trying
  // like the lease thread does round after round.
  std::thread take([&] {
    for (;;) {
      try {
        taken = taker.try_acquire("eu");
        return;
      } catch (const lease_busy&) {
      }
    }
  });
  EXPECT_TRUE(eventually(db,
                         "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name "
                         "= 'sluice-leases:t_store_fencing_lock' AND wait_event_type = "
                         "'Lock' AND query LIKE '%leases%'"))
      << "the takeover did not wait for the batch";
  EXPECT_EQ(scalar<std::string>(db, "SELECT holder FROM leases"), "dead");

  blocker.commit();
  write.join();
  take.join();
  EXPECT_FALSE(write_failure);
  EXPECT_TRUE(taken);
  EXPECT_EQ(rows_of(db, "SELECT external_id FROM reviews"), (result_rows{{"1"}}));
  EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state"), "\"c1\"");
  EXPECT_EQ(scalar<std::string>(db, "SELECT holder FROM leases"), "taker");
}

TEST(fencing, the_holders_renewal_does_not_wait_for_its_own_commits) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_fencing_renew");
  // On a busy source the writer's commits follow each other without a gap: a renewal that had to
  // wait for them would never get the row, and the lease would lapse while it is being used.
  lease_store me(db, holder_here("me", ::getpid()), 300s);
  ASSERT_TRUE(me.try_acquire("eu"));
  query(db, "INSERT INTO sync_state (source, stream, cursor) VALUES ('eu', 'reviews', '\"c0\"')");
  auto blocker_conn = inspect(db);
  pqxx::work blocker(*blocker_conn);
  blocker.exec("SELECT 1 FROM sync_state FOR UPDATE");  // keeps the batch's transaction open

  batch_writer writer(db);
  std::thread write([&] {
    run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
      auto sink = writer.open(ex, fenced("me"));
      {
        auto batch = batch_of({sample_review("1")}, R"("c1")");
        co_await sink->write(std::move(batch));
      }
      co_await sink->flush();
    });
  });
  ASSERT_TRUE(eventually(db,
                         "SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name "
                         "= 'sluice-writer:t_store_fencing_renew' AND "
                         "wait_event_type = 'Lock'"));
  // The batch holds the lease row (its fence) while it waits: the renewal goes through anyway.
  EXPECT_EQ(me.renew({"eu"}), std::vector<std::string>{"eu"});
  blocker.commit();
  write.join();
  EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state"), "\"c1\"");
}

}  // namespace
}  // namespace sluice::store
