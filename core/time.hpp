#pragma once
// Timestamps and durations. All instants are UTC microseconds (PostgreSQL's timestamptz
// resolution), so a cursor read back from the database compares equal to the API's value.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

using timestamp = std::chrono::sys_time<std::chrono::microseconds>;
using duration = std::chrono::microseconds;

// ISO-8601 / RFC 3339 date-times: `2017-07-01T16:10:23.156000+02:00`, `...Z`, `+0200`, a space
// instead of `T`, any number of fractional digits (extra digits beyond microseconds are truncated),
// and naive values without offset (read as UTC). A bare date `2021-03-01` is midnight UTC.
// Returns nullopt for anything else (vendors' examples contain placeholders like "<string>").
std::optional<timestamp> parse_timestamp(std::string_view text) noexcept;

// Unix seconds with an optional fraction, as a number or numeric string (`1561335111.681374`).
std::optional<timestamp> from_unix_seconds(double seconds) noexcept;

// `2017-08-01T17:15:54.256000Z`: always six fractional digits, always UTC. Sorts as text.
std::string format_timestamp(timestamp t);

// `2017-08-01T17:15:54` (naive UTC, fraction dropped): the form Partoo's filters take.
std::string format_naive_utc(timestamp t);

// Configuration durations: `30s`, `15m`, `1h`, `7d`, also `500ms`; a bare `0` is zero.
std::optional<duration> parse_duration(std::string_view text) noexcept;

// The inverse, in the largest unit that divides evenly: `15m`, `90s`.
std::string format_duration(duration d);

}  // namespace sluice
