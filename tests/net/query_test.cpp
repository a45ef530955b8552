#include "net/query.hpp"

#include <gtest/gtest.h>

namespace sluice::net {
namespace {

TEST(percent_encode, keeps_only_unreserved_characters) {
  EXPECT_EQ(percent_encode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(percent_encode("/?&=#%"), "%2F%3F%26%3D%23%25");
}

TEST(percent_encode, timestamp_offset_plus_is_not_a_space) {
  EXPECT_EQ(percent_encode("2017-08-01T00:00:00+02:00"), "2017-08-01T00%3A00%3A00%2B02%3A00");
}

TEST(percent_encode, spaces_become_percent_20) {
  EXPECT_EQ(percent_encode("good coffee"), "good%20coffee");
  EXPECT_EQ(percent_encode(" "), "%20");
}

TEST(percent_encode, utf8_bytes_are_encoded_uppercase) {
  EXPECT_EQ(percent_encode("caf\xC3\xA9"), "caf%C3%A9");
  EXPECT_EQ(percent_encode("\xE6\x97\xA5\xE6\x9C\xAC"), "%E6%97%A5%E6%9C%AC");
  EXPECT_EQ(percent_encode(std::string_view("\0\x7F", 2)), "%00%7F");
}

TEST(make_url, joins_with_exactly_one_slash) {
  EXPECT_EQ(make_url("https://api.partoo.co/v2", "reviews"), "https://api.partoo.co/v2/reviews");
  EXPECT_EQ(make_url("https://api.partoo.co/v2", "/reviews"), "https://api.partoo.co/v2/reviews");
  EXPECT_EQ(make_url("https://api.partoo.co/v2/", "reviews"), "https://api.partoo.co/v2/reviews");
  EXPECT_EQ(make_url("https://api.partoo.co/v2/", "/reviews"), "https://api.partoo.co/v2/reviews");
  EXPECT_EQ(make_url("http://my.cl.ly", "/items"), "http://my.cl.ly/items");
}

TEST(make_url, empty_path_and_params_leave_base_alone) {
  EXPECT_EQ(make_url("https://www.clevertim.com/api", ""), "https://www.clevertim.com/api");
  EXPECT_EQ(make_url("https://www.clevertim.com/api", "contact", {}),
            "https://www.clevertim.com/api/contact");
}

TEST(make_url, encodes_params_in_order) {
  EXPECT_EQ(make_url("https://api.partoo.co/v2", "/reviews",
                     {{"order_by", "update_date"},
                      {"update_date__gte", "2017-08-01T00:00:00+02:00"},
                      {"per_page", "100"}}),
            "https://api.partoo.co/v2/reviews?order_by=update_date&"
            "update_date__gte=2017-08-01T00%3A00%3A00%2B02%3A00&per_page=100");
  EXPECT_EQ(make_url("https://x.test", "search", {{"q", "a&b=c d"}, {"k y", ""}}),
            "https://x.test/search?q=a%26b%3Dc%20d&k%20y=");
}

TEST(make_url, appends_to_a_query_already_in_the_path) {
  EXPECT_EQ(make_url("http://my.cl.ly", "/items?deleted=true", {{"page", "2"}}),
            "http://my.cl.ly/items?deleted=true&page=2");
}

}  // namespace
}  // namespace sluice::net
