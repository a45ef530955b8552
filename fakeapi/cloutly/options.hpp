#pragma once
// What the Cloutly imitation is started with (--cloutly-*, cli.hpp).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::fakeapi::cloutly {

// What the `total` of a /reviews answer counts. The vendor's example shows the field but never
// says what it counts, so clients must not let it decide when a walk is complete.
enum class total_count : std::uint8_t {
  listing,  // every review the listing (with its filters) holds: the honest reading
  page,     // only the reviews on this page
  account,  // every review of the account, including those the listing does not show (see the
            // listing control's empty/truncate): an honest total larger than what can be read
};

// Their names on the command line and in the control API, in the enum's order.
inline constexpr std::array<std::string_view, 3> total_names{"listing", "page", "account"};

struct options {
  std::uint64_t seed = 1;
  std::size_t reviews = 500;
  std::size_t businesses = 10;
  std::size_t max_limit = 50;  // larger `limit`s are capped silently, as the vendor may do
  // Before answering every `arrive_every`-th /reviews request, `arrive_count` reviews newer than
  // all others appear at the head of the listing. 0 disables it.
  std::uint64_t arrive_every = 0;
  std::uint64_t arrive_count = 1;
  total_count total = total_count::listing;
  std::string api_key = "cloutly-test-key";
};

}  // namespace sluice::fakeapi::cloutly
