#include "fakeapi/cloutly.hpp"

#include "fakeapi/json_writer.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/timestamp.hpp"

#include <boost/beast/http/verb.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <numeric>
#include <optional>
#include <string_view>
#include <vector>

namespace sluice::fakeapi {
namespace {

using boost::beast::http::verb;
using namespace std::string_view_literals;

// Generated creation dates are spread over 2023 (UTC), in whole milliseconds like the vendor's.
constexpr micros range_begin = 1'672'531'200 * micros_per_second;  // 2023-01-01T00:00:00Z
constexpr micros range_end = 1'704'067'200 * micros_per_second;    // 2024-01-01T00:00:00Z
constexpr micros micros_per_milli = 1'000;
constexpr micros one_day = 86'400 * micros_per_second;
constexpr micros business_epoch = 1'577'836'800 * micros_per_second;  // 2020-01-01T00:00:00Z

constexpr std::uint64_t max_added_per_mutation = 1'000'000;

enum class platform : std::uint8_t { google, facebook, trustpilot, yelp, tripadvisor };
constexpr std::size_t platform_count = 5;

enum class review_status : std::uint8_t { fresh, viewed, responded, resolved };

// Compact on purpose (benchmarks generate hundreds of thousands): texts, contact details and
// platform identifiers are derived from the seeds when serialized instead of being stored.
struct review {
  std::string id;  // uuid
  micros created = 0;
  micros updated = 0;
  micros response_date = 0;        // meaningful when has_response
  std::uint64_t salt = 0;          // identity: author, contact details, platform ids, links
  std::uint64_t text_seed = 0;     // the review's wording
  std::uint64_t response_seed = 0; // the reply's wording; changes when the reply is edited
  std::uint32_t business = 0;      // index into businesses_, which never shrinks
  std::uint8_t rating = 5;         // 1..5
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

enum class review_listing : std::uint8_t { normal, empty, truncate };

struct listing_config {
  review_listing reviews = review_listing::normal;
  std::uint64_t truncate_to = 0;
  bool businesses_empty = false;
  cloutly_total total = cloutly_total::listing;
};

constexpr std::array total_names{"listing"sv, "page"sv, "account"sv};

constexpr std::array platform_names{"google"sv, "facebook"sv, "trustpilot"sv, "yelp"sv, "tripadvisor"sv};
constexpr std::array status_names{"New"sv, "Viewed"sv, "Responded"sv, "Resolved"sv};

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
    "Tim"sv,   "Tara"sv,  "Zoë"sv,   "José"sv, "Björn"sv, "Chloé"sv, "Liam"sv,    "Olivia"sv,
    "Noah"sv,  "Amelia"sv, "Jack"sv, "Aroha"sv, "Mei"sv,   "Sofia"sv, "Mohamed"sv, "Ana"sv,
};

constexpr std::array last_names{
    "Crowel"sv, "Smith"sv, "O'Brien"sv, "Müller"sv, "García"sv, "Nguyễn"sv, "Williams"sv,
    "Brown"sv,  "Taylor"sv, "Wilson"sv, "Martin"sv, "Lefèvre"sv, "Chen"sv, "Kowalski"sv,
};

constexpr std::array business_kinds{
    "Dental"sv, "Café"sv, "Bakery"sv, "Plumbing"sv, "Physio"sv, "Real Estate"sv, "Auto Repairs"sv, "Florist"sv,
};

constexpr std::array business_places{
    "Harbourside"sv, "Sunrise"sv, "Bob's \"Best\""sv, "Northside"sv, "Zoë's"sv, "Riverbank"sv, "Bondi"sv,
};

struct place {
  std::string_view city;
  std::string_view postcode;
  std::string_view country;
  std::string_view timezone;
};

constexpr std::array places{
    place{"Sydney", "2000", "AU", "Australia/Sydney"},   place{"Melbourne", "3000", "AU", "Australia/Melbourne"},
    place{"Auckland", "1010", "NZ", "Pacific/Auckland"}, place{"London", "EC1A 1BB", "GB", "Europe/London"},
    place{"Austin", "78701", "US", "America/Chicago"},   place{"Montréal", "H2X 1Y4", "CA", "America/Toronto"},
};

constexpr std::array streets{"George Street"sv, "Queen Street"sv, "High Street"sv, "Rue Sainte-Catherine"sv, "Main St"sv};

template <class Table>
auto pick(const Table& table, std::uint64_t seed) {
  return table[seed % table.size()];
}

std::string uuid(std::uint64_t high, std::uint64_t low) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out += '-';
    const std::uint64_t word = i < 16 ? high : low;
    auto nibble = static_cast<unsigned>((word >> (60 - 4 * (i % 16))) & 0xf);
    if (i == 12) nibble = 4;                  // version 4 (random)
    if (i == 16) nibble = 8 | (nibble & 3);   // RFC 4122 variant
    out += hex[nibble];
  }
  return out;
}

std::string uuid(prng& rng) {
  const std::uint64_t high = rng.next();
  return uuid(high, rng.next());
}

// `2021-03-01T00:02:21.739Z`: the vendor's form, UTC with milliseconds.
std::string iso_millis(micros utc) { return format_iso(utc, 0).substr(0, 23) + "Z"; }

std::string iso_date(micros utc) { return format_iso(utc, 0).substr(0, 10); }

std::string author_name(std::uint64_t salt) {
  const std::uint64_t h = mix64(salt, 6);
  std::string name(pick(first_names, h >> 8));
  name += ' ';
  name += pick(last_names, h >> 24);
  return name;
}

std::string review_text(std::uint64_t text_seed) {
  prng rng(mix64(text_seed, 1));
  const std::uint64_t n = 1 + rng.below(3);
  std::string text;
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i != 0) text += ' ';
    // About one record in six needs JSON escapes: common enough to test, rare enough to read.
    text += rng.percent(8) ? pick(tricky_sentences, rng.next()) : pick(plain_sentences, rng.next());
  }
  return text;
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
    case platform::google: return "https://search.google.com/local/reviews?placeid=ChIJ" + random_base62(mix64(r.salt, 2), 23);
    case platform::facebook: return "https://www.facebook.com/" + feedback;
    case platform::trustpilot: return "https://www.trustpilot.com/reviews/" + feedback;
    case platform::yelp: return "https://www.yelp.com/biz/" + random_base62(mix64(r.salt, 2), 12) + "?hrid=" + feedback;
    case platform::tripadvisor: return "https://www.tripadvisor.com/ShowUserReviews-r" + feedback + ".html";
  }
  return {};
}

std::string_view sentiment(std::uint8_t rating) {
  return rating >= 4 ? "positive" : rating == 3 ? "neutral" : "negative";
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The vendor's error bodies are undocumented; clients must treat them as opaque text.
std::string message_json(std::string_view message) {
  json_writer w;
  w.begin_object().key("message").string(message).end_object();
  return w.take();
}

reply bad_request(std::string_view message) { return json_reply(400, message_json(message)); }

std::uint64_t read_count(const boost::json::object& body, std::string_view key, std::uint64_t fallback) {
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return fallback;
  if (value->is_uint64()) return value->get_uint64();
  if (value->is_int64() && value->get_int64() >= 0) return static_cast<std::uint64_t>(value->get_int64());
  throw reply_error(json_reply(400, errors_json(std::string(key) + " must be a non-negative integer")));
}

std::optional<std::string_view> read_word(const boost::json::object& body, std::string_view key) {
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string()) throw reply_error(json_reply(400, errors_json(std::string(key) + " must be a string")));
  return std::string_view(value->get_string());
}

void write_ids(json_writer& w, std::string_view key, const std::vector<std::string>& ids) {
  w.key(key).begin_array();
  for (const auto& id : ids) w.string(id);
  w.end_array();
}

}  // namespace

class cloutly_api::store {
 public:
  explicit store(cloutly_options options);

  std::optional<reply> authenticate(const request& req) const;
  reply reviews(const request& req);
  reply businesses() const;
  reply all_reviews() const;
  reply all_businesses() const;
  reply mutate(const request& req);
  reply mutate_businesses(const request& req);
  reply set_arrivals(const request& req);
  reply arrivals() const;
  reply set_listing(const request& req);
  reply listing() const;

  std::size_t review_count() const { return reviews_.size(); }

 private:
  void generate_businesses();
  void generate_reviews();
  business make_business(prng& rng, std::size_t index) const;
  review make_review(prng& rng, micros created, micros latest_update) const;
  // Appends `count` brand-new reviews (newest of all, so the ascending order holds).
  std::vector<std::string> add_reviews(std::uint64_t count, prng& rng);
  std::vector<std::uint32_t> live_businesses() const;
  // `count` positions of reviews not yet archived and not in `taken`, newest first.
  std::vector<std::uint32_t> pick_to_archive(prng& rng, const std::vector<std::uint32_t>& taken,
                                             std::uint64_t count) const;
  // Reviews of the whole account that the filters select, hidden by the listing or not.
  std::size_t account_matches(const std::optional<std::string>& business_id, const std::optional<std::string>& source,
                              std::optional<bool> show_on_widget) const;

  void write_review(json_writer& w, const review& r) const;
  void write_business(json_writer& w, const business& b) const;

  // Positions in reviews_ (ascending) of the listing's candidates, before paging.
  const std::vector<std::uint32_t>& matching(std::size_t lo, std::size_t hi, const std::optional<std::string>& business_id,
                                             const std::optional<std::string>& source,
                                             std::optional<bool> show_on_widget);

  // The fake clock: deterministic, one second per created or edited record.
  micros tick() {
    const micros now = clock_;
    clock_ += micros_per_second;
    return now;
  }

  cloutly_options options_;
  std::vector<business> businesses_;
  // Sorted by (created, id) ascending: new reviews are the newest, so they are appended, and the
  // default newest-first listing reads it backwards.
  std::vector<review> reviews_;
  micros clock_ = 0;
  std::uint64_t arrival_counter_ = 0;
  std::uint64_t arrivals_done_ = 0;
  listing_config listing_;

  // Filtered listings are paged through: cache the matching positions between pages.
  struct match_cache {
    std::size_t lo = 0;
    std::size_t hi = 0;
    std::optional<std::string> business_id;
    std::optional<std::string> source;
    std::optional<bool> show_on_widget;
    std::uint64_t generation = 0;
    bool valid = false;
    std::vector<std::uint32_t> positions;
  } cache_;
  std::uint64_t generation_ = 0;
};

cloutly_api::store::store(cloutly_options options) : options_(std::move(options)) {
  if (options_.businesses == 0 && options_.reviews != 0) options_.businesses = 1;
  if (options_.max_limit == 0) options_.max_limit = 1;
  listing_.total = options_.total;
  generate_businesses();
  generate_reviews();
  const micros newest = reviews_.empty() ? range_begin : reviews_.back().created;
  clock_ = newest + micros_per_second;
}

business cloutly_api::store::make_business(prng& rng, std::size_t index) const {
  business b;
  b.id = uuid(rng);
  b.name = std::string(pick(business_places, rng.next())) + " " + std::string(pick(business_kinds, rng.next()));
  // Every business has at least one connected source; google is the common one.
  static constexpr std::array<unsigned, platform_count> odds{85, 55, 40, 25, 15};
  for (std::size_t i = 0; i < platform_count; ++i) {
    if (rng.percent(odds[i])) b.sources = static_cast<std::uint8_t>(b.sources | (1U << i));
  }
  if (b.sources == 0) b.sources = static_cast<std::uint8_t>(1U << (index % platform_count));
  b.created = business_epoch + static_cast<micros>(rng.below(static_cast<std::uint64_t>(range_begin - business_epoch) / micros_per_milli)) * micros_per_milli;
  b.salt = rng.next();
  return b;
}

void cloutly_api::store::generate_businesses() {
  businesses_.reserve(options_.businesses);
  for (std::size_t i = 0; i < options_.businesses; ++i) {
    prng rng(mix64(options_.seed, mix64(0xc10b, i)));
    businesses_.push_back(make_business(rng, i));
  }
}

std::vector<std::uint32_t> cloutly_api::store::live_businesses() const {
  std::vector<std::uint32_t> live;
  for (std::uint32_t i = 0; i < businesses_.size(); ++i) {
    if (!businesses_[i].removed) live.push_back(i);
  }
  return live;
}

review cloutly_api::store::make_review(prng& rng, micros created, micros latest_update) const {
  review r;
  r.id = uuid(rng);
  r.created = created;
  r.salt = rng.next();
  r.text_seed = rng.next();
  r.response_seed = rng.next();
  const auto live = live_businesses();
  r.business = live[rng.below(live.size())];
  // The review comes from one of its business's connected sources.
  const std::uint8_t sources = businesses_[r.business].sources;
  std::vector<platform> connected;
  for (std::size_t i = 0; i < platform_count; ++i) {
    if ((sources & (1U << i)) != 0) connected.push_back(static_cast<platform>(i));
  }
  r.source = connected[rng.below(connected.size())];
  static constexpr std::array<std::uint8_t, 20> weighted{1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5};
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

  r.updated = created;
  if (rng.percent(50)) r.updated = created + static_cast<micros>(rng.below(30 * one_day / micros_per_milli)) * micros_per_milli;
  if (r.has_response) {
    r.response_date = created + static_cast<micros>(rng.below(10 * one_day / micros_per_milli)) * micros_per_milli;
    r.updated = std::max(r.updated, r.response_date);
    r.status = rng.percent(80) ? review_status::responded : review_status::resolved;
  } else {
    r.status = rng.percent(60) ? review_status::fresh : review_status::viewed;
  }
  // Never later than the newest creation date: the fake clock, which stamps edits, starts there.
  r.updated = std::clamp(r.updated, created, std::max(created, latest_update));
  r.response_date = std::min(r.response_date, r.updated);
  return r;
}

void cloutly_api::store::generate_reviews() {
  const std::size_t n = options_.reviews;
  if (n == 0) return;

  // Creation instants first: distinct milliseconds in ascending order...
  prng times(mix64(options_.seed, 0x71e5));
  const auto span = static_cast<std::uint64_t>((range_end - range_begin) / micros_per_milli);
  std::vector<micros> created(n);
  for (auto& t : created) t = static_cast<micros>(times.below(span));
  std::sort(created.begin(), created.end());
  for (std::size_t i = 1; i < n; ++i) created[i] = std::max(created[i], created[i - 1] + 1);
  // ...except a few deliberate ties (about one pair per hundred reviews, and one triple), so
  // clients meet equal createdAt values across page boundaries.
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

  reviews_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    prng rng(mix64(options_.seed, mix64(0xc1, i)));
    reviews_.push_back(make_review(rng, created[i], created.back()));
  }
  std::sort(reviews_.begin(), reviews_.end(), [](const review& a, const review& b) {
    return a.created != b.created ? a.created < b.created : a.id < b.id;
  });
}

std::vector<std::string> cloutly_api::store::add_reviews(std::uint64_t count, prng& rng) {
  std::vector<std::string> added;
  if (count == 0) return added;
  if (live_businesses().empty()) {
    throw reply_error(json_reply(400, errors_json("no businesses to attach reviews to")));
  }
  for (std::uint64_t k = 0; k < count; ++k) {
    prng add_rng(mix64(rng.next(), k));
    const micros now = tick();
    review r = make_review(add_rng, now, now);
    // Brand new: not answered, not edited, not yet triaged.
    r.updated = now;
    r.has_response = false;
    r.status = review_status::fresh;
    r.archived = false;
    added.push_back(r.id);
    reviews_.push_back(std::move(r));
  }
  ++generation_;
  return added;
}

std::optional<reply> cloutly_api::store::authenticate(const request& req) const {
  const auto it = req.http.find("x-api-key");  // Beast compares field names case-insensitively
  if (it != req.http.end() && it->value() == options_.api_key) return std::nullopt;
  return json_reply(401, message_json("Unauthorized"));
}

void cloutly_api::store::write_review(json_writer& w, const review& r) const {
  const business& b = businesses_[r.business];
  const std::string author = author_name(r.salt);
  w.begin_object();
  w.key("id").string(r.id);
  w.key("businessId").string(b.id);
  w.key("authorName").string(author);
  // Usually the same as authorName; some platforms only give a first name here.
  w.key("name").string(mix64(r.salt, 10) % 10 == 0 ? author.substr(0, author.find(' ')) : author);
  w.key("email");
  if (r.has_email) {
    w.string("customer." + random_digits(mix64(r.salt, 11), 6) + "@example.com");
  } else {
    w.null();
  }
  w.key("phoneNumber");
  if (r.has_phone) {
    w.string("+61 4" + random_digits(mix64(r.salt, 12), 2) + " " + random_digits(mix64(r.salt, 13), 3) + " " +
             random_digits(mix64(r.salt, 14), 3));
  } else {
    w.null();
  }
  w.key("photo");
  if (r.has_photo) {
    w.string("https://cdn.cloutly.test/avatars/" + random_hex(mix64(r.salt, 15), 24) + ".jpg");
  } else {
    w.null();
  }
  char rating[2] = {static_cast<char>('0' + r.rating), '\0'};
  w.key("rating").string(rating);
  w.key("text");
  if (r.has_text) {
    w.string(review_text(r.text_seed));
  } else {
    w.null();
  }
  w.key("source").string(platform_names[static_cast<std::size_t>(r.source)]);
  w.key("sourceFeedbackId").string(source_feedback_id(r));
  w.key("status").string(status_names[static_cast<std::size_t>(r.status)]);
  w.key("reviewUrl");
  if (r.has_url) {
    w.string(review_url(r));
  } else {
    w.null();
  }
  w.key("type");
  if (r.source == platform::facebook) {
    w.string("recommendation");
  } else {
    w.null();
  }
  w.key("showOnWidget").boolean(r.show_on_widget);
  w.key("isArchived").boolean(r.archived);
  w.key("shield").boolean(r.shield);
  w.key("videoRef").null();
  w.key("gifRef").null();
  w.key("response");
  if (r.has_response) {
    // Edited replies draw from their own table, so an edit always changes the comment.
    const bool edited = (r.response_seed & 1) != 0;
    w.begin_object();
    w.key("name").string(b.name);
    w.key("date").string(iso_date(r.response_date));
    w.key("comment").string(edited ? pick(edited_replies, r.response_seed >> 1) : pick(replies, r.response_seed >> 1));
    w.end_object();
  } else {
    w.null();
  }
  w.key("createdAt").string(iso_millis(r.created));
  w.key("updatedAt").string(iso_millis(r.updated));
  // Not in the vendor's docs: "new fields may appear at any time", and clients must keep them.
  w.key("sentiment").string(sentiment(r.rating));
  w.end_object();
}

void cloutly_api::store::write_business(json_writer& w, const business& b) const {
  prng rng(mix64(b.salt, 1));
  const place p = pick(places, rng.next());
  w.begin_object();
  w.key("id").string(b.id);
  w.key("name").string(b.name);
  w.key("sources").begin_array();
  for (std::size_t i = 0; i < platform_count; ++i) {
    if ((b.sources & (1U << i)) != 0) w.string(platform_names[i]);
  }
  w.end_array();
  // Undocumented extras ("..." in the vendor's example): clients must tolerate them.
  w.key("timezone").string(p.timezone);
  w.key("createdAt").string(iso_millis(b.created));
  w.key("address").begin_object();
  w.key("line1").string(std::to_string(1 + rng.below(300)) + " " + std::string(pick(streets, rng.next())));
  w.key("city").string(p.city);
  w.key("postcode").string(p.postcode);
  w.key("country").string(p.country);
  w.end_object();
  w.key("website");
  if (rng.percent(70)) {
    w.string("https://www." + random_base62(rng.next(), 8) + ".example.com");
  } else {
    w.null();
  }
  w.end_object();
}

const std::vector<std::uint32_t>& cloutly_api::store::matching(std::size_t lo, std::size_t hi,
                                                               const std::optional<std::string>& business_id,
                                                               const std::optional<std::string>& source,
                                                               std::optional<bool> show_on_widget) {
  if (!cache_.valid || cache_.lo != lo || cache_.hi != hi || cache_.business_id != business_id ||
      cache_.source != source || cache_.show_on_widget != show_on_widget || cache_.generation != generation_) {
    cache_.positions.clear();
    for (std::size_t i = lo; i < hi; ++i) {
      const review& r = reviews_[i];
      if (business_id && businesses_[r.business].id != *business_id) continue;
      if (source && platform_names[static_cast<std::size_t>(r.source)] != *source) continue;
      if (show_on_widget && r.show_on_widget != *show_on_widget) continue;
      cache_.positions.push_back(static_cast<std::uint32_t>(i));
    }
    cache_.lo = lo;
    cache_.hi = hi;
    cache_.business_id = business_id;
    cache_.source = source;
    cache_.show_on_widget = show_on_widget;
    cache_.generation = generation_;
    cache_.valid = true;
  }
  return cache_.positions;
}

std::size_t cloutly_api::store::account_matches(const std::optional<std::string>& business_id,
                                               const std::optional<std::string>& source,
                                               std::optional<bool> show_on_widget) const {
  return static_cast<std::size_t>(std::count_if(reviews_.begin(), reviews_.end(), [&](const review& r) {
    return (!business_id || businesses_[r.business].id == *business_id) &&
           (!source || platform_names[static_cast<std::size_t>(r.source)] == *source) &&
           (!show_on_widget || r.show_on_widget == *show_on_widget);
  }));
}

reply cloutly_api::store::reviews(const request& req) {
  std::size_t limit = 20;
  if (const auto text = req.param("limit")) {
    const auto value = parse_int(*text);
    if (!value || *value < 1) return bad_request("limit must be a positive integer");
    // Capped silently: clients must advance by what they received, not by what they asked.
    limit = static_cast<std::size_t>(std::min<std::int64_t>(*value, static_cast<std::int64_t>(options_.max_limit)));
  }
  std::size_t offset = 0;
  if (const auto text = req.param("offset")) {
    const auto value = parse_int(*text);
    if (!value || *value < 0) return bad_request("offset must be a non-negative integer");
    offset = static_cast<std::size_t>(*value);
  }
  bool descending = true;
  if (const auto text = req.param("sort")) {
    if (*text == "asc") {
      descending = false;
    } else if (*text != "desc") {
      return bad_request("sort must be asc or desc");
    }
  }
  std::optional<bool> show_on_widget;
  if (const auto text = req.param("showOnWidget")) {
    if (*text != "true" && *text != "false") return bad_request("showOnWidget must be true or false");
    show_on_widget = *text == "true";
  }
  const auto business_id = req.param("businessId");
  const auto source = req.param("source");

  // Arrivals land before this request is answered, as if they had been posted a moment earlier.
  if (options_.arrive_every != 0 && ++arrival_counter_ % options_.arrive_every == 0) {
    prng rng(mix64(options_.seed, mix64(0xa771, ++arrivals_done_)));
    if (!live_businesses().empty()) add_reviews(options_.arrive_count, rng);
  }

  // The account as the listing shows it: everything, nothing, or only the newest N.
  const std::size_t n = reviews_.size();
  std::size_t lo = 0;
  switch (listing_.reviews) {
    case review_listing::normal: break;
    case review_listing::empty: lo = n; break;
    case review_listing::truncate: lo = n - std::min<std::size_t>(n, listing_.truncate_to); break;
  }
  const bool filtered = business_id || source || show_on_widget;
  const std::vector<std::uint32_t>* positions = filtered ? &matching(lo, n, business_id, source, show_on_widget) : nullptr;
  const std::size_t total = filtered ? positions->size() : n - lo;
  const std::size_t begin = std::min(offset, total);
  const std::size_t end = std::min(total, begin + limit);
  std::size_t reported = total;
  if (listing_.total == cloutly_total::page) reported = end - begin;
  if (listing_.total == cloutly_total::account) reported = filtered ? account_matches(business_id, source, show_on_widget) : n;

  json_writer w;
  w.reserve(64 + (end - begin) * 1200);
  w.begin_object();
  w.key("total").number(static_cast<std::int64_t>(reported));
  w.key("reviews").begin_array();
  for (std::size_t k = begin; k < end; ++k) {
    // k-th of the matching reviews in the requested order; exact mirror images of each other.
    const std::size_t rank = descending ? total - 1 - k : k;
    const std::size_t position = filtered ? (*positions)[rank] : lo + rank;
    write_review(w, reviews_[position]);
  }
  w.end_array();
  w.end_object();
  return json_reply(200, w.take());
}

reply cloutly_api::store::businesses() const {
  if (listing_.businesses_empty) return json_reply(200, "[]");
  return all_businesses();
}

reply cloutly_api::store::all_reviews() const {
  json_writer w;
  w.reserve(reviews_.size() * 1200 + 2);
  w.begin_array();
  for (auto it = reviews_.rbegin(); it != reviews_.rend(); ++it) write_review(w, *it);
  w.end_array();
  return json_reply(200, w.take());
}

reply cloutly_api::store::all_businesses() const {
  json_writer w;
  w.begin_array();
  for (const auto& b : businesses_) {
    if (!b.removed) write_business(w, b);
  }
  w.end_array();
  return json_reply(200, w.take());
}

reply cloutly_api::store::mutate(const request& req) {
  const auto body = parse_json_object(req);
  const std::uint64_t update_count = read_count(body, "update", 0);
  const std::uint64_t add_count = read_count(body, "add", 0);
  const std::uint64_t delete_count = read_count(body, "delete", 0);
  const std::uint64_t archive_count = read_count(body, "archive", 0);
  const std::uint64_t seed = read_count(body, "seed", 1);
  if (add_count > max_added_per_mutation) {
    throw reply_error(json_reply(400, errors_json("add must be at most 1000000")));
  }
  if (add_count > 0 && live_businesses().empty()) {
    throw reply_error(json_reply(400, errors_json("no businesses to attach reviews to")));
  }

  // Victims depend only on the seeds and the current data, and are drawn from the whole list;
  // updated, deleted and archived victims are drawn together so they are distinct. Archived ones
  // come from the reviews not archived yet, drawn last so that a mutation without `archive`
  // picks what it always picked.
  prng rng(mix64(options_.seed, mix64(0x6d7574, seed)));
  std::vector<std::uint32_t> all(reviews_.size());
  std::iota(all.begin(), all.end(), 0U);
  auto changing = rng.pick_distinct(std::move(all), update_count + delete_count);
  const auto split = static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(update_count, changing.size()));
  std::vector<std::uint32_t> updating(changing.begin(), changing.begin() + split);
  std::vector<std::uint32_t> removing(changing.begin() + split, changing.end());
  const auto archiving = pick_to_archive(rng, changing, archive_count);
  // Reported newest first, like the listing.
  std::sort(updating.begin(), updating.end(), std::greater<>());
  std::sort(removing.begin(), removing.end(), std::greater<>());

  // New reviews take the clock first (the first lands 1 s after the newest); appending them
  // leaves the victims' positions valid.
  const auto added = add_reviews(add_count, rng);

  std::vector<std::string> updated;
  for (const auto position : updating) {
    review& r = reviews_[position];
    const micros now = tick();
    if (r.has_response) {
      // An edited reply: new wording, and the status moves on.
      r.response_seed = (mix64(r.response_seed, static_cast<std::uint64_t>(now)) & ~std::uint64_t{1}) |
                        ((r.response_seed & 1) ^ 1);
      r.status = r.status == review_status::resolved ? review_status::responded : review_status::resolved;
    } else {
      r.has_response = true;
      r.response_seed = mix64(r.response_seed, static_cast<std::uint64_t>(now)) & ~std::uint64_t{1};
      r.status = review_status::responded;
    }
    r.response_date = now;
    r.updated = now;
    updated.push_back(r.id);
  }

  // Archiving is an edit in Cloutly: the review stays listed, flagged isArchived.
  std::vector<std::string> archived;
  for (const auto position : archiving) {
    reviews_[position].archived = true;
    reviews_[position].updated = tick();
    archived.push_back(reviews_[position].id);
  }

  std::vector<std::string> deleted;
  for (const auto position : removing) deleted.push_back(reviews_[position].id);
  // Hard removal, as Cloutly's deletions are: the review simply vanishes from the listing.
  std::vector<bool> doomed(reviews_.size(), false);
  for (const auto position : removing) doomed[position] = true;
  std::size_t keep = 0;
  for (std::size_t i = 0; i < reviews_.size(); ++i) {
    if (!doomed[i]) {
      if (keep != i) reviews_[keep] = std::move(reviews_[i]);
      ++keep;
    }
  }
  reviews_.resize(keep);
  ++generation_;

  json_writer w;
  w.begin_object();
  write_ids(w, "added", added);
  write_ids(w, "deleted", deleted);
  write_ids(w, "updated", updated);
  write_ids(w, "archived", archived);
  w.end_object();
  return json_reply(200, w.take());
}

std::vector<std::uint32_t> cloutly_api::store::pick_to_archive(prng& rng, const std::vector<std::uint32_t>& taken,
                                                               std::uint64_t count) const {
  if (count == 0) return {};
  std::vector<bool> excluded(reviews_.size(), false);
  for (const auto position : taken) excluded[position] = true;
  std::vector<std::uint32_t> candidates;
  for (std::uint32_t i = 0; i < reviews_.size(); ++i) {
    if (!excluded[i] && !reviews_[i].archived) candidates.push_back(i);
  }
  auto chosen = rng.pick_distinct(std::move(candidates), count);
  std::sort(chosen.begin(), chosen.end(), std::greater<>());
  return chosen;
}

reply cloutly_api::store::mutate_businesses(const request& req) {
  const auto body = parse_json_object(req);
  const std::uint64_t add_count = read_count(body, "add", 0);
  const std::uint64_t delete_count = read_count(body, "delete", 0);
  const std::uint64_t update_count = read_count(body, "update", 0);
  const std::uint64_t seed = read_count(body, "seed", 1);
  if (add_count > max_added_per_mutation) {
    throw reply_error(json_reply(400, errors_json("add must be at most 1000000")));
  }
  prng rng(mix64(options_.seed, mix64(0xb0b, seed)));
  auto changing = rng.pick_distinct(live_businesses(), update_count + delete_count);
  const auto split = static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(update_count, changing.size()));
  std::vector<std::uint32_t> updating(changing.begin(), changing.begin() + split);
  std::vector<std::uint32_t> removing(changing.begin() + split, changing.end());
  std::sort(updating.begin(), updating.end());
  std::sort(removing.begin(), removing.end());

  std::vector<std::string> updated;
  for (const auto index : updating) {
    business& b = businesses_[index];
    std::string name = std::string(pick(business_places, rng.next())) + " " + std::string(pick(business_kinds, rng.next()));
    if (name == b.name) name += " II";
    b.name = std::move(name);
    updated.push_back(b.id);
  }
  // Hard removal from the listing; their reviews stay (and keep pointing at the gone id).
  std::vector<std::string> deleted;
  for (const auto index : removing) {
    businesses_[index].removed = true;
    deleted.push_back(businesses_[index].id);
  }
  std::vector<std::string> added;
  for (std::uint64_t k = 0; k < add_count; ++k) {
    prng add_rng(mix64(rng.next(), k));
    business b = make_business(add_rng, businesses_.size());
    b.created = tick();
    added.push_back(b.id);
    businesses_.push_back(std::move(b));
  }
  ++generation_;

  json_writer w;
  w.begin_object();
  write_ids(w, "added", added);
  write_ids(w, "deleted", deleted);
  write_ids(w, "updated", updated);
  w.end_object();
  return json_reply(200, w.take());
}

reply cloutly_api::store::arrivals() const {
  json_writer w;
  w.begin_object();
  w.key("every").number(static_cast<std::int64_t>(options_.arrive_every));
  w.key("count").number(static_cast<std::int64_t>(options_.arrive_count));
  w.end_object();
  return json_reply(200, w.take());
}

reply cloutly_api::store::set_arrivals(const request& req) {
  // Like /_control/faults: the body is the whole configuration, and counting starts afresh.
  const auto body = parse_json_object(req);
  const std::uint64_t every = read_count(body, "every", 0);
  const std::uint64_t count = read_count(body, "count", 1);
  if (count > max_added_per_mutation) {
    throw reply_error(json_reply(400, errors_json("count must be at most 1000000")));
  }
  options_.arrive_every = every;
  options_.arrive_count = count;
  arrival_counter_ = 0;
  return arrivals();
}

reply cloutly_api::store::listing() const {
  json_writer w;
  w.begin_object();
  w.key("reviews").string(listing_.reviews == review_listing::normal  ? "normal"
                          : listing_.reviews == review_listing::empty ? "empty"
                                                                      : "truncate");
  w.key("truncate_to").number(static_cast<std::int64_t>(listing_.truncate_to));
  w.key("businesses").string(listing_.businesses_empty ? "empty" : "normal");
  w.key("total").string(total_names[static_cast<std::size_t>(listing_.total)]);
  w.end_object();
  return json_reply(200, w.take());
}

reply cloutly_api::store::set_listing(const request& req) {
  // Like /_control/faults: the body is the whole configuration; absent keys mean normal.
  const auto body = parse_json_object(req);
  listing_config config;
  const auto reviews = read_word(body, "reviews").value_or("normal");
  if (reviews == "empty") {
    config.reviews = review_listing::empty;
  } else if (reviews == "truncate") {
    if (body.if_contains("truncate_to") == nullptr) {
      throw reply_error(json_reply(400, errors_json("truncate needs truncate_to")));
    }
    config.reviews = review_listing::truncate;
  } else if (reviews != "normal") {
    throw reply_error(json_reply(400, errors_json("reviews must be normal, empty or truncate")));
  }
  config.truncate_to = read_count(body, "truncate_to", 0);
  const auto businesses = read_word(body, "businesses").value_or("normal");
  if (businesses != "normal" && businesses != "empty") {
    throw reply_error(json_reply(400, errors_json("businesses must be normal or empty")));
  }
  config.businesses_empty = businesses == "empty";
  // Absent: what the command line chose (--cloutly-total).
  const auto total = read_word(body, "total");
  const auto named = total ? std::find(total_names.begin(), total_names.end(), *total) : total_names.end();
  if (total && named == total_names.end()) {
    throw reply_error(json_reply(400, errors_json("total must be listing, page or account")));
  }
  config.total = total ? static_cast<cloutly_total>(named - total_names.begin()) : options_.total;
  listing_ = config;
  return listing();
}

cloutly_api::cloutly_api(cloutly_options options) : store_(std::make_unique<store>(std::move(options))) {}

cloutly_api::~cloutly_api() = default;

std::size_t cloutly_api::review_count() const { return store_->review_count(); }

void cloutly_api::install(router& routes) {
  store& s = *store_;
  api_scope scope;
  scope.prefix = "/cloutly/";
  scope.name = "cloutly";
  scope.authenticate = [&s](const request& req) { return s.authenticate(req); };
  scope.not_found = [](const request&) { return json_reply(404, message_json("Not Found")); };
  scope.routes.push_back({verb::get, "/cloutly/api/v1/reviews", "cloutly.reviews",
                          [&s](const request& req) { return s.reviews(req); }});
  scope.routes.push_back({verb::get, "/cloutly/api/v1/businesses", "cloutly.businesses",
                          [&s](const request&) { return s.businesses(); }});
  routes.add_scope(std::move(scope));

  routes.add_control(verb::get, "/_control/cloutly/reviews", [&s](const request&) { return s.all_reviews(); });
  routes.add_control(verb::get, "/_control/cloutly/businesses", [&s](const request&) { return s.all_businesses(); });
  routes.add_control(verb::post, "/_control/cloutly/mutate", [&s](const request& req) { return s.mutate(req); });
  routes.add_control(verb::post, "/_control/cloutly/businesses/mutate",
                     [&s](const request& req) { return s.mutate_businesses(req); });
  routes.add_control(verb::get, "/_control/cloutly/arrivals", [&s](const request&) { return s.arrivals(); });
  routes.add_control(verb::post, "/_control/cloutly/arrivals", [&s](const request& req) { return s.set_arrivals(req); });
  routes.add_control(verb::get, "/_control/cloutly/listing", [&s](const request&) { return s.listing(); });
  routes.add_control(verb::post, "/_control/cloutly/listing", [&s](const request& req) { return s.set_listing(req); });
}

}  // namespace sluice::fakeapi
