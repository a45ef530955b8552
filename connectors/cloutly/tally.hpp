#pragma once
// How many distinct reviews a walk has read, and whether a full walk read as many as the listing
// said it holds.
//
// Cloutly's answers carry a `total` that the vendor shows in an example but never defines: a
// server may count the whole listing, only the page it returned, or reviews the listing does not
// show at all. So `total` never ends a walk (an empty page does) and never bounds it. It is used
// in one direction only, where believing it is safe: a full walk that read FEWER distinct reviews
// than the listing reported has missed some, and absence from it proves nothing, so its snapshot
// is not completed and nothing is marked deleted. A `total` that is too small (or absent) can
// never make a walk look complete that did not reach the empty page.
//
// Which `total`: the smallest any answer of the walk reported. Reviews arriving during a walk
// raise later totals but appear at the head of the listing, above the walk, so they are not owed
// by it; reviews deleted during the walk lower later totals, and the walk may never have seen
// them. The smallest value is the listing's size at some moment of the walk that the walk is
// sure to have covered.
//
// Distinct reviews are counted by a 64-bit hash of their id: a collision can only make the count
// smaller, which errs on the side of not deleting.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

namespace sluice::connectors::cloutly {

// The part of a full walk's count that the cursor stores, so that a resumed walk goes on counting
// where the interrupted one stopped.
struct walk_tally {
  std::int64_t read = 0;                    // distinct reviews read so far
  std::optional<std::int64_t> least_total;  // the smallest `total` any answer reported
  // Ids of the last page that the next page reads again (the overlap): the resumed walk must not
  // count them twice.
  std::vector<std::string> tail;
  bool operator==(const walk_tally&) const = default;
};

class review_tally {
public:
  explicit review_tally(walk_tally stored = {});

  // One answer: its reviews' ids in listing order and its `total` (if any). Returns how many of
  // the reviews this walk had not read before.
  std::int64_t count_page(const std::vector<std::string>& ids, std::optional<std::int64_t> total);

  // The last `reread` of `ids` (the page just counted) are read again by the next page.
  void set_tail(const std::vector<std::string>& ids, std::size_t reread);

  std::int64_t read() const noexcept { return state_.read; }
  const walk_tally& state() const noexcept { return state_; }

  // Why a walk that read the whole listing is still incomplete ("read 480 distinct reviews, but
  // the listing reported 500"); nullopt when the count gives no reason to doubt it.
  std::optional<std::string> shortfall() const;

private:
  std::unordered_set<std::uint64_t> seen_;
  walk_tally state_;
};

}  // namespace sluice::connectors::cloutly
