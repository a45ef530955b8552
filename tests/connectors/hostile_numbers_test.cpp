// Numbers a double cannot hold, and NULs, in every connector's answers: `raw` keeps the vendor's
// number text as sent (so jsonb accepts it and nothing is rounded), a typed column that cannot
// hold a value is NULL with a warning, and what jsonb cannot store at all is made storable with a
// warning instead of failing the page on every run.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>

#include "connectors/clevertim/mapping.hpp"
#include "connectors/cloudapp/mapping.hpp"
#include "connectors/cloutly/mapping.hpp"
#include "connectors/json_body.hpp"
#include "connectors/partoo/mapping.hpp"
#include "connectors/review_tables.hpp"
#include "connectors/cloudapp/tables.hpp"
#include "connectors/clevertim/tables.hpp"

namespace sluice::connectors {
namespace {

const body_origin origin{"src", "https://api.example.com/list"};
constexpr const char* json_type = "application/json";

std::string cell_text(const row& r, const table_def& table, std::string_view column) {
  const auto& c = r[table.index(column)];
  if (const auto* s = std::get_if<std::string>(&c)) return *s;
  return "(null)";
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

TEST(hostile_numbers, numeric_range_is_postgresqls) {
  EXPECT_TRUE(numeric_can_hold("1e400"));
  EXPECT_TRUE(numeric_can_hold("123456789012345678901234567890"));
  EXPECT_TRUE(numeric_can_hold("1e131071"));
  EXPECT_FALSE(numeric_can_hold("1e131072"));
  EXPECT_TRUE(numeric_can_hold("1e-16383"));
  EXPECT_FALSE(numeric_can_hold("1e-16384"));
  EXPECT_FALSE(numeric_can_hold("1.5e-16383"));
  EXPECT_TRUE(numeric_can_hold("0e999999999999999999999"));
  EXPECT_FALSE(numeric_can_hold("-1e999999999999999999999"));
  EXPECT_FALSE(numeric_can_hold("Infinity"));
}

TEST(hostile_numbers, member_and_element_texts_are_the_bytes_sent) {
  std::string_view body = R"({"a" : 1.50, "l\u0069st": [ {"x":1e400} ,2,"s"], "a":30})";
  EXPECT_EQ(member_text(body, "a"), "30");  // the last one, as the parser keeps
  EXPECT_EQ(member_text(body, "list"), R"([ {"x":1e400} ,2,"s"])");
  EXPECT_FALSE(member_text(body, "b"));
  auto texts = element_texts(body, "list");
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_EQ(texts[0], R"({"x":1e400})");
  EXPECT_EQ(texts[2], R"("s")");
  EXPECT_EQ(element_texts("[1, [2,3]]", "").size(), 2u);
}

TEST(hostile_numbers, json_text_keeps_numbers_and_makes_the_rest_storable) {
  json_text_problems problems;
  // Integers the tree holds: serialized from the tree (stable for ordinary records).
  EXPECT_EQ(json_text(boost::json::parse(R"({"a": 1})"), R"({"a": 1})", problems), R"({"a":1})");
  std::string_view odd = R"({"big":123456789012345678901234567890,"x":1e400,"r":4.50})";
  EXPECT_EQ(json_text(boost::json::parse(odd), odd, problems), odd);
  EXPECT_FALSE(problems.nul_dropped || problems.number_quoted);

  std::string_view nul = R"({"t":"a\u0000b\\u0000","n":1e999999})";
  EXPECT_EQ(json_text(boost::json::parse(nul), nul, problems),
            R"({"t":"ab\\u0000","n":"1e999999"})");
  EXPECT_TRUE(problems.nul_dropped);
  EXPECT_TRUE(problems.number_quoted);

  // Without the text, an overflowed double is stored as a string rather than refused.
  json_text_problems no_text;
  auto from_tree = json_text(boost::json::parse(R"({"x":1e400})"), "", no_text);
  EXPECT_TRUE(no_text.number_quoted) << from_tree;
}

TEST(hostile_numbers, partoo_page) {
  const std::string body =
      R"({"reviews":[{"id":7,"update_date":"2024-05-01T10:00:00Z","rating":123456789012345678901234567890,)"
      R"("extra":1e400,"note":"a\u0000b"},)"
      R"({"id":8,"update_date":"2024-05-01T10:00:00Z","rating":1e999999}],"max_page":1,"count":2})";
  run_counters counters;
  auto page = partoo::read_reviews_page(body, json_type, origin, counters);
  ASSERT_EQ(page.records.size(), 2u);
  const auto& r = page.records[0].values;
  EXPECT_EQ(cell_text(r, tables::reviews, "rating"), "123456789012345678901234567890");
  const auto raw = cell_text(r, tables::reviews, "raw");
  EXPECT_TRUE(contains(raw, R"("rating":123456789012345678901234567890)")) << raw;
  EXPECT_TRUE(contains(raw, R"("extra":1e400)")) << raw;
  EXPECT_TRUE(contains(raw, R"("note":"ab")")) << raw;
  // The rating numeric cannot hold: NULL, a warning, raw keeps the literal as a string.
  const auto& second = page.records[1].values;
  EXPECT_EQ(cell_text(second, tables::reviews, "rating"), "(null)");
  EXPECT_TRUE(contains(cell_text(second, tables::reviews, "raw"), R"("1e999999")"));
  EXPECT_EQ(counters.warnings, 3);
  EXPECT_TRUE(contains(counters.first_warning, "partoo review 7")) << counters.first_warning;
}

TEST(hostile_numbers, cloutly_page) {
  const std::string body =
      R"({"reviews":[{"id":"r1","createdAt":"2024-05-01T10:00:00Z","rating":4.50,"x":-1e400}],)"
      R"("total":1})";
  run_counters counters;
  auto page = cloutly::read_reviews_page(body, json_type, origin, counters);
  ASSERT_EQ(page.records.size(), 1u);
  const auto& r = page.records[0].values;
  EXPECT_EQ(cell_text(r, tables::reviews, "rating"), "4.50");
  EXPECT_TRUE(contains(cell_text(r, tables::reviews, "raw"), R"("x":-1e400)"));
  EXPECT_EQ(counters.warnings, 0);

  auto businesses =
      cloutly::read_businesses(R"([{"id":"b1","n":1e400}])", json_type, origin, counters);
  ASSERT_EQ(businesses.size(), 1u);
  EXPECT_EQ(cell_text(businesses[0], tables::businesses, "raw"), R"({"id":"b1","n":1e400})");
}

TEST(hostile_numbers, cloudapp_page) {
  const std::string body =
      R"([{"href":"https://my.cl.ly/v3/items/5","view_counter":123456789012345678901234567890,)"
      R"("size":1e400}])";
  run_counters counters;
  auto items = cloudapp::read_items_page(body, json_type, origin, counters);
  ASSERT_EQ(items.size(), 1u);
  const auto& r = items[0].values;
  EXPECT_TRUE(std::holds_alternative<std::monostate>(
      r[tables::cloudapp_items.index("view_counter")]));  // bigint cannot hold it
  EXPECT_EQ(counters.warnings, 1);
  EXPECT_EQ(cell_text(r, tables::cloudapp_items, "raw"), body.substr(1, body.size() - 2));
}

TEST(hostile_numbers, clevertim_list) {
  const std::string body =
      R"({"status":"OK","content":[{"id":3,"name":"deal","value":123456789012345678901234567890.5,)"
      R"("cf":{"budget":1e400},"lm":"2024-05-01T10:00:00Z"}]})";
  list_body_reader reader(body, json_type, "content", origin);
  const auto* resource = clevertim::find_resource("opportunity");
  ASSERT_NE(resource, nullptr);
  run_counters counters;
  const auto* element = reader.next();
  ASSERT_NE(element, nullptr);
  auto r = clevertim::map_element(*resource, *element, 0, origin, counters,
                                  clevertim::account_zone::utc(), reader.text());
  const auto& table = tables::crm_opportunities;
  EXPECT_EQ(cell_text(r, table, "value"), "123456789012345678901234567890.5");
  EXPECT_EQ(cell_text(r, table, "custom_fields"), R"({"budget":1e400})");
  EXPECT_TRUE(contains(cell_text(r, table, "raw"), R"("budget":1e400)"));
  EXPECT_EQ(counters.warnings, 0) << counters.first_warning;
}

TEST(hostile_numbers, reference_ids_that_cannot_be_stored_are_null_with_a_warning) {
  const std::string body = R"({"reviews":[{"id":7,"update_date":"2024-05-01T10:00:00Z",)"
                           R"("business_id":"b\u0000x"}],"max_page":1})";
  run_counters counters;
  auto page = partoo::read_reviews_page(body, json_type, origin, counters);
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_EQ(cell_text(page.records[0].values, tables::reviews, "business_external_id"), "(null)");
  EXPECT_EQ(counters.warnings, 2);  // the id, and the NUL dropped from raw
  EXPECT_TRUE(contains(counters.first_warning, "business_id")) << counters.first_warning;
}

}  // namespace
}  // namespace sluice::connectors
