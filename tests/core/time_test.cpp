#include "core/time.hpp"

#include <gtest/gtest.h>

namespace sluice {
namespace {

std::string roundtrip(std::string_view text) {
  auto t = parse_timestamp(text);
  return t ? format_timestamp(*t) : std::string("<nullopt>");
}

TEST(parse_timestamp, offsets_become_utc) {
  EXPECT_EQ(roundtrip("2017-07-01T16:10:23.156000+02:00"), "2017-07-01T14:10:23.156000Z");
  EXPECT_EQ(roundtrip("2017-07-01T16:10:23.156000-05:00"), "2017-07-01T21:10:23.156000Z");
  EXPECT_EQ(roundtrip("2017-07-01T16:10:23+0200"), "2017-07-01T14:10:23.000000Z");
  EXPECT_EQ(roundtrip("2021-03-01T00:02:21.739Z"), "2021-03-01T00:02:21.739000Z");
}

TEST(parse_timestamp, crossing_midnight_and_year) {
  EXPECT_EQ(roundtrip("2024-01-01T01:00:00+02:00"), "2023-12-31T23:00:00.000000Z");
}

TEST(parse_timestamp, naive_is_utc_and_date_is_midnight) {
  EXPECT_EQ(roundtrip("2017-08-01T00:00:00"), "2017-08-01T00:00:00.000000Z");
  EXPECT_EQ(roundtrip("2017-08-01 00:00:00"), "2017-08-01T00:00:00.000000Z");
  EXPECT_EQ(roundtrip("2021-03-01"), "2021-03-01T00:00:00.000000Z");
}

TEST(parse_timestamp, extra_fraction_digits_truncate) {
  EXPECT_EQ(roundtrip("2017-08-01T00:00:00.1234567891Z"), "2017-08-01T00:00:00.123456Z");
  EXPECT_EQ(roundtrip("2017-08-01T00:00:00.5Z"), "2017-08-01T00:00:00.500000Z");
}

TEST(parse_timestamp, rejects_placeholders_and_garbage) {
  for (auto bad : {"<string>", "", "2017-13-01T00:00:00Z", "2017-02-30", "2017-08-01T25:00:00",
                   "2017-08-01T00:00:00+02:00 trailing", "yesterday", "2017-08-01T00:00:00.Z",
                   "1561335111.681374"})
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
}

TEST(format_naive_utc, drops_fraction_and_zone) {
  auto t = parse_timestamp("2017-08-01T19:15:54.256000+02:00");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_naive_utc(*t), "2017-08-01T17:15:54");
}

TEST(from_unix_seconds, keeps_microseconds) {
  auto t = from_unix_seconds(1561335111.681374);
  ASSERT_TRUE(t);
  EXPECT_EQ(format_timestamp(*t), "2019-06-24T00:11:51.681374Z");
  EXPECT_FALSE(from_unix_seconds(1e300).has_value());
}

TEST(duration, parse_and_format) {
  using namespace std::chrono;
  EXPECT_EQ(parse_duration("30s"), duration_cast<duration>(seconds{30}));
  EXPECT_EQ(parse_duration("15m"), duration_cast<duration>(minutes{15}));
  EXPECT_EQ(parse_duration("1h"), duration_cast<duration>(hours{1}));
  EXPECT_EQ(parse_duration("7d"), duration_cast<duration>(hours{24 * 7}));
  EXPECT_EQ(parse_duration("500ms"), duration_cast<duration>(milliseconds{500}));
  EXPECT_EQ(parse_duration("0"), duration{0});
  for (auto bad : {"", "15", "15 m", "m", "-1s", "1.5h", "15minutes"})
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  EXPECT_EQ(format_duration(*parse_duration("15m")), "15m");
  EXPECT_EQ(format_duration(*parse_duration("90s")), "90s");
  EXPECT_EQ(format_duration(*parse_duration("7d")), "7d");
}

// Found by fuzz/time_fuzz.cpp: instants that cross year 9999 or year 0 in UTC must still read
// back after format_timestamp, or a cursor holding one would fail every later run.
TEST(timestamp, every_parsed_instant_reads_back) {
  for (auto text : {"9999-12-31T23:59:60Z", "9999-12-31T23:00:00-05:00", "0000-01-01T00:00:00Z"}) {
    auto t = parse_timestamp(text);
    ASSERT_TRUE(t) << text;
    EXPECT_EQ(parse_timestamp(format_timestamp(*t)), t) << text;
  }
  EXPECT_EQ(format_timestamp(*parse_timestamp("9999-12-31T23:00:00-05:00")),
            "10000-01-01T04:00:00.000000Z");
  EXPECT_FALSE(parse_timestamp("0000-01-01T00:00:00+01:00").has_value());
}

// Found by fuzz/time_fuzz.cpp: a count that fits the digit limit but not in microseconds.
TEST(duration, absurd_values_are_refused_not_overflowed) {
  EXPECT_FALSE(parse_duration("788888888d").has_value());
  EXPECT_FALSE(parse_duration("1000000000h").has_value());
  EXPECT_EQ(parse_duration("36500d"), std::chrono::hours{24 * 36500});
}

}  // namespace
}  // namespace sluice
