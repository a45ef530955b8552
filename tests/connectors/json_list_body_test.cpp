// list_body_reader: an enveloped list answer read one element at a time. The scan must agree
// with a real JSON parser on where values begin and end (strings with brackets, escaped quotes,
// nesting, whitespace), find the envelope's members wherever they are, and refuse any broken body
// before the first element is handed out.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>
#include <vector>

#include "connectors/json_body.hpp"
#include "core/error.hpp"

namespace sluice::connectors {
namespace {

constexpr body_origin origin{"crm", "https://www.clevertim.com/api/contact?token=QUERYTEXT"};

// Every element, re-serialized, for comparison with what boost::json::parse makes of the list.
std::vector<std::string> elements(std::string_view body, std::string key = "content") {
  list_body_reader reader(body, "application/json", std::move(key), origin);
  std::vector<std::string> out;
  while (const auto* v = reader.next()) out.push_back(boost::json::serialize(*v));
  EXPECT_EQ(reader.count(), out.size());
  return out;
}

std::vector<std::string> expected(std::string_view body, std::string_view key = "content") {
  std::vector<std::string> out;
  const auto whole = boost::json::parse(body);
  for (const auto& v : whole.as_object().at(key).as_array())
    out.push_back(boost::json::serialize(v));
  return out;
}

// The error a body gets, from the constructor or from reading every element.
error failure(std::string_view body, std::string_view content_type = "application/json") {
  try {
    list_body_reader reader(body, content_type, "content", origin);
    while (reader.next() != nullptr) {
    }
  } catch (const error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for " << body.substr(0, 60);
  return error(error_kind::network, "none");
}

std::string message_of(std::string_view body) { return failure(body).what(); }

TEST(JsonListBody, ReadsEachElementAsTheParserWould) {
  const std::string body =
      R"({"status":"OK","content":[{"id":1,"a":[1,2,{"b":[]}]},{"id":2},[3,[4]],"five",6.5e1,true,null,-7]})";
  EXPECT_EQ(elements(body), expected(body));
  EXPECT_EQ(elements(body).size(), 8u);
}

TEST(JsonListBody, StringsWithBracketsBracesCommasAndEscapedQuotes) {
  const std::string body = R"({"status":"OK","content":[
    {"id":1,"desc":"a ] b } c [ d { e , f : g"},
    {"id":2,"desc":"she said \"]}\" and left \\","tail":"\\"},
    {"id":3,"desc":"\u005d\u007d \/ \b\f\n\r\t"},
    {"id":4,"k\"ey]":"v"},
    "]",
    "\\\""
  ]})";
  auto got = elements(body);
  EXPECT_EQ(got, expected(body));
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(boost::json::parse(got[1]).at("desc").as_string(), "she said \"]}\" and left \\");
}

TEST(JsonListBody, WhitespaceEverywhere) {
  const std::string body =
      " \r\n\t{ \"content\" \n:\t[ \n { \"id\" : 1 } \r\n, \t{\"id\":2}\n ] ,\n \"status\" : "
      "\"OK\" \n}\n\t ";
  EXPECT_EQ(elements(body), expected(body));
  list_body_reader reader(body, "", "content", origin);
  EXPECT_EQ(reader.members().at("status").as_string(), "OK");
}

TEST(JsonListBody, StatusAfterContentIsKnownBeforeTheFirstElement) {
  const std::string body = R"({"content":[{"id":1},{"id":2}],"status":"ERROR","error":"late"})";
  list_body_reader reader(body, "application/json", "content", origin);
  EXPECT_EQ(reader.count(), 0u);
  EXPECT_EQ(reader.members().at("status").as_string(), "ERROR");
  EXPECT_EQ(reader.members().at("error").as_string(), "late");
  EXPECT_EQ(reader.members().size(), 2u);  // the list is not among the members
  EXPECT_TRUE(reader.has_list());
}

TEST(JsonListBody, OtherMembersOfAnyShapeAreParsed) {
  const std::string body =
      R"({"meta":{"x":[1,{"y":"]"}]},"content":[1],"n":3,"flag":false,"nothing":null})";
  list_body_reader reader(body, "application/json", "content", origin);
  EXPECT_EQ(reader.members().at("meta").at("x").as_array().size(), 2u);
  EXPECT_EQ(reader.members().at("n").as_int64(), 3);
  EXPECT_TRUE(reader.members().at("nothing").is_null());
  ASSERT_NE(reader.next(), nullptr);
  EXPECT_EQ(reader.next(), nullptr);
}

TEST(JsonListBody, EmptyListAndRepeatedEnd) {
  list_body_reader reader(R"({"status":"OK","content":[ ]})", "application/json", "content",
                          origin);
  EXPECT_EQ(reader.next(), nullptr);
  EXPECT_EQ(reader.next(), nullptr);
  EXPECT_EQ(reader.count(), 0u);
  EXPECT_TRUE(elements(R"({"content":[]})").empty());
}

TEST(JsonListBody, EscapedMemberNameIsDecoded) {
  // "cont\u0065nt" is "content".
  EXPECT_EQ(elements(R"({"cont\u0065nt":[1,2],"status":"OK"})"),
            (std::vector<std::string>{"1", "2"}));
}

TEST(JsonListBody, EachElementIsIndependentOfThePreviousOne) {
  // The arena is reused: an element must not keep anything of the one before.
  std::string body = R"({"content":[)";
  for (int i = 0; i < 200; ++i) {
    if (i > 0) body += ',';
    body += R"({"id":)" + std::to_string(i) + R"(,"pad":")" + std::string(i * 97 % 40000, 'x') +
            R"("})";
  }
  body += "]}";
  list_body_reader reader(body, "application/json", "content", origin);
  int i = 0;
  while (const auto* v = reader.next()) {
    EXPECT_EQ(v->at("id").as_int64(), i);
    EXPECT_EQ(v->at("pad").as_string().size(), static_cast<std::size_t>(i * 97 % 40000));
    ++i;
  }
  EXPECT_EQ(i, 200);
}

TEST(JsonListBody, ReaderCanBeMoved) {
  const std::string body = R"({"content":[1,2,3]})";
  list_body_reader first(body, "application/json", "content", origin);
  ASSERT_EQ(first.next()->as_int64(), 1);
  list_body_reader second(std::move(first));
  EXPECT_EQ(second.next()->as_int64(), 2);
  EXPECT_EQ(second.count(), 2u);
}

// ---- broken bodies: kind data, source and URL named (never the query), byte offset given

TEST(JsonListBody, TruncatedBodyFailsBeforeAnyElement) {
  const std::string whole =
      R"({"status":"OK","content":[{"id":1},{"id":2,"tags":["a","b"]},{"id":3}]})";
  // Every cut of the body fails in the constructor: nothing is ever handed out.
  for (std::size_t cut = 0; cut < whole.size(); ++cut) {
    auto body = whole.substr(0, cut);
    try {
      list_body_reader reader(body, "application/json", "content", origin);
      ADD_FAILURE() << "accepted a body cut at " << cut << ": " << body;
    } catch (const error& e) {
      EXPECT_EQ(e.kind(), error_kind::data) << cut;
      EXPECT_NE(std::string(e.what()).find("malformed JSON at byte"), std::string::npos)
          << cut << ": " << e.what();
    }
  }
}

TEST(JsonListBody, TruncationInsideAStringNamesWhereTheStringStarts) {
  auto e = failure(R"({"status":"OK","content":[{"id":1,"desc":"never clo)");
  EXPECT_EQ(e.kind(), error_kind::data);
  std::string m = e.what();
  EXPECT_NE(m.find("source 'crm'"), std::string::npos) << m;
  EXPECT_NE(m.find("https://www.clevertim.com/api/contact"), std::string::npos) << m;
  EXPECT_EQ(m.find("QUERYTEXT"), std::string::npos) << m;
  EXPECT_NE(m.find("byte 41 of 51 (unterminated string)"), std::string::npos) << m;
}

TEST(JsonListBody, StructuralErrorsNameTheOffset) {
  EXPECT_NE(message_of(R"({"content":[1 2]})").find("byte 14 of 17 (expected ',' or ']')"),
            std::string::npos)
      << message_of(R"({"content":[1 2]})");
  EXPECT_NE(message_of(R"({"content":[1,]})").find("byte 14"), std::string::npos);
  EXPECT_NE(message_of(R"({"content" [1]})").find("expected ':'"), std::string::npos);
  EXPECT_NE(message_of(R"({"content":[{"a" 1}]})").find("expected ':'"), std::string::npos);
  EXPECT_NE(message_of(R"({"content":[{1:2}]})").find("expected a member name"), std::string::npos);
  EXPECT_NE(message_of(R"({"content":[1]]})").find("expected ',' or '}'"), std::string::npos);
  EXPECT_NE(message_of(R"({"content":[1]} x)").find("unexpected text after the JSON value"),
            std::string::npos);
  EXPECT_NE(message_of(R"({"content":[1]}{})").find("unexpected text"), std::string::npos);
  EXPECT_NE(message_of("").find("empty body"), std::string::npos);
  EXPECT_NE(message_of(R"({"content":[#]})").find("unexpected character"), std::string::npos);
  EXPECT_NE(message_of(R"({"content":[{"a":1]]})").find("expected ',' or '}'"), std::string::npos);
}

TEST(JsonListBody, ABadElementFailsWhenReachedNamingItsIndexAndOffset) {
  const std::string body = R"({"status":"OK","content":[{"id":1},{"id":tru},{"id":3}]})";
  list_body_reader reader(body, "application/json", "content", origin);
  ASSERT_NE(reader.next(), nullptr);
  try {
    reader.next();
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    std::string m = e.what();
    EXPECT_NE(m.find("content[1]"), std::string::npos) << m;
    EXPECT_NE(m.find("malformed JSON at byte 41 of"), std::string::npos) << m;
  }
}

TEST(JsonListBody, BadOtherMemberFailsInTheConstructor) {
  auto e = failure(R"({"status":OK,"content":[]})");
  EXPECT_EQ(e.kind(), error_kind::data);
  EXPECT_NE(std::string(e.what()).find("byte 10"), std::string::npos) << e.what();
}

TEST(JsonListBody, TopLevelMustBeAnObject) {
  EXPECT_NE(message_of("[1,2]").find("expected a JSON object at the top level, got an array"),
            std::string::npos);
  EXPECT_NE(message_of(R"("text")").find("got a string"), std::string::npos);
  // A broken body is reported as broken, not as the wrong shape.
  EXPECT_NE(message_of("[1,2").find("malformed JSON"), std::string::npos);
}

TEST(JsonListBody, MissingOrWrongListIsADataErrorOnFirstRead) {
  list_body_reader absent(R"({"status":"ERROR","error":"x"})", "application/json", "content",
                          origin);
  EXPECT_FALSE(absent.has_list());
  try {
    absent.next();
    FAIL() << "no error";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::data);
    EXPECT_NE(std::string(e.what()).find("answer has no 'content' list"), std::string::npos);
  }
  EXPECT_NE(message_of(R"({"content":{"id":1}})").find("'content' is an object, expected an array"),
            std::string::npos);
  EXPECT_NE(message_of(R"({"content":null})").find("'content' is null"), std::string::npos);
}

TEST(JsonListBody, DuplicateListIsRefused) {
  EXPECT_NE(message_of(R"({"content":[1],"content":[2]})").find("'content' appears twice"),
            std::string::npos);
}

TEST(JsonListBody, HostileNestingIsBounded) {
  std::string deep = R"({"content":[)" + std::string(100000, '[') + std::string(100000, ']') + "]}";
  EXPECT_NE(message_of(deep).find("nested too deeply"), std::string::npos);
  std::string fine = R"({"content":[)" + std::string(100, '[') + std::string(100, ']') + "]}";
  EXPECT_EQ(elements(fine).size(), 1u);
}

TEST(JsonListBody, ContentTypeIsChecked) {
  auto e = failure("<html>Sign in</html>", "text/html; charset=utf-8");
  EXPECT_EQ(e.kind(), error_kind::data);
  EXPECT_NE(std::string(e.what()).find("text/html"), std::string::npos);
  EXPECT_NO_THROW(
      list_body_reader(R"({"content":[]})", "application/json; charset=utf-8", "content", origin));
}

TEST(JsonListBody, OtherListKeys) {
  const std::string body = R"({"reviews":[{"id":"a"}],"count":1})";
  EXPECT_EQ(elements(body, "reviews"), expected(body, "reviews"));
}

}  // namespace
}  // namespace sluice::connectors
