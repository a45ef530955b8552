#include "connectors/json_body.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/error.hpp"
#include "tests/connectors/test_support.hpp"

namespace sluice::connectors {
namespace {

using test::read_fixture;

constexpr body_origin origin{"reviews-eu",
                             "https://api.partoo.co/v2/reviews?page=2&marker=QUERYTEXT"};

error parse_failure(std::string_view body, std::string_view content_type) {
  try {
    parse_object_body(body, content_type, origin);
  } catch (const error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for body " << body.substr(0, 40);
  return error(error_kind::network, "none");
}

TEST(JsonBody, ParsesAJsonObjectWithCharsetParameter) {
  auto body = parse_object_body(read_fixture("reviews_vendor_example.json"),
                                "application/json; charset=utf-8", origin);
  EXPECT_EQ(body.at("count").as_int64(), 287);
  EXPECT_EQ(array_member(body, "reviews", origin).size(), 1u);
}

TEST(JsonBody, AcceptsJsonSuffixTypesAndAMissingContentType) {
  EXPECT_NO_THROW(parse_object_body(R"({"a":1})", "application/problem+json", origin));
  EXPECT_NO_THROW(parse_object_body(R"({"a":1})", "Application/JSON", origin));
  EXPECT_NO_THROW(parse_object_body(R"({"a":1})", "", origin));
}

TEST(JsonBody, HtmlErrorPageServedWith200IsADataErrorNamingSourceAndUrl) {
  auto e = parse_failure(read_fixture("error_page.html"), "text/html; charset=utf-8");
  EXPECT_EQ(e.kind(), error_kind::data);
  std::string message = e.what();
  EXPECT_NE(message.find("reviews-eu"), std::string::npos) << message;
  EXPECT_NE(message.find("https://api.partoo.co/v2/reviews"), std::string::npos) << message;
  EXPECT_NE(message.find("text/html"), std::string::npos) << message;
  EXPECT_EQ(message.find("QUERYTEXT"), std::string::npos) << "query leaked: " << message;
}

TEST(JsonBody, HtmlLabelledAsJsonFailsInTheParserAtByteZero) {
  auto e = parse_failure(read_fixture("error_page.html"), "application/json");
  EXPECT_EQ(e.kind(), error_kind::data);
  EXPECT_NE(std::string(e.what()).find("malformed JSON at byte 0"), std::string::npos) << e.what();
}

TEST(JsonBody, TruncatedBodyNamesTheOffset) {
  auto body = read_fixture("truncated.json");
  auto e = parse_failure(body, "application/json");
  EXPECT_EQ(e.kind(), error_kind::data);
  std::string message = e.what();
  EXPECT_NE(message.find("malformed JSON at byte " + std::to_string(body.size())),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("QUERYTEXT"), std::string::npos);
}

TEST(JsonBody, TopLevelArrayIsTheWrongShape) {
  auto e = parse_failure(read_fixture("not_an_object.json"), "application/json");
  EXPECT_EQ(e.kind(), error_kind::data);
  EXPECT_NE(std::string(e.what()).find("expected a JSON object"), std::string::npos) << e.what();
}

TEST(JsonBody, TrailingGarbageIsMalformed) {
  EXPECT_EQ(parse_failure(R"({"a":1} {"b":2})", "application/json").kind(), error_kind::data);
}

TEST(JsonBody, ArrayMemberMustExistAndBeAnArray) {
  auto not_a_list = parse_object_body(read_fixture("reviews_not_a_list.json"), "", origin);
  try {
    array_member(not_a_list, "reviews", origin);
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("'reviews' is an object"), std::string::npos) << e.what();
  }
  auto empty = parse_object_body("{}", "", origin);
  EXPECT_THROW(array_member(empty, "reviews", origin), error);
}

TEST(JsonBody, IntegerMemberAcceptsIntegralFormsOnly) {
  auto body = boost::json::parse(
                  R"({"a": 10, "b": 10.0, "c": "12", "d": 10.5, "e": "x", "f": null, "g": true})")
                  .as_object();
  EXPECT_EQ(integer_member(body, "a"), 10);
  EXPECT_EQ(integer_member(body, "b"), 10);
  EXPECT_EQ(integer_member(body, "c"), 12);
  EXPECT_EQ(integer_member(body, "d"), std::nullopt);
  EXPECT_EQ(integer_member(body, "e"), std::nullopt);
  EXPECT_EQ(integer_member(body, "f"), std::nullopt);
  EXPECT_EQ(integer_member(body, "g"), std::nullopt);
  EXPECT_EQ(integer_member(body, "missing"), std::nullopt);
}

TEST(JsonBody, IdTextFromStringsAndIntegersOnly) {
  EXPECT_EQ(id_text(boost::json::value(34)), "34");
  EXPECT_EQ(id_text(boost::json::value(18446744073709551615ull)), "18446744073709551615");
  EXPECT_EQ(id_text(boost::json::value("5409c35a")), "5409c35a");
  EXPECT_EQ(id_text(boost::json::value("")), std::nullopt);
  EXPECT_EQ(id_text(boost::json::value(34.0)), std::nullopt);
  EXPECT_EQ(id_text(boost::json::value(nullptr)), std::nullopt);
}

TEST(JsonBody, DecimalTextIsAPostgresNumericLiteral) {
  EXPECT_EQ(decimal_text(boost::json::value(3)), "3");
  EXPECT_EQ(decimal_text(boost::json::value(-7)), "-7");
  EXPECT_EQ(decimal_text(boost::json::value(4.5)), "4.5");
  EXPECT_EQ(decimal_text(boost::json::value(0.1)), "0.1");  // shortest round-trip, not 0.1000000001
  EXPECT_EQ(decimal_text(boost::json::value(1e21)), "1e+21");
  EXPECT_EQ(decimal_text(boost::json::value("4.50")), "4.50");
  EXPECT_EQ(decimal_text(boost::json::value("-1.5e3")), "-1.5e3");
  EXPECT_EQ(decimal_text(boost::json::value("NaN")), std::nullopt);
  EXPECT_EQ(decimal_text(boost::json::value("4.")), std::nullopt);
  EXPECT_EQ(decimal_text(boost::json::value("<string>")), std::nullopt);
  EXPECT_EQ(decimal_text(boost::json::value("")), std::nullopt);
  EXPECT_EQ(decimal_text(boost::json::value(true)), std::nullopt);
}

TEST(JsonBody, TimestampValueAcceptsIsoAndUnixSeconds) {
  EXPECT_EQ(timestamp_value(boost::json::value("2017-08-01T19:15:54.256000+02:00")),
            test::at("2017-08-01T17:15:54.256Z"));
  EXPECT_EQ(timestamp_value(boost::json::value(1561335111.681374)),
            test::at("2019-06-24T00:11:51.681374Z"));
  EXPECT_EQ(timestamp_value(boost::json::value(1561335111)), test::at("2019-06-24T00:11:51Z"));
  EXPECT_EQ(timestamp_value(boost::json::value("<string>")), std::nullopt);
  EXPECT_EQ(timestamp_value(boost::json::value(true)), std::nullopt);
}

TEST(RecordFields, MissingAndNullAreSilentNulls) {
  auto record = boost::json::parse(R"({"a": null})").as_object();
  run_counters counters;
  record_fields fields(record, "test record 1", counters);
  EXPECT_EQ(fields.text("a"), std::nullopt);
  EXPECT_EQ(fields.text("b"), std::nullopt);
  EXPECT_EQ(fields.time("a"), std::nullopt);
  EXPECT_EQ(fields.number_text("a"), std::nullopt);
  EXPECT_EQ(fields.boolean("b"), std::nullopt);
  EXPECT_EQ(fields.id("a"), std::nullopt);
  EXPECT_EQ(counters.warnings, 0);
}

TEST(RecordFields, WrongTypesWarnOnceEachAndKeepTheFirstExample) {
  auto record = boost::json::parse(
                    R"({"title": 5, "when": "<string>", "rating": "four", "flag": "yes",
                        "ok": "fine", "owner": {"id": 1}})")
                    .as_object();
  run_counters counters;
  record_fields fields(record, "test record 7", counters);
  EXPECT_EQ(fields.text("title"), std::nullopt);
  EXPECT_EQ(fields.time("when"), std::nullopt);
  EXPECT_EQ(fields.number_text("rating"), std::nullopt);
  EXPECT_EQ(fields.boolean("flag"), std::nullopt);
  EXPECT_EQ(fields.id("owner"), std::nullopt);
  EXPECT_EQ(fields.text("ok"), "fine");
  EXPECT_EQ(counters.warnings, 5);
  EXPECT_NE(counters.first_warning.find("test record 7"), std::string::npos)
      << counters.first_warning;
  EXPECT_NE(counters.first_warning.find("title 5"), std::string::npos) << counters.first_warning;
}

TEST(RecordFields, TimeConvertsOffsetsToUtc) {
  auto record = boost::json::parse(R"({"d": "2017-07-01T16:10:23.156000+02:00"})").as_object();
  run_counters counters;
  EXPECT_EQ(record_fields(record, "r", counters).time("d"), test::at("2017-07-01T14:10:23.156Z"));
  EXPECT_EQ(counters.warnings, 0);
}

TEST(RecordFields, NestedReadersWarnUnderTheRecordLabel) {
  auto record = boost::json::parse(R"({"comments": {"date": "soon"}})").as_object();
  run_counters counters;
  record_fields fields(record, "partoo review 9", counters);
  auto comment = fields.nested(fields.find("comments")->as_object(), "comment");
  EXPECT_EQ(comment.time("date"), std::nullopt);
  EXPECT_EQ(counters.warnings, 1);
  EXPECT_NE(counters.first_warning.find("partoo review 9 comment: date"), std::string::npos)
      << counters.first_warning;
}

TEST(JsonBody, ExcerptCutsLongValuesOnACharacterBoundary) {
  std::string long_text;
  for (int i = 0; i < 100; ++i) long_text += "\xC3\xA9";  // é, two bytes each
  auto text = excerpt(boost::json::value(long_text));
  EXPECT_LT(text.size(), 70u);
  ASSERT_GE(text.size(), 4u);
  EXPECT_EQ(text.substr(text.size() - 3), "...");
  auto before_dots = static_cast<unsigned char>(text[text.size() - 4]);
  // The last byte before "..." ends a character: the second byte of é (0xA9).
  EXPECT_EQ(before_dots, 0xA9);
}

TEST(JsonBody, SerializeRoundTrips) {
  auto value = boost::json::parse(R"({"a":[1,2.5,"x",null,true],"b":{"c":"Merci ❤️"}})");
  EXPECT_EQ(boost::json::parse(serialize(value)), value);
}

}  // namespace
}  // namespace sluice::connectors
