#pragma once
// What the Partoo walks check in every answer before they let a cursor move: the promises the API
// makes about its answers (order, page counts, dates that make sense). Pure; no I/O.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/run_counters.hpp"
#include "core/time.hpp"

namespace sluice::connectors::partoo {

// How far past our clock a date may lie before it counts as dated in the future rather than as
// clock skew between us and the vendor.
inline constexpr duration future_skew = std::chrono::hours{24};

// Dates in the future (placeholders such as 9999-12-31, or a platform's broken clock) must not
// move a cursor there: the cursor would skip everything that arrives until then, and an instant
// past year 9999 in UTC cannot even be written back as a cursor.
class clock_rule {
public:
  explicit clock_rule(timestamp now) : now_(now) {}

  timestamp now() const noexcept { return now_; }
  bool in_future(timestamp t) const noexcept { return t > now_ + future_skew; }
  // The most a record dated `t` lets the cursor advance to.
  timestamp for_cursor(timestamp t) const noexcept { return std::min(t, now_); }
  // The value a record dated `t` has for paging: the query bound never goes past now + skew (in
  // whole seconds, what the filter can express), so records beyond are paged as one tie block.
  timestamp for_paging(timestamp t) const noexcept;

private:
  timestamp now_;
};

// Counts a warning for a record dated in the future (stored all the same).
void warn_future(run_counters* counters, std::string_view what, std::string_view id,
                 std::string_view field, timestamp t);

// The distinct records a walk read, against the count its first answer promised for the walk's
// query. A walk that read fewer is incomplete: it proves nothing about what it did not return, so
// it may never be used to conclude that a record is gone.
class distinct_tally {
public:
  // The first answer's count is the promise; later answers (other bounds) do not change it.
  void on_answer(std::optional<std::int64_t> count);
  void see(std::string_view id);

  std::int64_t seen() const noexcept { return static_cast<std::int64_t>(ids_.size()); }
  std::optional<std::int64_t> promised() const noexcept { return promised_; }
  bool complete() const noexcept { return !promised_ || seen() >= *promised_; }

private:
  std::unordered_set<std::uint64_t> ids_;  // hashes: 8 bytes per record, even for 200k records
  std::optional<std::int64_t> promised_;
  bool answered_ = false;
};

// Throws sluice::error (kind data) unless the dates (in answer order) never decrease and none
// lies below the query's lower bound: a server that ignores order_by would otherwise let the
// cursor pass records it has not sent yet. `ids` name the offending record; `stream` the walk.
void check_update_order(std::span<const timestamp> dates, std::span<const std::string> ids,
                        std::optional<timestamp> bound, std::string_view stream);

}  // namespace sluice::connectors::partoo
