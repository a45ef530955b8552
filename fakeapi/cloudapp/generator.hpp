#pragma once
// The CloudApp imitation's sample data: items as a deterministic function of the seed, and the
// names and URLs derived from an item's salt when it is shown.
#include "fakeapi/cloudapp/options.hpp"
#include "fakeapi/cloudapp/records.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/timestamp.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::fakeapi::cloudapp {

// Generated creation instants are whole seconds (the vendor's resolution) over 2022 and 2023.
inline constexpr micros range_begin = 1'640'995'200 * micros_per_second;  // 2022-01-01T00:00:00Z
inline constexpr micros range_end = 1'704'067'200 * micros_per_second;    // 2024-01-01T00:00:00Z
inline constexpr micros one_day = 86'400 * micros_per_second;
inline constexpr std::uint64_t first_item_id = 1'000;

item make_item(prng& rng, std::uint64_t id, micros created);

struct generated {
  std::vector<item> items;                // sorted by (created, id)
  std::uint64_t next_id = first_item_id;  // the next id an added item may take
  micros clock_start = 0;                 // after every generated instant
};
generated generate_items(const options& opts);

// Derived when an item is shown.
std::string item_name(const item& it);
std::string slug(const item& it);
std::string_view bookmark_url(const item& it);
std::string_view source_of(const item& it);  // the creating client's User-Agent

}  // namespace sluice::fakeapi::cloudapp
