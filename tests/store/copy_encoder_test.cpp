#include "store/copy_encoder.hpp"

#include <gtest/gtest.h>

#include "connectors/clevertim/tables.hpp"
#include "core/time.hpp"

namespace sluice::store {
namespace {

template <typename F>
std::string encode(F f) {
  std::string out;
  f(out);
  return out;
}

timestamp at(std::string_view iso) { return *parse_timestamp(iso); }

TEST(copy_encoder, escapes_text) {
  EXPECT_EQ(encode([](auto& o) { append_copy_text(o, "plain"); }), "plain");
  EXPECT_EQ(encode([](auto& o) { append_copy_text(o, "a\tb\nc\rd\\e"); }), "a\\tb\\nc\\rd\\\\e");
  EXPECT_EQ(encode([](auto& o) { append_copy_text(o, std::string("nu\0l", 4)); }), "nul");
  EXPECT_EQ(encode([](auto& o) { append_copy_text(o, "été \xF0\x9F\x98\x80"); }),
            "été \xF0\x9F\x98\x80");
  EXPECT_EQ(encode([](auto& o) { append_copy_text(o, "\\N"); }), "\\\\N");
}

TEST(copy_encoder, escapes_json_and_replaces_nul_escapes) {
  EXPECT_EQ(encode([](auto& o) { append_copy_json(o, R"({"a":"x\ty\\z"})"); }),
            R"({"a":"x\\ty\\\\z"})");
  EXPECT_EQ(encode([](auto& o) { append_copy_json(o, R"({"a":"\u0000b"})"); }),
            R"({"a":"\\ufffdb"})");
  // An escaped backslash followed by the text u0000 is not a NUL escape.
  EXPECT_EQ(encode([](auto& o) { append_copy_json(o, R"(["\\u0000"])"); }), R"(["\\\\u0000"])");
}

TEST(copy_encoder, formats_timestamps_in_utc_with_microseconds) {
  EXPECT_EQ(encode([](auto& o) { append_copy_timestamp(o, at("1970-01-01T00:00:00Z")); }),
            "1970-01-01 00:00:00.000000+00");
  EXPECT_EQ(
      encode([](auto& o) { append_copy_timestamp(o, at("2024-02-29T23:59:59.123456+02:00")); }),
      "2024-02-29 21:59:59.123456+00");
  EXPECT_EQ(encode([](auto& o) { append_copy_timestamp(o, at("1969-12-31T23:59:59.999999Z")); }),
            "1969-12-31 23:59:59.999999+00");
  EXPECT_EQ(encode([](auto& o) { append_copy_timestamp(o, at("0001-01-01T00:00:00Z")); }),
            "0001-01-01 00:00:00.000000+00");
  EXPECT_EQ(encode([](auto& o) { append_copy_timestamp(o, at("0000-06-01T00:00:00Z")); }),
            "0001-06-01 00:00:00.000000+00 BC");
  EXPECT_EQ(encode([](auto& o) { append_copy_timestamp(o, at("9999-12-31T23:59:59.999999Z")); }),
            "9999-12-31 23:59:59.999999+00");
}

TEST(copy_encoder, quotes_every_array_element) {
  EXPECT_EQ(encode([](auto& o) { append_copy_text_array(o, {}); }), "{}");
  EXPECT_EQ(encode([](auto& o) { append_copy_text_array(o, {"a", ""}); }), R"({"a",""})");
  EXPECT_EQ(encode([](auto& o) {
              append_copy_text_array(o, {"a,b", "NULL", "{x}"});
            }),
            R"({"a,b","NULL","{x}"})");
  // Quote and backslash: array escaping, then COPY's doubling of every backslash.
  EXPECT_EQ(encode([](auto& o) {
              append_copy_text_array(o, {"say \"hi\"", "c:\\dir"});
            }),
            R"({"say \\"hi\\"","c:\\\\dir"})");
  EXPECT_EQ(encode([](auto& o) { append_copy_text_array(o, {"tab\there"}); }), R"({"tab\there"})");
}

TEST(copy_encoder, encodes_cells_by_alternative) {
  auto cell_text = [](const cell& c, column_type t) {
    return encode([&](auto& o) { append_copy_cell(o, c, t); });
  };
  EXPECT_EQ(cell_text(std::monostate{}, column_type::text), "\\N");
  EXPECT_EQ(cell_text(std::string(), column_type::text), "");
  EXPECT_EQ(cell_text(true, column_type::boolean), "t");
  EXPECT_EQ(cell_text(false, column_type::boolean), "f");
  EXPECT_EQ(cell_text(std::int64_t{-9223372036854775807 - 1}, column_type::bigint),
            "-9223372036854775808");
  EXPECT_EQ(cell_text(std::string("4.5"), column_type::numeric), "4.5");
  EXPECT_EQ(cell_text(std::string(R"({"k":"a\nb"})"), column_type::jsonb), R"({"k":"a\\nb"})");
}

TEST(copy_encoder, row_lines_carry_a_hash_of_the_content) {
  const table_def& t = tables::crm_notes;
  row r = make_row(t);
  r[t.index("external_id")] = std::string("n1");
  r[t.index("body")] = std::string("hello");
  std::string line;
  append_copy_row(line, "src\t", t, r);
  ASSERT_TRUE(line.starts_with("src\tn1\thello\t\\N\t"));
  ASSERT_TRUE(line.ends_with("\n"));
  const std::size_t hash_at = line.rfind("\t\\\\x");
  ASSERT_NE(hash_at, std::string::npos);
  EXPECT_EQ(line.size() - hash_at, 4 + 32 + 1u);  // tab, \\x, 16 bytes in hex, newline
  auto hash_of = [&](const row& x) {
    std::string l;
    append_copy_row(l, "src\t", t, x);
    return l.substr(l.rfind('\t'));
  };
  EXPECT_EQ(hash_of(r), line.substr(hash_at));
  row empty_body = r;
  empty_body[t.index("body")] = std::string();
  row null_body = r;
  null_body[t.index("body")] = std::monostate{};
  row deleted = r;
  deleted[t.index("deleted_at")] = at("2024-01-01T00:00:00Z");
  EXPECT_NE(hash_of(empty_body), hash_of(null_body));
  EXPECT_NE(hash_of(r), hash_of(empty_body));
  EXPECT_NE(hash_of(r), hash_of(deleted));
  // The source is not part of the content: the key already carries it.
  std::string other_source;
  append_copy_row(other_source, "other\t", t, r);
  EXPECT_EQ(other_source.substr(other_source.rfind('\t')), hash_of(r));
}

}  // namespace
}  // namespace sluice::store
