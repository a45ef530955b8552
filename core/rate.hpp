#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace sluice {

// A request budget: `300/min`, `5/s`, `1000/h`.
struct rate {
  double per_second = 0;  // 0: unlimited
};

std::optional<rate> parse_rate(std::string_view text) noexcept;
std::string format_rate(rate r);

}  // namespace sluice
