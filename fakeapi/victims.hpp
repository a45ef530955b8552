#pragma once
// Choosing and removing the records a /_control mutation changes. Victims depend only on the
// seeds and the current data, so a test that replays a mutation gets the same answer.
#include "fakeapi/random.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace sluice::fakeapi {

template <class T>
struct victim_groups {
  std::vector<T> first;   // e.g. the updated ones
  std::vector<T> second;  // e.g. the deleted ones
};

// Two disjoint groups drawn together (so no record is both updated and deleted): `first` of them
// first, then up to `second` more; both in drawing order.
template <class T>
victim_groups<T> pick_two_groups(prng& rng, std::vector<T> candidates, std::uint64_t first,
                                 std::uint64_t second) {
  auto changing = rng.pick_distinct(std::move(candidates), first + second);
  const auto split = static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(first, changing.size()));
  return {std::vector<T>(changing.begin(), changing.begin() + split),
          std::vector<T>(changing.begin() + split, changing.end())};
}

// Removes the elements at `positions` (any order, no duplicates), keeping the others' order:
// the vendors' hard deletions.
template <class T>
void erase_positions(std::vector<T>& records, const std::vector<std::uint32_t>& positions) {
  std::vector<bool> doomed(records.size(), false);
  for (const auto position : positions) doomed[position] = true;
  std::size_t keep = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    if (doomed[i]) continue;
    if (keep != i) records[keep] = std::move(records[i]);
    ++keep;
  }
  records.resize(keep);
}

}  // namespace sluice::fakeapi
