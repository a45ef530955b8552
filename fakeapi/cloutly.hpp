#pragma once
// The imitation of Cloutly's REST API v1 (businesses, and reviews paged by limit/offset newest
// first), with generated data that is a deterministic function of the options (about 5% of the
// reviews archived, `isArchived`), plus /_control/cloutly endpoints that dump and mutate it
// (including archiving), make reviews arrive during a client's walk, make the listing answer empty
// or truncated, and choose what its `total` counts.
#include "fakeapi/router.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sluice::fakeapi {

// What the `total` of a /reviews answer counts. The vendor's example shows the field but never
// says what it counts, so clients must not let it decide when a walk is complete.
enum class cloutly_total : std::uint8_t {
  listing,  // every review the listing (with its filters) holds: the honest reading
  page,     // only the reviews on this page
  account,  // every review of the account, including those the listing does not show (see the
            // listing control's empty/truncate): an honest total larger than what can be read
};

struct cloutly_options {
  std::uint64_t seed = 1;
  std::size_t reviews = 500;
  std::size_t businesses = 10;
  std::size_t max_limit = 50;  // larger `limit`s are capped silently, as the vendor may do
  // Before answering every `arrive_every`-th /reviews request, `arrive_count` reviews newer than
  // all others appear at the head of the listing. 0 disables it.
  std::uint64_t arrive_every = 0;
  std::uint64_t arrive_count = 1;
  cloutly_total total = cloutly_total::listing;
  std::string api_key = "cloutly-test-key";
};

class cloutly_api {
 public:
  explicit cloutly_api(cloutly_options options);
  ~cloutly_api();
  cloutly_api(const cloutly_api&) = delete;
  cloutly_api& operator=(const cloutly_api&) = delete;

  // Registers /cloutly/api/v1/... and /_control/cloutly/...; this object must outlive `routes`.
  void install(router& routes);

  std::size_t review_count() const;

 private:
  class store;
  std::unique_ptr<store> store_;
};

}  // namespace sluice::fakeapi
