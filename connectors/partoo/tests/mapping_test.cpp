#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "connectors/partoo/mapping.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "tests/connectors/test_support.hpp"

namespace sluice::connectors::partoo {
namespace {

using test::at;
using test::is_null;
using test::read_fixture;
using test::value_of;
using strings = std::vector<std::string>;

const table_def& reviews = tables::reviews;
const table_def& businesses = tables::businesses;
constexpr body_origin origin{"reviews-eu", "http://127.0.0.1:8080/v2/reviews?page=1"};

page<mapped_review> reviews_fixture(std::string_view name, run_counters& counters) {
  return read_reviews_page(read_fixture(name), "application/json", origin, counters);
}

std::string text(const row& r, std::string_view column) {
  return value_of<std::string>(r, reviews, column);
}

error mapping_failure(std::string_view review_json) {
  run_counters counters;
  try {
    map_review(boost::json::parse(review_json).as_object(), counters);
  } catch (const error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << review_json;
  return error(error_kind::network, "none");
}

TEST(PartooMapping, VendorExampleMapsEveryColumn) {
  run_counters counters;
  auto page = reviews_fixture("reviews_vendor_example.json", counters);
  EXPECT_EQ(page.max_page, 10);
  EXPECT_EQ(page.count, 287);
  ASSERT_EQ(page.records.size(), 1u);
  const auto& review = page.records[0];
  const row& r = review.values;
  ASSERT_EQ(r.size(), reviews.columns.size());

  EXPECT_EQ(review.id, "34");
  EXPECT_EQ(text(r, "external_id"), "34");
  EXPECT_EQ(text(r, "provider"), "partoo");
  EXPECT_EQ(text(r, "business_external_id"), "5409c35a97bbc544d8e26737");
  EXPECT_EQ(text(r, "platform"), "google");
  EXPECT_EQ(text(r, "author_name"), "Castorche");
  EXPECT_EQ(text(r, "rating"), "3");
  EXPECT_EQ(value_of<bool>(r, reviews, "recommended"), true);
  EXPECT_EQ(text(r, "title"), "<string>");
  EXPECT_EQ(text(r, "content").substr(0, 27), "Magasin un peu vieillot , m");
  EXPECT_EQ(text(r, "status"), "treated");
  EXPECT_EQ(text(r, "review_url"), "<string>");
  // comments is a single object in this version of the docs, and it is a reply suggestion
  // (is_reply_suggestion: true, written under the reviewer's own name): not a reply.
  EXPECT_TRUE(is_null(r, reviews, "reply_content"));
  EXPECT_TRUE(is_null(r, reviews, "reply_author"));
  EXPECT_TRUE(is_null(r, reviews, "reply_at"));
  EXPECT_EQ(value_of<strings>(r, reviews, "tags"), strings{"food"});
  // +02:00 offsets arrive; UTC instants are stored.
  EXPECT_EQ(value_of<timestamp>(r, reviews, "created_at"), at("2017-07-01T14:10:23.156Z"));
  EXPECT_EQ(value_of<timestamp>(r, reviews, "updated_at"), at("2017-08-01T17:15:54.256Z"));
  EXPECT_EQ(review.update_date, at("2017-08-01T17:15:54.256Z"));
  // "delete_date": "<string>" is a placeholder: NULL, one warning, raw keeps it.
  EXPECT_TRUE(is_null(r, reviews, "deleted_at"));
  EXPECT_EQ(counters.warnings, 1);
  EXPECT_NE(counters.first_warning.find("partoo review 34"), std::string::npos);
  EXPECT_NE(counters.first_warning.find(R"(delete_date "<string>")"), std::string::npos)
      << counters.first_warning;

  auto raw = boost::json::parse(text(r, "raw"));
  auto original = boost::json::parse(read_fixture("reviews_vendor_example.json"));
  EXPECT_EQ(raw, original.at("reviews").at(0));
  EXPECT_EQ(raw.at("delete_date"), "<string>");
}

TEST(PartooMapping, ArrayCommentsStringIdsAndOtherPartners) {
  run_counters counters;
  auto page = reviews_fixture("reviews_array_comments.json", counters);
  ASSERT_EQ(page.records.size(), 2u);
  EXPECT_EQ(counters.warnings, 0) << counters.first_warning;

  const row& first = page.records[0].values;
  EXPECT_EQ(text(first, "external_id"), "rev-7781");
  EXPECT_EQ(text(first, "platform"), "tripadvisor");  // lower-cased, otherwise as sent
  EXPECT_EQ(text(first, "rating"), "4.5");
  EXPECT_TRUE(is_null(first, reviews, "recommended"));
  // The first top-level comment, not a reply nested in it nor the second comment.
  EXPECT_EQ(text(first, "reply_content"), "Merci Jeanne !");
  EXPECT_EQ(text(first, "reply_author"), "Le gérant");
  EXPECT_EQ(value_of<timestamp>(first, reviews, "reply_at"), at("2021-03-03T08:00:00Z"));
  EXPECT_EQ(value_of<strings>(first, reviews, "tags"), (strings{"food", "service"}));
  EXPECT_EQ(value_of<timestamp>(first, reviews, "created_at"), at("2021-03-01T08:00:00Z"));
  // -01:00 offset and a one-digit fraction.
  EXPECT_EQ(value_of<timestamp>(first, reviews, "updated_at"), at("2021-03-03T00:30:00.500Z"));
  EXPECT_TRUE(is_null(first, reviews, "deleted_at"));

  const row& second = page.records[1].values;
  EXPECT_EQ(page.records[1].id, "7782");
  EXPECT_EQ(text(second, "external_id"), "7782");
  EXPECT_EQ(text(second, "platform"), "google");
  EXPECT_EQ(text(second, "rating"), "5");
  EXPECT_TRUE(is_null(second, reviews, "title"));
  EXPECT_TRUE(is_null(second, reviews, "content"));
  EXPECT_TRUE(is_null(second, reviews, "review_url"));
  EXPECT_TRUE(is_null(second, reviews, "reply_content"));  // comments: []
  EXPECT_TRUE(is_null(second, reviews, "reply_author"));
  EXPECT_TRUE(is_null(second, reviews, "reply_at"));
  EXPECT_EQ(value_of<strings>(second, reviews, "tags"), strings{});  // [] is not NULL
}

TEST(PartooMapping, DeletedReviews) {
  run_counters counters;
  auto page = reviews_fixture("reviews_deleted.json", counters);
  ASSERT_EQ(page.records.size(), 4u);
  EXPECT_EQ(counters.warnings, 0) << counters.first_warning;

  // state=deleted without delete_date: deleted at its update_date.
  const row& by_state = page.records[0].values;
  EXPECT_EQ(text(by_state, "status"), "deleted");
  EXPECT_EQ(value_of<timestamp>(by_state, reviews, "deleted_at"), at("2020-02-10T11:00:00Z"));

  // state decides: a review whose state is not `deleted` is live, even with a delete_date left
  // over (Google restores reviews; the stale date stays in raw).
  const row& stale = page.records[1].values;
  EXPECT_EQ(text(stale, "status"), "treated");
  EXPECT_TRUE(is_null(stale, reviews, "deleted_at"));
  EXPECT_TRUE(is_null(stale, reviews, "tags"));           // tags: null
  EXPECT_TRUE(is_null(stale, reviews, "reply_content"));  // comments: null

  // No state at all: the delete_date decides, and is the deletion's time.
  const row& stateless = page.records[2].values;
  EXPECT_TRUE(is_null(stateless, reviews, "status"));
  EXPECT_EQ(value_of<timestamp>(stateless, reviews, "deleted_at"), at("2020-02-12T09:00:00Z"));

  // A state beyond the documented enum is stored as sent, and is live.
  const row& newer = page.records[3].values;
  EXPECT_EQ(text(newer, "status"), "pending_auto_reply");
  EXPECT_TRUE(is_null(newer, reviews, "deleted_at"));
}

TEST(PartooMapping, StateDeletedUsesDeleteDateWhenItHasOne) {
  run_counters counters;
  auto review = map_review(boost::json::parse(R"({"id": 6, "update_date": "2020-01-02T00:00:00Z",
      "state": "deleted", "delete_date": "2020-01-01T12:00:00+01:00"})")
                               .as_object(),
                           counters);
  EXPECT_EQ(value_of<timestamp>(review.values, reviews, "deleted_at"), at("2020-01-01T11:00:00Z"));
}

// The reply is the business's answer: the first comment in thread order (a comment, then its
// nested replies) that is not a reply suggestion (is_reply_suggestion: true), not written under the
// review's own author name (the customer's comments), and has content.
TEST(PartooMapping, TheReplyIsTheBusinesssAnswerNotASuggestionNorACustomersComment) {
  run_counters counters;
  auto page = reviews_fixture("reviews_reply_threads.json", counters);
  ASSERT_EQ(page.records.size(), 6u);
  EXPECT_EQ(counters.warnings, 0) << counters.first_warning;
  auto reply = [&](std::size_t i) {
    const row& r = page.records[i].values;
    return is_null(r, reviews, "reply_content") ? std::string("<null>") : text(r, "reply_content");
  };
  EXPECT_EQ(reply(0), "Merci Léa, à bientôt.");  // after a suggestion
  EXPECT_EQ(text(page.records[0].values, "reply_author"), "Le gérant");
  EXPECT_EQ(reply(1), "Merci Marc.");  // after the customer's own comment
  EXPECT_EQ(text(page.records[1].values, "reply_author"), "L'équipe");
  EXPECT_EQ(reply(2), "<null>");  // only a suggestion (with the vendor's empty `{}` reply)
  EXPECT_TRUE(is_null(page.records[2].values, reviews, "reply_at"));
  EXPECT_EQ(reply(3), "<null>");                           // only the customer's comment
  EXPECT_EQ(reply(4), "Bonjour Hugo, désolés du délai.");  // answering the customer's comment
  EXPECT_EQ(reply(5), "<null>");  // a suggestion and the customer's comment
}

TEST(PartooMapping, FacebookRecommendationWithoutRating) {
  run_counters counters;
  auto page = reviews_fixture("reviews_facebook.json", counters);
  ASSERT_EQ(page.records.size(), 1u);
  const row& r = page.records[0].values;
  EXPECT_EQ(text(r, "platform"), "facebook");
  EXPECT_TRUE(is_null(r, reviews, "rating"));
  EXPECT_EQ(value_of<bool>(r, reviews, "recommended"), false);
  EXPECT_EQ(counters.warnings, 0) << counters.first_warning;
}

TEST(PartooMapping, RestoredReviewClearsDeletedAt) {
  run_counters counters;
  auto review = map_review(boost::json::parse(R"({"id": 5, "update_date": "2020-01-01T00:00:00Z",
                                                  "state": "not_treated", "delete_date": null})")
                               .as_object(),
                           counters);
  EXPECT_TRUE(is_null(review.values, reviews, "deleted_at"));
}

TEST(PartooMapping, UnusableFieldsWarnAndBecomeNull) {
  run_counters counters;
  auto review = map_review(boost::json::parse(R"({
      "id": 77, "update_date": "2020-01-01T00:00:00Z", "state": "deleted",
      "delete_date": "<string>", "rating": "<number>", "recommended": "yes", "title": 5,
      "business_id": 1.5, "date": "yesterday", "comments": 42, "tags": ["food", {"id": 1}]})")
                               .as_object(),
                           counters);
  const row& r = review.values;
  EXPECT_TRUE(is_null(r, reviews, "rating"));
  EXPECT_TRUE(is_null(r, reviews, "recommended"));
  EXPECT_TRUE(is_null(r, reviews, "title"));
  EXPECT_TRUE(is_null(r, reviews, "business_external_id"));
  EXPECT_TRUE(is_null(r, reviews, "created_at"));
  EXPECT_TRUE(is_null(r, reviews, "reply_content"));
  EXPECT_EQ(value_of<strings>(r, reviews, "tags"), strings{"food"});
  // An unparseable delete_date does not hide state=deleted: deleted at update_date.
  EXPECT_EQ(value_of<timestamp>(r, reviews, "deleted_at"), at("2020-01-01T00:00:00Z"));
  // delete_date, rating, recommended, title, business_id, date, comments, tags[1].
  EXPECT_EQ(counters.warnings, 8) << counters.first_warning;
  auto raw = boost::json::parse(text(r, "raw"));
  EXPECT_EQ(raw.at("rating"), "<number>");
}

TEST(PartooMapping, CommentNotAnObjectWarns) {
  run_counters counters;
  auto review = map_review(boost::json::parse(R"({"id": 1, "update_date": "2020-01-01T00:00:00Z",
                                                  "comments": ["thanks"]})")
                               .as_object(),
                           counters);
  EXPECT_TRUE(is_null(review.values, reviews, "reply_content"));
  EXPECT_EQ(counters.warnings, 1);
}

TEST(PartooMapping, ReviewWithoutUsableIdIsADataError) {
  for (auto json : {R"({"update_date": "2020-01-01T00:00:00Z"})",
                    R"({"id": null, "update_date": "2020-01-01T00:00:00Z"})",
                    R"({"id": "", "update_date": "2020-01-01T00:00:00Z"})",
                    R"({"id": 1.5, "update_date": "2020-01-01T00:00:00Z"})",
                    R"({"id": {"n": 1}, "update_date": "2020-01-01T00:00:00Z"})"}) {
    auto e = mapping_failure(json);
    EXPECT_EQ(e.kind(), error_kind::data) << json;
    EXPECT_NE(std::string(e.what()).find("without a usable id"), std::string::npos) << e.what();
  }
}

TEST(PartooMapping, ReviewWithoutUsableUpdateDateIsADataError) {
  for (auto json : {R"({"id": 34})", R"({"id": 34, "update_date": null})",
                    R"({"id": 34, "update_date": "<string>"})"}) {
    auto e = mapping_failure(json);
    EXPECT_EQ(e.kind(), error_kind::data) << json;
    EXPECT_NE(std::string(e.what()).find("partoo review 34: update_date"), std::string::npos)
        << e.what();
  }
}

TEST(PartooMapping, PageErrorsSayWhereTheRecordCameFrom) {
  run_counters counters;
  try {
    read_reviews_page(
        R"({"reviews": [{"id": 1, "update_date": "2020-01-01T00:00:00Z"}, {"id": 2}]})",
        "application/json", origin, counters);
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    std::string message = e.what();
    EXPECT_NE(message.find("source 'reviews-eu': http://127.0.0.1:8080/v2/reviews: reviews[1]"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find("page=1"), std::string::npos) << message;
  }
  EXPECT_THROW(read_reviews_page(R"({"reviews": [42]})", "application/json", origin, counters),
               error);
  EXPECT_THROW(read_reviews_page(R"({"page": 1})", "application/json", origin, counters), error);
}

TEST(PartooMapping, EmptyPage) {
  run_counters counters;
  auto page = read_reviews_page(R"({"page": 3, "max_page": 2, "count": 0, "reviews": []})",
                                "application/json", origin, counters);
  EXPECT_TRUE(page.records.empty());
  EXPECT_EQ(page.max_page, 2);
}

TEST(PartooMapping, BusinessWithUnixSeconds) {
  run_counters counters;
  auto page = read_businesses_page(read_fixture("businesses_unix.json"), "application/json", origin,
                                   counters);
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(counters.warnings, 0) << counters.first_warning;
  const auto& business = page.records[0];
  const row& r = business.values;
  ASSERT_EQ(r.size(), businesses.columns.size());
  EXPECT_EQ(business.id, "5409c35a97bbc544d8e26737");
  EXPECT_EQ(value_of<std::string>(r, businesses, "external_id"), "5409c35a97bbc544d8e26737");
  EXPECT_EQ(value_of<std::string>(r, businesses, "provider"), "partoo");
  EXPECT_EQ(value_of<std::string>(r, businesses, "name"), "Corner shop");
  EXPECT_TRUE(is_null(r, businesses, "platforms"));
  EXPECT_EQ(value_of<std::string>(r, businesses, "address"), "12 rue de Meaux");
  EXPECT_EQ(value_of<std::string>(r, businesses, "city"), "Paris");
  EXPECT_EQ(value_of<std::string>(r, businesses, "zipcode"), "75019");
  EXPECT_EQ(value_of<std::string>(r, businesses, "country"), "FR");
  EXPECT_EQ(value_of<std::string>(r, businesses, "status"), "open");
  EXPECT_TRUE(is_null(r, businesses, "deleted_at"));
  EXPECT_EQ(business.modified, at("2019-06-24T00:11:51.681374Z"));
  EXPECT_EQ(business.form, time_form::unix_seconds);
  auto raw = boost::json::parse(value_of<std::string>(r, businesses, "raw"));
  EXPECT_EQ(raw.at("created").to_number<double>(), 1409925979.5);
  EXPECT_EQ(raw.at("address_details").at("route"), "rue de Meaux");
}

TEST(PartooMapping, BusinessWithIsoStrings) {
  run_counters counters;
  auto page = read_businesses_page(read_fixture("businesses_iso.json"), "application/json", origin,
                                   counters);
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(counters.warnings, 0) << counters.first_warning;
  const auto& business = page.records[0];
  EXPECT_EQ(business.modified, at("2019-06-24T00:11:51.681374Z"));
  EXPECT_EQ(business.form, time_form::iso);
  EXPECT_EQ(value_of<std::string>(business.values, businesses, "status"), "closed");
  EXPECT_EQ(value_of<std::string>(business.values, businesses, "name"), "Le Bistrot");
}

TEST(PartooMapping, BusinessWithoutIdOrModifiedIsADataError) {
  run_counters counters;
  auto map = [&](std::string_view json) {
    return map_business(boost::json::parse(json).as_object(), counters);
  };
  EXPECT_THROW(map(R"({"modified": 1561335111.5})"), error);
  EXPECT_THROW(map(R"({"id": "b1"})"), error);
  EXPECT_THROW(map(R"({"id": "b1", "modified": "<number>"})"), error);
  try {
    map(R"({"id": "b1", "modified": null})");
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("partoo business b1: modified"), std::string::npos);
  }
  EXPECT_NO_THROW(map(R"({"id": "b1", "modified": 1561335111})"));
}

}  // namespace
}  // namespace sluice::connectors::partoo
