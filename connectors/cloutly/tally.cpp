#include "connectors/cloutly/tally.hpp"

#include <algorithm>
#include <functional>
#include <string_view>
#include <utility>

namespace sluice::connectors::cloutly {
namespace {

std::uint64_t id_hash(std::string_view id) { return std::hash<std::string_view>{}(id); }

}  // namespace

review_tally::review_tally(walk_tally stored) : state_(std::move(stored)) {
  // The tail was counted before the interruption; the first page after it reads it again.
  for (const auto& id : state_.tail) seen_.insert(id_hash(id));
}

std::int64_t review_tally::count_page(const std::vector<std::string>& ids,
                                      std::optional<std::int64_t> total) {
  const std::int64_t before = state_.read;
  for (const auto& id : ids)
    if (seen_.insert(id_hash(id)).second) ++state_.read;
  if (total) state_.least_total = std::min(state_.least_total.value_or(*total), *total);
  return state_.read - before;
}

void review_tally::set_tail(const std::vector<std::string>& ids, std::size_t reread) {
  reread = std::min(reread, ids.size());
  state_.tail.assign(ids.end() - static_cast<std::ptrdiff_t>(reread), ids.end());
}

std::optional<std::string> review_tally::shortfall() const {
  if (!state_.least_total || state_.read >= *state_.least_total) return std::nullopt;
  return "the walk read " + std::to_string(state_.read) +
         " distinct reviews, but the listing reported " + std::to_string(*state_.least_total) +
         " (its `total`): reviews were missed, so absence proves nothing and none was marked "
         "deleted";
}

}  // namespace sluice::connectors::cloutly
