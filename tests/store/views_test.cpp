// The BI views over `reviews`: each must return exactly what a hand-written aggregate over the
// table returns, on data that exercises sources, providers, platforms, businesses, replies, NULLs,
// UTC day boundaries and deleted rows.
#include <string>
#include <vector>

#include "store_fixture.hpp"

namespace sluice::store {
namespace {

using namespace sluice::store::testing;

class views_test : public ::testing::Test {
protected:
  void SetUp() override {
    SLUICE_REQUIRE_DATABASE();
    db_ = migrated_schema(std::string("t_store_views_") +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name());
    // Columns: source, external_id, provider, business, platform, rating, reply, created_at,
    // deleted_at. Deleted rows carry replies and ratings that would change every figure.
    query(db_, R"SQL(
      INSERT INTO reviews (source, external_id, provider, business_external_id, platform, rating,
                           reply_content, created_at, deleted_at, content_hash) VALUES
        ('eu', '1',  'partoo',  'b1', 'google',   5,    'Thanks!', '2024-03-01 10:00Z',       NULL, '\x00'),
        ('eu', '2',  'partoo',  'b1', 'google',   4,    NULL,      '2024-03-01 23:59:59.9Z',  NULL, '\x00'),
        ('eu', '3',  'partoo',  'b1', 'google',   1,    'Sorry',   '2024-03-01 23:30-02',     NULL, '\x00'),
        ('eu', '4',  'partoo',  'b1', 'google',   NULL, NULL,      '2024-03-02 00:00Z',       NULL, '\x00'),
        ('eu', '5',  'partoo',  'b1', 'google',   2,    'Gone',    '2024-03-01 11:00Z',       '2024-04-01Z', '\x00'),
        ('eu', '6',  'partoo',  'b1', 'facebook', NULL, 'Merci',   '2024-03-01 12:00Z',       NULL, '\x00'),
        ('eu', '7',  'partoo',  'b2', 'google',   3.5,  NULL,      '2024-02-28 08:00Z',       NULL, '\x00'),
        ('eu', '8',  'partoo',  'b2', 'google',   4.25, '',        '2024-02-28 09:00Z',       NULL, '\x00'),
        ('eu', '9',  'partoo',  'b3', NULL,       4,    NULL,      NULL,                      NULL, '\x00'),
        ('eu', '10', 'partoo',  NULL, 'google',   5,    'Hi',      '2024-03-05 00:00Z',       NULL, '\x00'),
        ('us', '1',  'cloutly', 'b1', 'google',   2,    NULL,      '2024-03-01 10:00Z',       NULL, '\x00'),
        ('us', '2',  'cloutly', 'b1', 'yelp',     5,    'Yay',     '2024-03-01 10:00-08',     NULL, '\x00'),
        ('us', '3',  'cloutly', 'b1', 'yelp',     1,    NULL,      '2024-03-03 10:00Z',       '2024-03-04Z', '\x00'),
        ('us', '4',  'cloutly', 'b9', 'google',   NULL, NULL,      '2024-01-01 00:00Z',       NULL, '\x00'),
        ('gone', '1', 'cloutly', 'b1', 'google',  5,    'Bye',     '2024-03-01 10:00Z',       '2024-03-02Z', '\x00')
    )SQL");
    // b1 exists in two sources under different names (the join must respect the source); b2 was
    // deleted at the vendor (its name still labels its reviews); b3 and b9 were never synced.
    query(db_, R"SQL(
      INSERT INTO businesses (source, external_id, provider, name, deleted_at, content_hash) VALUES
        ('eu', 'b1', 'partoo',  'Chez Paul',     NULL,          '\x00'),
        ('eu', 'b2', 'partoo',  'Closed Bistro', '2024-03-10Z', '\x00'),
        ('us', 'b1', 'cloutly', 'Diner One',     NULL,          '\x00')
    )SQL");
  }

  void expect_same(const std::string& view_sql, const std::string& reference_sql) {
    const result_rows got = rows_of(db_, view_sql);
    const result_rows want = rows_of(db_, reference_sql);
    EXPECT_FALSE(want.empty());
    EXPECT_EQ(got, want);
  }

  database_options db_;
};

TEST_F(views_test, review_daily_stats_matches_a_hand_written_aggregate) {
  expect_same(
      "SELECT day, source, provider, platform, business_external_id, reviews, rated_reviews, "
      "round(average_rating, 12), replied_reviews FROM review_daily_stats ORDER BY 1, 2, 3, 4, 5",
      "SELECT date_trunc('day', created_at AT TIME ZONE 'UTC')::date, source, provider, platform, "
      "business_external_id, count(*), sum(CASE WHEN rating IS NULL THEN 0 ELSE 1 END), "
      "round(sum(rating) / nullif(sum(CASE WHEN rating IS NULL THEN 0 ELSE 1 END), 0), 12), "
      "sum(CASE WHEN reply_content IS NULL THEN 0 ELSE 1 END) "
      "FROM reviews WHERE deleted_at IS NULL AND created_at IS NOT NULL "
      "GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5");
  // Known values for eu/b1/google: reviews 1 and 2 on 2024-03-01 (UTC); 3 (23:30-02 is 01:30Z)
  // and 4 on the 2nd; 5 is deleted.
  EXPECT_EQ(rows_of(db_,
                    "SELECT day::text, reviews, rated_reviews, average_rating::text, "
                    "replied_reviews FROM review_daily_stats WHERE source = 'eu' AND "
                    "business_external_id = 'b1' AND platform = 'google' ORDER BY day"),
            (result_rows{{"2024-03-01", "2", "2", "4.5000000000000000", "1"},
                         {"2024-03-02", "2", "1", "1.00000000000000000000", "1"}}));
}

TEST_F(views_test, review_reply_share_matches_a_hand_written_aggregate) {
  expect_same(
      "SELECT source, provider, platform, business_external_id, reviews, replied_reviews, "
      "round(reply_share, 12) FROM review_reply_share ORDER BY 1, 2, 3, 4",
      "SELECT source, provider, platform, business_external_id, count(*), "
      "sum((reply_content IS NOT NULL)::int), "
      "round(avg(CASE WHEN reply_content IS NULL THEN 0.0 ELSE 1.0 END), 12) "
      "FROM reviews WHERE deleted_at IS NULL GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4");
  EXPECT_EQ(rows_of(db_,
                    "SELECT platform, business_external_id, reviews, replied_reviews, "
                    "round(reply_share, 4)::text FROM review_reply_share WHERE source = 'eu' "
                    "ORDER BY 1, 2"),
            (result_rows{{"facebook", "b1", "1", "1", "1.0000"},
                         {"google", "b1", "4", "2", "0.5000"},
                         {"google", "b2", "2", "1", "0.5000"},  // an empty reply is a reply
                         {"google", "<NULL>", "1", "1", "1.0000"},
                         {"<NULL>", "b3", "1", "0", "0.0000"}}));
  // Every live review is counted once, and only live ones.
  EXPECT_EQ(scalar<int>(db_, "SELECT sum(reviews) FROM review_reply_share"),
            scalar<int>(db_, "SELECT count(*) FROM reviews WHERE deleted_at IS NULL"));
  EXPECT_EQ(scalar<int>(db_, "SELECT count(*) FROM review_reply_share WHERE source = 'gone'"), 0);
}

TEST_F(views_test, review_business_stats_matches_a_hand_written_aggregate) {
  expect_same(
      "SELECT source, provider, business_external_id, business_name, reviews, rated_reviews, "
      "round(average_rating, 12), replied_reviews, round(reply_share, 12), first_review_at, "
      "last_review_at FROM review_business_stats ORDER BY 1, 2, 3",
      "SELECT r.source, r.provider, r.business_external_id, "
      "(SELECT b.name FROM businesses b WHERE b.source = r.source AND "
      "b.external_id = r.business_external_id), count(*), count(r.rating), "
      "round(avg(r.rating), 12), count(r.reply_content), "
      "round(count(r.reply_content)::numeric / count(*), 12), min(r.created_at), "
      "max(r.created_at) FROM reviews r WHERE r.deleted_at IS NULL "
      "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
  EXPECT_EQ(
      rows_of(db_,
              "SELECT source, business_external_id, business_name, reviews, "
              "round(average_rating, 2)::text, round(reply_share, 2)::text, "
              "last_review_at::text FROM review_business_stats ORDER BY 1, 2"),
      (result_rows{{"eu", "b1", "Chez Paul", "5", "3.33", "0.60", "2024-03-02 01:30:00+00"},
                   {"eu", "b2", "Closed Bistro", "2", "3.88", "0.50", "2024-02-28 09:00:00+00"},
                   {"eu", "b3", "<NULL>", "1", "4.00", "0.00", "<NULL>"},
                   {"eu", "<NULL>", "<NULL>", "1", "5.00", "1.00", "2024-03-05 00:00:00+00"},
                   {"us", "b1", "Diner One", "2", "3.50", "0.50", "2024-03-01 18:00:00+00"},
                   {"us", "b9", "<NULL>", "1", "<NULL>", "0.00", "2024-01-01 00:00:00+00"}}));
}

TEST_F(views_test, views_follow_deletions_and_restorations) {
  const auto live_b1 = [&] {
    return scalar<int>(db_,
                       "SELECT reviews FROM review_business_stats WHERE source = 'eu' AND "
                       "business_external_id = 'b1'");
  };
  EXPECT_EQ(live_b1(), 5);
  query(db_, "UPDATE reviews SET deleted_at = now() WHERE source = 'eu' AND external_id = '1'");
  EXPECT_EQ(live_b1(), 4);
  query(db_,
        "UPDATE reviews SET deleted_at = NULL WHERE source = 'eu' AND "
        "external_id IN ('1', '5')");
  EXPECT_EQ(live_b1(), 6);
}

}  // namespace
}  // namespace sluice::store
