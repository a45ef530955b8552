#include "connectors/partoo/promises.hpp"

#include <functional>

#include "core/error.hpp"

namespace sluice::connectors::partoo {

timestamp clock_rule::for_paging(timestamp t) const noexcept {
  auto limit = std::chrono::time_point_cast<timestamp::duration>(
      std::chrono::floor<std::chrono::seconds>(now_ + future_skew));
  return std::min(t, limit);
}

void warn_future(run_counters* counters, std::string_view what, std::string_view id,
                 std::string_view field, timestamp t) {
  if (counters == nullptr) return;
  counters->warn("partoo " + std::string(what) + " " + std::string(id) + ": " + std::string(field) +
                 " " + format_timestamp(t) +
                 " lies in the future; stored, but the cursor does not move past now");
}

void distinct_tally::on_answer(std::optional<std::int64_t> count) {
  if (answered_) return;
  answered_ = true;
  promised_ = count;
}

void distinct_tally::see(std::string_view id) { ids_.insert(std::hash<std::string_view>{}(id)); }

void check_update_order(std::span<const timestamp> dates, std::span<const std::string> ids,
                        std::optional<timestamp> bound, std::string_view stream) {
  for (std::size_t i = 0; i < dates.size(); ++i) {
    std::string problem;
    if (bound && dates[i] < *bound) {
      problem = "lies below the query's update_date__gte " + format_naive_utc(*bound);
    } else if (i > 0 && dates[i] < dates[i - 1]) {
      problem = "follows " + format_timestamp(dates[i - 1]) + " (record " + ids[i - 1] + ")";
    } else {
      continue;
    }
    throw error(error_kind::data,
                "partoo " + std::string(stream) +
                    ": the answer is not in update_date order: record " + ids[i] + " at " +
                    format_timestamp(dates[i]) + " " + problem +
                    "; the server ignores order_by=update_date, so no cursor can be trusted; "
                    "stopping before the cursor passes unread records");
  }
}

}  // namespace sluice::connectors::partoo
