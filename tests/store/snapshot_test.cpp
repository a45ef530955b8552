// Snapshot deletion detection (docs/architecture.md, "Sync semantics"): ids seen, the anti-join,
// the safety valve, resumed snapshots, and what the store does when a row it marked deleted comes
// back.
#include "store/batch_writer.hpp"

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "connectors/review_tables.hpp"
#include "core/time.hpp"
#include "store/state.hpp"
#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
namespace asio = boost::asio;

const table_def& reviews = tables::reviews;

row review(const std::string& id, const std::string& content = "great") {
  row r = make_row(reviews);
  r[reviews.index("external_id")] = id;
  r[reviews.index("provider")] = std::string("cloutly");
  r[reviews.index("platform")] = std::string("google");
  r[reviews.index("rating")] = std::string("5");
  r[reviews.index("content")] = content;
  r[reviews.index("created_at")] = *parse_timestamp("2024-01-02T03:04:05Z");
  r[reviews.index("raw")] = std::string(R"({"id":")" + id + R"(","content":")" + content + "\"}");
  return r;
}

// Reviews named prefix0 .. prefix(n-1).
std::vector<row> reviews_named(const std::string& prefix, int from, int to) {
  std::vector<row> out;
  for (int i = from; i < to; ++i) out.push_back(review(prefix + std::to_string(i)));
  return out;
}

// Rows in batches of three, so a snapshot spans several commits.
std::vector<record_batch> batches_of(const std::vector<row>& rows) {
  std::vector<record_batch> out;
  for (std::size_t i = 0; i < rows.size(); i += 3) {
    record_batch b;
    b.table = &reviews;
    for (std::size_t j = i; j < rows.size() && j < i + 3; ++j) b.rows.push_back(rows[j]);
    out.push_back(std::move(b));
  }
  return out;
}

write_totals write_plain(batch_writer& writer, const std::string& source,
                         const std::vector<row>& rows) {
  return run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<write_totals> {
    auto sink = writer.open(ex, source, "reviews", reviews, 0);
    for (auto& b : batches_of(rows)) co_await sink->write(std::move(b));
    co_return co_await sink->flush();
  });
}

struct snapshot_outcome {
  snapshot_result result;
  write_totals totals;  // flush() after complete_snapshot()
};

struct snapshot_options {
  double fraction = 0.5;
  bool resume = false;
  std::optional<std::string> cursor = std::nullopt;
  std::int64_t run_id = 0;
};

// One whole snapshot run of source/reviews: begin, the rows, complete, flush.
snapshot_outcome run_snapshot(batch_writer& writer, const std::string& source,
                              const std::vector<row>& rows, snapshot_options o = {}) {
  return run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<snapshot_outcome> {
    auto sink = writer.open(ex, source, "reviews", reviews, o.run_id);
    co_await sink->begin_snapshot(o.resume);
    for (auto& b : batches_of(rows)) co_await sink->write(std::move(b));
    snapshot_outcome out;
    out.result = co_await sink->complete_snapshot(o.fraction, o.cursor);
    out.totals = co_await sink->flush();
    co_return out;
  });
}

// "id" for every row of `source` with deleted_at set.
std::set<std::string> deleted_ids(const database_options& db, const std::string& source) {
  std::set<std::string> out;
  for (const auto& r : query(db,
                             "SELECT external_id FROM reviews WHERE deleted_at IS NOT NULL "
                             "AND source = '" +
                                 source + "'"))
    out.insert(r[0].as<std::string>());
  return out;
}

std::set<std::string> seen_ids(const database_options& db, const std::string& source,
                               const std::string& stream = "reviews") {
  std::set<std::string> out;
  for (const auto& r : query(db, "SELECT external_id FROM snapshot_seen WHERE source = '" + source +
                                     "' AND stream = '" + stream + "'"))
    out.insert(r[0].as<std::string>());
  return out;
}

int seen_count(const database_options& db) {
  return scalar<int>(db, "SELECT count(*) FROM snapshot_seen");
}

std::set<std::string> names(const std::string& prefix, int from, int to) {
  std::set<std::string> out;
  for (int i = from; i < to; ++i) out.insert(prefix + std::to_string(i));
  return out;
}

TEST(snapshot, marks_exactly_the_unseen_live_rows_of_its_own_source) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_marks");
  batch_writer writer(db);
  write_plain(writer, "s", reviews_named("r", 0, 10));
  write_plain(writer, "other", reviews_named("r", 0, 10));
  // Deleted by the source itself long ago: not live, so neither counted nor re-marked.
  query(db,
        "UPDATE reviews SET deleted_at = '2020-01-01Z' WHERE source = 's' AND "
        "external_id = 'r9'");
  // Another stream's snapshot of the same source is in progress: its ids are not ours.
  query(db, "INSERT INTO snapshot_seen VALUES ('s', 'businesses', 'b1')");
  state st(db);
  const std::int64_t run = st.begin_run("s", "reviews", "full");
  const auto before = query(db,
                            "SELECT xmin::text FROM reviews WHERE source = 's' AND "
                            "external_id = 'r0'")[0][0]
                          .as<std::string>();

  auto out = run_snapshot(writer, "s", reviews_named("r", 0, 7), {.run_id = run});
  EXPECT_EQ(out.result.seen, 7);
  EXPECT_EQ(out.result.live_before, 9);
  EXPECT_EQ(out.result.vanished, 2);
  EXPECT_EQ(out.result.deleted, 2);
  EXPECT_FALSE(out.result.suspicious);
  EXPECT_EQ(out.result.reason, "");
  EXPECT_EQ(out.totals.records, 7);
  EXPECT_EQ(out.totals.inserted, 0);
  EXPECT_EQ(out.totals.updated, 0);
  EXPECT_EQ(out.totals.deleted, 2);
  EXPECT_FALSE(out.totals.suspicious);

  EXPECT_EQ(deleted_ids(db, "s"), (std::set<std::string>{"r7", "r8", "r9"}));
  EXPECT_EQ(scalar<std::string>(db,
                                "SELECT deleted_at::text FROM reviews WHERE source = 's' "
                                "AND external_id = 'r9'"),
            "2020-01-01 00:00:00+00");
  EXPECT_TRUE(scalar<bool>(db,
                           "SELECT bool_and(deleted_at > now() - interval '1 hour' AND "
                           "synced_at = deleted_at AND content_hash = '\\x00') FROM reviews "
                           "WHERE source = 's' AND external_id IN ('r7', 'r8')"));
  // Seen rows were unchanged and stay untouched (same row version).
  EXPECT_EQ(
      query(db, "SELECT xmin::text FROM reviews WHERE source = 's' AND external_id = 'r0'")[0][0]
          .as<std::string>(),
      before);
  EXPECT_TRUE(deleted_ids(db, "other").empty());
  EXPECT_EQ(seen_ids(db, "s"), std::set<std::string>{});
  EXPECT_EQ(seen_ids(db, "s", "businesses"), std::set<std::string>{"b1"});
  EXPECT_EQ(scalar<int>(db, "SELECT deleted FROM sync_runs WHERE id = " + std::to_string(run)), 2);
}

TEST(snapshot, new_and_changed_rows_are_written_and_count_as_seen) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_mixed");
  batch_writer writer(db);
  write_plain(writer, "s", reviews_named("r", 0, 4));
  std::vector<row> rows = {review("r0"), review("r1", "edited"), review("new")};
  auto out = run_snapshot(writer, "s", rows, {.fraction = 0.5});
  EXPECT_EQ(out.totals.inserted, 1);
  EXPECT_EQ(out.totals.updated, 1);
  EXPECT_EQ(out.result.seen, 3);
  EXPECT_EQ(out.result.live_before, 5);  // counted after the snapshot's own rows committed
  EXPECT_EQ(out.result.vanished, 2);
  EXPECT_EQ(deleted_ids(db, "s"), (std::set<std::string>{"r2", "r3"}));
}

TEST(snapshot, rows_that_come_back_are_live_again_even_with_identical_content) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_return");
  batch_writer writer(db);
  write_plain(writer, "s", reviews_named("r", 0, 10));
  auto first = run_snapshot(writer, "s", reviews_named("r", 0, 8));
  ASSERT_EQ(first.result.deleted, 2);
  ASSERT_EQ(deleted_ids(db, "s"), (std::set<std::string>{"r8", "r9"}));

  // r8 comes back in the next snapshot exactly as it was before the store marked it deleted:
  // the writer's hash check must not take it for unchanged.
  auto second = run_snapshot(writer, "s", reviews_named("r", 0, 9));
  EXPECT_EQ(second.result.deleted, 0);
  EXPECT_EQ(second.result.vanished, 0);
  EXPECT_EQ(second.totals.updated, 1);
  EXPECT_EQ(second.totals.inserted, 0);
  EXPECT_EQ(deleted_ids(db, "s"), std::set<std::string>{"r9"});

  // r9 comes back through an ordinary incremental write, also unchanged.
  auto incremental = write_plain(writer, "s", {review("r9")});
  EXPECT_EQ(incremental.updated, 1);
  EXPECT_TRUE(deleted_ids(db, "s").empty());

  // And once restored, it is unchanged again: a rerun writes nothing.
  auto rerun = run_snapshot(writer, "s", reviews_named("r", 0, 10));
  EXPECT_EQ(rerun.totals.updated, 0);
  EXPECT_EQ(rerun.result.deleted, 0);
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews WHERE content_hash = '\\x00'"), 0);
}

TEST(snapshot, valve_holds_on_an_empty_snapshot) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_empty");
  batch_writer writer(db);
  write_plain(writer, "s", reviews_named("r", 0, 10));
  auto out = run_snapshot(writer, "s", {}, {.fraction = 1.0, .cursor = "\"end\""});
  EXPECT_TRUE(out.result.suspicious);
  EXPECT_EQ(out.result.reason, "the snapshot was empty while 10 rows are live");
  EXPECT_EQ(out.result.seen, 0);
  EXPECT_EQ(out.result.live_before, 10);
  EXPECT_EQ(out.result.vanished, 10);
  EXPECT_EQ(out.result.deleted, 0);
  EXPECT_TRUE(out.totals.suspicious);
  EXPECT_EQ(out.totals.suspicious_reason, out.result.reason);
  EXPECT_EQ(out.totals.deleted, 0);
  EXPECT_TRUE(deleted_ids(db, "s").empty());
  EXPECT_EQ(seen_count(db), 0);
  // The walk did complete: its cursor is stored all the same.
  EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state WHERE source = 's'"),
            "\"end\"");

  // An empty snapshot of an empty table is simply empty.
  auto none = run_snapshot(writer, "nobody", {});
  EXPECT_FALSE(none.result.suspicious);
  EXPECT_EQ(none.result.live_before, 0);
  EXPECT_FALSE(none.totals.suspicious);
}

TEST(snapshot, valve_holds_when_too_much_would_vanish) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_truncated");
  batch_writer writer(db);
  write_plain(writer, "s", reviews_named("r", 0, 1000));
  auto out = run_snapshot(writer, "s", reviews_named("r", 0, 188), {.fraction = 0.5});
  EXPECT_TRUE(out.result.suspicious);
  EXPECT_EQ(out.result.reason, "would mark 812 of 1000 live rows deleted (81.2%, max 50%)");
  EXPECT_EQ(out.result.seen, 188);
  EXPECT_EQ(out.result.vanished, 812);
  EXPECT_EQ(out.result.deleted, 0);
  EXPECT_TRUE(out.totals.suspicious);
  EXPECT_EQ(out.totals.deleted, 0);
  EXPECT_TRUE(deleted_ids(db, "s").empty());
  EXPECT_EQ(seen_count(db), 0);
}

TEST(snapshot, exactly_the_maximum_fraction_may_vanish) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_boundary");
  batch_writer writer(db);
  struct step {
    std::string source;
    int live, kept;
    double fraction;
    bool suspicious;
  };
  // 0.58 * 50 is 28.999999999999996 in binary floating point: still exactly 29 rows allowed.
  for (const step& s : {step{"half", 10, 5, 0.5, false}, step{"half+1", 10, 4, 0.5, true},
                        step{"58%", 50, 21, 0.58, false}, step{"58%+1", 50, 20, 0.58, true},
                        step{"none", 4, 4, 0.0, false}, step{"none+1", 4, 3, 0.0, true},
                        step{"all", 4, 1, 1.0, false}}) {
    SCOPED_TRACE(s.source);
    write_plain(writer, s.source, reviews_named("r", 0, s.live));
    auto out =
        run_snapshot(writer, s.source, reviews_named("r", 0, s.kept), {.fraction = s.fraction});
    EXPECT_EQ(out.result.suspicious, s.suspicious) << out.result.reason;
    EXPECT_EQ(out.result.vanished, s.live - s.kept);
    EXPECT_EQ(out.result.deleted, s.suspicious ? 0 : s.live - s.kept);
    EXPECT_EQ(static_cast<int>(deleted_ids(db, s.source).size()),
              s.suspicious ? 0 : s.live - s.kept);
  }
}

TEST(snapshot, resumed_snapshot_keeps_what_the_interrupted_run_saw) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_resume");
  {
    batch_writer writer(db);
    write_plain(writer, "s", reviews_named("r", 0, 10));
    // The first half of a walk commits, then the process dies before completing it.
    run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
      auto sink = writer.open(ex, "s", "reviews", reviews, 0);
      co_await sink->begin_snapshot(false);
      for (auto& b : batches_of(reviews_named("r", 0, 5))) co_await sink->write(std::move(b));
      (void)co_await sink->flush();
    });
  }
  EXPECT_EQ(seen_ids(db, "s"), names("r", 0, 5));

  batch_writer writer(db);
  auto out = run_snapshot(writer, "s", reviews_named("r", 5, 8), {.fraction = 0.5, .resume = true});
  EXPECT_FALSE(out.result.suspicious) << out.result.reason;
  EXPECT_EQ(out.result.seen, 8);
  EXPECT_EQ(out.result.vanished, 2);
  EXPECT_EQ(deleted_ids(db, "s"), (std::set<std::string>{"r8", "r9"}));
  EXPECT_EQ(seen_count(db), 0);
}

TEST(snapshot, a_fresh_snapshot_forgets_an_abandoned_one) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_forget");
  batch_writer writer(db);
  write_plain(writer, "s", reviews_named("r", 0, 10));
  // Left behind by an abandoned walk: r0..r4 and an id that no longer exists anywhere.
  query(db,
        "INSERT INTO snapshot_seen SELECT 's', 'reviews', 'r' || i "
        "FROM generate_series(0, 4) i");
  query(db, "INSERT INTO snapshot_seen VALUES ('s', 'reviews', 'ghost')");
  auto out = run_snapshot(writer, "s", reviews_named("r", 5, 10), {.fraction = 0.5});
  EXPECT_EQ(out.result.seen, 5);
  EXPECT_EQ(out.result.vanished, 5);
  EXPECT_EQ(deleted_ids(db, "s"), names("r", 0, 5));
}

TEST(snapshot, ids_are_recorded_only_between_begin_and_complete) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_window");
  // Large commits: the writer would happily coalesce the batches around begin_snapshot.
  batch_writer writer(db, writer_options{.max_queued_rows = 10'000, .max_rows_per_commit = 10'000});
  write_plain(writer, "s", reviews_named("r", 0, 3));
  EXPECT_EQ(seen_count(db), 0);  // a sink without a snapshot records nothing

  run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, "s", "reviews", reviews, 0);
    {
      record_batch before{&reviews, {review("before")}, std::nullopt};
      co_await sink->write(std::move(before));
    }
    co_await sink->begin_snapshot(true);
    {
      record_batch during{&reviews, {review("r0"), review("during")}, std::nullopt};
      co_await sink->write(std::move(during));
    }
    (void)co_await sink->flush();
    EXPECT_EQ(seen_ids(db, "s"), (std::set<std::string>{"r0", "during"}));
    auto result = co_await sink->complete_snapshot(0.9);
    EXPECT_EQ(result.deleted, 3);  // before, r1, r2
    {
      record_batch after{&reviews, {review("after")}, std::nullopt};
      co_await sink->write(std::move(after));
    }
    auto totals = co_await sink->flush();
    EXPECT_EQ(totals.inserted, 3);
    EXPECT_EQ(totals.deleted, 3);
  });
  EXPECT_EQ(seen_count(db), 0);
  EXPECT_EQ(deleted_ids(db, "s"), (std::set<std::string>{"before", "r1", "r2"}));
}

TEST(snapshot, a_failed_batch_records_no_ids_and_the_snapshot_cannot_complete) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_failed");
  batch_writer writer(db);
  write_plain(writer, "s", reviews_named("r", 0, 6));
  row bad = review("r5");
  bad[reviews.index("rating")] = std::string("not a number");
  run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, "s", "reviews", reviews, 0);
    co_await sink->begin_snapshot(false);
    {
      record_batch good{&reviews, {review("r0"), review("r1")}, std::nullopt};
      co_await sink->write(std::move(good));
    }
    (void)co_await sink->flush();
    {
      record_batch failing{&reviews, {review("r2"), review("r3", "changed"), bad}, std::nullopt};
      co_await sink->write(std::move(failing));
    }
    bool failed = false;
    try {
      (void)co_await sink->flush();
    } catch (const error& e) {
      failed = e.kind() == error_kind::database;
    }
    EXPECT_TRUE(failed);
    bool refused = false;
    try {
      (void)co_await sink->complete_snapshot(1.0);
    } catch (const error& e) {
      refused = e.kind() == error_kind::database;
    }
    EXPECT_TRUE(refused);
  });
  // Rolled back with the rows: unchanged r2 is not remembered either.
  EXPECT_EQ(seen_ids(db, "s"), (std::set<std::string>{"r0", "r1"}));
  EXPECT_TRUE(deleted_ids(db, "s").empty());
  EXPECT_EQ(scalar<std::string>(db, "SELECT content FROM reviews WHERE external_id = 'r3'"),
            "great");

  // The next run resumes and finishes the walk.
  auto out = run_snapshot(writer, "s", reviews_named("r", 2, 5), {.fraction = 0.5, .resume = true});
  EXPECT_EQ(out.result.seen, 5);
  EXPECT_EQ(deleted_ids(db, "s"), std::set<std::string>{"r5"});
}

TEST(snapshot, completion_is_one_transaction_with_its_cursor) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_cursor");
  batch_writer writer(db);
  write_plain(writer, "s", reviews_named("r", 0, 4));

  auto done = run_snapshot(writer, "s", reviews_named("r", 0, 3),
                           {.cursor = R"({"walk": "done", "newest": "2024-05-01T00:00:00Z"})"});
  EXPECT_EQ(done.result.deleted, 1);
  EXPECT_TRUE(scalar<bool>(db, R"(SELECT cursor = '{"walk": "done",
                                                    "newest": "2024-05-01T00:00:00Z"}'
                                  FROM sync_state WHERE source = 's' AND stream = 'reviews')"));

  // A cursor the database refuses fails the completion; nothing of it may remain: no row marked
  // deleted, the ids still remembered (so the walk can be resumed and completed), the old cursor.
  write_plain(writer, "s", {review("r3")});
  bool failed = false;
  run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, "s", "reviews", reviews, 0);
    co_await sink->begin_snapshot(false);
    for (auto& b : batches_of(reviews_named("r", 0, 2))) co_await sink->write(std::move(b));
    try {
      (void)co_await sink->complete_snapshot(0.5, std::string("not json"));
    } catch (const error& e) {
      failed = e.kind() == error_kind::database;
      const std::string message = e.what();
      EXPECT_NE(message.find("cannot complete the snapshot of s/reviews"), std::string::npos)
          << message;
    }
  });
  EXPECT_TRUE(failed);
  EXPECT_TRUE(deleted_ids(db, "s").empty());
  EXPECT_EQ(seen_ids(db, "s"), names("r", 0, 2));
  EXPECT_TRUE(scalar<bool>(db, R"(SELECT cursor->>'walk' = 'done' FROM sync_state
                                  WHERE source = 's' AND stream = 'reviews')"));
}

TEST(snapshot, a_lost_connection_mid_snapshot_loses_no_ids) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_reconnect");
  batch_writer writer(db);
  write_plain(writer, "s", reviews_named("r", 0, 10));
  // What a server restart or pg_terminate_backend does to the writer, between commits.
  const auto kill_writer = [&] {
    EXPECT_EQ(scalar<int>(db,
                          "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                          "WHERE application_name = 'sluice-writer:t_store_snap_reconnect'"),
              1);
  };
  snapshot_result result;
  run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, "s", "reviews", reviews, 0);
    co_await sink->begin_snapshot(false);
    for (auto& b : batches_of(reviews_named("r", 0, 4))) co_await sink->write(std::move(b));
    (void)co_await sink->flush();
    kill_writer();  // the next commit (rows and ids) is repeated on a new connection
    for (auto& b : batches_of(reviews_named("r", 4, 8))) co_await sink->write(std::move(b));
    (void)co_await sink->flush();
    kill_writer();  // and so is the completion
    result = co_await sink->complete_snapshot(0.5);
  });
  EXPECT_EQ(result.seen, 8);
  EXPECT_EQ(result.deleted, 2);
  EXPECT_EQ(deleted_ids(db, "s"), (std::set<std::string>{"r8", "r9"}));
}

TEST(snapshot, complete_without_begin_is_a_programming_error) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_snap_nobegin");
  batch_writer writer(db);
  write_plain(writer, "s", reviews_named("r", 0, 2));
  query(db, "INSERT INTO snapshot_seen VALUES ('s', 'reviews', 'r0')");
  EXPECT_THROW(run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
                 auto sink = writer.open(ex, "s", "reviews", reviews, 0);
                 (void)co_await sink->complete_snapshot(1.0);
               }),
               std::logic_error);
  EXPECT_TRUE(deleted_ids(db, "s").empty());
}

}  // namespace
}  // namespace sluice::store
