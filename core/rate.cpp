#include "core/rate.hpp"

#include <charconv>
#include <cstdio>

namespace sluice {

std::optional<rate> parse_rate(std::string_view text) noexcept {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto number = text.substr(0, slash);
  auto unit = text.substr(slash + 1);
  double n = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
  if (ec != std::errc{} || end != number.data() + number.size() || !(n > 0)) return std::nullopt;
  if (unit == "s" || unit == "sec") return rate{n};
  if (unit == "min" || unit == "m") return rate{n / 60.0};
  if (unit == "h") return rate{n / 3600.0};
  return std::nullopt;
}

std::string format_rate(rate r) {
  if (r.per_second <= 0) return "unlimited";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g/min", r.per_second * 60.0);
  return buf;
}

}  // namespace sluice
