// The CloudApp paging rule as a pure state machine: live pages until an empty page, then trash
// pages until an empty page; short pages never end a listing; a server ignoring `page` or never
// ending is stopped; everything from the trash listing is trashed.
#include <gtest/gtest.h>

#include "connectors/cloudapp/walk.hpp"
#include "core/error.hpp"
#include "connectors/cloudapp/tables.hpp"

namespace sluice::connectors::cloudapp {
namespace {

using params = net::query_params;

// When the walk's run read the trash: the trashed_at of trash items that give no time.
const timestamp seen =
    std::chrono::sys_days{std::chrono::year{2024} / 5 / 6} + std::chrono::hours{7};

// n items with ids first, first+1, ...; each row carries its id in external_id.
std::vector<mapped_item> page_of(int first, int n) {
  std::vector<mapped_item> out;
  for (int i = first; i < first + n; ++i) {
    auto values = make_row(tables::cloudapp_items);
    values[0] = std::to_string(i);
    out.push_back({std::move(values), std::to_string(i)});
  }
  return out;
}

TEST(CloudappWalk, QueriesAskForOneHundredPerPage) {
  EXPECT_EQ(items_query(listing::live, 1), (params{{"page", "1"}, {"per_page", "100"}}));
  EXPECT_EQ(items_query(listing::trash, 7),
            (params{{"deleted", "true"}, {"page", "7"}, {"per_page", "100"}}));
}

TEST(CloudappWalk, LivePagesUntilEmptyThenTrashPagesUntilEmpty) {
  items_walk walk(seen);
  EXPECT_FALSE(walk.done());
  EXPECT_EQ(walk.current(), listing::live);
  EXPECT_EQ(walk.query(), items_query(listing::live, 1));

  auto first = walk.on_page(page_of(1, 100));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->table, &tables::cloudapp_items);
  EXPECT_EQ(first->rows.size(), 100u);
  EXPECT_EQ(first->cursor_after, std::nullopt);  // a snapshot has no cursor
  EXPECT_EQ(walk.query(), items_query(listing::live, 2));

  ASSERT_TRUE(walk.on_page(page_of(101, 100)));
  EXPECT_EQ(walk.query(), items_query(listing::live, 3));
  EXPECT_FALSE(walk.on_page({}));  // the live listing's end: nothing to write
  EXPECT_FALSE(walk.done());
  EXPECT_EQ(walk.current(), listing::trash);
  EXPECT_EQ(walk.query(), items_query(listing::trash, 1));

  auto trash = walk.on_page(page_of(900, 3));
  ASSERT_TRUE(trash);
  EXPECT_EQ(trash->rows.size(), 3u);
  EXPECT_EQ(std::get<std::string>(trash->rows[2][0]), "902");
  EXPECT_EQ(walk.query(), items_query(listing::trash, 2));
  EXPECT_FALSE(walk.on_page({}));
  EXPECT_TRUE(walk.done());
  EXPECT_EQ(walk.pages_read(), 5);
  EXPECT_EQ(walk.items_read(), 203);
  EXPECT_THROW(walk.on_page(page_of(1, 1)), error);  // nothing is asked after the end
}

TEST(CloudappWalk, ShortPagesDoNotEndAListing) {
  // A server capping per_page at 30, or at anything: only an empty page ends a listing.
  items_walk walk(seen);
  for (int page = 1; page <= 4; ++page) {
    ASSERT_TRUE(walk.on_page(page_of(page * 1000, page == 2 ? 1 : 30)));
    EXPECT_EQ(walk.current(), listing::live);
    EXPECT_EQ(walk.page(), page + 1);
  }
  walk.on_page({});
  ASSERT_TRUE(walk.on_page(page_of(5000, 1)));
  EXPECT_EQ(walk.current(), listing::trash);
  EXPECT_FALSE(walk.done());
  walk.on_page({});
  EXPECT_TRUE(walk.done());
}

TEST(CloudappWalk, EmptyAccountTakesTwoEmptyPages) {
  items_walk walk(seen);
  EXPECT_FALSE(walk.on_page({}));
  EXPECT_FALSE(walk.done());
  EXPECT_FALSE(walk.on_page({}));
  EXPECT_TRUE(walk.done());
  EXPECT_EQ(walk.pages_read(), 2);
  EXPECT_EQ(walk.items_read(), 0);
}

TEST(CloudappWalk, APageRepeatingThePreviousOneIsADataError) {
  items_walk walk(seen);
  walk.on_page(page_of(1, 5));
  try {
    walk.on_page(page_of(1, 5));
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("live page 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("ignores `page`"), std::string::npos) << e.what();
  }
}

TEST(CloudappWalk, RepeatsAreCheckedWithinTheTrashListingToo) {
  items_walk walk(seen);
  walk.on_page(page_of(1, 5));
  walk.on_page({});
  // The trash's first page may hold what the live listing's last page held (all trashed
  // meanwhile): the listings are compared separately.
  EXPECT_TRUE(walk.on_page(page_of(1, 5)));
  EXPECT_THROW(walk.on_page(page_of(1, 5)), error);
}

TEST(CloudappWalk, OverlappingButDifferentPagesAreFine) {
  // An upload during the walk pushes one item from page 1 onto page 2: re-read, not an error.
  items_walk walk(seen);
  walk.on_page(page_of(1, 5));
  EXPECT_TRUE(walk.on_page(page_of(5, 5)));
}

TEST(CloudappWalk, AListingBeyondThePageLimitIsADataError) {
  items_walk walk(seen, 3);  // at most 3 requests per listing: two pages of items and the empty one
  walk.on_page(page_of(1, 1));
  walk.on_page(page_of(2, 1));
  try {
    walk.on_page(page_of(3, 1));
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("page 3"), std::string::npos) << e.what();
  }

  items_walk fits(seen, 3);
  fits.on_page(page_of(1, 1));
  fits.on_page(page_of(2, 1));
  fits.on_page({});
  fits.on_page(page_of(3, 1));  // the trash listing counts its own pages
  fits.on_page(page_of(4, 1));
  fits.on_page({});
  EXPECT_TRUE(fits.done());
}

cell trashed_at(const row& r) { return r[tables::cloudapp_items.index("trashed_at")]; }

TEST(CloudappWalk, EverythingFromTheTrashListingIsTrashed) {
  items_walk walk(seen);
  auto live = page_of(1, 2);
  ASSERT_TRUE(walk.on_page(std::move(live)));
  walk.on_page({});
  auto trash = page_of(10, 2);
  const timestamp given = seen - std::chrono::hours{240};
  trash[0].values[tables::cloudapp_items.index("trashed_at")] = given;  // the API's deleted_at
  auto batch = walk.on_page(std::move(trash));
  ASSERT_TRUE(batch);
  EXPECT_EQ(trashed_at(batch->rows[0]), cell{given});  // the API's own time wins
  EXPECT_EQ(trashed_at(batch->rows[1]), cell{seen});   // no time given: when this run saw it
}

TEST(CloudappWalk, LiveItemsAreNeverMarkedTrashed) {
  items_walk walk(seen);
  auto batch = walk.on_page(page_of(1, 3));
  ASSERT_TRUE(batch);
  for (const auto& r : batch->rows) EXPECT_EQ(trashed_at(r), cell{}) << std::get<std::string>(r[0]);
}

TEST(CloudappWalk, TheDefaultLimitIsOneHundredThousandPages) {
  EXPECT_EQ(max_pages, 100'000);
  items_walk walk(seen);
  for (int page = 1; page < max_pages; ++page) walk.on_page(page_of(page, 1));
  EXPECT_EQ(walk.page(), max_pages);
  EXPECT_THROW(walk.on_page(page_of(0, 1)), error);
}

}  // namespace
}  // namespace sluice::connectors::cloudapp
