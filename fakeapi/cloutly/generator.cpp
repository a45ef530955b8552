#include "fakeapi/cloutly/generator.hpp"

#include "fakeapi/sample_text.hpp"

#include <algorithm>
#include <array>

namespace sluice::fakeapi::cloutly {
namespace {

using namespace std::string_view_literals;

// Review texts deliberately include non-ASCII, emoji and characters that JSON must escape
// (quotes, backslash, tab, CR/LF), so clients' decoding and storage are exercised.
constexpr std::array plain_sentences{
    "Fantastic. Couldn't be more satisfied."sv,
    "The whole process was simple, easy and efficient."sv,
    "Friendly staff and a lovely café atmosphere ☕"sv,
    "Great value for money 👍🏽"sv,
    "Waited 40 minutes for a table, not impressed 😡"sv,
    "Highly recommended, ask for Zoë!"sv,
    "Service was okay, nothing special."sv,
    "Très bon accueil, je recommande."sv,
    "素晴らしいサービス"sv,
    "Parking was a nightmare but the food made up for it."sv,
};

constexpr std::array tricky_sentences{
    "The \"special of the day\" was perfect."sv,
    "Booked online.\nNobody had our reservation.\nNever again."sv,
    "Price:\t$12\tfor a coffee?!"sv,
    "Found it at C:\\Users\\Maps (the directions were wrong)."sv,
    "Clean rooms.\r\nQuiet street."sv,
    "10/10 would \"recommend\" \\o/"sv,
};

constexpr std::array replies{
    "Thank you for the wonderful feedback! We're glad the process was simple and easy :)"sv,
    "Thanks so much ❤️"sv,
    "We're sorry to hear about your experience.\nPlease contact us so we can make it right."sv,
    "Thank you for the \"5 stars\"!"sv,
    "Merci beaucoup pour votre retour !"sv,
    "We appreciate you taking the time to leave a review."sv,
};

constexpr std::array edited_replies{
    "Update: we have fixed the booking system, thank you for your patience."sv,
    "Thanks again, see you soon! 🙌"sv,
    "Following up: a voucher is on its way to you."sv,
};

constexpr std::array first_names{
    "Tim"sv,  "Tara"sv,   "Zoë"sv,  "José"sv,  "Björn"sv, "Chloé"sv, "Liam"sv,    "Olivia"sv,
    "Noah"sv, "Amelia"sv, "Jack"sv, "Aroha"sv, "Mei"sv,   "Sofia"sv, "Mohamed"sv, "Ana"sv,
};

constexpr std::array last_names{
    "Crowel"sv, "Smith"sv,  "O'Brien"sv, "Müller"sv, "García"sv,  "Nguyễn"sv, "Williams"sv,
    "Brown"sv,  "Taylor"sv, "Wilson"sv,  "Martin"sv, "Lefèvre"sv, "Chen"sv,   "Kowalski"sv,
};

constexpr std::array business_kinds{
    "Dental"sv, "Café"sv,        "Bakery"sv,       "Plumbing"sv,
    "Physio"sv, "Real Estate"sv, "Auto Repairs"sv, "Florist"sv,
};

constexpr std::array business_places{
    "Harbourside"sv, "Sunrise"sv,   "Bob's \"Best\""sv, "Northside"sv,
    "Zoë's"sv,       "Riverbank"sv, "Bondi"sv,
};

struct place {
  std::string_view city;
  std::string_view postcode;
  std::string_view country;
  std::string_view timezone;
};

constexpr std::array places{
    place{"Sydney", "2000", "AU", "Australia/Sydney"},
    place{"Melbourne", "3000", "AU", "Australia/Melbourne"},
    place{"Auckland", "1010", "NZ", "Pacific/Auckland"},
    place{"London", "EC1A 1BB", "GB", "Europe/London"},
    place{"Austin", "78701", "US", "America/Chicago"},
    place{"Montréal", "H2X 1Y4", "CA", "America/Toronto"},
};

constexpr std::array streets{"George Street"sv, "Queen Street"sv, "High Street"sv,
                             "Rue Sainte-Catherine"sv, "Main St"sv};

// The creation instants of n reviews, ascending: distinct milliseconds, except a few deliberate
// ties (about one pair per hundred reviews, and one triple), so clients meet equal createdAt
// values across page boundaries.
std::vector<micros> creation_instants(std::uint64_t seed, std::size_t n) {
  prng times(mix64(seed, 0x71e5));
  const auto span = static_cast<std::uint64_t>((range_end - range_begin) / micros_per_milli);
  std::vector<micros> created(n);
  for (auto& t : created) t = static_cast<micros>(times.below(span));
  std::sort(created.begin(), created.end());
  for (std::size_t i = 1; i < n; ++i) created[i] = std::max(created[i], created[i - 1] + 1);
  if (n >= 2) {
    const std::size_t pairs = std::max<std::size_t>(1, n / 100);
    for (std::size_t k = 0; k < pairs; ++k) {
      const std::size_t i = times.below(n - 1);
      created[i + 1] = created[i];
    }
    if (n >= 10) {
      const std::size_t i = times.below(n - 2);
      created[i + 1] = created[i];
      created[i + 2] = created[i];
    }
  }
  for (auto& t : created) t = range_begin + t * micros_per_milli;
  return created;
}

// Whether the review was answered and edited, and its status to match.
void draw_history(prng& rng, review& r, micros created, micros latest_update) {
  r.updated = created;
  if (rng.percent(50))
    r.updated = created +
                static_cast<micros>(rng.below(30 * one_day / micros_per_milli)) * micros_per_milli;
  if (r.has_response) {
    r.response_date = created + static_cast<micros>(rng.below(10 * one_day / micros_per_milli)) *
                                    micros_per_milli;
    r.updated = std::max(r.updated, r.response_date);
    r.status = rng.percent(80) ? review_status::responded : review_status::resolved;
  } else {
    r.status = rng.percent(60) ? review_status::fresh : review_status::viewed;
  }
  // Never later than the newest creation date: the fake clock, which stamps edits, starts there.
  r.updated = std::clamp(r.updated, created, std::max(created, latest_update));
  r.response_date = std::min(r.response_date, r.updated);
}

}  // namespace

std::vector<std::uint32_t> live_businesses(const std::vector<business>& businesses) {
  std::vector<std::uint32_t> live;
  for (std::uint32_t i = 0; i < businesses.size(); ++i) {
    if (!businesses[i].removed) live.push_back(i);
  }
  return live;
}

business make_business(prng& rng, std::size_t index) {
  business b;
  b.id = uuid(rng);
  b.name = business_name(rng);
  // Every business has at least one connected source; google is the common one.
  static constexpr std::array<unsigned, platform_count> odds{85, 55, 40, 25, 15};
  for (std::size_t i = 0; i < platform_count; ++i) {
    if (rng.percent(odds[i])) b.sources = static_cast<std::uint8_t>(b.sources | (1U << i));
  }
  if (b.sources == 0) b.sources = static_cast<std::uint8_t>(1U << (index % platform_count));
  b.created = business_epoch +
              static_cast<micros>(rng.below(
                  static_cast<std::uint64_t>(range_begin - business_epoch) / micros_per_milli)) *
                  micros_per_milli;
  b.salt = rng.next();
  return b;
}

std::vector<business> generate_businesses(const options& opts) {
  const std::size_t n = opts.businesses == 0 && opts.reviews != 0 ? 1 : opts.businesses;
  std::vector<business> businesses;
  businesses.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    prng rng(mix64(opts.seed, mix64(0xc10b, i)));
    businesses.push_back(make_business(rng, i));
  }
  return businesses;
}

std::string business_name(prng& rng) { return two_words(rng, business_places, business_kinds); }

review make_review(prng& rng, micros created, micros latest_update,
                   const std::vector<business>& businesses) {
  review r;
  r.id = uuid(rng);
  r.created = created;
  r.salt = rng.next();
  r.text_seed = rng.next();
  r.response_seed = rng.next();
  const auto live = live_businesses(businesses);
  r.business = live[rng.below(live.size())];
  // The review comes from one of its business's connected sources.
  const std::uint8_t sources = businesses[r.business].sources;
  std::vector<platform> connected;
  for (std::size_t i = 0; i < platform_count; ++i) {
    if ((sources & (1U << i)) != 0) connected.push_back(static_cast<platform>(i));
  }
  r.source = connected[rng.below(connected.size())];
  static constexpr std::array<std::uint8_t, 20> weighted{1, 1, 2, 2, 3, 3, 3, 4, 4, 4,
                                                         4, 4, 5, 5, 5, 5, 5, 5, 5, 5};
  r.rating = weighted[rng.below(weighted.size())];
  r.has_text = rng.percent(88);
  r.has_email = rng.percent(30);
  r.has_phone = rng.percent(15);
  r.has_photo = rng.percent(60);
  r.has_url = rng.percent(85);
  r.show_on_widget = r.rating >= 4 && rng.percent(90);
  r.archived = rng.percent(5);
  r.shield = rng.percent(3);
  r.has_response = rng.percent(50);
  draw_history(rng, r, created, latest_update);
  return r;
}

std::vector<review> generate_reviews(const options& opts, const std::vector<business>& businesses) {
  const std::size_t n = opts.reviews;
  if (n == 0) return {};
  const auto created = creation_instants(opts.seed, n);
  std::vector<review> reviews;
  reviews.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    prng rng(mix64(opts.seed, mix64(0xc1, i)));
    reviews.push_back(make_review(rng, created[i], created.back(), businesses));
  }
  std::sort(reviews.begin(), reviews.end(), [](const review& a, const review& b) {
    return a.created != b.created ? a.created < b.created : a.id < b.id;
  });
  return reviews;
}

std::string author_name(std::uint64_t salt) {
  return full_name(mix64(salt, 6), first_names, last_names);
}

std::string review_text(std::uint64_t text_seed) {
  return sentences(text_seed, plain_sentences, tricky_sentences);
}

std::string source_feedback_id(const review& r) {
  const std::uint64_t seed = mix64(r.salt, 1);
  switch (r.source) {
    case platform::google: return "ChZDSUhNMG9nS0VJQ0FnSUR" + random_base62(seed, 20);
    case platform::facebook: return random_digits(seed, 15) + "_" + random_digits(mix64(seed), 16);
    case platform::trustpilot: return random_hex(seed, 24);
    case platform::yelp: return random_base62(seed, 22);
    case platform::tripadvisor: return random_digits(seed, 9);
  }
  return {};
}

std::string review_url(const review& r) {
  const std::string feedback = source_feedback_id(r);
  switch (r.source) {
    case platform::google:
      return "https://search.google.com/local/reviews?placeid=ChIJ" +
             random_base62(mix64(r.salt, 2), 23);
    case platform::facebook: return "https://www.facebook.com/" + feedback;
    case platform::trustpilot: return "https://www.trustpilot.com/reviews/" + feedback;
    case platform::yelp:
      return "https://www.yelp.com/biz/" + random_base62(mix64(r.salt, 2), 12) +
             "?hrid=" + feedback;
    case platform::tripadvisor:
      return "https://www.tripadvisor.com/ShowUserReviews-r" + feedback + ".html";
  }
  return {};
}

std::string_view sentiment(std::uint8_t rating) {
  return rating >= 4 ? "positive" : rating == 3 ? "neutral" : "negative";
}

std::string customer_email(std::uint64_t salt) {
  return "customer." + random_digits(mix64(salt, 11), 6) + "@example.com";
}

std::string customer_phone(std::uint64_t salt) {
  return "+61 4" + random_digits(mix64(salt, 12), 2) + " " + random_digits(mix64(salt, 13), 3) +
         " " + random_digits(mix64(salt, 14), 3);
}

std::string customer_photo(std::uint64_t salt) {
  return "https://cdn.cloutly.test/avatars/" + random_hex(mix64(salt, 15), 24) + ".jpg";
}

std::string_view reply_text(std::uint64_t response_seed) {
  const bool edited = (response_seed & 1) != 0;
  return edited ? pick(edited_replies, response_seed >> 1) : pick(replies, response_seed >> 1);
}

business_address address_of(const business& b) {
  prng rng(mix64(b.salt, 1));
  const place p = pick(places, rng.next());
  business_address a{p.city, p.postcode, p.country, p.timezone, {}, std::nullopt};
  a.line1 = std::to_string(1 + rng.below(300)) + " " + std::string(pick(streets, rng.next()));
  if (rng.percent(70)) a.website = "https://www." + random_base62(rng.next(), 8) + ".example.com";
  return a;
}

}  // namespace sluice::fakeapi::cloutly
