#include "store/batch_writer.hpp"

#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "connectors/review_tables.hpp"
#include "connectors/cloudapp/tables.hpp"
#include "core/time.hpp"
#include "store/state.hpp"
#include "store_fixture.hpp"

// libpqxx 6.4 leaves one PGresult unfreed when it finds its connection broken (see
// reconnects_after_losing_its_connection); LeakSanitizer builds read this hook.
extern "C" const char* __lsan_default_suppressions() { return "leak:libpq.so\n"; }

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
namespace asio = boost::asio;

const table_def& reviews = tables::reviews;

timestamp at(std::string_view iso) { return *parse_timestamp(iso); }

row review(const std::string& id, const std::string& content = "great",
           std::optional<timestamp> deleted_at = std::nullopt) {
  row r = make_row(reviews);
  r[reviews.index("external_id")] = id;
  r[reviews.index("provider")] = std::string("partoo");
  r[reviews.index("platform")] = std::string("google");
  r[reviews.index("rating")] = std::string("4.5");
  r[reviews.index("content")] = content;
  r[reviews.index("tags")] = std::vector<std::string>{"a", "b"};
  r[reviews.index("created_at")] = at("2024-01-02T03:04:05.123456Z");
  r[reviews.index("raw")] = std::string(R"({"id":")" + id + R"(","content":")" + content + "\"}");
  if (deleted_at) r[reviews.index("deleted_at")] = *deleted_at;
  return r;
}

record_batch batch_of(std::vector<row> rows, std::optional<std::string> cursor = std::nullopt) {
  record_batch b;
  b.table = &reviews;
  b.rows = std::move(rows);
  b.cursor_after = std::move(cursor);
  return b;
}

// Writes `batches` through one sink and returns its flushed totals.
write_totals write_all(batch_writer& writer, const std::string& source,
                       std::vector<record_batch> batches, const table_def& table = reviews,
                       std::int64_t run_id = 0) {
  return run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<write_totals> {
    auto sink = writer.open(ex, source, "reviews", table, run_id);
    for (auto& b : batches) co_await sink->write(std::move(b));
    co_return co_await sink->flush();
  });
}

struct row_version {
  std::string xmin, xmax, synced_at, first_synced_at;
  bool operator==(const row_version&) const = default;
};

std::map<std::string, row_version> versions(const database_options& db) {
  std::map<std::string, row_version> out;
  for (const auto& r : query(db,
                             "SELECT external_id, xmin::text, xmax::text, synced_at::text, "
                             "first_synced_at::text FROM reviews"))
    out[r[0].as<std::string>()] = {r[1].as<std::string>(), r[2].as<std::string>(),
                                   r[3].as<std::string>(), r[4].as<std::string>()};
  return out;
}

// long function: one row per cell type and edge value, written and read back.
TEST(batch_writer, round_trips_every_cell_type_exactly) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_types");
  batch_writer writer(db);

  const std::string tricky =
      "tab\there\nnewline\r\\back\\slash \"quoted\" 'single' été 日本 \xF0\x9F\x98\x80 \\N";
  const std::vector<std::string> tags{
      "plain",   "",     "a,b",      "{braces}",          "say \"hi\"",
      "c:\\dir", "NULL", " spaced ", "tab\tand\nnewline", "ünï"};
  const std::string raw =
      R"({"text":"line\nbreak \"q\" \\ tab\t","n":1.50,"nested":{"a":[1,null,true]},"u":"\u00e9"})";
  row r = make_row(reviews);
  r[reviews.index("external_id")] = std::string("id\twith\\odd chars");
  r[reviews.index("provider")] = std::string("cloutly");
  r[reviews.index("business_external_id")] = std::string();  // empty, not NULL
  r[reviews.index("author_name")] = tricky;
  r[reviews.index("rating")] = std::string("4.25");
  r[reviews.index("recommended")] = false;
  r[reviews.index("reply_at")] = at("1999-12-31T23:59:59.999999+01:00");
  r[reviews.index("tags")] = tags;
  r[reviews.index("created_at")] = at("2024-02-29T12:00:00Z");
  r[reviews.index("raw")] = raw;
  r[reviews.index("deleted_at")] = at("1960-06-01T00:00:00.000001Z");  // before the epoch
  row empty = make_row(reviews);  // NULL in every nullable column, an empty text[]
  empty[reviews.index("external_id")] = std::string("empty");
  empty[reviews.index("tags")] = std::vector<std::string>{};

  const table_def& items = tables::cloudapp_items;
  row item = make_row(items);
  item[items.index("external_id")] = std::string("42");
  item[items.index("view_counter")] = std::int64_t{9'007'199'254'740'993};
  item[items.index("private")] = true;
  record_batch item_batch;
  item_batch.table = &items;
  item_batch.rows.push_back(item);

  auto totals = write_all(writer, "src one", {batch_of({r, empty})});
  EXPECT_EQ(totals.records, 2);
  EXPECT_EQ(totals.inserted, 2);
  EXPECT_EQ(totals.updated, 0);
  EXPECT_EQ(totals.deleted, 1);
  auto item_totals = write_all(writer, "src one", {std::move(item_batch)}, items);
  EXPECT_EQ(item_totals.inserted, 1);

  auto c = inspect(db);
  pqxx::nontransaction tx(*c);
  auto got = tx.exec_params1(
      "SELECT source, provider, business_external_id, author_name, rating::text, recommended, "
      "(extract(epoch FROM reply_at) * 1000000)::bigint, created_at::text, raw = $2::jsonb, "
      "(extract(epoch FROM deleted_at) * 1000000)::bigint, platform IS NULL, title IS NULL, "
      "cardinality(tags), octet_length(content_hash) "
      "FROM reviews WHERE external_id = $1",
      std::string("id\twith\\odd chars"), raw);
  EXPECT_EQ(got[0].as<std::string>(), "src one");
  EXPECT_EQ(got[1].as<std::string>(), "cloutly");
  EXPECT_FALSE(got[2].is_null());
  EXPECT_EQ(got[2].as<std::string>(), "");
  EXPECT_EQ(got[3].as<std::string>(), tricky);
  EXPECT_EQ(got[4].as<std::string>(), "4.25");
  EXPECT_FALSE(got[5].as<bool>());
  EXPECT_EQ(got[6].as<std::int64_t>(),
            at("1999-12-31T22:59:59.999999Z").time_since_epoch().count());
  EXPECT_EQ(got[7].as<std::string>(), "2024-02-29 12:00:00+00");
  EXPECT_TRUE(got[8].as<bool>());
  EXPECT_EQ(got[9].as<std::int64_t>(),
            at("1960-06-01T00:00:00.000001Z").time_since_epoch().count());
  EXPECT_TRUE(got[10].as<bool>());
  EXPECT_TRUE(got[11].as<bool>());
  EXPECT_EQ(got[12].as<int>(), static_cast<int>(tags.size()));
  EXPECT_EQ(got[13].as<int>(), 16);

  std::vector<std::string> got_tags;
  for (const auto& e : tx.exec_params("SELECT e FROM reviews, unnest(tags) WITH ORDINALITY AS "
                                      "x(e, n) WHERE external_id = $1 ORDER BY n",
                                      std::string("id\twith\\odd chars")))
    got_tags.push_back(e[0].as<std::string>());
  EXPECT_EQ(got_tags, tags);

  auto nulls = tx.exec1(
      "SELECT provider IS NULL AND rating IS NULL AND recommended IS NULL AND raw IS NULL AND "
      "deleted_at IS NULL AND created_at IS NULL, cardinality(tags) FROM reviews "
      "WHERE external_id = 'empty'");
  EXPECT_TRUE(nulls[0].as<bool>());
  EXPECT_EQ(nulls[1].as<int>(), 0);

  auto item_row =
      tx.exec1("SELECT view_counter, private FROM cloudapp_items WHERE external_id = '42'");
  EXPECT_EQ(item_row[0].as<std::int64_t>(), 9'007'199'254'740'993);
  EXPECT_TRUE(item_row[1].as<bool>());
}

TEST(batch_writer, rerun_of_identical_rows_touches_nothing) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_rerun");
  batch_writer writer(db);
  std::vector<row> rows;
  for (int i = 0; i < 500; ++i) rows.push_back(review("r" + std::to_string(i)));

  auto first = write_all(writer, "s", {batch_of(rows)});
  EXPECT_EQ(first.inserted, 500);
  auto before = versions(db);
  ASSERT_EQ(before.size(), 500u);

  auto second = write_all(writer, "s", {batch_of(rows)});
  EXPECT_EQ(second.records, 500);
  EXPECT_EQ(second.inserted, 0);
  EXPECT_EQ(second.updated, 0);
  EXPECT_EQ(second.deleted, 0);
  // Same xmin: not rewritten. Same xmax: not even locked (a lock would set xmax).
  EXPECT_EQ(versions(db), before);
}

TEST(batch_writer, changed_rows_are_updated_and_keep_first_synced_at) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_update");
  batch_writer writer(db);
  write_all(writer, "s", {batch_of({review("a"), review("b"), review("c")})});
  auto before = versions(db);

  auto totals =
      write_all(writer, "s", {batch_of({review("a"), review("b", "edited"), review("d")})});
  EXPECT_EQ(totals.inserted, 1);
  EXPECT_EQ(totals.updated, 1);
  auto after = versions(db);
  EXPECT_EQ(after["a"], before["a"]);
  EXPECT_EQ(after["c"], before["c"]);
  EXPECT_NE(after["b"].xmin, before["b"].xmin);
  EXPECT_GT(after["b"].synced_at, before["b"].synced_at);
  EXPECT_EQ(after["b"].first_synced_at, before["b"].first_synced_at);
  EXPECT_EQ(scalar<std::string>(db, "SELECT content FROM reviews WHERE external_id = 'b'"),
            "edited");
}

TEST(batch_writer, counts_rows_newly_marked_deleted) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_deleted");
  batch_writer writer(db);
  const timestamp gone = at("2024-05-01T00:00:00Z");
  auto first =
      write_all(writer, "s", {batch_of({review("live"), review("born-deleted", "x", gone)})});
  EXPECT_EQ(first.inserted, 2);
  EXPECT_EQ(first.deleted, 1);

  auto second = write_all(
      writer, "s",
      {batch_of({review("live", "great", gone), review("born-deleted", "changed", gone)})});
  EXPECT_EQ(second.updated, 2);
  EXPECT_EQ(second.deleted, 1);  // only "live" went from NULL to deleted

  auto restored = write_all(writer, "s", {batch_of({review("live")})});
  EXPECT_EQ(restored.updated, 1);
  EXPECT_EQ(restored.deleted, 0);
  EXPECT_TRUE(
      scalar<bool>(db, "SELECT deleted_at IS NULL FROM reviews WHERE external_id = 'live'"));
}

TEST(batch_writer, duplicate_keys_in_one_commit_last_wins) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_dupes");
  batch_writer writer(db, writer_options{.max_queued_rows = 1000, .max_rows_per_commit = 1000});
  // Within one batch, and across two batches that the writer coalesces into one commit.
  auto totals = write_all(writer, "s",
                          {batch_of({review("x", "first"), review("y"), review("x", "second")}),
                           batch_of({review("y", "y-last")})});
  EXPECT_EQ(totals.records, 4);
  EXPECT_EQ(totals.inserted, 2);
  EXPECT_LE(totals.updated, 1);  // 1 if the writer took the second batch as a commit of its own
  EXPECT_EQ(scalar<std::string>(db, "SELECT content FROM reviews WHERE external_id = 'x'"),
            "second");
  EXPECT_EQ(scalar<std::string>(db, "SELECT content FROM reviews WHERE external_id = 'y'"),
            "y-last");
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews"), 2);
}

TEST(batch_writer, cursor_commits_with_its_batch) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_cursor");
  batch_writer writer(db);
  write_all(writer, "s",
            {batch_of({review("a")}, R"({"update_date": "2024-01-01T00:00:00Z"})"),
             batch_of({review("b")}, R"({"update_date": "2024-02-01T00:00:00Z"})")});
  EXPECT_TRUE(scalar<bool>(db, R"(SELECT cursor = '{"update_date": "2024-02-01T00:00:00Z"}'::jsonb
                                  FROM sync_state WHERE source = 's' AND stream = 'reviews')"));
  // A batch without rows still moves the cursor (a page that only confirmed old data).
  write_all(writer, "s", {batch_of({}, R"({"update_date": "2024-03-01T00:00:00Z"})")});
  EXPECT_TRUE(scalar<bool>(db, R"(SELECT cursor = '{"update_date": "2024-03-01T00:00:00Z"}'::jsonb
                                  FROM sync_state WHERE source = 's' AND stream = 'reviews')"));
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews"), 2);
}

// A sink whose commit fails, a healthy sink beside it, and the next run of the failed stream.
asio::awaitable<void> failure_scenario(batch_writer& writer, asio::any_io_executor ex) {
  row bad = review("bad");
  bad[reviews.index("rating")] = std::string("abc");
  auto failing = writer.open(ex, "failing", "reviews", reviews, 0);
  auto healthy = writer.open(ex, "healthy", "reviews", reviews, 0);
  {
    auto batch = batch_of({review("ok-1")}, R"("c1")");
    co_await failing->write(std::move(batch));
  }
  (void)co_await failing->flush();
  {
    auto batch = batch_of({review("ok-2"), bad}, R"("c2")");
    co_await failing->write(std::move(batch));
  }
  {
    auto batch = batch_of({review("h-1")}, R"("h1")");
    co_await healthy->write(std::move(batch));
  }
  // Queued behind the failing batch: must be discarded, its cursor must not commit.
  try {
    auto batch = batch_of({review("ok-3")}, R"("c3")");
    co_await failing->write(std::move(batch));
  } catch (const error&) {
    // Already failed: also acceptable, the point is that c3 never commits.
  }
  try {
    (void)co_await failing->flush();
    ADD_FAILURE() << "flush did not report the failed commit";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::database);
    const std::string message = e.what();
    EXPECT_NE(message.find("numeric"), std::string::npos) << message;
    // The record and the column are named; the value (customer data) is not shown.
    EXPECT_NE(message.find("record 'bad', column rating"), std::string::npos) << message;
    EXPECT_EQ(message.find("abc"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  // The failure sticks to this sink.
  bool rethrown = false;
  try {
    auto batch = batch_of({review("ok-4")}, R"("c4")");
    co_await failing->write(std::move(batch));
  } catch (const error& e) {
    rethrown = e.kind() == error_kind::database;
  }
  EXPECT_TRUE(rethrown);
  auto healthy_totals = co_await healthy->flush();
  EXPECT_EQ(healthy_totals.inserted, 1);

  // A new sink (the next run) works again.
  auto next = writer.open(ex, "failing", "reviews", reviews, 0);
  {
    auto batch = batch_of({review("ok-5")}, R"("c5")");
    co_await next->write(std::move(batch));
  }
  auto next_totals = co_await next->flush();
  EXPECT_EQ(next_totals.inserted, 1);
}

TEST(batch_writer, failing_batch_rolls_back_rows_and_cursor_and_spares_other_sinks) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_failure");
  batch_writer writer(db, writer_options{.max_queued_rows = 1000, .max_rows_per_commit = 1});
  run_coroutine([&](asio::any_io_executor ex) { return failure_scenario(writer, ex); });

  auto ids = query(db,
                   "SELECT string_agg(source || ':' || external_id, ',' ORDER BY source, "
                   "external_id) FROM reviews")[0][0]
                 .as<std::string>();
  EXPECT_EQ(ids, "failing:ok-1,failing:ok-5,healthy:h-1");
  EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state WHERE source = 'failing'"),
            "\"c5\"");
  EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state WHERE source = 'healthy'"),
            "\"h1\"");
}

TEST(batch_writer, key_inserted_by_another_process_meanwhile_is_merged_not_lost) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_race");
  batch_writer writer(db);
  // Another writer inserts "k" and has not committed yet: our lookup cannot see it, so our COPY
  // of "k" as a new row must wait for it, fail with a unique violation once it commits, and the
  // commit must then be redone through the upsert.
  auto other = inspect(db);
  pqxx::work blocker(*other);
  blocker.exec(
      "INSERT INTO reviews (source, external_id, content, content_hash) "
      "VALUES ('s', 'k', 'theirs', '\\x00')");
  write_totals totals;
  std::thread commit([&] {
    totals = write_all(writer, "s", {batch_of({review("k", "ours"), review("n")})});
  });
  bool waited = false;
  for (int i = 0; i < 600 && !waited; ++i) {
    waited = scalar<int>(db,
                         "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                         "'Lock' AND query LIKE 'COPY %t_store_writer_race%'") > 0;
    if (!waited) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  blocker.commit();
  commit.join();
  EXPECT_TRUE(waited) << "the writer never blocked on the concurrent insert";
  EXPECT_EQ(totals.inserted, 1);
  EXPECT_EQ(totals.updated, 1);
  EXPECT_EQ(scalar<std::string>(db, "SELECT content FROM reviews WHERE external_id = 'k'"), "ours");
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews"), 2);
}

TEST(batch_writer, reconnects_after_losing_its_connection) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_reconnect");
  batch_writer writer(db);
  EXPECT_EQ(write_all(writer, "s", {batch_of({review("a")})}).inserted, 1);
  // What a server restart or an administrator's pg_terminate_backend does to the writer.
  EXPECT_EQ(scalar<int>(db,
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE application_name = 'sluice-writer:t_store_writer_reconnect'"),
            1);
  auto totals = write_all(writer, "s", {batch_of({review("b")}, "\"after\"")});
  EXPECT_EQ(totals.inserted, 1);
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews"), 2);
  EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state"), "\"after\"");
}

TEST(batch_writer, back_pressure_still_delivers_every_row) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_pressure");
  batch_writer writer(db, writer_options{.max_queued_rows = 3, .max_rows_per_commit = 4});
  constexpr int batches = 60;
  auto totals = run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<write_totals> {
    // Two sinks interleaving on one writer, each blocked by the other's rows too.
    auto a = writer.open(ex, "a", "reviews", reviews, 0);
    auto b = writer.open(ex, "b", "reviews", reviews, 0);
    for (int i = 0; i < batches; ++i) {
      const std::string n = std::to_string(i);
      {
        auto batch = batch_of({review("a" + n + "-1"), review("a" + n + "-2")}, "\"" + n + "\"");
        co_await a->write(std::move(batch));
      }
      {
        auto batch = batch_of({review("b" + n)});
        co_await b->write(std::move(batch));
      }
    }
    auto ta = co_await a->flush();
    auto tb = co_await b->flush();
    EXPECT_EQ(tb.inserted, batches);
    co_return ta;
  });
  EXPECT_EQ(totals.records, 2 * batches);
  EXPECT_EQ(totals.inserted, 2 * batches);
  EXPECT_EQ(scalar<int>(db, "SELECT count(*) FROM reviews"), 3 * batches);
  EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state WHERE source = 'a'"),
            "\"" + std::to_string(batches - 1) + "\"");
}

TEST(batch_writer, stop_commits_a_consistent_prefix_and_cancels_the_rest) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_stop");
  batch_writer writer(db, writer_options{.max_queued_rows = 100'000, .max_rows_per_commit = 1});
  constexpr int batches = 300;
  std::optional<error_kind> flush_error;
  run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer.open(ex, "s", "reviews", reviews, 0);
    for (int i = 0; i < batches; ++i) {
      auto batch = batch_of({review(std::to_string(i))}, std::to_string(i));
      co_await sink->write(std::move(batch));
    }
    writer.stop();  // blocks until the commit in flight is done
    try {
      (void)co_await sink->flush();
    } catch (const error& e) {
      flush_error = e.kind();
    }
    bool cancelled = false;
    try {
      auto batch = batch_of({review("late")});
      co_await sink->write(std::move(batch));
    } catch (const error& e) {
      cancelled = e.kind() == error_kind::cancelled || e.kind() == flush_error;
    }
    EXPECT_TRUE(cancelled);
  });
  const int committed = scalar<int>(db, "SELECT count(*) FROM reviews");
  if (committed < batches) {
    EXPECT_EQ(flush_error, error_kind::cancelled);
  }
  // Whatever got in is a prefix of the batches, and the cursor is that of its last batch.
  if (committed > 0) {
    EXPECT_EQ(scalar<int>(db, "SELECT max(external_id::int) FROM reviews"), committed - 1);
    EXPECT_EQ(scalar<std::string>(db, "SELECT cursor::text FROM sync_state"),
              std::to_string(committed - 1));
  }
}

TEST(batch_writer, sink_outliving_its_writer_fails_as_cancelled) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_outlive");
  auto writer = std::make_unique<batch_writer>(db);
  run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<void> {
    auto sink = writer->open(ex, "s", "reviews", reviews, 0);
    writer.reset();
    bool cancelled = false;
    try {
      auto batch = batch_of({review("a")});
      co_await sink->write(std::move(batch));
    } catch (const error& e) {
      cancelled = e.kind() == error_kind::cancelled;
    }
    EXPECT_TRUE(cancelled);
  });
}

TEST(batch_writer, rejects_rows_of_the_wrong_width) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_width");
  batch_writer writer(db);
  EXPECT_THROW(write_all(writer, "s", {batch_of({row(3)})}), error);
}

TEST(batch_writer, records_progress_on_the_run) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_progress");
  state st(db);
  const std::int64_t run = st.begin_run("s", "reviews", "incremental");
  batch_writer writer(db);
  write_all(writer, "s", {batch_of({review("a"), review("b")})}, reviews, run);
  auto r = query(
      db, "SELECT records, inserted, status FROM sync_runs WHERE id = " + std::to_string(run));
  EXPECT_EQ(r[0][0].as<int>(), 2);
  EXPECT_EQ(r[0][1].as<int>(), 2);
  EXPECT_EQ(r[0][2].as<std::string>(), "running");
}

// The requests made until a batch was written land with its commit: a run in flight shows them.
TEST(batch_writer, records_the_runs_requests_so_far_with_each_commit) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_requests");
  state st(db);
  const std::int64_t run = st.begin_run("s", "reviews", "incremental");
  batch_writer writer(db);
  run_counters counters;
  sink_options options;
  options.source = "s";
  options.stream = "reviews";
  options.table = &reviews;
  options.run_id = run;
  options.counters = &counters;
  auto write_one = [&](record_batch batch) {
    run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<write_totals> {
      auto sink = writer.open(ex, options);
      co_await sink->write(std::move(batch));
      co_return co_await sink->flush();
    });
    return query(db, "SELECT requests FROM sync_runs WHERE id = " + std::to_string(run))[0][0]
        .as<int>();
  };
  counters.requests = 3;
  EXPECT_EQ(write_one(batch_of({review("a")})), 3);
  counters.requests = 7;
  EXPECT_EQ(write_one(batch_of({review("b")})), 7);
}

TEST(batch_writer, reports_each_commit_with_its_rows_and_duration) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_on_commit");
  std::mutex mutex;
  std::vector<commit_report> reports;
  writer_options options{.max_queued_rows = 1000, .max_rows_per_commit = 2};
  options.on_commit = [&](const commit_report& r) {
    std::lock_guard lock(mutex);
    reports.push_back(r);
  };
  batch_writer writer(db, options);
  write_all(writer, "s",
            {batch_of({review("a"), review("b")}, "\"1\""),
             batch_of({review("c"), review("d")}, "\"2\"")});
  write_all(writer, "s", {batch_of({review("a", "changed"), review("b")})});
  row bad = review("bad");
  bad[reviews.index("rating")] = std::string("abc");
  EXPECT_THROW(write_all(writer, "s", {batch_of({bad})}), error);

  std::lock_guard lock(mutex);
  ASSERT_EQ(reports.size(), 3u);  // the failed batch committed nothing, so it is not reported
  std::int64_t records = 0, inserted = 0;
  for (const auto& r : reports) {
    EXPECT_EQ(r.source, "s");
    EXPECT_EQ(r.stream, "reviews");
    EXPECT_EQ(r.records, 2);
    EXPECT_GT(r.seconds, 0.0);
    records += r.records;
    inserted += r.inserted;
  }
  EXPECT_EQ(records, 6);
  EXPECT_EQ(inserted, 4);
  EXPECT_EQ(reports[2].inserted, 0);
  EXPECT_EQ(reports[2].updated, 1);
}

// Pages that arrive one at a time, as from a walk the writer keeps up with, share one commit
// instead of a commit each; the flush at the end of the run ends the wait at once.
TEST(batch_writer, pages_arriving_one_by_one_share_a_commit) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_writer_linger");
  std::mutex mutex;
  std::vector<commit_report> reports;
  writer_options options;
  options.commit_linger = std::chrono::seconds(30);
  options.on_commit = [&](const commit_report& r) {
    std::lock_guard lock(mutex);
    reports.push_back(r);
  };
  batch_writer writer(db, options);
  const auto began = std::chrono::steady_clock::now();
  const write_totals totals =
      run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<write_totals> {
        auto sink = writer.open(ex, "s", "reviews", reviews, 0);
        for (int page = 0; page < 10; ++page) {
          // Built before the co_await: GCC 12 cannot keep a string literal's temporary in the
          // frame.
          const std::string id = std::to_string(page);
          const std::string cursor = '"' + id + '"';
          record_batch page_batch = batch_of({review("a" + id), review("b" + id)}, cursor);
          co_await sink->write(std::move(page_batch));
          asio::steady_timer pause(ex, std::chrono::milliseconds(20));
          co_await pause.async_wait(asio::use_awaitable);
        }
        co_return co_await sink->flush();
      });
  EXPECT_EQ(totals.inserted, 20);
  // Far below the linger: the flush did not wait it out.
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::seconds(30));
  std::lock_guard lock(mutex);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].records, 20);
  EXPECT_EQ(rows_of(db, "SELECT cursor::text FROM sync_state"), (result_rows{{"\"9\""}}));
}

TEST(batch_writer, unreachable_database_fails_in_the_constructor) {
  try {
    batch_writer writer(database_options{"postgresql://u:pw-9f8e7d@127.0.0.1:1/x", "s"});
    FAIL() << "connected";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::database);
    EXPECT_EQ(std::string(e.what()).find("pw-9f8e7d"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sluice::store
