#include "fakeapi/partoo.hpp"

#include "fakeapi/json_writer.hpp"
#include "fakeapi/random.hpp"
#include "fakeapi/timestamp.hpp"

#include <boost/beast/http/verb.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <deque>
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
// 9999-12-31T23:00:00-05:00: a date as placeholders write it, which in UTC lies past year 9999.
const micros far_future = make_utc(10000, 1, 1, 4);

constexpr std::size_t business_page_size = 30;
constexpr std::uint64_t max_added_per_mutation = 1'000'000;
constexpr std::size_t request_log_limit = 10'000;

enum class partner : std::uint8_t { google, facebook, tripadvisor };
// `none` is a review without a state (`"state": null`): deleted when it has a delete_date.
enum class review_state : std::uint8_t { treated, not_treated, deleted, none };
enum class comment_shape : std::uint8_t { none, array, object };
// Who wrote a comment of a reply thread: the business (its answer), Partoo (a reply suggestion,
// `is_reply_suggestion: true`, not posted) or the customer who wrote the review.
enum class comment_kind : std::uint8_t { business, suggestion, customer };

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
  bool purged = false;  // removed without trace: no answer, no dump, no mutation picks it
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

constexpr std::array suggestions{
    "Merci pour votre avis, à bientôt !"sv,
    "Nous vous remercions pour ce retour \"positif\"."sv,
    "Bonjour, merci d'avoir pris le temps de nous écrire."sv,
};

constexpr std::array customer_comments{
    "Edit : le problème a été réglé, merci."sv,
    "Je précise : c'était un dimanche."sv,
    "Toujours pas de réponse du magasin..."sv,
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

// Deleted at the source: `state` says so, or a review without a state has a delete_date. A
// review whose state is anything else is live, even with a stale delete_date.
bool is_deleted(const review& r) {
  return r.state == review_state::deleted || (r.state == review_state::none && r.has_delete_date);
}

constexpr std::array known_states{"treated"sv, "not_treated"sv, "deleted"sv, "pending_auto_reply"sv,
                                  "treated_auto_reply"sv};

// The state as the API shows it; empty for null. With extra states on, about one review in six
// of those (not) treated shows the automatic-reply variant instead: the review's identity decides,
// so it is stable across requests and edits that keep the state.
std::string_view shown_state(const review& r, bool extra_states) {
  const bool automatic = extra_states && mix64(r.salt, 0x5a7e) % 6 == 0;
  switch (r.state) {
    case review_state::treated: return automatic ? "treated_auto_reply"sv : "treated"sv;
    case review_state::not_treated: return automatic ? "pending_auto_reply"sv : "not_treated"sv;
    case review_state::deleted: return "deleted"sv;
    case review_state::none: return {};
  }
  return {};
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

// Page numbers: an integer from `first` on (1, or 0 where pages count from 0), default `first`.
std::int64_t page_param(const request& req, std::map<std::string, std::string>& field_errors, std::int64_t first) {
  const auto text = req.param("page");
  if (!text) return first;
  const auto value = parse_int(*text);
  if (!value) {
    field_errors["page"] = "Not a valid integer.";
  } else if (*value < first) {
    field_errors["page"] = "Must be greater than or equal to " + std::to_string(first) + ".";
  } else {
    return *value;
  }
  return first;
}

std::uint64_t read_count(const boost::json::object& body, std::string_view key, std::uint64_t fallback) {
  const auto* value = body.if_contains(key);
  if (value == nullptr || value->is_null()) return fallback;
  if (value->is_uint64()) return value->get_uint64();
  if (value->is_int64() && value->get_int64() >= 0) return static_cast<std::uint64_t>(value->get_int64());
  throw reply_error(json_reply(400, errors_json(std::string(key) + " must be a non-negative integer")));
}

enum class review_order { id, ascending, descending };

struct review_query {
  std::int64_t page = 1;
  std::int64_t per_page = 30;
  review_order ordering = review_order::id;  // without order_by: by id
  std::optional<micros> gte;
  std::optional<micros> lte;
  std::optional<std::vector<std::string>> states;  // state__in
};

// The comma-separated list of state__in; every element must be a state the API knows.
std::optional<std::vector<std::string>> states_param(const request& req, std::map<std::string, std::string>& field_errors) {
  const auto text = req.param("state__in");
  if (!text) return std::nullopt;
  std::vector<std::string> states;
  std::string_view rest = *text;
  for (;;) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    if (std::find(known_states.begin(), known_states.end(), item) == known_states.end()) {
      field_errors["state__in"] = "Not a valid choice: '" + std::string(item) + "'.";
      return std::nullopt;
    }
    states.emplace_back(item);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return states;
}

// GET /reviews's parameters; a 400 reply_error naming every bad one.
review_query parse_review_query(const request& req) {
  std::map<std::string, std::string> field_errors;
  review_query q;
  q.page = page_param(req, field_errors, 1);
  if (const auto text = req.param("per_page")) {
    const auto value = parse_int(*text);
    if (!value) {
      field_errors["per_page"] = "Not a valid integer.";
    } else if (*value < 1 || *value > 100) {
      field_errors["per_page"] = "Must be between 1 and 100.";
    } else {
      q.per_page = *value;
    }
  }
  if (const auto text = req.param("order_by")) {
    if (*text == "update_date") {
      q.ordering = review_order::ascending;
    } else if (*text == "-update_date") {
      q.ordering = review_order::descending;
    } else {
      field_errors["order_by"] = "Must be one of: update_date, -update_date.";
    }
  }
  for (const auto& [name, bound] : {std::pair{"update_date__gte", &q.gte}, std::pair{"update_date__lte", &q.lte}}) {
    if (const auto text = req.param(name)) {
      *bound = parse_naive_utc(*text);
      if (!*bound) field_errors[name] = "Not a valid datetime.";
    }
  }
  q.states = states_param(req, field_errors);
  if (!field_errors.empty()) throw reply_error(json_reply(400, errors_json_field(field_errors)));
  return q;
}

// POST /_control/partoo/mutate: a typo must not pass for a mutation that changed nothing.
void check_mutation_keys(const boost::json::object& body) {
  static constexpr std::array keys{"update"sv,   "add"sv,           "delete"sv,
                                   "restore"sv,  "seed"sv,          "backdate"sv,
                                   "backdate_hours"sv, "purge"sv,   "future"sv,
                                   "restore_stale"sv,  "delete_without_state"sv};
  for (const auto& [key, value] : body) {
    if (std::find(keys.begin(), keys.end(), std::string_view(key)) == keys.end()) {
      throw reply_error(json_reply(400, errors_json("unknown mutation '" + std::string(key) + "'")));
    }
  }
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

  std::optional<reply> authenticate(const request& req);
  reply reviews(const request& req);
  reply business_search(const request& req) const;
  reply all_reviews(const request& req) const;
  reply all_businesses() const;
  reply mutate(const request& req);
  reply mutate_businesses(const request& req);
  reply settings() const;
  reply change_settings(const request& req);
  reply request_log() const;
  reply reset_request_log();

  std::size_t review_count() const { return reviews_.size(); }

 private:
  void generate_businesses();
  void generate_reviews();
  review make_review(prng& rng, std::int64_t id, micros update_date) const;

  void mutate_more(const boost::json::object& body, prng& rng, std::uint64_t backdate_count,
                   std::uint64_t backdate_hours, std::uint64_t future_count, std::vector<std::int64_t>& touched,
                   json_writer& w);
  std::vector<std::int64_t> pick_reviews(prng& rng, std::uint64_t count, bool deleted,
                                         std::vector<std::int64_t>& touched);
  void update_review(std::int64_t id, prng& rng);
  std::int64_t add_review(prng& rng, micros update_date, std::optional<std::int16_t> offset_minutes = std::nullopt);
  void delete_review(std::int64_t id, review_state state);
  void restore_review(std::int64_t id, bool keep_delete_date);

  void write_review(json_writer& w, const review& r) const;
  // A reply thread: its top-level comments and whether a customer's comment answers them.
  struct thread {
    bool object = false;  // a single comment object instead of an array
    std::vector<comment_kind> top;
    bool customer_reply = false;
  };
  thread thread_of(const review& r) const;
  // The content of the business's answer in r's thread, if it has one: what a client should
  // call the review's reply (the dump shows it with ?annotate=true).
  std::optional<std::string_view> business_reply(const review& r) const;
  void write_thread(json_writer& w, const review& r) const;
  // parent_id 0 is null; `reply`, when set, is written as the comment's one nested reply.
  void write_comment(json_writer& w, const review& r, comment_kind kind, std::int64_t parent_id,
                     const comment_kind* reply) const;
  void write_business(json_writer& w, const business& b) const;

  // Positions in by_update_ of the first review at or after (update_date, id).
  std::size_t index_position(micros update_date, std::int64_t id) const;
  void unindex(const review& r);
  void reindex(const review& r);
  bool visible(const review& r, const review_query& q) const;
  // The reviews of by_update_[lo, hi) that the query's state filter (or the default search)
  // shows, in the query's order; cached, since a walk asks the same range page after page.
  const std::vector<std::uint32_t>& matching(std::size_t lo, std::size_t hi, const review_query& q);
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

  partoo_switches switches_;

  // What clients sent (method, target, header names), for checks against the vendor's API
  // description; bounded like the router's log.
  struct logged_request {
    std::string method;
    std::string target;
    std::vector<std::string> headers;
  };
  std::deque<logged_request> request_log_;

  struct range_cache {
    std::size_t lo = 0;
    std::size_t hi = 0;
    std::string key;  // state filter and order
    std::uint64_t generation = 0;
    bool valid = false;
    std::vector<std::uint32_t> indexes;
  } cache_;
  std::uint64_t generation_ = 0;
};

partoo_api::store::store(partoo_options options) : options_(std::move(options)), switches_(options_.switches) {
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

std::optional<reply> partoo_api::store::authenticate(const request& req) {
  // Every request that reaches the vendor's code is logged, rejected ones too.
  logged_request entry{std::string(req.http.method_string()), std::string(req.http.target()), {}};
  for (const auto& field : req.http) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    entry.headers.push_back(std::move(name));
  }
  request_log_.push_back(std::move(entry));
  if (request_log_.size() > request_log_limit) request_log_.pop_front();

  const auto it = req.http.find("x-APIKey");  // Beast compares field names case-insensitively
  if (it != req.http.end() && it->value() == options_.api_key) return std::nullopt;
  return json_reply(401, R"({"errors":{"authentication":"User not authenticated"}})");
}

void partoo_api::store::write_comment(json_writer& w, const review& r, comment_kind kind, std::int64_t parent_id,
                                      const comment_kind* reply) const {
  const business& b = businesses_[r.business];
  // A customer's comment comes before the business's answer.
  const micros at = kind == comment_kind::customer ? std::max(r.date, r.comment_date - 3600 * micros_per_second)
                                                   : r.comment_date;
  const std::string when = format_iso(at, r.offset_minutes);
  const std::int64_t base = kind == comment_kind::business ? 1'000'000 : kind == comment_kind::suggestion ? 2'000'000 : 3'000'000;
  w.begin_object();
  w.key("id").number(base + r.id);
  w.key("partner_id").string(comment_partner_id(r, b));
  w.key("created").string(when);
  switch (kind) {
    case comment_kind::business:
      w.key("author_name").string(pick(reply_authors, mix64(r.salt, 8)));
      w.key("content").string(pick(replies, mix64(r.salt, 9)));
      break;
    case comment_kind::suggestion:  // proposed to the business under its own name, not posted
      w.key("author_name").string(pick(reply_authors, mix64(r.salt, 8)));
      w.key("content").string(pick(suggestions, mix64(r.salt, 10)));
      break;
    case comment_kind::customer:  // the reviewer adds to the review
      w.key("author_name").string(author_name(r.salt));
      w.key("content").string(pick(customer_comments, mix64(r.salt, 11)));
      break;
  }
  w.key("date").string(when);
  w.key("update_date").string(when);
  w.key("can_edit").boolean(kind != comment_kind::customer && r.platform != partner::tripadvisor);
  w.key("review_id").number(r.id);
  w.key("parent_id");
  if (parent_id != 0) {
    w.number(parent_id);
  } else {
    w.null();
  }
  w.key("user_id");
  if (kind == comment_kind::customer) {
    w.null();
  } else {
    w.string(random_hex(mix64(r.salt, 7), 24));
  }
  w.key("is_reply_suggestion").boolean(kind == comment_kind::suggestion);
  w.key("replies").begin_array();
  if (reply != nullptr) write_comment(w, r, *reply, base + r.id, nullptr);
  w.end_array();
  w.end_object();
}

partoo_api::store::thread partoo_api::store::thread_of(const review& r) const {
  using k = comment_kind;
  if (!switches_.reply_threads) {
    if (r.comments == comment_shape::none) return {};
    return {r.comments == comment_shape::object, {k::business}, false};
  }
  const auto roll = mix64(r.salt, 0x7e4d) % 100;
  switch (r.comments) {
    case comment_shape::none:
      return roll < 10 ? thread{false, {k::customer}, false} : thread{};
    case comment_shape::object:
      return {true, {roll < 20 ? k::suggestion : k::business}, false};
    case comment_shape::array:
      if (roll < 15) return {false, {k::suggestion}, false};
      if (roll < 30) return {false, {k::customer, k::business}, false};
      if (roll < 40) return {false, {k::suggestion, k::business}, false};
      if (roll < 50) return {false, {k::business}, true};  // the customer answers the business
      return {false, {k::business}, false};
  }
  return {};
}

std::optional<std::string_view> partoo_api::store::business_reply(const review& r) const {
  const thread t = thread_of(r);
  if (std::find(t.top.begin(), t.top.end(), comment_kind::business) == t.top.end()) return std::nullopt;
  return pick(replies, mix64(r.salt, 9));
}

void partoo_api::store::write_thread(json_writer& w, const review& r) const {
  const thread t = thread_of(r);
  const comment_kind customer = comment_kind::customer;
  if (t.object && t.top.size() == 1) {
    write_comment(w, r, t.top.front(), 0, nullptr);
    return;
  }
  w.begin_array();
  for (const auto kind : t.top) write_comment(w, r, kind, 0, t.customer_reply ? &customer : nullptr);
  w.end_array();
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
  w.key("state");
  if (const auto state = shown_state(r, switches_.extra_states); !state.empty()) {
    w.string(state);
  } else {
    w.null();
  }
  w.key("link");
  if (r.has_link) {
    w.string(review_link(r, b));
  } else {
    w.null();
  }
  // Both shapes of the reply thread occur in the vendor's docs: clients must accept either.
  w.key("comments");
  write_thread(w, r);
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

bool partoo_api::store::visible(const review& r, const review_query& q) const {
  if (!q.states) return switches_.deleted == deleted_search::include || !is_deleted(r);
  const std::string_view state = is_deleted(r) ? "deleted"sv : shown_state(r, switches_.extra_states);
  return std::find(q.states->begin(), q.states->end(), state) != q.states->end();
}

const std::vector<std::uint32_t>& partoo_api::store::matching(std::size_t lo, std::size_t hi,
                                                              const review_query& q) {
  std::string key = q.states ? "in:" : switches_.deleted == deleted_search::include ? "all" : "live";
  if (q.states) {
    for (const auto& s : *q.states) key += s + ",";
  }
  key += q.ordering == review_order::id ? "/id" : q.ordering == review_order::ascending ? "/asc" : "/desc";
  if (cache_.valid && cache_.lo == lo && cache_.hi == hi && cache_.generation == generation_ && cache_.key == key) {
    return cache_.indexes;
  }
  cache_.indexes.clear();
  for (std::size_t k = lo; k < hi; ++k) {
    if (visible(reviews_[by_update_[k]], q)) cache_.indexes.push_back(by_update_[k]);
  }
  auto& v = cache_.indexes;
  if (q.ordering == review_order::id) {
    // Indexes into reviews_ are id - 1: sorting them sorts by id.
    std::sort(v.begin(), v.end());
  } else if (q.ordering == review_order::descending) {
    // Newest first, but equal update_dates stay in id order.
    std::stable_sort(v.begin(), v.end(), [this](std::uint32_t a, std::uint32_t b) {
      return reviews_[a].update_date > reviews_[b].update_date;
    });
  }
  cache_.lo = lo;
  cache_.hi = hi;
  cache_.key = std::move(key);
  cache_.generation = generation_;
  cache_.valid = true;
  return v;
}

reply partoo_api::store::reviews(const request& req) {
  review_query q = parse_review_query(req);
  if (switches_.ignore_order_by) q.ordering = review_order::id;
  // The 2021 description: "The response is paginated (30 results per page)".
  if (switches_.ignore_per_page) q.per_page = 30;

  // The date filters are a contiguous range of the (update_date, id) index.
  const auto first = by_update_.begin();
  std::size_t lo = 0;
  std::size_t hi = by_update_.size();
  if (q.gte) {
    lo = static_cast<std::size_t>(
        std::partition_point(first, by_update_.end(), [&](std::uint32_t i) { return reviews_[i].update_date < *q.gte; }) -
        first);
  }
  if (q.lte) {
    hi = static_cast<std::size_t>(
        std::partition_point(first, by_update_.end(), [&](std::uint32_t i) { return reviews_[i].update_date <= *q.lte; }) -
        first);
  }
  hi = std::max(hi, lo);
  const auto& chosen = matching(lo, hi, q);
  const std::size_t count = chosen.size();
  const auto size = static_cast<std::size_t>(q.per_page);
  const std::size_t max_page = std::max<std::size_t>(1, (count + size - 1) / size);
  std::size_t begin = count;
  std::size_t end = count;
  if (static_cast<std::uint64_t>(q.page) <= max_page) {
    begin = (static_cast<std::size_t>(q.page) - 1) * size;
    end = std::min(count, begin + size);
  }

  json_writer w;
  w.reserve(1024 + (end - begin) * 1500);
  w.begin_object();
  w.key("page").number(q.page);
  w.key("max_page").number(static_cast<std::int64_t>(max_page));
  w.key("count").number(static_cast<std::int64_t>(count));
  w.key("reviews").begin_array();
  for (std::size_t k = begin; k < end; ++k) write_review(w, reviews_[chosen[k]]);
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
  const std::int64_t first_page = switches_.business_first_page;
  const std::int64_t page = page_param(req, field_errors, first_page);
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
  const std::size_t pages = std::max<std::size_t>(1, (count + business_page_size - 1) / business_page_size);
  // The last page's number: pages when they count from 1, pages - 1 when from 0.
  const auto max_page = static_cast<std::int64_t>(pages) - 1 + first_page;
  std::size_t begin = count;
  std::size_t end = count;
  if (page <= max_page) {
    begin = static_cast<std::size_t>(page - first_page) * business_page_size;
    end = std::min(count, begin + business_page_size);
  }

  json_writer w;
  w.begin_object();
  w.key("page").number(page);
  w.key("max_page").number(max_page);
  w.key("count").number(static_cast<std::int64_t>(count));
  w.key("businesses").begin_array();
  for (std::size_t k = begin; k < end; ++k) write_business(w, businesses_[matching[k]]);
  w.end_array();
  w.end_object();
  return json_reply(200, w.take());
}

reply partoo_api::store::all_reviews(const request& req) const {
  // With ?annotate=true each review also carries "_business_reply": the content of the business's
  // answer in its thread, or null: what the fake knows by construction and a client must work out.
  const bool annotate = req.param("annotate") == "true";
  json_writer w;
  w.reserve(reviews_.size() * 1500 + 2);
  w.begin_array();
  for (const auto& r : reviews_) {
    if (r.purged) continue;
    if (!annotate) {
      write_review(w, r);
      continue;
    }
    json_writer one;
    write_review(one, r);
    std::string text = one.take();
    text.pop_back();  // the closing brace
    json_writer extra;
    extra.begin_object().key("_business_reply");
    if (const auto reply = business_reply(r)) {
      extra.string(*reply);
    } else {
      extra.null();
    }
    extra.end_object();
    w.raw(text + "," + extra.take().substr(1));
  }
  w.end_array();
  return json_reply(200, w.take());
}

reply partoo_api::store::settings() const { return json_reply(200, to_json(switches_)); }

reply partoo_api::store::change_settings(const request& req) {
  try {
    switches_ = with_settings(switches_, parse_json_object(req));
  } catch (const std::invalid_argument& e) {
    throw reply_error(json_reply(400, errors_json(e.what())));
  }
  ++generation_;  // cached selections depend on the switches
  return settings();
}

reply partoo_api::store::request_log() const {
  json_writer w;
  w.begin_array();
  for (const auto& entry : request_log_) {
    w.begin_object().key("method").string(entry.method).key("target").string(entry.target);
    w.key("headers").begin_array();
    for (const auto& name : entry.headers) w.string(name);
    w.end_array().end_object();
  }
  w.end_array();
  return json_reply(200, w.take());
}

reply partoo_api::store::reset_request_log() {
  request_log_.clear();
  return json_reply(200, "[]");
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
  check_mutation_keys(body);
  const std::uint64_t update_count = read_count(body, "update", 0);
  const std::uint64_t add_count = read_count(body, "add", 0);
  const std::uint64_t delete_count = read_count(body, "delete", 0);
  const std::uint64_t restore_count = read_count(body, "restore", 0);
  const std::uint64_t seed = read_count(body, "seed", 1);
  const std::uint64_t backdate_count = read_count(body, "backdate", 0);
  const std::uint64_t backdate_hours = read_count(body, "backdate_hours", 20);
  const std::uint64_t future_count = read_count(body, "future", 0);
  if (add_count > max_added_per_mutation || backdate_count > max_added_per_mutation ||
      future_count > max_added_per_mutation) {
    throw reply_error(json_reply(400, errors_json("add, backdate and future must be at most 1000000")));
  }
  if (backdate_hours > 24 * 365 * 10) {
    throw reply_error(json_reply(400, errors_json("backdate_hours must be at most 87600")));
  }
  if ((add_count > 0 || backdate_count > 0 || future_count > 0) && businesses_.empty()) {
    throw reply_error(json_reply(400, errors_json("no businesses to attach reviews to")));
  }

  // Victims depend only on the seeds and the current data; updated and deleted victims are
  // drawn together so they are distinct.
  prng rng(mix64(options_.seed, mix64(0x6d7574, seed)));
  std::vector<std::int64_t> live;
  std::vector<std::int64_t> deleted;
  for (const auto& r : reviews_) {
    if (!r.purged) (is_deleted(r) ? deleted : live).push_back(r.id);
  }
  auto changing = rng.pick_distinct(std::move(live), update_count + delete_count);
  const auto split = static_cast<std::ptrdiff_t>(std::min<std::uint64_t>(update_count, changing.size()));
  std::vector<std::int64_t> updated(changing.begin(), changing.begin() + split);
  std::vector<std::int64_t> removed(changing.begin() + split, changing.end());
  std::vector<std::int64_t> restored = rng.pick_distinct(std::move(deleted), restore_count);
  std::sort(updated.begin(), updated.end());
  std::sort(removed.begin(), removed.end());
  std::sort(restored.begin(), restored.end());

  for (const auto id : updated) update_review(id, rng);
  std::vector<std::int64_t> added;
  for (std::uint64_t k = 0; k < add_count; ++k) added.push_back(add_review(rng, tick()));
  for (const auto id : removed) {
    delete_review(id, review_state::deleted);
  }
  for (const auto id : restored) restore_review(id, false);

  json_writer w;
  w.begin_object();
  write_ids(w, "updated", updated);
  write_ids(w, "added", added);
  write_ids(w, "deleted", removed);
  write_ids(w, "restored", restored);
  // The vendor-arguing mutations draw from a stream of their own, so that the ones above pick the
  // same victims whether or not these are asked for too.
  prng more(mix64(options_.seed, mix64(0x6d7575, seed)));
  std::vector<std::int64_t> touched = updated;
  for (const auto* ids : {&removed, &restored}) touched.insert(touched.end(), ids->begin(), ids->end());
  std::sort(touched.begin(), touched.end());
  mutate_more(body, more, backdate_count, backdate_hours, future_count, touched, w);
  w.end_object();
  ++generation_;
  return json_reply(200, w.take());
}

// `touched`: ids this mutation already changed (sorted); each review changes once per mutation.
void partoo_api::store::mutate_more(const boost::json::object& body, prng& rng, std::uint64_t backdate_count,
                                    std::uint64_t backdate_hours, std::uint64_t future_count,
                                    std::vector<std::int64_t>& touched, json_writer& w) {
  // Late arrivals: new reviews whose update_date lies in the past (Partoo fetches the platforms
  // about daily, and update_date may be the platform's own date), below a client's cursor.
  std::vector<std::int64_t> backdated;
  const micros back = static_cast<micros>(backdate_hours) * 3600 * micros_per_second;
  for (std::uint64_t k = 0; k < backdate_count; ++k) backdated.push_back(add_review(rng, tick() - back));
  write_ids(w, "backdated", backdated);

  // Dated in the future: 9999-12-31T23:00:00-05:00, which is past the year 9999 in UTC.
  std::vector<std::int64_t> future;
  for (std::uint64_t k = 0; k < future_count; ++k) {
    tick();
    future.push_back(add_review(rng, far_future, std::int16_t{-300}));
  }
  write_ids(w, "future", future);

  // Silent hard deletion: gone from every answer, as if it had never existed.
  std::vector<std::int64_t> purged = pick_reviews(rng, read_count(body, "purge", 0), false, touched);
  for (const auto id : purged) {
    review& r = reviews_[static_cast<std::size_t>(id - 1)];
    unindex(r);
    r.purged = true;
  }
  write_ids(w, "purged", purged);

  // Deleted with a delete_date and `"state": null`.
  std::vector<std::int64_t> stateless = pick_reviews(rng, read_count(body, "delete_without_state", 0), false, touched);
  for (const auto id : stateless) delete_review(id, review_state::none);
  write_ids(w, "deleted_without_state", stateless);

  // Restored (state treated again) with the old delete_date left in place.
  std::vector<std::int64_t> stale = pick_reviews(rng, read_count(body, "restore_stale", 0), true, touched);
  for (const auto id : stale) restore_review(id, true);
  write_ids(w, "restored_stale", stale);
}

// `count` distinct live (or deleted) reviews not yet touched, in id order; adds them to `touched`.
std::vector<std::int64_t> partoo_api::store::pick_reviews(prng& rng, std::uint64_t count, bool deleted,
                                                          std::vector<std::int64_t>& touched) {
  std::vector<std::int64_t> candidates;
  for (const auto& r : reviews_) {
    if (!r.purged && is_deleted(r) == deleted && !std::binary_search(touched.begin(), touched.end(), r.id)) {
      candidates.push_back(r.id);
    }
  }
  auto picked = rng.pick_distinct(std::move(candidates), count);
  std::sort(picked.begin(), picked.end());
  touched.insert(touched.end(), picked.begin(), picked.end());
  std::sort(touched.begin(), touched.end());
  return picked;
}

void partoo_api::store::update_review(std::int64_t id, prng& rng) {
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

std::int64_t partoo_api::store::add_review(prng& rng, micros update_date, std::optional<std::int16_t> offset_minutes) {
  const auto id = static_cast<std::int64_t>(reviews_.size() + 1);
  prng add_rng(mix64(rng.next(), static_cast<std::uint64_t>(id)));
  review r = make_review(add_rng, id, update_date);
  r.date = r.update_date;
  r.comment_date = r.update_date;
  r.comments = comment_shape::none;
  r.state = review_state::not_treated;
  r.has_delete_date = false;
  if (offset_minutes) r.offset_minutes = *offset_minutes;
  reviews_.push_back(r);
  reindex(r);
  return id;
}

void partoo_api::store::delete_review(std::int64_t id, review_state state) {
  review& r = reviews_[static_cast<std::size_t>(id - 1)];
  unindex(r);
  r.update_date = tick();
  r.delete_date = r.update_date;
  r.has_delete_date = true;
  r.state = state;
  reindex(r);
}

void partoo_api::store::restore_review(std::int64_t id, bool keep_delete_date) {
  review& r = reviews_[static_cast<std::size_t>(id - 1)];
  unindex(r);
  r.update_date = tick();
  r.has_delete_date = keep_delete_date;
  r.state = review_state::treated;
  reindex(r);
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

  routes.add_control(verb::get, "/_control/partoo/reviews", [&s](const request& req) { return s.all_reviews(req); });
  routes.add_control(verb::get, "/_control/partoo/settings", [&s](const request&) { return s.settings(); });
  routes.add_control(verb::post, "/_control/partoo/settings", [&s](const request& req) { return s.change_settings(req); });
  routes.add_control(verb::get, "/_control/partoo/requests", [&s](const request&) { return s.request_log(); });
  routes.add_control(verb::post, "/_control/partoo/requests/reset", [&s](const request&) { return s.reset_request_log(); });
  routes.add_control(verb::get, "/_control/partoo/businesses", [&s](const request&) { return s.all_businesses(); });
  routes.add_control(verb::post, "/_control/partoo/mutate", [&s](const request& req) { return s.mutate(req); });
  routes.add_control(verb::post, "/_control/partoo/businesses/mutate",
                     [&s](const request& req) { return s.mutate_businesses(req); });
}

}  // namespace sluice::fakeapi
