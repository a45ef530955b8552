// CloudApp items -> rows: every column from the vendor's own examples (the seed page's list and
// short-URL answers), the id taken from `href`, trashed items, and odd values that only warn.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <iterator>

#include "connectors/cloudapp/mapping.hpp"
#include "core/error.hpp"
#include "connectors/cloudapp/tables.hpp"
#include "tests/connectors/test_support.hpp"

namespace sluice::connectors::cloudapp {
namespace {

using test::at;
using test::is_null;
using test::value_of;

const table_def& items = tables::cloudapp_items;
constexpr body_origin origin{"shots", "http://my.cl.ly/items?page=1&per_page=100"};

std::string fixture(std::string_view name) {
  std::string path = std::string(SLUICE_FIXTURES_DIR) + "/cloudapp/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<mapped_item> page_fixture(std::string_view name, run_counters& counters) {
  return read_items_page(fixture(name), "application/json; charset=utf-8", origin, counters);
}

std::string text(const row& r, std::string_view column) {
  return value_of<std::string>(r, items, column);
}

boost::json::value raw_of(const row& r) { return boost::json::parse(text(r, "raw")); }

error page_failure(std::string_view body, std::string_view content_type = "application/json") {
  run_counters counters;
  try {
    read_items_page(body, content_type, origin, counters);
  } catch (const error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << body;
  return error(error_kind::network, "none");
}

TEST(CloudappMapping, VendorListExampleMapsEveryColumn) {
  run_counters counters;
  auto page = page_fixture("items_vendor_example.json", counters);
  ASSERT_EQ(page.size(), 3u);
  EXPECT_EQ(counters.warnings, 0);

  const auto& bookmark = page[0].values;
  ASSERT_EQ(bookmark.size(), items.columns.size());
  EXPECT_EQ(page[0].id, "1");
  EXPECT_EQ(text(bookmark, "external_id"), "1");
  EXPECT_EQ(text(bookmark, "name"), "CloudApp");
  EXPECT_EQ(text(bookmark, "item_type"), "bookmark");
  EXPECT_EQ(text(bookmark, "url"), "http://cl.ly/d837");
  EXPECT_EQ(text(bookmark, "redirect_url"), "http://getcloudapp.com");
  EXPECT_TRUE(is_null(bookmark, items, "content_url"));  // bookmarks have no content
  EXPECT_TRUE(is_null(bookmark, items, "remote_url"));
  EXPECT_EQ(value_of<std::int64_t>(bookmark, items, "view_counter"), 42);
  EXPECT_TRUE(is_null(bookmark, items, "private"));  // absent from the example: unknown, not false
  EXPECT_EQ(value_of<timestamp>(bookmark, items, "created_at"), at("2010-04-01T12:00:00Z"));
  EXPECT_EQ(value_of<timestamp>(bookmark, items, "updated_at"), at("2010-04-01T12:00:00Z"));
  EXPECT_TRUE(is_null(bookmark, items, "trashed_at"));
  EXPECT_TRUE(is_null(bookmark, items, "deleted_at"));
  // raw is the whole object, fields without a column (icon) included.
  EXPECT_EQ(raw_of(bookmark), boost::json::parse(fixture("items_vendor_example.json")).at(0));
  EXPECT_EQ(raw_of(bookmark).at("icon"), "http://my.cl.ly/images/item_types/bookmark.png");

  EXPECT_EQ(page[1].id, "2");
  EXPECT_EQ(text(page[1].values, "name"), "Google");
  EXPECT_EQ(value_of<std::int64_t>(page[1].values, items, "view_counter"), 24);

  const auto& image = page[2].values;
  EXPECT_EQ(page[2].id, "3");
  EXPECT_EQ(text(image, "item_type"), "image");
  EXPECT_EQ(text(image, "name"), "Screen shot 2010-04-01 at 12.00.00 AM.png");
  EXPECT_EQ(text(image, "content_url"), "http://cl.ly/6571/content");
  EXPECT_EQ(text(image, "remote_url"),
            "http://f.cl.ly/items/3d7ba41682802c301150/Screen shot 2010-04-01 at 12.00.00 AM.png");
  EXPECT_TRUE(is_null(image, items, "redirect_url"));
}

TEST(CloudappMapping, ShortUrlExampleIsTheSameItem) {
  // The seed page's "View An Item By Short URL" answer: one object, the list's item 3.
  const char* json = R"({
      "href": "http://my.cl.ly/items/3",
      "name": "Screen shot 2010-04-01 at 12.00.00 AM.png",
      "url": "http://cl.ly/6571",
      "content_url": "http://cl.ly/6571/content",
      "item_type": "image",
      "view_counter": 42,
      "icon": "http://my.cl.ly/images/item_types/image.png",
      "remote_url":"http://f.cl.ly/items/3d7ba41682802c301150/Screen shot 2010-04-01 at 12.00.00 AM.png",
      "created_at": "2010-04-01T12:00:00Z",
      "updated_at": "2010-04-01T12:00:00Z"
    })";
  run_counters counters;
  auto item = map_item(boost::json::parse(json).as_object(), counters);
  run_counters list_counters;
  auto list = page_fixture("items_vendor_example.json", list_counters);
  EXPECT_EQ(item.id, "3");
  EXPECT_EQ(item.values, list.at(2).values);
}

TEST(CloudappMapping, TrashedItemKeepsItsTrashTimeAndStaysLive) {
  run_counters counters;
  auto page = page_fixture("items_trashed.json", counters);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(counters.warnings, 0) << counters.first_warning;

  const auto& report = page[0].values;
  EXPECT_EQ(page[0].id, "2803");  // href with a trailing slash
  EXPECT_EQ(value_of<timestamp>(report, items, "trashed_at"), at("2012-03-02T08:00:05Z"));
  EXPECT_TRUE(is_null(report, items, "deleted_at"));  // in the trash is not gone
  EXPECT_EQ(value_of<bool>(report, items, "private"), true);
  EXPECT_EQ(value_of<std::int64_t>(report, items, "view_counter"), 0);
  EXPECT_TRUE(is_null(report, items, "remote_url"));  // null: documented nullable, no warning
  EXPECT_TRUE(is_null(report, items, "redirect_url"));
  EXPECT_EQ(text(report, "item_type"), "unknown");
  EXPECT_EQ(value_of<timestamp>(report, items, "updated_at"), at("2012-03-01T17:45:10Z"));
  EXPECT_EQ(raw_of(report).at("source"), "Cloud/1.5.3 CFNetwork/520.3.2 Darwin/11.3.0 (x86_64)");
  EXPECT_EQ(raw_of(report).at("deleted_at"), "2012-03-02T08:00:05Z");

  const auto& movie = page[1].values;
  EXPECT_EQ(page[1].id, "2804");  // href with a query
  EXPECT_EQ(value_of<timestamp>(movie, items, "trashed_at"), at("2012-03-03T00:00:00Z"));
  EXPECT_EQ(value_of<bool>(movie, items, "private"), false);
  // Beyond a double's exact range: read as an integer, not through a floating-point number.
  EXPECT_EQ(value_of<std::int64_t>(movie, items, "view_counter"), 9007199254740993);
  EXPECT_EQ(text(movie, "remote_url"), "http://f.cl.ly/items/0a1b2c/Holiday.mov");
}

TEST(CloudappMapping, UnusableFieldsAreNullWithAWarningEach) {
  run_counters counters;
  auto page = page_fixture("items_odd_fields.json", counters);
  ASSERT_EQ(page.size(), 1u);
  const auto& odd = page[0].values;
  EXPECT_EQ(page[0].id, "77");
  EXPECT_TRUE(is_null(odd, items, "name"));          // 42
  EXPECT_TRUE(is_null(odd, items, "view_counter"));  // "lots"
  EXPECT_TRUE(is_null(odd, items, "private"));       // "yes"
  EXPECT_TRUE(is_null(odd, items, "created_at"));    // "<string>"
  EXPECT_TRUE(is_null(odd, items, "trashed_at"));    // "sometime"
  EXPECT_EQ(value_of<timestamp>(odd, items, "updated_at"), at("2010-04-01T12:00:00Z"));
  EXPECT_EQ(text(odd, "url"), "http://cl.ly/abcd");
  EXPECT_EQ(counters.warnings, 5);
  EXPECT_NE(counters.first_warning.find("cloudapp item 77"), std::string::npos)
      << counters.first_warning;
  // raw keeps what the typed columns could not.
  EXPECT_EQ(raw_of(odd).at("created_at"), "<string>");
  EXPECT_EQ(raw_of(odd).at("view_counter"), "lots");
}

TEST(CloudappMapping, NumericStringViewCounterIsAccepted) {
  run_counters counters;
  auto item = map_item(
      boost::json::parse(R"({"href":"http://my.cl.ly/items/5","view_counter":"17"})").as_object(),
      counters);
  EXPECT_EQ(value_of<std::int64_t>(item.values, items, "view_counter"), 17);
  EXPECT_EQ(counters.warnings, 0);
}

struct href_case {
  std::string href;
  std::optional<std::string> id;
};

class CloudappHref : public ::testing::TestWithParam<href_case> {};

TEST_P(CloudappHref, IdIsTheLastPathSegment) {
  EXPECT_EQ(id_from_href(GetParam().href), GetParam().id) << GetParam().href;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CloudappHref,
    ::testing::Values(
        href_case{"http://my.cl.ly/items/3", "3"}, href_case{"http://my.cl.ly/items/3/", "3"},
        href_case{"http://my.cl.ly/items/3//", "3"},
        href_case{"https://my.cl.ly/items/2yS3?format=json", "2yS3"},
        href_case{"http://my.cl.ly/items/3/?a=b/c", "3"},
        href_case{"http://my.cl.ly/items/3#top", "3"},
        href_case{"http://127.0.0.1:8080/cloudapp/items/904", "904"}, href_case{"/items/12", "12"},
        href_case{"12", "12"}, href_case{"", std::nullopt}, href_case{"/", std::nullopt},
        href_case{"http://my.cl.ly", std::nullopt}, href_case{"http://my.cl.ly/", std::nullopt},
        href_case{"http://my.cl.ly/?page=3", std::nullopt}));

TEST(CloudappMapping, ItemWithoutAUsableHrefFailsTheRun) {
  for (const char* body : {R"([{"name":"no href"}])", R"([{"href":null}])", R"([{"href":""}])",
                           R"([{"href":3}])", R"([{"href":"http://my.cl.ly/"}])"}) {
    auto e = page_failure(body);
    EXPECT_EQ(e.kind(), error_kind::data) << body;
    std::string message = e.what();
    EXPECT_NE(message.find("href"), std::string::npos) << message;
    EXPECT_NE(message.find("source 'shots'"), std::string::npos) << message;
    EXPECT_NE(message.find("items[0]"), std::string::npos) << message;
  }
  // The index names the culprit in a longer page.
  auto e = page_failure(R"([{"href":"http://my.cl.ly/items/1"},{"name":"x"}])");
  EXPECT_NE(std::string(e.what()).find("items[1]"), std::string::npos) << e.what();
}

TEST(CloudappMapping, UnusableBodiesFailTheRun) {
  EXPECT_EQ(page_failure("<html>Sign in</html>", "text/html; charset=utf-8").kind(),
            error_kind::data);
  EXPECT_EQ(page_failure(R"({"items":[]})").kind(), error_kind::data);  // not a bare array
  EXPECT_EQ(page_failure(R"([{"href":"http://my.cl.ly/items/1"},)").kind(), error_kind::data);
  auto e = page_failure(R"([{"href":"http://my.cl.ly/items/1"}, "3"])");
  EXPECT_EQ(e.kind(), error_kind::data);
  EXPECT_NE(std::string(e.what()).find("items[1] is not an object"), std::string::npos) << e.what();
}

TEST(CloudappMapping, EmptyPageIsEmpty) {
  run_counters counters;
  EXPECT_TRUE(read_items_page("[]", "application/json", origin, counters).empty());
  EXPECT_TRUE(read_items_page(" [ ]\n", "", origin, counters).empty());  // no Content-Type
}

}  // namespace
}  // namespace sluice::connectors::cloudapp
