// Clevertim task dates are the account's wall-clock times: the source's `timezone` turns them into
// instants, with one rule for the hour that daylight-saving changes skip or repeat.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "connectors/clevertim/account_zone.hpp"
#include "connectors/clevertim/mapping.hpp"
#include "core/error.hpp"
#include "connectors/clevertim/tables.hpp"
#include "tests/connectors/test_support.hpp"

namespace sluice::connectors::clevertim {
namespace {

using test::at;

date::local_seconds wall(int y, unsigned mo, unsigned d, int h, int mi) {
  return date::local_days{date::year{y} / date::month{mo} / date::day{d}} + std::chrono::hours{h} +
         std::chrono::minutes{mi};
}

row task(std::string_view start, std::string_view end, const account_zone& zone,
         run_counters& counters) {
  auto json = R"({"id":12,"ao":"2023-01-02T03:04:05Z","lm":"2023-06-07T08:09:10Z","startDate":)" +
              std::string(start) + R"(,"endDate":)" + std::string(end) + "}";
  return map_task(boost::json::parse(json).as_object(), counters, zone);
}

timestamp column(const row& r, std::string_view name) {
  return test::value_of<timestamp>(r, tables::crm_tasks, name);
}

TEST(ClevertimTimezone, UtcIsTheDefaultAndNeedsNoConversion) {
  EXPECT_EQ(account_zone::utc().name(), "UTC");
  EXPECT_EQ(account_zone("").name(), "UTC");
  EXPECT_EQ(account_zone::utc().to_utc(wall(2023, 7, 14, 10, 30)), at("2023-07-14T10:30:00Z"));
  EXPECT_EQ(account_zone("Etc/UTC").to_utc(wall(2023, 7, 14, 10, 30)), at("2023-07-14T10:30:00Z"));
}

TEST(ClevertimTimezone, ParisSummerAndWinterTime) {
  const account_zone paris("Europe/Paris");
  EXPECT_EQ(paris.name(), "Europe/Paris");
  EXPECT_EQ(paris.to_utc(wall(2023, 7, 14, 10, 30)), at("2023-07-14T08:30:00Z"));  // +02:00
  EXPECT_EQ(paris.to_utc(wall(2023, 1, 10, 10, 0)), at("2023-01-10T09:00:00Z"));   // +01:00
  EXPECT_EQ(paris.to_utc(wall(2024, 2, 29, 0, 15)), at("2024-02-28T23:15:00Z"));  // across midnight
  // Other sides of the world, with their own rules.
  EXPECT_EQ(account_zone("America/New_York").to_utc(wall(2023, 7, 4, 9, 0)),
            at("2023-07-04T13:00:00Z"));
  EXPECT_EQ(account_zone("Australia/Sydney").to_utc(wall(2023, 1, 1, 9, 0)),
            at("2022-12-31T22:00:00Z"));
  EXPECT_EQ(account_zone("Asia/Kolkata").to_utc(wall(2023, 5, 1, 12, 0)),
            at("2023-05-01T06:30:00Z"));
}

TEST(ClevertimTimezone, ATimeShownTwiceIsItsFirstOccurrence) {
  // 2023-10-29 in Paris: clocks go back from 03:00 CEST to 02:00 CET, so 02:30 happens twice,
  // at 00:30Z (+02:00) and at 01:30Z (+01:00). The offset before the change applies: 00:30Z.
  const account_zone paris("Europe/Paris");
  EXPECT_EQ(paris.to_utc(wall(2023, 10, 29, 2, 30)), at("2023-10-29T00:30:00Z"));
  EXPECT_EQ(paris.to_utc(wall(2023, 10, 29, 2, 0)), at("2023-10-29T00:00:00Z"));
  // Just outside the repeated hour, each time is unique.
  EXPECT_EQ(paris.to_utc(wall(2023, 10, 29, 1, 59)), at("2023-10-28T23:59:00Z"));
  EXPECT_EQ(paris.to_utc(wall(2023, 10, 29, 3, 0)), at("2023-10-29T02:00:00Z"));
}

TEST(ClevertimTimezone, ATimeNeverShownTakesTheOffsetBeforeTheChange) {
  // 2023-03-26 in Paris: clocks jump from 02:00 CET to 03:00 CEST; 02:30 never shows. Read with
  // the winter offset (+01:00): 01:30Z, which the clocks showed as 03:30.
  const account_zone paris("Europe/Paris");
  EXPECT_EQ(paris.to_utc(wall(2023, 3, 26, 2, 30)), at("2023-03-26T01:30:00Z"));
  EXPECT_EQ(paris.to_utc(wall(2023, 3, 26, 2, 0)), at("2023-03-26T01:00:00Z"));
  EXPECT_EQ(paris.to_utc(wall(2023, 3, 26, 1, 59)), at("2023-03-26T00:59:00Z"));
  EXPECT_EQ(paris.to_utc(wall(2023, 3, 26, 3, 0)), at("2023-03-26T01:00:00Z"));
}

TEST(ClevertimTimezone, AnUnknownZoneIsAConfigError) {
  try {
    account_zone zone("Europe/Pariss");
    FAIL() << "accepted";
  } catch (const error& e) {
    EXPECT_EQ(e.kind(), error_kind::config);
    EXPECT_NE(std::string(e.what()).find("Europe/Pariss"), std::string::npos) << e.what();
  }
}

TEST(ClevertimTimezone, TaskDatesAreConvertedAndRecordTimesAreNot) {
  const account_zone paris("Europe/Paris");
  run_counters counters;
  auto r = task(R"({"y":2023,"mo":7,"d":14,"h":10,"mi":30})",
                R"({"y":2023,"mo":10,"d":29,"h":2,"mi":30})", paris, counters);
  EXPECT_EQ(column(r, "starts_at"), at("2023-07-14T08:30:00Z"));
  EXPECT_EQ(column(r, "ends_at"), at("2023-10-29T00:30:00Z"));
  // `ao` and `lm` carry their own Z: they are instants already.
  EXPECT_EQ(column(r, "created_at"), at("2023-01-02T03:04:05Z"));
  EXPECT_EQ(column(r, "modified_at"), at("2023-06-07T08:09:10Z"));
  EXPECT_EQ(counters.warnings, 0);

  // Without a zone (the default) the same fields are UTC, as before.
  auto utc =
      task(R"({"y":2023,"mo":7,"d":14,"h":10,"mi":30})", "null", account_zone::utc(), counters);
  EXPECT_EQ(column(utc, "starts_at"), at("2023-07-14T10:30:00Z"));
  EXPECT_TRUE(test::is_null(utc, tables::crm_tasks, "ends_at"));

  // An impossible date is still a warning, whatever the zone.
  auto odd = task(R"({"y":2023,"mo":2,"d":30,"h":10,"mi":0})", "null", paris, counters);
  EXPECT_TRUE(test::is_null(odd, tables::crm_tasks, "starts_at"));
  EXPECT_EQ(counters.warnings, 1);
}

TEST(ClevertimTimezone, ElementsOfAnAnswerUseTheZone) {
  const account_zone paris("Europe/Paris");
  run_counters counters;
  const auto* tasks = find_resource("task");
  ASSERT_NE(tasks, nullptr);
  auto element =
      boost::json::parse(R"({"id":3,"startDate":{"y":2023,"mo":1,"d":10,"h":10,"mi":0}})");
  auto r =
      map_element(*tasks, element, 0, {"crm", "https://example.com/api/task"}, counters, paris);
  EXPECT_EQ(column(r, "starts_at"), at("2023-01-10T09:00:00Z"));
}

}  // namespace
}  // namespace sluice::connectors::clevertim
