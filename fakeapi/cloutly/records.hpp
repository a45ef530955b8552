#pragma once
// The records of the Cloutly imitation as it keeps them.
#include "fakeapi/timestamp.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::fakeapi::cloutly {

enum class platform : std::uint8_t { google, facebook, trustpilot, yelp, tripadvisor };
inline constexpr std::size_t platform_count = 5;

enum class review_status : std::uint8_t { fresh, viewed, responded, resolved };

// Compact on purpose (benchmarks generate hundreds of thousands): texts, contact details and
// platform identifiers are derived from the seeds when serialized instead of being stored.
struct review {
  std::string id;  // uuid
  micros created = 0;
  micros updated = 0;
  micros response_date = 0;         // meaningful when has_response
  std::uint64_t salt = 0;           // identity: author, contact details, platform ids, links
  std::uint64_t text_seed = 0;      // the review's wording
  std::uint64_t response_seed = 0;  // the reply's wording; changes when the reply is edited
  std::uint32_t business = 0;       // index into businesses_, which never shrinks
  std::uint8_t rating = 5;          // 1..5
  platform source = platform::google;
  review_status status = review_status::fresh;
  bool has_text = true;
  bool has_email = false;
  bool has_phone = false;
  bool has_photo = false;
  bool has_url = true;
  bool has_response = false;
  bool show_on_widget = true;
  bool archived = false;
  bool shield = false;
};

struct business {
  std::string id;  // uuid
  std::string name;
  std::uint8_t sources = 0;  // bit i set: platform i is connected
  micros created = 0;
  std::uint64_t salt = 0;  // address and timezone
  bool removed = false;    // hard deleted: gone from every listing, kept so reviews can refer to it
};

inline constexpr std::array<std::string_view, platform_count> platform_names{
    "google", "facebook", "trustpilot", "yelp", "tripadvisor"};
inline constexpr std::array<std::string_view, 4> status_names{"New", "Viewed", "Responded",
                                                              "Resolved"};

// Positions in `businesses` of those not removed.
std::vector<std::uint32_t> live_businesses(const std::vector<business>& businesses);

}  // namespace sluice::fakeapi::cloutly
