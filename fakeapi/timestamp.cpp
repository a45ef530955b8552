#include "fakeapi/timestamp.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace sluice::fakeapi {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(int y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Reads exactly `width` ASCII digits at `pos`.
std::optional<unsigned> fixed_digits(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  unsigned value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace

micros make_utc(int year, unsigned month, unsigned day, unsigned hour, unsigned minute,
                unsigned second, unsigned microsecond) {
  const std::int64_t days = days_from_civil(year, month, day);
  const std::int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second;
  return seconds * micros_per_second + microsecond;
}

std::string format_iso(micros utc, int offset_minutes) {
  const micros local = utc + static_cast<micros>(offset_minutes) * 60 * micros_per_second;
  const std::int64_t seconds = floor_div(local, micros_per_second);
  const auto fraction = static_cast<long>(local - seconds * micros_per_second);
  const std::int64_t days = floor_div(seconds, 86400);
  const auto second_of_day = static_cast<long>(seconds - days * 86400);
  const civil date = civil_from_days(days);
  const char sign = offset_minutes < 0 ? '-' : '+';
  const int offset = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char buffer[64];
  const int n = std::snprintf(
      buffer, sizeof buffer, "%04lld-%02u-%02uT%02ld:%02ld:%02ld.%06ld%c%02d:%02d",
      static_cast<long long>(date.year), date.month, date.day, second_of_day / 3600,
      second_of_day / 60 % 60, second_of_day % 60, fraction, sign, offset / 60, offset % 60);
  return std::string(buffer, static_cast<std::size_t>(n));
}

// Cut from the full form, so every vendor's text agrees with format_iso to the digit.
std::string format_iso_seconds(micros utc) { return format_iso(utc, 0).substr(0, 19) + "Z"; }

std::string format_iso_millis(micros utc) { return format_iso(utc, 0).substr(0, 23) + "Z"; }

std::string format_iso_date(micros utc) { return format_iso(utc, 0).substr(0, 10); }

std::optional<micros> parse_naive_utc(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS is 19 characters; the fraction adds a dot and 1..6 digits.
  if (text.size() < 19) return std::nullopt;
  const auto year = fixed_digits(text, 0, 4);
  const auto month = fixed_digits(text, 5, 2);
  const auto day = fixed_digits(text, 8, 2);
  const auto hour = fixed_digits(text, 11, 2);
  const auto minute = fixed_digits(text, 14, 2);
  const auto second = fixed_digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  if (*year < 1 || *month < 1 || *month > 12 || *day < 1 ||
      *day > days_in_month(static_cast<int>(*year), *month) || *hour > 23 || *minute > 59 ||
      *second > 59) {
    return std::nullopt;
  }
  unsigned microsecond = 0;
  if (text.size() > 19) {
    const std::string_view fraction = text.substr(20);
    if (text[19] != '.' || fraction.size() > 6 || !all_digits(fraction)) return std::nullopt;
    microsecond = *fixed_digits(fraction, 0, fraction.size());
    for (std::size_t i = fraction.size(); i < 6; ++i) microsecond *= 10;
  }
  return make_utc(static_cast<int>(*year), *month, *day, *hour, *minute, *second, microsecond);
}

std::string format_unix_seconds(micros utc) {
  const std::int64_t seconds = floor_div(utc, micros_per_second);
  char buffer[48];
  const int n = std::snprintf(buffer, sizeof buffer, "%lld.%06lld", static_cast<long long>(seconds),
                              static_cast<long long>(utc - seconds * micros_per_second));
  return std::string(buffer, static_cast<std::size_t>(n));
}

std::optional<micros> parse_unix_seconds(std::string_view text) {
  std::string_view body = text;
  const bool negative = !body.empty() && body.front() == '-';
  if (negative) body.remove_prefix(1);
  const std::size_t dot = body.find('.');
  const std::string_view whole = body.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view{} : body.substr(dot + 1);
  if (all_digits(whole) && whole.size() <= 12 &&
      (dot == std::string_view::npos || all_digits(fraction))) {
    micros value = 0;
    for (char c : whole) value = value * 10 + (c - '0');
    micros sub = 0;
    bool rest_nonzero = false;
    for (std::size_t i = 0; i < fraction.size(); ++i) {
      if (i < 6) {
        sub = sub * 10 + (fraction[i] - '0');
      } else if (fraction[i] != '0') {
        rest_nonzero = true;
      }
    }
    for (std::size_t i = fraction.size(); i < 6; ++i) sub *= 10;
    value = value * micros_per_second + sub;
    // Round toward +infinity: the value is a lower bound and `modified >= x` must stay exact.
    if (negative) return -value;
    return rest_nonzero ? value + 1 : value;
  }
  double seconds = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(seconds) ||
      std::fabs(seconds) > 1e12) {
    return std::nullopt;
  }
  return static_cast<micros>(std::llround(seconds * 1e6));
}

}  // namespace sluice::fakeapi
