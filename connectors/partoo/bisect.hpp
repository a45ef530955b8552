#pragma once
// Where Partoo reviews drift: a bisection of update_date by counts. Pure (no I/O): it asks for
// the API's count of reviews dated up to a given second, one number at a time, compares with the
// table's, and ends with the smallest disagreeing spans worth re-reading.
//
// Partoo filters take whole seconds, and `update_date__lte=S` selects reviews dated at or before
// the instant S.000000. Every count asked for is such a prefix count P(S), and a span is
// (lo, hi]: after lo.000000, up to and including hi.000000. Its count is P(hi) - P(lo), so each
// split of a span costs ONE request (P of the split point) and yields both halves; the table's
// side is counted the same way from the sorted update dates of its rows. Spans meet exactly,
// whatever the reviews' fractions of a second.
//
// Split points follow the table's rows (the median second of the span), not the clock, so a
// span halves its rows at each step and a drifted span is found in about log2(rows / page)
// requests, however unevenly reviews are spread over the years.
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "core/time.hpp"

namespace sluice::connectors::partoo {

// The whole second an instant falls in (floor), and the instant a whole second starts at: the
// terms Partoo's filters take.
inline std::int64_t second_of(timestamp t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}
inline timestamp at_second(std::int64_t second) { return timestamp{std::chrono::seconds{second}}; }

// A span of update_date in whole seconds since the epoch: (lo, hi]. No lo: from the beginning;
// no hi: to the end.
struct second_span {
  std::optional<std::int64_t> lo;
  std::optional<std::int64_t> hi;
  bool operator==(const second_span&) const = default;
};

// Spans with this many rows or fewer (on either side) are re-read rather than split: two pages
// of 100 cost about what one more count and one page would.
inline constexpr std::int64_t leaf_records = 200;
inline constexpr std::int64_t page_records = 100;

// The table side: the rows' update dates, ascending.
class table_prefix {
public:
  explicit table_prefix(std::vector<timestamp> sorted) : times_(std::move(sorted)) {}

  std::int64_t upto(std::optional<std::int64_t> second) const;  // rows at or before second.0
  std::int64_t within(const second_span& span) const;
  std::int64_t total() const { return static_cast<std::int64_t>(times_.size()); }

  // Where to split `span`: strictly inside it, at the median second of its rows (or its middle
  // second when it has none, or just below its first row when it has no start). nullopt when
  // the span cannot be split (one second wide, or unbounded without rows to bound it).
  std::optional<std::int64_t> split(const second_span& span) const;

private:
  std::vector<timestamp> times_;
};

struct drifted_span {
  second_span span;
  std::int64_t api = 0;    // the API's count of the span
  std::int64_t table = 0;  // the table's
  bool operator==(const drifted_span&) const = default;
};

// Whether a disagreeing span is re-read as it is rather than split: it is small (leaf_records) or
// cannot be split.
bool reread_whole(std::int64_t api, std::int64_t table, bool can_split);

// Whether a disagreeing span's drift is dense: at least one record per page of it. Spread over
// the span, such drift would make nearly every piece disagree, and finding them all would cost
// more counts than re-reading its pages; gathered in one place (a batch of late arrivals), it is
// found in a few counts. One split tells the two apart: a dense span whose halves are both dense
// is re-read whole; otherwise the halves go on as any span would.
bool dense(std::int64_t api, std::int64_t table);

class bisection {
public:
  // `root` is the span verified; `api_lo` and `api_hi` are the API's prefix counts at its ends
  // (0 for an open start; the total for an open end).
  bisection(table_prefix table, second_span root, std::int64_t api_lo, std::int64_t api_hi);

  // The second whose prefix count is needed next; nullopt when the bisection is done.
  std::optional<std::int64_t> next_probe() const;
  // The answer for next_probe().
  void on_count(std::int64_t api_upto);

  bool done() const { return !pending_; }
  bool root_matched() const { return root_matched_; }
  std::int64_t root_api() const { return root_api_; }
  std::int64_t root_table() const { return root_table_; }
  const std::vector<drifted_span>& drifted() const { return drifted_; }

private:
  struct node {
    second_span span;
    std::int64_t api;
  };
  void consider(node n);
  void advance();
  std::int64_t api_upto(std::optional<std::int64_t> second, bool start) const;

  table_prefix table_;
  std::map<std::int64_t, std::int64_t> prefix_;  // the API's P(second), as answered
  std::int64_t api_end_ = 0;                     // P at an open end: the API's total
  std::vector<node> todo_;
  std::optional<node> pending_;  // split waiting for its count
  std::optional<std::int64_t> pending_at_;
  std::vector<drifted_span> drifted_;
  std::int64_t root_api_ = 0;
  std::int64_t root_table_ = 0;
  bool root_matched_ = false;
};

}  // namespace sluice::connectors::partoo
