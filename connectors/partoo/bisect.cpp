#include "connectors/partoo/bisect.hpp"

#include <algorithm>
#include <cstdlib>

namespace sluice::connectors::partoo {
std::int64_t table_prefix::upto(std::optional<std::int64_t> second) const {
  if (!second) return total();
  return std::upper_bound(times_.begin(), times_.end(), at_second(*second)) - times_.begin();
}

std::int64_t table_prefix::within(const second_span& span) const {
  return upto(span.hi) - (span.lo ? upto(span.lo) : 0);
}

std::optional<std::int64_t> table_prefix::split(const second_span& span) const {
  auto first = span.lo ? std::upper_bound(times_.begin(), times_.end(), at_second(*span.lo))
                       : times_.begin();
  auto last =
      span.hi ? std::upper_bound(times_.begin(), times_.end(), at_second(*span.hi)) : times_.end();
  const auto rows = last - first;
  // An open end is closed first, just outside the rows: the piece beyond holds no rows of ours,
  // so whatever the API counts there is drift that a re-read of that piece alone repairs.
  if (!span.lo) {
    if (rows <= 0) return std::nullopt;
    return second_of(*first) - 1;
  }
  if (!span.hi) {
    if (rows <= 0) return std::nullopt;
    return second_of(*(last - 1)) + 1;
  }
  if (*span.hi - *span.lo <= 1) return std::nullopt;
  if (rows <= 0) return *span.lo + (*span.hi - *span.lo) / 2;
  const std::int64_t median = second_of(*(first + rows / 2));
  return std::clamp(median, *span.lo + 1, *span.hi - 1);
}

bool reread_whole(std::int64_t api, std::int64_t table, bool can_split) {
  return !can_split || std::max<std::int64_t>({api, table, 0}) <= leaf_records;
}

bool dense(std::int64_t api, std::int64_t table) {
  const std::int64_t records = std::max<std::int64_t>({api, table, 0});
  const std::int64_t pages = (records + page_records - 1) / page_records;
  return std::abs(api - table) >= pages;
}

bisection::bisection(table_prefix table, second_span root, std::int64_t api_lo, std::int64_t api_hi)
    : table_(std::move(table)) {
  if (root.lo) prefix_[*root.lo] = api_lo;
  if (root.hi) {
    prefix_[*root.hi] = api_hi;
  } else {
    api_end_ = api_hi;
  }
  root_api_ = api_hi - (root.lo ? api_lo : 0);
  root_table_ = table_.within(root);
  root_matched_ = root_api_ == root_table_;
  consider({root, root_api_});
  advance();
}

std::optional<std::int64_t> bisection::next_probe() const {
  return pending_ ? pending_at_ : std::nullopt;
}

void bisection::on_count(std::int64_t api_upto_split) {
  if (!pending_) return;
  const node parent = *pending_;
  const std::int64_t at = *pending_at_;
  pending_.reset();
  pending_at_.reset();
  prefix_[at] = api_upto_split;
  const node left{{parent.span.lo, at}, api_upto_split - api_upto(parent.span.lo, true)};
  const node right{{at, parent.span.hi}, api_upto(parent.span.hi, false) - api_upto_split};
  const std::int64_t left_table = table_.within(left.span);
  const std::int64_t right_table = table_.within(right.span);
  if (dense(parent.api, table_.within(parent.span)) && dense(left.api, left_table) &&
      dense(right.api, right_table) && left.api != left_table && right.api != right_table) {
    drifted_.push_back({parent.span, parent.api, table_.within(parent.span)});
  } else {
    consider(left);
    consider(right);
  }
  advance();
}

std::int64_t bisection::api_upto(std::optional<std::int64_t> second, bool start) const {
  if (second) return prefix_.at(*second);
  return start ? 0 : api_end_;
}

// A span whose counts agree is left alone: a count cannot tell a loss from an equal number of
// extra rows in the same span, which is the limit of every count-based check.
void bisection::consider(node n) {
  const std::int64_t table = table_.within(n.span);
  if (n.api == table) return;
  const auto at = table_.split(n.span);
  if (reread_whole(n.api, table, at.has_value())) {
    drifted_.push_back({n.span, n.api, table});
  } else {
    todo_.push_back(n);
  }
}

void bisection::advance() {
  if (pending_ || todo_.empty()) return;
  pending_ = todo_.back();
  todo_.pop_back();
  pending_at_ = table_.split(pending_->span);
}

}  // namespace sluice::connectors::partoo
