#include "core/time.hpp"

#include <cmath>
#include <cstdio>

#include <date/date.h>

namespace sluice {
namespace {

// A small hand-written scanner: date::parse would need one format string per variant (offset
// with or without colon, Z, naive, fraction lengths), and this runs once per record field.
struct scanner {
  std::string_view s;
  std::size_t i = 0;

  bool done() const { return i >= s.size(); }
  char peek() const { return done() ? '\0' : s[i]; }
  bool digits(int n, int& out) {
    if (i + n > s.size()) return false;
    int v = 0;
    for (int k = 0; k < n; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    i += n;
    out = v;
    return true;
  }
  bool lit(char c) {
    if (peek() != c) return false;
    ++i;
    return true;
  }
};

}  // namespace

std::optional<timestamp> parse_timestamp(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  scanner sc{text};
  int y, mo, d, h = 0, mi = 0, sec = 0;
  if (!sc.digits(4, y)) return std::nullopt;
  // A fifth digit: year 10000, which format_timestamp writes for a time such as
  // 9999-12-31T23:00:00-05:00. What was written as a cursor must read back.
  if (int fifth = 0; sc.peek() >= '0' && sc.peek() <= '9' && sc.digits(1, fifth))
    y = y * 10 + fifth;
  if (!sc.lit('-') || !sc.digits(2, mo) || !sc.lit('-') || !sc.digits(2, d)) return std::nullopt;
  date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(mo)},
                           date::day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t micros = 0;
  std::int64_t offset_seconds = 0;
  if (!sc.done()) {
    if (!sc.lit('T') && !sc.lit('t') && !sc.lit(' ')) return std::nullopt;
    if (!sc.digits(2, h) || !sc.lit(':') || !sc.digits(2, mi)) return std::nullopt;
    if (sc.lit(':')) {
      if (!sc.digits(2, sec)) return std::nullopt;
      if (sc.lit('.') || sc.lit(',')) {
        int n = 0;
        while (!sc.done() && sc.peek() >= '0' && sc.peek() <= '9') {
          if (n < 6) micros = micros * 10 + (sc.peek() - '0');
          ++n;
          ++sc.i;
        }
        if (n == 0) return std::nullopt;
        for (int k = n; k < 6; ++k) micros *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
    if (sc.lit('Z') || sc.lit('z')) {
    } else if (sc.peek() == '+' || sc.peek() == '-') {
      int sign = sc.peek() == '-' ? -1 : 1;
      ++sc.i;
      int oh, om = 0;
      if (!sc.digits(2, oh)) return std::nullopt;
      if (sc.lit(':')) {
        if (!sc.digits(2, om)) return std::nullopt;
      } else if (!sc.done()) {
        if (!sc.digits(2, om)) return std::nullopt;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      offset_seconds = sign * (oh * 3600 + om * 60);
    }
    if (!sc.done()) return std::nullopt;
  }
  using namespace std::chrono;
  auto local = date::sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec};
  timestamp t{duration_cast<microseconds>(local.time_since_epoch()) + microseconds{micros} -
              duration_cast<microseconds>(seconds{offset_seconds})};
  // Before year 0 in UTC (0000-01-01T00:00:00+01:00) would be written as a negative year, which
  // no reader takes back.
  if (t < timestamp{date::sys_days{date::year{0} / 1 / 1}}) return std::nullopt;
  return t;
}

std::optional<timestamp> from_unix_seconds(double seconds) noexcept {
  if (!std::isfinite(seconds) || seconds < -1e11 || seconds > 1e11) return std::nullopt;
  return timestamp{
      std::chrono::microseconds{static_cast<std::int64_t>(std::llround(seconds * 1e6))}};
}

std::string format_timestamp(timestamp t) {
  using namespace std::chrono;
  auto day = floor<days>(t);
  date::year_month_day ymd{day};
  auto tod = t - day;
  auto h = duration_cast<hours>(tod);
  auto mi = duration_cast<minutes>(tod - h);
  auto s = duration_cast<seconds>(tod - h - mi);
  auto us = (tod - h - mi - s).count();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06lldZ", int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(h.count()), int(mi.count()),
                int(s.count()), static_cast<long long>(us));
  return buf;
}

std::string format_naive_utc(timestamp t) {
  std::string s = format_timestamp(t);
  return s.substr(0, 19);
}

std::optional<duration> parse_duration(std::string_view text) noexcept {
  if (text == "0") return duration{0};
  std::size_t i = 0;
  std::int64_t n = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    n = n * 10 + (text[i] - '0');
    if (n > 1'000'000'000) return std::nullopt;
    ++i;
  }
  if (i == 0) return std::nullopt;
  auto unit = text.substr(i);
  using namespace std::chrono;
  duration size;
  if (unit == "ms") {
    size = milliseconds{1};
  } else if (unit == "s") {
    size = seconds{1};
  } else if (unit == "m" || unit == "min") {
    size = minutes{1};
  } else if (unit == "h") {
    size = hours{1};
  } else if (unit == "d") {
    size = hours{24};
  } else {
    return std::nullopt;
  }
  // At most about 100 years: far beyond any sensible setting, far below overflow.
  constexpr std::int64_t max_micros = 100LL * 366 * 86'400 * 1'000'000;
  if (n > max_micros / size.count()) return std::nullopt;
  return size * n;
}

std::string format_duration(duration d) {
  using namespace std::chrono;
  auto us = d.count();
  struct unit {
    std::int64_t size;
    const char* name;
  };
  static constexpr unit units[] = {{86'400'000'000LL, "d"},
                                   {3'600'000'000LL, "h"},
                                   {60'000'000LL, "m"},
                                   {1'000'000LL, "s"},
                                   {1'000LL, "ms"}};
  for (auto u : units)
    if (us != 0 && us % u.size == 0) return std::to_string(us / u.size) + u.name;
  if (us == 0) return "0s";
  return std::to_string(us) + "us";
}

}  // namespace sluice
