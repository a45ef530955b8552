#include "core/rate.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

TEST(parse_rate, units) {
  EXPECT_DOUBLE_EQ(parse_rate("300/min")->per_second, 5.0);
  EXPECT_DOUBLE_EQ(parse_rate("5/s")->per_second, 5.0);
  EXPECT_DOUBLE_EQ(parse_rate("3600/h")->per_second, 1.0);
  for (auto bad : {"", "300", "300/day", "/min", "-1/s", "0/s", "abc/min", "300 /min"})
    EXPECT_FALSE(parse_rate(bad).has_value()) << bad;
}

TEST(format_rate, per_minute) { EXPECT_EQ(format_rate(*parse_rate("300/min")), "300/min"); }

}  // namespace
}  // namespace sluice
