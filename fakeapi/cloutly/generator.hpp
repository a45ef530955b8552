#pragma once
// The Cloutly imitation's sample data: businesses and reviews as a deterministic function of the
// seed, and what is derived from a record's seeds when it is shown.
#include "fakeapi/cloutly/options.hpp"
#include "fakeapi/cloutly/records.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/timestamp.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::fakeapi::cloutly {

// Generated creation dates are spread over 2023 (UTC), in whole milliseconds like the vendor's.
inline constexpr micros range_begin = 1'672'531'200 * micros_per_second;  // 2023-01-01T00:00:00Z
inline constexpr micros range_end = 1'704'067'200 * micros_per_second;    // 2024-01-01T00:00:00Z
inline constexpr micros micros_per_milli = 1'000;
inline constexpr micros one_day = 86'400 * micros_per_second;
inline constexpr micros business_epoch = 1'577'836'800 * micros_per_second;  // 2020-01-01T00:00:00Z

// The business at `index` (its position among all businesses ever made).
business make_business(prng& rng, std::size_t index);
std::vector<business> generate_businesses(const options& opts);
// A business name as a mutation renames it.
std::string business_name(prng& rng);

// A review created at `created`, of a live business and one of its connected sources; edits
// and replies never later than `latest_update`.
review make_review(prng& rng, micros created, micros latest_update,
                   const std::vector<business>& businesses);
// Every review of the data set, sorted by (created, id).
std::vector<review> generate_reviews(const options& opts, const std::vector<business>& businesses);

// Derived when a review is shown.
std::string author_name(std::uint64_t salt);
std::string review_text(std::uint64_t text_seed);
std::string source_feedback_id(const review& r);
std::string review_url(const review& r);
std::string_view sentiment(std::uint8_t rating);
std::string customer_email(std::uint64_t salt);
std::string customer_phone(std::uint64_t salt);
std::string customer_photo(std::uint64_t salt);
// The reply's wording: edited replies draw from their own table, so an edit always changes it.
std::string_view reply_text(std::uint64_t response_seed);

// Derived when a business is shown: where it is.
struct business_address {
  std::string_view city;
  std::string_view postcode;
  std::string_view country;
  std::string_view timezone;
  std::string line1;
  std::optional<std::string> website;
};
business_address address_of(const business& b);

}  // namespace sluice::fakeapi::cloutly
