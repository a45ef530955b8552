#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <iterator>

#include "connectors/cloutly/mapping.hpp"
#include "core/error.hpp"
#include "connectors/review_tables.hpp"
#include "tests/connectors/test_support.hpp"

namespace sluice::connectors::cloutly {
namespace {

using test::at;
using test::is_null;
using test::value_of;
using strings = std::vector<std::string>;

const table_def& reviews = tables::reviews;
const table_def& businesses = tables::businesses;
constexpr body_origin origin{"cloutly-main",
                             "https://app.cloutly.com/api/v1/reviews?limit=100&offset=0"};

std::string fixture(std::string_view name) {
  std::string path = std::string(SLUICE_FIXTURES_DIR) + "/cloutly/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

reviews_page reviews_fixture(std::string_view name, run_counters& counters) {
  return read_reviews_page(fixture(name), "application/json; charset=utf-8", origin, counters);
}

std::string text(const row& r, std::string_view column) {
  return value_of<std::string>(r, reviews, column);
}

std::string business_text(const row& r, std::string_view column) {
  return value_of<std::string>(r, businesses, column);
}

error review_failure(std::string_view review_json) {
  run_counters counters;
  try {
    map_review(boost::json::parse(review_json).as_object(), counters);
  } catch (const error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << review_json;
  return error(error_kind::network, "none");
}

TEST(CloutlyMapping, VendorExampleMapsEveryColumn) {
  run_counters counters;
  auto page = reviews_fixture("reviews_vendor_example.json", counters);
  EXPECT_EQ(page.total, 30);
  ASSERT_EQ(page.records.size(), 1u);
  const auto& review = page.records[0];
  const row& r = review.values;
  ASSERT_EQ(r.size(), reviews.columns.size());

  EXPECT_EQ(review.id, "cbd42728-9c56-4485-813c-4c85d1e64cf4");
  EXPECT_EQ(review.created_at, at("2021-02-03T00:00:00Z"));
  EXPECT_EQ(text(r, "external_id"), "cbd42728-9c56-4485-813c-4c85d1e64cf4");
  EXPECT_EQ(text(r, "provider"), "cloutly");
  EXPECT_EQ(text(r, "business_external_id"), "634d8ed1-11fd-413d-a9a6-d6b8ba0c95a5");
  EXPECT_EQ(text(r, "platform"), "trustpilot");
  EXPECT_EQ(text(r, "author_name"), "Tim Crowel");
  EXPECT_EQ(text(r, "rating"), "5");  // the string "5" as numeric text
  EXPECT_TRUE(is_null(r, reviews, "recommended"));
  EXPECT_TRUE(is_null(r, reviews, "title"));
  EXPECT_EQ(text(r, "content").substr(0, 37), "Fantastic. Couldn't be more satisfied");
  EXPECT_EQ(text(r, "status"), "Responded");
  EXPECT_EQ(text(r, "review_url"), "https://example.com/url/to/review/source");
  EXPECT_EQ(text(r, "reply_content").substr(0, 40), "Thank you for the wonderful feedback Tim");
  EXPECT_EQ(text(r, "reply_author"), "My Business");
  EXPECT_EQ(value_of<timestamp>(r, reviews, "reply_at"), at("2021-02-04T00:00:00Z"));
  EXPECT_TRUE(is_null(r, reviews, "tags"));
  EXPECT_EQ(value_of<timestamp>(r, reviews, "created_at"), at("2021-02-03T00:00:00Z"));
  EXPECT_EQ(value_of<timestamp>(r, reviews, "updated_at"), at("2021-03-01T00:02:21.739Z"));
  EXPECT_FALSE(value_of<bool>(r, reviews, "archived"));  // isArchived: false
  EXPECT_TRUE(is_null(r, reviews, "deleted_at"));
  EXPECT_EQ(counters.warnings, 0) << counters.first_warning;

  // raw is the whole object, fields sluice has no column for included.
  auto raw = boost::json::parse(text(r, "raw"));
  auto original = boost::json::parse(fixture("reviews_vendor_example.json"));
  EXPECT_EQ(raw, original.at("reviews").at(0));
  EXPECT_EQ(raw.at("sourceFeedbackId"), "601a81b4679d9705c86295eb");
  EXPECT_EQ(raw.at("videoRef"), "/uploads/xxx/xxx.mp4");
}

TEST(CloutlyMapping, NumericRatingsNameFallbackNullResponseAndUnknownFields) {
  run_counters counters;
  auto page = reviews_fixture("reviews_variants.json", counters);
  EXPECT_EQ(page.total, 4);  // a numeric string counts too
  ASSERT_EQ(page.records.size(), 4u);

  const row& first = page.records[0].values;
  EXPECT_EQ(text(first, "author_name"), "Jeanne D.");  // authorName null: falls back to name
  EXPECT_EQ(text(first, "rating"), "4");               // a number is accepted as well
  EXPECT_EQ(text(first, "platform"), "google");        // lower-cased
  EXPECT_EQ(text(first, "status"), "New");
  EXPECT_TRUE(is_null(first, reviews, "content"));
  EXPECT_TRUE(is_null(first, reviews, "review_url"));
  EXPECT_TRUE(is_null(first, reviews, "reply_content"));  // response: null
  EXPECT_TRUE(is_null(first, reviews, "reply_author"));
  EXPECT_TRUE(is_null(first, reviews, "reply_at"));
  EXPECT_TRUE(is_null(first, reviews, "tags"));  // an unknown `tags` field is not Cloutly's
  EXPECT_EQ(value_of<timestamp>(first, reviews, "created_at"), at("2021-03-02T09:15:00.125Z"));
  auto raw = boost::json::parse(text(first, "raw"));
  EXPECT_EQ(raw.at("sentiment").at("label"), "positive");  // unknown fields are kept
  EXPECT_EQ(raw.at("tags").at(0), "ignored: Cloutly documents no tags");

  const row& second = page.records[1].values;
  EXPECT_EQ(text(second, "author_name"), "Max");
  EXPECT_EQ(text(second, "rating"), "4.5");
  EXPECT_EQ(text(second, "platform"), "facebook");
  EXPECT_EQ(text(second, "reply_content"), "Merci !");
  EXPECT_TRUE(is_null(second, reviews, "reply_author"));
  EXPECT_TRUE(is_null(second, reviews, "reply_at"));
  EXPECT_TRUE(is_null(second, reviews, "updated_at"));
  // An offset is converted to UTC; the walk sees the same instant.
  EXPECT_EQ(value_of<timestamp>(second, reviews, "created_at"), at("2021-03-01T22:00:00Z"));
  EXPECT_EQ(page.records[1].created_at, at("2021-03-01T22:00:00Z"));
}

TEST(CloutlyMapping, IsArchivedIsTheArchivedColumn) {
  // An archived review is still a review (on its platform and in Cloutly): it stays a live row,
  // flagged, and the BI views count it apart.
  auto map = [](std::string_view extra, run_counters& counters) {
    return map_review(boost::json::parse(R"({"id":"a1","createdAt":"2021-02-03T00:00:00.000Z")" +
                                         std::string(extra) + "}")
                          .as_object(),
                      counters);
  };
  run_counters counters;
  auto archived = map(R"(,"isArchived":true)", counters);
  EXPECT_TRUE(value_of<bool>(archived.values, reviews, "archived"));
  EXPECT_TRUE(is_null(archived.values, reviews, "deleted_at"));
  EXPECT_FALSE(value_of<bool>(map(R"(,"isArchived":false)", counters).values, reviews, "archived"));
  // Absent or null: unknown, not "not archived" (fields are mostly nullable).
  EXPECT_TRUE(is_null(map("", counters).values, reviews, "archived"));
  EXPECT_TRUE(is_null(map(R"(,"isArchived":null)", counters).values, reviews, "archived"));
  EXPECT_EQ(counters.warnings, 0);
  // Not a boolean: NULL with a warning, raw keeps it.
  auto odd = map(R"(,"isArchived":"yes")", counters);
  EXPECT_TRUE(is_null(odd.values, reviews, "archived"));
  EXPECT_EQ(counters.warnings, 1);
}

TEST(CloutlyMapping, UnusableFieldsAreNullWithAWarningAndRawKeepsThem) {
  run_counters counters;
  auto page = reviews_fixture("reviews_variants.json", counters);
  ASSERT_EQ(page.records.size(), 4u);

  // Review 3: rating "five", updatedAt "<string>", reply date "someday"; businessId 42 is an id.
  const row& odd = page.records[2].values;
  EXPECT_EQ(text(odd, "business_external_id"), "42");
  EXPECT_TRUE(is_null(odd, reviews, "rating"));
  EXPECT_TRUE(is_null(odd, reviews, "updated_at"));
  EXPECT_EQ(text(odd, "reply_content"), "Thanks");
  EXPECT_EQ(text(odd, "reply_author"), "Owner");
  EXPECT_TRUE(is_null(odd, reviews, "reply_at"));
  auto raw = boost::json::parse(text(odd, "raw"));
  EXPECT_EQ(raw.at("rating"), "five");
  EXPECT_EQ(raw.at("updatedAt"), "<string>");
  // The first warning names the review, the field and the value.
  EXPECT_NE(counters.first_warning.find("cloutly review 9a1f0c3e-0000-4000-8000-000000000003"),
            std::string::npos)
      << counters.first_warning;
  EXPECT_NE(counters.first_warning.find(R"(rating "five")"), std::string::npos)
      << counters.first_warning;

  // Review 4: rating "", source 7, response "not an object"; nothing else is present.
  const row& sparse = page.records[3].values;
  EXPECT_TRUE(is_null(sparse, reviews, "rating"));
  EXPECT_TRUE(is_null(sparse, reviews, "platform"));
  EXPECT_TRUE(is_null(sparse, reviews, "reply_content"));
  EXPECT_TRUE(is_null(sparse, reviews, "author_name"));
  EXPECT_TRUE(is_null(sparse, reviews, "business_external_id"));
  EXPECT_EQ(text(sparse, "provider"), "cloutly");
  EXPECT_EQ(value_of<timestamp>(sparse, reviews, "created_at"), at("2021-03-01T09:00:00Z"));

  // 3 warnings for review 3, 3 for review 4, and none for reviews 1 and 2.
  EXPECT_EQ(counters.warnings, 6) << counters.first_warning;
}

TEST(CloutlyMapping, MissingCreatedAtFailsThePageNamingTheRecord) {
  run_counters counters;
  try {
    reviews_fixture("reviews_missing_created_at.json", counters);
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    std::string message = e.what();
    EXPECT_NE(message.find("cloutly-main"), std::string::npos) << message;
    EXPECT_NE(message.find("reviews[1]"), std::string::npos) << message;
    EXPECT_NE(message.find("no-created-at"), std::string::npos) << message;
    EXPECT_NE(message.find("createdAt absent"), std::string::npos) << message;
    EXPECT_EQ(message.find("offset=0"), std::string::npos) << "query leaked: " << message;
  }
}

TEST(CloutlyMapping, UnparseableCreatedAtOrIdIsADataError) {
  for (auto json : {R"({"id": "a", "createdAt": "<string>"})", R"({"id": "a", "createdAt": null})",
                    R"({"id": "a", "createdAt": true})", R"({"createdAt": "2021-03-01T09:00:00Z"})",
                    R"({"id": "", "createdAt": "2021-03-01T09:00:00Z"})",
                    R"({"id": null, "createdAt": "2021-03-01T09:00:00Z"})"}) {
    EXPECT_EQ(review_failure(json).kind(), error_kind::data) << json;
  }
  auto e = review_failure(R"({"id": "a", "createdAt": "<string>"})");
  EXPECT_NE(std::string(e.what()).find(R"(createdAt "<string>")"), std::string::npos) << e.what();
}

TEST(CloutlyMapping, RatingForms) {
  auto rating_of = [](std::string_view value, std::int64_t expected_warnings) {
    run_counters counters;
    std::string json =
        R"({"id": "a", "createdAt": "2021-03-01T09:00:00Z", "rating": )" + std::string(value) + "}";
    auto review = map_review(boost::json::parse(json).as_object(), counters);
    EXPECT_EQ(counters.warnings, expected_warnings) << value;
    const auto& c = review.values.at(reviews.index("rating"));
    return std::holds_alternative<std::string>(c) ? std::get<std::string>(c) : "<null>";
  };
  EXPECT_EQ(rating_of(R"("5")", 0), "5");
  EXPECT_EQ(rating_of(R"("3.5")", 0), "3.5");
  EXPECT_EQ(rating_of("2", 0), "2");
  EXPECT_EQ(rating_of("4.5", 0), "4.5");
  EXPECT_EQ(rating_of("null", 0), "<null>");
  EXPECT_EQ(rating_of(R"("5 stars")", 1), "<null>");
  EXPECT_EQ(rating_of(R"("")", 1), "<null>");
  EXPECT_EQ(rating_of("[5]", 1), "<null>");
}

TEST(CloutlyMapping, NotAListOrNotAnObjectIsADataError) {
  run_counters counters;
  EXPECT_THROW(read_reviews_page(R"({"total": 1})", "application/json", origin, counters), error);
  EXPECT_THROW(read_reviews_page(R"({"reviews": {}})", "application/json", origin, counters),
               error);
  EXPECT_THROW(read_reviews_page(R"([])", "application/json", origin, counters), error);
  EXPECT_THROW(read_reviews_page(R"({"reviews": [1]})", "application/json", origin, counters),
               error);
  EXPECT_THROW(read_reviews_page("<html></html>", "text/html", origin, counters), error);
  // Without `total` the page still reads; the walk relies on an empty page then.
  auto page = read_reviews_page(R"({"reviews": []})", "application/json", origin, counters);
  EXPECT_EQ(page.total, std::nullopt);
  EXPECT_TRUE(page.records.empty());
}

// ---- businesses

constexpr body_origin businesses_origin{"cloutly-main",
                                        "https://app.cloutly.com/api/v1/businesses"};

TEST(CloutlyMapping, VendorBusinessExample) {
  run_counters counters;
  auto rows = read_businesses(fixture("businesses_vendor_example.json"), "application/json",
                              businesses_origin, counters);
  ASSERT_EQ(rows.size(), 1u);
  const row& b = rows[0];
  ASSERT_EQ(b.size(), businesses.columns.size());
  EXPECT_EQ(business_text(b, "external_id"), "5ef7b45b-2fd2-4719-88fd-96ef62f9d4a4");
  EXPECT_EQ(business_text(b, "provider"), "cloutly");
  EXPECT_EQ(business_text(b, "name"), "My Business");
  EXPECT_EQ(value_of<strings>(b, businesses, "platforms"), (strings{"google", "facebook"}));
  for (auto column : {"address", "city", "zipcode", "country", "status", "deleted_at"})
    EXPECT_TRUE(is_null(b, businesses, column)) << column;
  auto raw = boost::json::parse(business_text(b, "raw"));
  EXPECT_EQ(raw, boost::json::parse(fixture("businesses_vendor_example.json")).at(0));
  EXPECT_EQ(counters.warnings, 0) << counters.first_warning;
}

TEST(CloutlyMapping, BusinessLocationsFlatOrNested) {
  run_counters counters;
  auto rows = read_businesses(fixture("businesses_with_locations.json"), "application/json",
                              businesses_origin, counters);
  ASSERT_EQ(rows.size(), 3u);

  const row& flat = rows[0];
  EXPECT_EQ(value_of<strings>(flat, businesses, "platforms"), (strings{"google", "trustpilot"}));
  EXPECT_EQ(business_text(flat, "address"), "1 Main Street");
  EXPECT_EQ(business_text(flat, "city"), "Dublin");
  EXPECT_EQ(business_text(flat, "zipcode"), "D01 F5P2");
  EXPECT_EQ(business_text(flat, "country"), "IE");
  EXPECT_EQ(business_text(flat, "status"), "active");
  EXPECT_EQ(boost::json::parse(business_text(flat, "raw")).at("plan").at("tier"), "pro");

  const row& nested = rows[1];
  EXPECT_EQ(value_of<strings>(nested, businesses, "platforms"), strings{});  // [] is not NULL
  EXPECT_EQ(business_text(nested, "address"), "Hauptstr. 5");
  EXPECT_EQ(business_text(nested, "city"), "Berlin");
  EXPECT_EQ(business_text(nested, "zipcode"), "10115");
  EXPECT_EQ(business_text(nested, "country"), "DE");
  EXPECT_TRUE(is_null(nested, businesses, "status"));

  const row& bare = rows[2];
  EXPECT_TRUE(is_null(bare, businesses, "name"));
  EXPECT_EQ(value_of<strings>(bare, businesses, "platforms"), strings{"google"});  // 3 skipped
  EXPECT_TRUE(is_null(bare, businesses, "address"));
  EXPECT_EQ(counters.warnings, 2) << counters.first_warning;  // sources[1], address 12
  EXPECT_NE(counters.first_warning.find("cloutly business b-bare"), std::string::npos)
      << counters.first_warning;
}

TEST(CloutlyMapping, BusinessesAnswerMustBeAnArrayOfObjectsWithIds) {
  run_counters counters;
  for (auto body : {R"({"businesses": []})", R"([1])", R"([{"name": "no id"}])", "[{"}) {
    try {
      read_businesses(body, "application/json", businesses_origin, counters);
      ADD_FAILURE() << "accepted " << body;
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::data) << body;
      EXPECT_NE(std::string(e.what()).find("cloutly-main"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(read_businesses("[]", "application/json", businesses_origin, counters).empty());
}

}  // namespace
}  // namespace sluice::connectors::cloutly
