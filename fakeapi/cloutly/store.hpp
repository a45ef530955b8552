#pragma once
// The Cloutly imitation's state: the generated data as mutations left it, the listing's
// behaviour (empty, truncated, what `total` counts), reviews arriving during a client's walk, and
// the control API's view of all of it.
#include "fakeapi/cloutly/options.hpp"
#include "fakeapi/cloutly/records.hpp"
#include "fakeapi/fake_clock.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/router.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::fakeapi::cloutly {

// The /reviews filters; all absent: the whole listing.
struct review_filter {
  std::optional<std::string> business_id;
  std::optional<std::string> source;
  std::optional<bool> show_on_widget;

  bool any() const { return business_id || source || show_on_widget; }
  bool operator==(const review_filter&) const = default;
};

enum class review_listing : std::uint8_t { normal, empty, truncate };

struct listing_config {
  review_listing reviews = review_listing::normal;
  std::uint64_t truncate_to = 0;
  bool businesses_empty = false;
  total_count total = total_count::listing;
};

// What a /reviews request lists, before paging: the k-th review (oldest first) is
// reviews()[positions ? (*positions)[k] : lo + k].
struct selection {
  const std::vector<std::uint32_t>* positions = nullptr;  // null: unfiltered
  std::size_t lo = 0;
  std::size_t total = 0;
};

class store {
public:
  explicit store(options opts);

  const std::vector<review>& reviews() const { return reviews_; }
  const std::vector<business>& businesses() const { return businesses_; }
  const options& settings() const { return options_; }
  const listing_config& listing_settings() const { return listing_; }

  // Arrivals land before a /reviews request is answered, as if posted a moment earlier.
  void arrive_if_due();
  selection select(const review_filter& filter);
  // Reviews of the whole account that the filter selects, hidden by the listing or not.
  std::size_t account_matches(const review_filter& filter) const;

  // Control API (the answers of /_control/cloutly/...).
  reply all_reviews() const;
  reply all_businesses() const;
  reply mutate(const request& req);
  reply mutate_businesses(const request& req);
  reply arrivals() const;
  reply set_arrivals(const request& req);
  reply listing() const;
  reply set_listing(const request& req);

private:
  // Appends `count` brand-new reviews (newest of all, so the ascending order holds).
  std::vector<std::string> add_reviews(std::uint64_t count, prng& rng);
  // `count` positions of reviews not yet archived and not in `taken`, newest first.
  std::vector<std::uint32_t> pick_to_archive(prng& rng, const std::vector<std::uint32_t>& taken,
                                             std::uint64_t count) const;
  std::vector<std::string> update_reviews(const std::vector<std::uint32_t>& positions);
  std::vector<std::string> archive_reviews(const std::vector<std::uint32_t>& positions);
  // Positions in reviews_ (ascending) of the listing's candidates in [lo, hi), before paging.
  const std::vector<std::uint32_t>& matching(std::size_t lo, std::size_t hi,
                                             const review_filter& filter);

  options options_;
  std::vector<business> businesses_;  // never shrinks: removed ones stay, flagged
  // Sorted by (created, id) ascending: new reviews are the newest, so they are appended, and the
  // default newest-first listing reads it backwards.
  std::vector<review> reviews_;
  fake_clock clock_;
  std::uint64_t arrival_counter_ = 0;
  std::uint64_t arrivals_done_ = 0;
  listing_config listing_;

  // Filtered listings are paged through: cache the matching positions between pages.
  struct match_cache {
    std::size_t lo = 0;
    std::size_t hi = 0;
    review_filter filter;
    std::uint64_t generation = 0;
    bool valid = false;
    std::vector<std::uint32_t> positions;
  } cache_;
  std::uint64_t generation_ = 0;
};

}  // namespace sluice::fakeapi::cloutly
