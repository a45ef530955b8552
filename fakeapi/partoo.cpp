#include "fakeapi/partoo.hpp"

#include "fakeapi/json_writer.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/timestamp.hpp"

#include <boost/beast/http/verb.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <map>
#include <numeric>
#include <optional>
#include <string_view>
#include <vector>

namespace sluice::fakeapi {
namespace {

using boost::beast::http::verb;
using namespace std::string_view_literals;

// Generated update dates are spread over 2023 (UTC).
constexpr micros range_begin = 1'672'531'200 * micros_per_second;  // 2023-01-01T00:00:00Z
constexpr micros range_end = 1'704'067'200 * micros_per_second;    // 2024-01-01T00:00:00Z
constexpr micros one_day = 86'400 * micros_per_second;
constexpr micros range_middle = range_begin + (range_end - range_begin) / 2;
constexpr micros business_epoch = 1'546'300'800 * micros_per_second;  // 2019-01-01T00:00:00Z

constexpr std::size_t business_page_size = 30;
constexpr std::uint64_t max_added_per_mutation = 1'000'000;

enum class partner : std::uint8_t { google, facebook, tripadvisor };
enum class review_state : std::uint8_t { treated, not_treated, deleted };
enum class comment_shape : std::uint8_t { none, array, object };

// Compact on purpose (200,000 of them must stay cheap): texts and platform identifiers are
// derived from `salt` and `text_seed` when serialized instead of being stored.
struct review {
  std::int64_t id = 0;
  micros date = 0;
  micros update_date = 0;
  micros delete_date = 0;  // meaningful when has_delete_date
  micros comment_date = 0;
  std::uint64_t salt = 0;       // identity: key, platform ids, author, link, reply
  std::uint64_t text_seed = 0;  // wording: content and title; changes when the review is edited
  std::uint32_t business = 0;
  std::int16_t offset_minutes = 120;
  std::uint8_t rating = 0;       // 1..5; 0 is null
  std::int8_t recommended = -1;  // -1 null, 0 false, 1 true
  partner platform = partner::google;
  review_state state = review_state::not_treated;
  comment_shape comments = comment_shape::none;
  std::array<std::uint8_t, 2> tags{};  // tag table index + 1; 0 is no tag
  bool has_delete_date = false;
  bool has_content = true;
  bool has_title = false;
  bool has_link = true;
};

struct business {
  std::string id;
  std::string name;
  std::string code;
  bool open = true;
  std::string address;
  std::string city;
  std::string zipcode;
  std::int64_t group_id = 0;
  micros created = 0;
  micros modified = 0;
  std::string gmb_location;   // accounts/.../locations/...
  std::string facebook_page;  // numeric page id
};

struct tag {
  std::int64_t id;
  std::string_view label;
  std::string_view color;
};

constexpr std::array tags_table{
    tag{25, "food", "#808080"},    tag{26, "service", "#1e90ff"},  tag{27, "prix", "#2e8b57"},
    tag{28, "accueil", "#ff8c00"}, tag{29, "propreté", "#8a2be2"},
};

// Review texts deliberately include non-ASCII, emoji and characters that JSON must escape
// (quotes, backslash, tab, CR/LF), so clients' decoding and storage are exercised.
constexpr std::array plain_sentences{
    "Magasin un peu vieillot , mais personnel très sympathique, nombreuses références en rayons , un très bon choix côté vin..."sv,
    "Accueil très sympathique ❤️"sv,
    "Service rapide, rien à redire."sv,
    "Très bon rapport qualité/prix 👍🏽"sv,
    "Great staff, would recommend!"sv,
    "Personnel désagréable, produits périmés 😡"sv,
    "素晴らしいサービス"sv,
    "Ça sent le pain chaud dès l'entrée 🥖"sv,
    "Livraison en retard de 3 jours."sv,
    "Équipe à l'écoute, je recommande."sv,
};

constexpr std::array tricky_sentences{
    "Le \"menu du jour\" était parfait."sv,
    "Attente beaucoup trop longue.\nJe ne reviendrai pas."sv,
    "Prix :\t12 €\tpour un café ?!"sv,
    "Chemin d'accès : C:\\Magasin\\Entrée (mal indiqué)."sv,
    "Parking facile d'accès.\r\nHoraires respectés."sv,
    "Rien à dire, c'est \"top\" \\o/"sv,
};

constexpr std::array titles{
    "Super expérience"sv, "Décevant"sv, "Un \"must\" du quartier"sv, "Bon mais cher"sv,
    "À éviter"sv,         "Parfait 👌"sv, "Correct"sv,
};

constexpr std::array replies{
    "Merci ❤️"sv,
    "Merci beaucoup pour votre retour !"sv,
    "Nous sommes désolés pour cette expérience.\nN'hésitez pas à nous contacter."sv,
    "Merci pour vos \"5 étoiles\" !"sv,
    "Thank you for your feedback."sv,
};

constexpr std::array reply_authors{"Le responsable"sv, "Service client"sv, "L'équipe"sv};

constexpr std::array first_names{
    "Marie"sv, "Jean"sv,  "Françoise"sv, "Zoë"sv,   "José"sv,    "Björn"sv, "Émilie"sv, "Nathalie"sv,
    "Pierre"sv, "Chloé"sv, "Lucas"sv,    "Inès"sv,  "Mohamed"sv, "Sofia"sv, "Ana"sv,    "Kévin"sv,
};

constexpr std::array last_names{
    "Martin"sv, "Bernard"sv, "Dubois"sv, "Müller"sv, "Lefèvre"sv, "O'Connor"sv, "García"sv,
    "Nguyễn"sv, "Petit"sv,   "Durand"sv, "Leroy"sv,  "Moreau"sv,  "Rousseau"sv, "Fontaine"sv,
};

constexpr std::array pseudonyms{"Castorche"sv, "Un client \"fidèle\""sv, "jp_75"sv, "A Google User"sv};

constexpr std::array business_kinds{
    "Boulangerie"sv, "Café"sv, "Librairie"sv, "Pharmacie"sv, "Garage"sv, "Fromagerie"sv, "Brasserie"sv, "Épicerie"sv,
};

constexpr std::array business_places{
    "du Marché"sv, "de la Gare"sv, "Saint-Michel"sv, "des Arts"sv, "Côté Jardin"sv, "Chez Léon"sv, "Le Moulin"sv,
};

struct city {
  std::string_view name;
  std::string_view zipcode;
};

constexpr std::array cities{
    city{"Paris", "75011"},   city{"Lyon", "69002"},     city{"Marseille", "13001"}, city{"Saint-Étienne", "42000"},
    city{"Nantes", "44000"},  city{"Lille", "59000"},    city{"Bordeaux", "33000"},  city{"Besançon", "25000"},
};

constexpr std::array streets{
    "rue de la Paix"sv, "avenue Jean Jaurès"sv, "boulevard Voltaire"sv, "place de l'Église"sv, "rue des Écoles"sv,
};

template <class Table>
auto pick(const Table& table, std::uint64_t seed) {
  return table[seed % table.size()];
}

std::string_view partner_name(partner p) {
  switch (p) {
    case partner::google: return "google_my_business";
    case partner::facebook: return "facebook";
    case partner::tripadvisor: return "tripadvisor";
  }
  return "google_my_business";
}

std::string_view state_name(review_state s) {
  switch (s) {
    case review_state::treated: return "treated";
    case review_state::not_treated: return "not_treated";
    case review_state::deleted: return "deleted";
  }
  return "treated";
}

std::string review_key(const review& r) {
  switch (r.platform) {
    case partner::google: return "gmb_" + random_base62(mix64(r.salt, 1), 22);
    case partner::facebook: return "fb_" + random_digits(mix64(r.salt, 1), 16);
    case partner::tripadvisor: return "ta_" + random_digits(mix64(r.salt, 1), 9);
  }
  return {};
}

std::string review_partner_id(const review& r, const business& b) {
  switch (r.platform) {
    case partner::google: return b.gmb_location + "/reviews/" + random_base62(mix64(r.salt, 2), 30);
    case partner::facebook: return b.facebook_page + "_" + random_digits(mix64(r.salt, 2), 16);
    case partner::tripadvisor: return random_digits(mix64(r.salt, 2), 9);
  }
  return {};
}

std::string comment_partner_id(const review& r, const business& b) {
  switch (r.platform) {
    case partner::google: return b.gmb_location;
    case partner::facebook: return b.facebook_page + "_" + random_digits(mix64(r.salt, 3), 16);
    case partner::tripadvisor: return random_digits(mix64(r.salt, 3), 9);
  }
  return {};
}

std::string review_link(const review& r, const business& b) {
  switch (r.platform) {
    case partner::google:
      return "https://search.google.com/local/reviews?placeid=ChIJ" + random_base62(mix64(r.salt, 4), 23);
    case partner::facebook:
      return "https://www.facebook.com/" + b.facebook_page + "/posts/" + random_digits(mix64(r.salt, 4), 16);
    case partner::tripadvisor:
      return "https://www.tripadvisor.fr/ShowUserReviews-g187147-d" + random_digits(mix64(r.salt, 5), 7) +
             "-r" + random_digits(mix64(r.salt, 4), 9) + ".html";
  }
  return {};
}

std::string author_name(std::uint64_t salt) {
  const std::uint64_t h = mix64(salt, 6);
  if (h % 10 == 0) return std::string(pick(pseudonyms, h >> 8));
  std::string name(pick(first_names, h >> 8));
  name += ' ';
  name += pick(last_names, h >> 24);
  return name;
}

std::string content_text(std::uint64_t text_seed) {
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

std::uint8_t different_rating(std::uint8_t old_rating, prng& rng) {
  return static_cast<std::uint8_t>((old_rating - 1 + 1 + rng.below(4)) % 5 + 1);
}

std::string errors_json_field(const std::map<std::string, std::string>& field_errors) {
  json_writer w;
  w.begin_object().key("errors").begin_object().key("json").begin_object();
  for (const auto& [field, message] : field_errors) w.key(field).begin_array().string(message).end_array();
  w.end_object().end_object().end_object();
  return w.take();
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// Page numbers: a positive integer, default 1.
std::int64_t page_param(const request& req, std::map<std::string, std::string>& field_errors) {
  const auto text = req.param("page");
  if (!text) return 1;
  const auto value = parse_int(*text);
  if (!value) {
    field_errors["page"] = "Not a valid integer.";
  } else if (*value < 1) {
    field_errors["page"] = "Must be greater than or equal to 1.";
  } else {
    return *value;
  }
  return 1;
}

std::uint64_t read_count(const boost::json::object& body, std::string_view key, std::uint64_t fallback) {
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return fallback;
  if (value->is_uint64()) return value->get_uint64();
  if (value->is_int64() && value->get_int64() >= 0) return static_cast<std::uint64_t>(value->get_int64());
  throw reply_error(json_reply(400, errors_json(std::string(key) + " must be a non-negative integer")));
}

void write_ids(json_writer& w, std::string_view key, const std::vector<std::int64_t>& ids) {
  w.key(key).begin_array();
  for (const auto id : ids) w.number(id);
  w.end_array();
}

}  // namespace

class partoo_api::store {
 public:
  explicit store(partoo_options options);

  std::optional<reply> authenticate(const request& req) const;
  reply reviews(const request& req);
  reply business_search(const request& req) const;
  reply all_reviews() const;
  reply all_businesses() const;
  reply mutate(const request& req);
  reply mutate_businesses(const request& req);

  std::size_t review_count() const { return reviews_.size(); }

 private:
  void generate_businesses();
  void generate_reviews();
  review make_review(prng& rng, std::int64_t id, micros update_date) const;

  void write_review(json_writer& w, const review& r) const;
  void write_comment(json_writer& w, const review& r) const;
  void write_business(json_writer& w, const business& b) const;

  // Positions in by_update_ of the first review at or after (update_date, id).
  std::size_t index_position(micros update_date, std::int64_t id) const;
  void unindex(const review& r);
  void reindex(const review& r);
  const std::vector<std::uint32_t>& ids_in_range(std::size_t lo, std::size_t hi);
  std::vector<std::uint32_t> businesses_by_modified() const;

  // The fake clock: deterministic, one second per mutated record.
  micros tick() {
    const micros now = clock_;
    clock_ += micros_per_second;
    return now;
  }

  partoo_options options_;
  std::int64_t org_id_ = 0;
  std::vector<business> businesses_;
  std::vector<review> reviews_;             // by id: reviews_[id - 1]
  std::vector<std::uint32_t> by_update_;   // indexes into reviews_, sorted by (update_date, id)
  micros clock_ = 0;

  // Filtered queries without order_by page through ids: cache the sorted range between pages.
  struct range_cache {
    std::size_t lo = 0;
    std::size_t hi = 0;
    std::uint64_t generation = 0;
    bool valid = false;
    std::vector<std::uint32_t> indexes;
  } cache_;
  std::uint64_t generation_ = 0;
};

partoo_api::store::store(partoo_options options) : options_(std::move(options)) {
  org_id_ = 1000 + static_cast<std::int64_t>(mix64(options_.seed, 0x0c9) % 9000);
  if (options_.businesses == 0 && options_.reviews != 0) options_.businesses = 1;
  generate_businesses();
  generate_reviews();
  micros latest = range_begin;
  for (const auto& r : reviews_) latest = std::max(latest, r.update_date);
  clock_ = latest + 60 * micros_per_second;
}

void partoo_api::store::generate_businesses() {
  businesses_.reserve(options_.businesses);
  for (std::size_t i = 0; i < options_.businesses; ++i) {
    prng rng(mix64(options_.seed, mix64(0xb05, i)));
    business b;
    // The index in the last 8 hex digits keeps ids distinct without a collision check.
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "%08zx", i);
    b.id = random_hex(rng.next(), 16) + suffix;
    b.name = std::string(pick(business_kinds, rng.next())) + " " + std::string(pick(business_places, rng.next()));
    char code[32];
    std::snprintf(code, sizeof code, "B%04zu", i + 1);
    b.code = code;
    b.open = rng.percent(90);
    const city c = pick(cities, rng.next());
    b.address = std::to_string(1 + rng.below(120)) + " " + std::string(pick(streets, rng.next()));
    b.city = c.name;
    b.zipcode = c.zipcode;
    b.group_id = 100 + static_cast<std::int64_t>(rng.below(5));
    b.created = business_epoch + static_cast<micros>(rng.below(static_cast<std::uint64_t>(range_begin - business_epoch) / 2));
    // Before the reviews' range, so the fake clock (after the newest review) is always later.
    b.modified = b.created + static_cast<micros>(rng.below(static_cast<std::uint64_t>(range_begin - b.created)));
    b.gmb_location = "accounts/" + random_digits(rng.next(), 21) + "/locations/" + random_digits(rng.next(), 20);
    b.facebook_page = random_digits(rng.next(), 15);
    businesses_.push_back(std::move(b));
  }
}

review partoo_api::store::make_review(prng& rng, std::int64_t id, micros update_date) const {
  review r;
  r.id = id;
  r.salt = rng.next();
  r.text_seed = rng.next();
  const auto platform_roll = rng.below(100);
  r.platform = platform_roll < 78 ? partner::google : platform_roll < 90 ? partner::facebook : partner::tripadvisor;
  r.business = static_cast<std::uint32_t>(rng.below(businesses_.size()));
  r.update_date = update_date;
  r.date = rng.percent(40) ? update_date : update_date - static_cast<micros>(rng.below(120 * one_day));
  const auto offset_roll = rng.below(100);
  r.offset_minutes = offset_roll < 80 ? 120 : offset_roll < 90 ? 0 : -300;
  if (r.platform == partner::facebook) {
    r.recommended = rng.percent(80) ? 1 : 0;
  } else {
    static constexpr std::array<std::uint8_t, 20> weighted{1, 1, 2, 2, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5};
    r.rating = weighted[rng.below(weighted.size())];
  }
  r.has_title = r.platform == partner::tripadvisor && rng.percent(85);
  r.has_content = rng.percent(88);
  r.has_link = rng.percent(85);
  const auto tag_count = rng.below(3);
  if (tag_count >= 1) r.tags[0] = static_cast<std::uint8_t>(1 + rng.below(tags_table.size()));
  if (tag_count == 2) {
    r.tags[1] = static_cast<std::uint8_t>(1 + (r.tags[0] + rng.below(tags_table.size() - 1)) % tags_table.size());
  }
  const auto comment_roll = rng.below(100);
  r.comments = comment_roll < 40 ? comment_shape::array : comment_roll < 50 ? comment_shape::object : comment_shape::none;
  r.comment_date = r.date + static_cast<micros>(rng.below(static_cast<std::uint64_t>(r.update_date - r.date) + 1));
  if (rng.percent(3)) {
    r.state = review_state::deleted;
    r.has_delete_date = true;
    r.delete_date = r.update_date;
  } else if (r.comments != comment_shape::none || rng.percent(50)) {
    r.state = review_state::treated;
  } else {
    r.state = review_state::not_treated;
  }
  return r;
}

void partoo_api::store::generate_reviews() {
  const std::size_t n = options_.reviews;
  reviews_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = static_cast<std::int64_t>(i + 1);
    prng rng(mix64(options_.seed, static_cast<std::uint64_t>(id)));
    const micros update = range_begin + static_cast<micros>(rng.below(static_cast<std::uint64_t>(range_end - range_begin)));
    reviews_.push_back(make_review(rng, id, update));
  }

  if (options_.tie_block > 0 && n > 0) {
    // One instant shared by a block of reviews, so clients meet a page full of equal cursors.
    prng rng(mix64(options_.seed, 0x71e));
    const micros tie = range_middle + static_cast<micros>(rng.below(3600 * micros_per_second));
    std::vector<std::uint32_t> all(n);
    std::iota(all.begin(), all.end(), 0U);
    for (const auto index : rng.pick_distinct(std::move(all), options_.tie_block)) {
      review& r = reviews_[index];
      r.update_date = tie;
      if (r.date > tie) r.date = tie - static_cast<micros>(rng.below(30 * one_day));
      r.comment_date = std::clamp(r.comment_date, r.date, tie);
      if (r.has_delete_date) r.delete_date = tie;
    }
  }

  by_update_.resize(n);
  std::iota(by_update_.begin(), by_update_.end(), 0U);
  std::sort(by_update_.begin(), by_update_.end(), [this](std::uint32_t a, std::uint32_t b) {
    const review& x = reviews_[a];
    const review& y = reviews_[b];
    return x.update_date != y.update_date ? x.update_date < y.update_date : x.id < y.id;
  });
}

std::optional<reply> partoo_api::store::authenticate(const request& req) const {
  const auto it = req.http.find("x-APIKey");  // Beast compares field names case-insensitively
  if (it != req.http.end() && it->value() == options_.api_key) return std::nullopt;
  return json_reply(401, R"({"errors":{"authentication":"User not authenticated"}})");
}

void partoo_api::store::write_comment(json_writer& w, const review& r) const {
  const business& b = businesses_[r.business];
  const std::string when = format_iso(r.comment_date, r.offset_minutes);
  w.begin_object();
  w.key("id").number(1'000'000 + r.id);
  w.key("partner_id").string(comment_partner_id(r, b));
  w.key("created").string(when);
  w.key("author_name").string(pick(reply_authors, mix64(r.salt, 8)));
  w.key("content").string(pick(replies, mix64(r.salt, 9)));
  w.key("date").string(when);
  w.key("update_date").string(when);
  w.key("can_edit").boolean(r.platform != partner::tripadvisor);
  w.key("review_id").number(r.id);
  w.key("parent_id").null();
  w.key("user_id").string(random_hex(mix64(r.salt, 7), 24));
  w.key("is_reply_suggestion").boolean(false);
  w.key("replies").begin_array().end_array();
  w.end_object();
}

void partoo_api::store::write_review(json_writer& w, const review& r) const {
  const business& b = businesses_[r.business];
  w.begin_object();
  w.key("key").string(review_key(r));
  w.key("org_id").number(org_id_);
  w.key("id").number(r.id);
  w.key("business_id").string(b.id);
  w.key("partner").string(partner_name(r.platform));
  w.key("partner_id").string(review_partner_id(r, b));
  w.key("author_name").string(author_name(r.salt));
  w.key("date").string(format_iso(r.date, r.offset_minutes));
  w.key("update_date").string(format_iso(r.update_date, r.offset_minutes));
  w.key("delete_date");
  if (r.has_delete_date) {
    w.string(format_iso(r.delete_date, r.offset_minutes));
  } else {
    w.null();
  }
  w.key("rating");
  if (r.rating != 0) {
    w.number(r.rating);
  } else {
    w.null();
  }
  w.key("recommended");
  if (r.recommended >= 0) {
    w.boolean(r.recommended == 1);
  } else {
    w.null();
  }
  w.key("title");
  if (r.has_title) {
    w.string(pick(titles, mix64(r.text_seed, 2)));
  } else {
    w.null();
  }
  w.key("content");
  if (r.has_content) {
    w.string(content_text(r.text_seed));
  } else {
    w.null();
  }
  w.key("state").string(state_name(r.state));
  w.key("link");
  if (r.has_link) {
    w.string(review_link(r, b));
  } else {
    w.null();
  }
  // Both shapes of the reply thread occur in the vendor's docs: clients must accept either.
  w.key("comments");
  switch (r.comments) {
    case comment_shape::none:
      w.begin_array().end_array();
      break;
    case comment_shape::array:
      w.begin_array();
      write_comment(w, r);
      w.end_array();
      break;
    case comment_shape::object:
      write_comment(w, r);
      break;
  }
  w.key("tags").begin_array();
  for (const auto t : r.tags) {
    if (t == 0) continue;
    const tag& info = tags_table[t - 1];
    w.begin_object().key("id").number(info.id).key("label").string(info.label).key("color").string(info.color).end_object();
  }
  w.end_array();
  w.end_object();
}

void partoo_api::store::write_business(json_writer& w, const business& b) const {
  w.begin_object();
  w.key("id").string(b.id);
  w.key("name").string(b.name);
  w.key("code").string(b.code);
  w.key("status").string(b.open ? "open" : "closed");
  w.key("address").string(b.address);
  w.key("city").string(b.city);
  w.key("zipcode").string(b.zipcode);
  w.key("country").string("FR");
  w.key("org_id").number(org_id_);
  w.key("group_id").number(b.group_id);
  w.key("created").raw(format_unix_seconds(b.created));
  w.key("modified").raw(format_unix_seconds(b.modified));
  w.end_object();
}

std::size_t partoo_api::store::index_position(micros update_date, std::int64_t id) const {
  const auto it = std::partition_point(by_update_.begin(), by_update_.end(), [&](std::uint32_t i) {
    const review& r = reviews_[i];
    return r.update_date != update_date ? r.update_date < update_date : r.id < id;
  });
  return static_cast<std::size_t>(it - by_update_.begin());
}

void partoo_api::store::unindex(const review& r) {
  by_update_.erase(by_update_.begin() + static_cast<std::ptrdiff_t>(index_position(r.update_date, r.id)));
}

void partoo_api::store::reindex(const review& r) {
  by_update_.insert(by_update_.begin() + static_cast<std::ptrdiff_t>(index_position(r.update_date, r.id)),
                    static_cast<std::uint32_t>(r.id - 1));
}

const std::vector<std::uint32_t>& partoo_api::store::ids_in_range(std::size_t lo, std::size_t hi) {
  if (!cache_.valid || cache_.lo != lo || cache_.hi != hi || cache_.generation != generation_) {
    cache_.indexes.assign(by_update_.begin() + static_cast<std::ptrdiff_t>(lo),
                          by_update_.begin() + static_cast<std::ptrdiff_t>(hi));
    // Indexes into reviews_ are id - 1: sorting them sorts by id.
    std::sort(cache_.indexes.begin(), cache_.indexes.end());
    cache_.lo = lo;
    cache_.hi = hi;
    cache_.generation = generation_;
    cache_.valid = true;
  }
  return cache_.indexes;
}

reply partoo_api::store::reviews(const request& req) {
  std::map<std::string, std::string> field_errors;
  const std::int64_t page = page_param(req, field_errors);

  std::int64_t per_page = 30;
  if (const auto text = req.param("per_page")) {
    const auto value = parse_int(*text);
    if (!value) {
      field_errors["per_page"] = "Not a valid integer.";
    } else if (*value < 1 || *value > 100) {
      field_errors["per_page"] = "Must be between 1 and 100.";
    } else {
      per_page = *value;
    }
  }

  enum class order { id, ascending, descending } ordering = order::id;
  if (const auto text = req.param("order_by")) {
    if (*text == "update_date") {
      ordering = order::ascending;
    } else if (*text == "-update_date") {
      ordering = order::descending;
    } else {
      field_errors["order_by"] = "Must be one of: update_date, -update_date.";
    }
  }

  std::optional<micros> gte;
  std::optional<micros> lte;
  for (const auto& [name, bound] : {std::pair{"update_date__gte", &gte}, std::pair{"update_date__lte", &lte}}) {
    if (const auto text = req.param(name)) {
      *bound = parse_naive_utc(*text);
      if (!*bound) field_errors[name] = "Not a valid datetime.";
    }
  }

  if (!field_errors.empty()) return json_reply(400, errors_json_field(field_errors));

  // Filters are a contiguous range of the (update_date, id) index.
  const std::size_t n = by_update_.size();
  const auto first = by_update_.begin();
  std::size_t lo = 0;
  std::size_t hi = n;
  if (gte) {
    lo = static_cast<std::size_t>(std::partition_point(first, by_update_.end(), [&](std::uint32_t i) {
                                    return reviews_[i].update_date < *gte;
                                  }) - first);
  }
  if (lte) {
    hi = static_cast<std::size_t>(std::partition_point(first, by_update_.end(), [&](std::uint32_t i) {
                                    return reviews_[i].update_date <= *lte;
                                  }) - first);
  }
  hi = std::max(hi, lo);
  const std::size_t count = hi - lo;
  const auto size = static_cast<std::size_t>(per_page);
  const std::size_t max_page = std::max<std::size_t>(1, (count + size - 1) / size);

  std::size_t begin = count;
  std::size_t end = count;
  if (static_cast<std::uint64_t>(page) <= max_page) {
    begin = (static_cast<std::size_t>(page) - 1) * size;
    end = std::min(count, begin + size);
  }

  const std::vector<std::uint32_t>* by_id = nullptr;
  if (ordering == order::id && (lo != 0 || hi != n)) by_id = &ids_in_range(lo, hi);

  json_writer w;
  w.reserve(1024 + (end - begin) * 1500);
  w.begin_object();
  w.key("page").number(page);
  w.key("max_page").number(static_cast<std::int64_t>(max_page));
  w.key("count").number(static_cast<std::int64_t>(count));
  w.key("reviews").begin_array();
  for (std::size_t k = begin; k < end; ++k) {
    std::uint32_t index = 0;
    switch (ordering) {
      case order::id:
        index = by_id != nullptr ? (*by_id)[k] : static_cast<std::uint32_t>(k);
        break;
      case order::ascending:
        index = by_update_[lo + k];
        break;
      case order::descending: {
        // Newest first, but equal update_dates stay in id order: mirror the position inside its
        // group of equal dates.
        const std::size_t q = hi - 1 - k;
        const micros u = reviews_[by_update_[q]].update_date;
        const auto range_first = first + static_cast<std::ptrdiff_t>(lo);
        const auto range_last = first + static_cast<std::ptrdiff_t>(hi);
        const auto group_lo = static_cast<std::size_t>(
            std::partition_point(range_first, range_last, [&](std::uint32_t i) { return reviews_[i].update_date < u; }) - first);
        const auto group_hi = static_cast<std::size_t>(
            std::partition_point(range_first, range_last, [&](std::uint32_t i) { return reviews_[i].update_date <= u; }) - first);
        index = by_update_[group_lo + (group_hi - 1 - q)];
        break;
      }
    }
    write_review(w, reviews_[index]);
  }
  w.end_array();
  w.end_object();
  return json_reply(200, w.take());
}

std::vector<std::uint32_t> partoo_api::store::businesses_by_modified() const {
  std::vector<std::uint32_t> order(businesses_.size());
  std::iota(order.begin(), order.end(), 0U);
  std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
    const business& x = businesses_[a];
    const business& y = businesses_[b];
    return x.modified != y.modified ? x.modified < y.modified : x.id < y.id;
  });
  return order;
}

reply partoo_api::store::business_search(const request& req) const {
  std::map<std::string, std::string> field_errors;
  const std::int64_t page = page_param(req, field_errors);
  std::optional<micros> gte;
  if (const auto text = req.param("modified__gte")) {
    gte = parse_unix_seconds(*text);
    if (!gte) field_errors["modified__gte"] = "Not a valid number.";
  }
  if (!field_errors.empty()) return json_reply(400, errors_json_field(field_errors));

  std::vector<std::uint32_t> matching;
  for (const auto index : businesses_by_modified()) {
    if (!gte || businesses_[index].modified >= *gte) matching.push_back(index);
  }
  const std::size_t count = matching.size();
  const std::size_t max_page = std::max<std::size_t>(1, (count + business_page_size - 1) / business_page_size);
  std::size_t begin = count;
  std::size_t end = count;
  if (static_cast<std::uint64_t>(page) <= max_page) {
    begin = (static_cast<std::size_t>(page) - 1) * business_page_size;
    end = std::min(count, begin + business_page_size);
  }

  json_writer w;
  w.begin_object();
  w.key("page").number(page);
  w.key("max_page").number(static_cast<std::int64_t>(max_page));
  w.key("count").number(static_cast<std::int64_t>(count));
  w.key("businesses").begin_array();
  for (std::size_t k = begin; k < end; ++k) write_business(w, businesses_[matching[k]]);
  w.end_array();
  w.end_object();
  return json_reply(200, w.take());
}

reply partoo_api::store::all_reviews() const {
  json_writer w;
  w.reserve(reviews_.size() * 1500 + 2);
  w.begin_array();
  for (const auto& r : reviews_) write_review(w, r);
  w.end_array();
  return json_reply(200, w.take());
}

reply partoo_api::store::all_businesses() const {
  json_writer w;
  w.begin_array();
  for (const auto& b : businesses_) write_business(w, b);
  w.end_array();
  return json_reply(200, w.take());
}

reply partoo_api::store::mutate(const request& req) {
  const auto body = parse_json_object(req);
  const std::uint64_t update_count = read_count(body, "update", 0);
  const std::uint64_t add_count = read_count(body, "add", 0);
  const std::uint64_t delete_count = read_count(body, "delete", 0);
  const std::uint64_t restore_count = read_count(body, "restore", 0);
  const std::uint64_t seed = read_count(body, "seed", 1);
  if (add_count > max_added_per_mutation) {
    throw reply_error(json_reply(400, errors_json("add must be at most 1000000")));
  }
  if (add_count > 0 && businesses_.empty()) {
    throw reply_error(json_reply(400, errors_json("no businesses to attach reviews to")));
  }

  // Victims depend only on the seeds and the current data; updated and deleted victims are
  // drawn together so they are distinct.
  prng rng(mix64(options_.seed, mix64(0x6d7574, seed)));
  std::vector<std::int64_t> live;
  std::vector<std::int64_t> deleted;
  for (const auto& r : reviews_) (r.has_delete_date ? deleted : live).push_back(r.id);
  auto changing = rng.pick_distinct(std::move(live), update_count + delete_count);
  const auto split = static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(update_count, changing.size()));
  std::vector<std::int64_t> updated(changing.begin(), changing.begin() + split);
  std::vector<std::int64_t> removed(changing.begin() + split, changing.end());
  std::vector<std::int64_t> restored = rng.pick_distinct(std::move(deleted), restore_count);
  std::sort(updated.begin(), updated.end());
  std::sort(removed.begin(), removed.end());
  std::sort(restored.begin(), restored.end());

  for (const auto id : updated) {
    review& r = reviews_[static_cast<std::size_t>(id - 1)];
    unindex(r);
    r.update_date = tick();
    r.text_seed = mix64(r.text_seed, static_cast<std::uint64_t>(r.update_date));
    r.has_content = true;
    if (r.rating != 0) r.rating = different_rating(r.rating, rng);
    if (r.recommended >= 0) r.recommended = r.recommended == 1 ? 0 : 1;
    if (rng.percent(50)) {
      r.state = r.state == review_state::treated ? review_state::not_treated : review_state::treated;
    }
    reindex(r);
  }

  std::vector<std::int64_t> added;
  for (std::uint64_t k = 0; k < add_count; ++k) {
    const auto id = static_cast<std::int64_t>(reviews_.size() + 1);
    prng add_rng(mix64(rng.next(), static_cast<std::uint64_t>(id)));
    review r = make_review(add_rng, id, tick());
    r.date = r.update_date;
    r.comment_date = r.update_date;
    r.comments = comment_shape::none;
    r.state = review_state::not_treated;
    r.has_delete_date = false;
    reviews_.push_back(r);
    reindex(r);
    added.push_back(id);
  }

  for (const auto id : removed) {
    review& r = reviews_[static_cast<std::size_t>(id - 1)];
    unindex(r);
    r.update_date = tick();
    r.delete_date = r.update_date;
    r.has_delete_date = true;
    r.state = review_state::deleted;
    reindex(r);
  }

  for (const auto id : restored) {
    review& r = reviews_[static_cast<std::size_t>(id - 1)];
    unindex(r);
    r.update_date = tick();
    r.has_delete_date = false;
    r.state = review_state::treated;
    reindex(r);
  }
  ++generation_;

  json_writer w;
  w.begin_object();
  write_ids(w, "updated", updated);
  write_ids(w, "added", added);
  write_ids(w, "deleted", removed);
  write_ids(w, "restored", restored);
  w.end_object();
  return json_reply(200, w.take());
}

reply partoo_api::store::mutate_businesses(const request& req) {
  const auto body = parse_json_object(req);
  const std::uint64_t update_count = read_count(body, "update", 0);
  const std::uint64_t seed = read_count(body, "seed", 1);
  prng rng(mix64(options_.seed, mix64(0xb0b, seed)));
  std::vector<std::uint32_t> all(businesses_.size());
  std::iota(all.begin(), all.end(), 0U);
  auto victims = rng.pick_distinct(std::move(all), update_count);
  std::sort(victims.begin(), victims.end());

  json_writer w;
  w.begin_object().key("updated").begin_array();
  for (const auto index : victims) {
    business& b = businesses_[index];
    std::string name = std::string(pick(business_kinds, rng.next())) + " " + std::string(pick(business_places, rng.next()));
    if (name == b.name) name += " II";
    b.name = std::move(name);
    b.modified = tick();
    w.string(b.id);
  }
  w.end_array().end_object();
  return json_reply(200, w.take());
}

partoo_api::partoo_api(partoo_options options) : store_(std::make_unique<store>(std::move(options))) {}

partoo_api::~partoo_api() = default;

std::size_t partoo_api::review_count() const { return store_->review_count(); }

void partoo_api::install(router& routes) {
  store& s = *store_;
  api_scope scope;
  scope.prefix = "/partoo/";
  scope.name = "partoo";
  scope.authenticate = [&s](const request& req) { return s.authenticate(req); };
  scope.not_found = [](const request&) { return json_reply(404, errors_json("Resource not found")); };
  scope.routes.push_back({verb::get, "/partoo/v2/reviews", "partoo.reviews",
                          [&s](const request& req) { return s.reviews(req); }});
  scope.routes.push_back({verb::get, "/partoo/v2/business/search", "partoo.business_search",
                          [&s](const request& req) { return s.business_search(req); }});
  routes.add_scope(std::move(scope));

  routes.add_control(verb::get, "/_control/partoo/reviews", [&s](const request&) { return s.all_reviews(); });
  routes.add_control(verb::get, "/_control/partoo/businesses", [&s](const request&) { return s.all_businesses(); });
  routes.add_control(verb::post, "/_control/partoo/mutate", [&s](const request& req) { return s.mutate(req); });
  routes.add_control(verb::post, "/_control/partoo/businesses/mutate",
                     [&s](const request& req) { return s.mutate_businesses(req); });
}

}  // namespace sluice::fakeapi
