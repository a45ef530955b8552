#pragma once
// The imitation of Partoo's API v2 (reviews and business search), with generated data that is a
// deterministic function of the options, plus /_control/partoo endpoints that dump and mutate it.
#include "fakeapi/router.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sluice::fakeapi {

struct partoo_options {
  std::uint64_t seed = 1;
  std::size_t reviews = 1000;
  std::size_t businesses = 20;
  std::size_t tie_block = 0;  // reviews sharing one update_date in the middle of the range
  std::string api_key = "partoo-test-key";
};

class partoo_api {
 public:
  // Generates the data set (200,000 reviews take well under a second).
  explicit partoo_api(partoo_options options);
  ~partoo_api();
  partoo_api(const partoo_api&) = delete;
  partoo_api& operator=(const partoo_api&) = delete;

  // Registers /partoo/v2/... and /_control/partoo/...; this object must outlive `routes`.
  void install(router& routes);

  std::size_t review_count() const;

 private:
  class store;
  std::unique_ptr<store> store_;
};

}  // namespace sluice::fakeapi
