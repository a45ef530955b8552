#pragma once
// The CloudApp imitation's state: the items (live and trashed) as mutations left them, the view
// counters, the behaviour switches that change at run time, and the control API's view of it.
#include "fakeapi/cloudapp/options.hpp"
#include "fakeapi/cloudapp/records.hpp"
#include "fakeapi/fake_clock.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/router.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace sluice::fakeapi::cloudapp {

class store {
public:
  explicit store(options opts);

  const std::vector<item>& items() const { return items_; }
  const options& settings() const { return options_; }

  // Positions in items() (ascending) of the live or trashed items, of one type or all; cached,
  // since clients page through one listing.
  const std::vector<std::uint32_t>& listing(bool trashed, std::optional<item_type> type);
  // With bump_on_list, every answered /items request first bumps view counters.
  void bump_if_listing_bumps();

  // Control API (the answers of /_control/cloudapp/...).
  reply all_items() const;
  reply mutate(const request& req);
  reply bump_views(const request& req);
  reply switches() const;
  reply set_switches(const request& req);

private:
  // The view counters of a third of the live items move; answers their ids, newest first.
  std::vector<std::uint64_t> bump(std::uint64_t seed);
  std::vector<std::uint64_t> restore(const std::vector<std::uint32_t>& positions);
  std::vector<std::uint64_t> trash(const std::vector<std::uint32_t>& positions);
  std::vector<std::uint64_t> remove(const std::vector<std::uint32_t>& positions);
  std::vector<std::uint64_t> add(prng& rng, std::uint64_t count);

  options options_;
  // Sorted by (created, id) ascending: new items are the newest, so they are appended, and the
  // newest-first listing reads it backwards.
  std::vector<item> items_;
  fake_clock clock_;
  std::uint64_t next_id_ = 0;
  std::uint64_t list_bumps_ = 0;
  std::uint64_t generation_ = 0;

  struct listing_cache {
    bool trashed = false;
    std::optional<item_type> type;
    std::uint64_t generation = 0;
    bool valid = false;
    std::vector<std::uint32_t> positions;
  } cache_;
};

}  // namespace sluice::fakeapi::cloudapp
