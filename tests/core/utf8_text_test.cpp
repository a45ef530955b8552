#include "core/utf8_text.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

namespace sluice {
namespace {

TEST(utf8_text, valid_text_is_kept) {
  EXPECT_EQ(utf8_safe("plain été 日本 \xF0\x9F\x98\x80"), "plain été 日本 \xF0\x9F\x98\x80");
  EXPECT_TRUE(is_utf8_safe("été"));
}

TEST(utf8_text, invalid_bytes_and_nul_become_visible_escapes) {
  EXPECT_EQ(utf8_safe("caf\xE9"), "caf\\xE9");           // Latin-1
  EXPECT_EQ(utf8_safe("10 \xE2\x82"), "10 \\xE2\\x82");  // a cut "€"
  EXPECT_EQ(utf8_safe(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(utf8_safe("\xED\xA0\x80"), "\\xED\\xA0\\x80");  // a surrogate
  EXPECT_EQ(utf8_safe("\xC0\xAF"), "\\xC0\\xAF");           // overlong
  EXPECT_FALSE(is_utf8_safe("caf\xE9"));
  EXPECT_FALSE(is_utf8_safe(std::string("\0", 1)));
}

TEST(utf8_text, cuts_on_a_character_boundary_within_the_limit) {
  EXPECT_EQ(utf8_safe("abcdef", 6), "abcdef");
  EXPECT_EQ(utf8_safe("abcdefg", 6), "abc...");
  // "€" is 3 bytes: it is not split.
  EXPECT_EQ(utf8_safe("ab\xE2\x82\xAC\xE2\x82\xAC", 7), "ab...");
  auto cut = utf8_safe(std::string(300, '\xFF'), 200);
  EXPECT_LE(cut.size(), 200u);
  EXPECT_TRUE(is_utf8_safe(cut));
}

TEST(utf8_text, error_messages_are_always_valid_utf8) {
  error e(error_kind::server, "HTTP 500: \xE2\x82");
  EXPECT_STREQ(e.what(), "HTTP 500: \\xE2\\x82");
}

}  // namespace
}  // namespace sluice
