#pragma once
// The Partoo imitation's sample data: businesses and reviews as a deterministic function of the
// seed, and the texts and platform identifiers derived from a review's seeds when it is shown.
#include "fakeapi/partoo/options.hpp"
#include "fakeapi/partoo/records.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/timestamp.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::fakeapi::partoo {

// Generated update dates are spread over 2023 (UTC).
inline constexpr micros range_begin = 1'672'531'200 * micros_per_second;  // 2023-01-01T00:00:00Z
inline constexpr micros range_end = 1'704'067'200 * micros_per_second;    // 2024-01-01T00:00:00Z
inline constexpr micros one_day = 86'400 * micros_per_second;
inline constexpr micros range_middle = range_begin + (range_end - range_begin) / 2;
inline constexpr micros business_epoch = 1'546'300'800 * micros_per_second;  // 2019-01-01T00:00:00Z
// 9999-12-31T23:00:00-05:00: a date as placeholders write it, which in UTC lies past year 9999.
inline const micros far_future = make_utc(10000, 1, 1, 4);

// The i-th business of the data set.
business make_business(std::uint64_t seed, std::size_t i);
// A business name as a mutation renames it.
std::string business_name(prng& rng);

// A review drawn from `rng`, attached to one of `business_count` businesses.
review make_review(prng& rng, std::int64_t id, micros update_date, std::size_t business_count);
// Every review of the data set, by id; with the tie block applied.
std::vector<review> generate_reviews(const options& opts);

// Derived when a review is shown: stable for the review's identity (salt) or wording (text_seed).
std::string review_key(const review& r);
std::string review_partner_id(const review& r, const business& b);
std::string comment_partner_id(const review& r, const business& b);
std::string review_link(const review& r, const business& b);
std::string author_name(std::uint64_t salt);
std::string content_text(std::uint64_t text_seed);
std::string_view title_text(std::uint64_t text_seed);
std::string_view reply_author(std::uint64_t salt);
std::string_view business_reply_text(std::uint64_t salt);
std::string_view suggestion_text(std::uint64_t salt);
std::string_view customer_comment_text(std::uint64_t salt);

// Another rating than `old_rating` (1..5), for an edited review.
std::uint8_t different_rating(std::uint8_t old_rating, prng& rng);

}  // namespace sluice::fakeapi::partoo
