#include "net/http.hpp"

#include <gtest/gtest.h>

namespace sluice::net {
namespace {

TEST(response, header_value_is_case_insensitive_and_first_wins) {
  response r;
  r.headers = {{"Content-Type", "application/json"}, {"retry-after", "5"}, {"Retry-After", "9"}};
  EXPECT_EQ(r.header_value("content-type"), "application/json");
  EXPECT_EQ(r.header_value("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(r.header_value("Retry-After"), "5");
  EXPECT_EQ(r.header_value("Content-Length"), "");
  EXPECT_EQ(r.header_value("Content-Typ"), "");
}

}  // namespace
}  // namespace sluice::net
