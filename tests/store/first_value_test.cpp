// Columns that keep their first non-NULL value (store/first_value.hpp): CloudApp's trashed_at when
// the trash listing gives no time. The value a run sends changes every run; the row must not.
#include <map>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <gtest/gtest.h>

#include "connectors/review_tables.hpp"
#include "connectors/cloudapp/tables.hpp"
#include "connectors/clevertim/tables.hpp"
#include "store/batch_writer.hpp"
#include "store/copy_encoder.hpp"
#include "store/first_value.hpp"
#include "tests/store/store_fixture.hpp"

// (libpq leak suppressions for ASan builds are declared once, in batch_writer_test.cpp.)

namespace sluice::store {
namespace {

using namespace sluice::store::testing;
namespace asio = boost::asio;

const table_def& items = tables::cloudapp_items;

timestamp at(std::string_view iso) { return *parse_timestamp(iso); }

row item(const std::string& id, std::optional<timestamp> trashed_at, std::int64_t views = 7) {
  row r = make_row(items);
  r[items.index("external_id")] = id;
  r[items.index("name")] = std::string("shot.png");
  r[items.index("view_counter")] = views;
  r[items.index("raw")] = std::string(R"({"href":"http://my.cl.ly/items/)" + id + R"("})");
  if (trashed_at) r[items.index("trashed_at")] = *trashed_at;
  return r;
}

write_totals write(batch_writer& writer, std::vector<row> rows) {
  return run_coroutine([&](asio::any_io_executor ex) -> asio::awaitable<write_totals> {
    auto sink = writer.open(ex, "shots", "items", items, 0);
    // Named: GCC 12 destroys a braced temporary passed to a coroutine inside co_await twice.
    record_batch batch{&items, std::move(rows), std::nullopt};
    co_await sink->write(std::move(batch));
    co_return co_await sink->flush();
  });
}

std::string trashed_at(const database_options& db, const std::string& id) {
  auto r = query(db,
                 "SELECT coalesce(to_char(trashed_at AT TIME ZONE 'UTC', "
                 "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') FROM cloudapp_items "
                 "WHERE external_id = '" +
                     id + "'");
  return r.at(0).at(0).as<std::string>();
}

std::map<std::string, std::string> xmins(const database_options& db) {
  std::map<std::string, std::string> out;
  for (const auto& r :
       query(db, "SELECT external_id, xmin::text || '/' || xmax::text FROM cloudapp_items"))
    out[r[0].as<std::string>()] = r[1].as<std::string>();
  return out;
}

// The hash is what the writer compares; the line's other cells must still carry the value.
std::string line_hash(const row& r) {
  std::string line;
  append_copy_row(line, "s\t", items, r);
  return line.substr(line.size() - 33, 32);
}

TEST(first_value, only_cloudapp_trashed_at_keeps_its_first_value) {
  EXPECT_TRUE(keeps_first_value(items, "trashed_at"));
  EXPECT_FALSE(keeps_first_value(items, "updated_at"));
  EXPECT_FALSE(keeps_first_value(tables::reviews, "trashed_at"));
  EXPECT_TRUE(has_first_value_columns(items));
  EXPECT_FALSE(has_first_value_columns(tables::reviews));
  EXPECT_FALSE(has_first_value_columns(tables::crm_tasks));
}

TEST(first_value, the_hash_sees_whether_the_value_is_set_not_which_it_is) {
  EXPECT_EQ(line_hash(item("1", at("2024-01-01T00:00:00Z"))),
            line_hash(item("1", at("2024-02-02T00:00:00Z"))));
  EXPECT_NE(line_hash(item("1", at("2024-01-01T00:00:00Z"))), line_hash(item("1", std::nullopt)));
  // Every other column still counts.
  EXPECT_NE(line_hash(item("1", at("2024-01-01T00:00:00Z"), 7)),
            line_hash(item("1", at("2024-01-01T00:00:00Z"), 8)));
  // And the line carries the value itself to the database.
  std::string line;
  append_copy_row(line, "s\t", items, item("1", at("2024-02-02T03:04:05Z")));
  EXPECT_NE(line.find("2024-02-02 03:04:05.000000+00"), std::string::npos) << line;
}

TEST(first_value, a_later_run_neither_changes_nor_touches_the_row) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_first_value_stable");
  batch_writer writer(db);
  auto first = write(writer, {item("1", at("2024-01-01T10:00:00Z")), item("2", std::nullopt)});
  EXPECT_EQ(first.inserted, 2);
  auto before = xmins(db);

  // The next run saw item 1 in the trash again, at its own "now".
  auto second = write(writer, {item("1", at("2024-01-02T10:00:00Z")), item("2", std::nullopt)});
  EXPECT_EQ(second.inserted, 0);
  EXPECT_EQ(second.updated, 0);
  EXPECT_EQ(xmins(db), before);  // not rewritten, not even locked
  EXPECT_EQ(trashed_at(db, "1"), "2024-01-01T10:00:00Z");
}

TEST(first_value, a_changed_row_keeps_the_stored_value_and_null_clears_it) {
  SLUICE_REQUIRE_DATABASE();
  auto db = migrated_schema("t_store_first_value_merge");
  batch_writer writer(db);
  write(writer, {item("1", at("2024-01-01T10:00:00Z")), item("2", std::nullopt)});

  // Item 1 changed otherwise (views) while in the trash: its first trash time stays. Item 2 went
  // to the trash: it gets the time it was first seen there.
  auto changed = write(
      writer, {item("1", at("2024-01-03T10:00:00Z"), 99), item("2", at("2024-01-03T10:00:00Z"))});
  EXPECT_EQ(changed.updated, 2);
  EXPECT_EQ(trashed_at(db, "1"), "2024-01-01T10:00:00Z");
  EXPECT_EQ(
      scalar<std::int64_t>(db, "SELECT view_counter FROM cloudapp_items WHERE external_id = '1'"),
      99);
  EXPECT_EQ(trashed_at(db, "2"), "2024-01-03T10:00:00Z");

  // Restored: NULL clears it. Trashed again later: a new first sighting.
  write(writer, {item("1", std::nullopt, 99)});
  EXPECT_EQ(trashed_at(db, "1"), "");
  write(writer, {item("1", at("2024-01-05T10:00:00Z"), 99)});
  EXPECT_EQ(trashed_at(db, "1"), "2024-01-05T10:00:00Z");
}

}  // namespace
}  // namespace sluice::store
