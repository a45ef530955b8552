#pragma once
// Instants as UTC microseconds since the Unix epoch, and the text forms vendors use for them.
// Plain integers rather than std::chrono types: the fake sorts and compares millions of them and
// only ever needs microsecond arithmetic.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::fakeapi {

using micros = std::int64_t;

inline constexpr micros micros_per_second = 1'000'000;

// Proleptic Gregorian civil date to UTC microseconds (no validation).
micros make_utc(int year, unsigned month, unsigned day, unsigned hour = 0, unsigned minute = 0,
                unsigned second = 0, unsigned microsecond = 0);

// `2017-07-01T16:10:23.156000+02:00`: the instant shown in the given UTC offset, always six
// fractional digits.
std::string format_iso(micros utc, int offset_minutes);

// `2021-03-04T10:15:22Z`: whole seconds in UTC.
std::string format_iso_seconds(micros utc);

// `2021-03-01T00:02:21.739Z`: UTC with milliseconds.
std::string format_iso_millis(micros utc);

// `2021-03-04`: the UTC date.
std::string format_iso_date(micros utc);

// Strict naive UTC `YYYY-MM-DDTHH:MM:SS` with an optional `.f` to `.ffffff` fraction; nullopt for
// anything else (offsets, spaces, out-of-range fields).
std::optional<micros> parse_naive_utc(std::string_view text);

// `1561335111.681374`: unix seconds with six fractional digits, a valid JSON number.
std::string format_unix_seconds(micros utc);

// A number of unix seconds (`1561335111`, `1561335111.681374`, `1.5e9`). Decimal forms are
// converted exactly; digits beyond microseconds round up, so `>=` filters stay exact.
std::optional<micros> parse_unix_seconds(std::string_view text);

}  // namespace sluice::fakeapi
